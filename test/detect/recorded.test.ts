/**
 * End-to-end diagnosis of the recorded captures (fixtures/recorded/README.md): real kernel TCP on
 * loopback, sipp as the client. Each finding's filter must show its evidence in tshark.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyze } from "../../src/analyze/index.js";
import type { Report } from "../../src/report/model.js";
import { RECORDED } from "../helpers/corpus.js";
import { codes, frames, one } from "../helpers/analyze.js";
import { hasTshark, tsharkFields } from "../helpers/tshark.js";

function report(name: string): Promise<Report> {
  return analyze([{ input: join(RECORDED, name), name }]);
}

/** filtersShowEvidence checks with tshark that every finding's filter shows its evidence frames. */
function filtersShowEvidence(name: string, r: Report): void {
  if (!hasTshark()) return;
  for (const f of r.findings) {
    const shown = new Set(tsharkFields(join(RECORDED, name), f.filter, ["frame.number"]).map(([n]) => Number(n)));
    expect(frames(f).filter((n) => !shown.has(n)), `${f.code}: ${f.filter}`).toEqual([]);
  }
}

describe("recorded captures", () => {
  it("tcp_register_unanswered: the registrar's TCP acknowledged the REGISTER, the registrar never answered", async () => {
    const r = await report("tcp_register_unanswered.pcap");
    expect(codes(r)).toEqual(["error:registration_timeout"]);
    const f = one(r, "registration_timeout");
    expect(f.title).toBe("Registration of sip:alice@example.test timed out: no response from 127.0.0.20:5060 over TCP");
    expect(frames(f)).toEqual([4, 5]);
    expect(f.explanation).toContain("The server's TCP acknowledged the REGISTER in frame 5, within a millisecond: it reached 127.0.0.20, and the SIP server did not answer it.");
    expect(f.fix[0]).toMatch(/^Read the registrar's log/);
    filtersShowEvidence("tcp_register_unanswered.pcap", r);
  });

  it("tcp_register_closed: the registrar acknowledged the REGISTER, then closed the connection without answering", async () => {
    const r = await report("tcp_register_closed.pcap");
    expect(codes(r)).toEqual(["error:registration_timeout"]);
    const f = one(r, "registration_timeout");
    expect(frames(f)).toEqual([4, 5, 6]);
    expect(f.evidence[2].text).toBe("FIN from 127.0.0.23: the server ended the connection without answering");
    expect(f.explanation).toContain("it reached 127.0.0.23, and then the server closed the connection (frame 6) without answering");
    expect(f.fix).toEqual(["Read the server's log for Call-ID 1-6279@127.0.0.13 and for why it ended the connection from 127.0.0.13:5073 without answering (connection limits, transport or TLS policy, an ACL, a crash)."]);
    expect(f.filter).toBe('sip.Call-ID == "1-6279@127.0.0.13" || frame.number == 5 || frame.number == 6');
    filtersShowEvidence("tcp_register_closed.pcap", r);
  });

  it("tcp_refused: a SYN answered by a reset, and no SIP at all", async () => {
    const r = await report("tcp_refused.pcap");
    expect(r.summary.sipMessages).toBe(0);
    expect(codes(r)).toEqual(["error:tcp_connect_failed"]);
    const f = one(r, "tcp_connect_failed");
    expect(f.title).toBe("TCP connection to 127.0.0.21:5060 refused: 1 attempt from 127.0.0.11 answered with a reset");
    expect(frames(f)).toEqual([1, 2]);
    filtersShowEvidence("tcp_refused.pcap", r);
  });

  it("tcp_syn_unanswered: SYNs dropped by a firewall, resent by the kernel for 19 s", async () => {
    const r = await report("tcp_syn_unanswered.pcap");
    expect(codes(r)).toEqual(["error:tcp_connect_failed"]);
    const f = one(r, "tcp_connect_failed");
    expect(f.title).toBe("TCP connection to 127.0.0.22:5060 never answered: 1 attempt from 127.0.0.12, 9 SYNs over 19.391 s");
    expect(frames(f)).toEqual([1, 9]);
    expect(f.explanation).toContain("No attempt got any answer, neither SYN-ACK nor reset");
    filtersShowEvidence("tcp_syn_unanswered.pcap", r);
  });
});

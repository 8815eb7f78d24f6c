/**
 * registration_timeout counts the REGISTERs that went unanswered at the end of a registration, one
 * after the other. An answer between two silences shows the registrar was reachable then: the
 * earlier silence is not part of this timeout (found on the 1 GB benchmark, where a phone's
 * unanswered REGISTER of minute 1 was added to its timeout in minute 2 after two successes).
 */
import { describe, expect, it } from "vitest";
import { analyze } from "../../src/analyze/index.js";
import type { Report } from "../../src/report/model.js";
import * as S from "../../src/synth/index.js";
import { bytesOf, PHONE, REGISTRAR, T0 } from "../limits/build.js";

const S_NS = 1_000_000_000n;
/** RFC 3261 §17.1.2.2 over UDP: T1 = 500 ms doubling up to T2 = 4 s, until Timer F (32 s). */
const RETRANSMIT_S = [0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5];

interface Step {
  atS: number;
  cseq: number;
  /** Absent: the REGISTER is never answered and goes out on the whole retransmission schedule. */
  status?: number;
}

function register(cseq: number): string {
  return (
    `REGISTER sip:example.test SIP/2.0\r\nVia: SIP/2.0/UDP ${PHONE.ip}:${PHONE.port};branch=z9hG4bK-t${cseq};rport\r\n` +
    `From: <sip:alice@example.test>;tag=a1\r\nTo: <sip:alice@example.test>\r\nCall-ID: timeout-test@${PHONE.ip}\r\n` +
    `CSeq: ${cseq} REGISTER\r\nMax-Forwards: 70\r\nContact: <sip:alice@${PHONE.ip}:${PHONE.port}>\r\nExpires: 60\r\nContent-Length: 0\r\n\r\n`
  );
}

function answer(cseq: number, status: number): string {
  return (
    `SIP/2.0 ${status} ${status === 200 ? "OK" : "Error"}\r\nVia: SIP/2.0/UDP ${PHONE.ip}:${PHONE.port};branch=z9hG4bK-t${cseq};rport=${PHONE.port};received=${PHONE.ip}\r\n` +
    `From: <sip:alice@example.test>;tag=a1\r\nTo: <sip:alice@example.test>;tag=r1\r\nCall-ID: timeout-test@${PHONE.ip}\r\n` +
    `CSeq: ${cseq} REGISTER\r\nContact: <sip:alice@${PHONE.ip}:${PHONE.port}>;expires=60\r\nContent-Length: 0\r\n\r\n`
  );
}

/** run writes the steps as one UDP capture (LINKTYPE_RAW), analyses it and returns the report. */
async function run(steps: Step[]): Promise<Report> {
  const packets: { ts: bigint; bytes: Uint8Array }[] = [];
  for (const s of steps) {
    const at = T0 + BigInt(s.atS) * S_NS;
    const request = S.udpPacket({ src: PHONE, dst: REGISTRAR, payload: S.toBytes(register(s.cseq)) });
    if (s.status === undefined) for (const r of RETRANSMIT_S) packets.push({ ts: at + BigInt(r * 1000) * 1_000_000n, bytes: request });
    else {
      packets.push({ ts: at, bytes: request });
      packets.push({ ts: at + 20_000_000n, bytes: S.udpPacket({ src: REGISTRAR, dst: PHONE, payload: S.toBytes(answer(s.cseq, s.status)) }) });
    }
  }
  const w = new S.PcapWriter({ linkType: S.LINKTYPE.RAW });
  for (const p of packets.sort((a, b) => (a.ts < b.ts ? -1 : 1))) w.writePacket(p.ts, p.bytes);
  return analyze([{ input: bytesOf(Uint8Array.from(w.toBytes())), name: "timeout.pcap" }]);
}

function timeoutOf(r: Report): { title: string; frames: number[] } {
  const found = r.findings.filter((f) => f.code === "registration_timeout");
  expect(found).toHaveLength(1);
  return { title: found[0].title, frames: found[0].evidence.map((e) => e.frame) };
}

describe("registration_timeout", () => {
  it("leaves out a silence that an answer followed", async () => {
    // Frames 1-11: CSeq 1 unanswered; 12-13: CSeq 2 answered 200; 14-24: CSeq 3 unanswered.
    const r = await run([{ atS: 0, cseq: 1 }, { atS: 100, cseq: 2, status: 200 }, { atS: 200, cseq: 3 }]);
    const t = timeoutOf(r);
    expect(t.title).toBe(`Registration of sip:alice@example.test timed out: 11 transmissions over 31.5 s, no response from ${REGISTRAR.ip}:${REGISTRAR.port}`);
    expect(Math.min(...t.frames)).toBe(14);
  });

  it("names a one-direction capture as the other reading when no SIP toward the client is in it", async () => {
    const silent = (await run([{ atS: 0, cseq: 1 }])).findings.find((f) => f.code === "registration_timeout");
    expect(silent?.explanation).toContain(
      `Either the packets are silently dropped (a firewall, a wrong registrar address or port, a routing problem, or a registrar that is down behind a filter), or the capture was taken on one direction only: it holds no SIP message toward ${PHONE.ip} at all`,
    );
    // An answer earlier in the capture shows the capture sees the client's side.
    const seen = (await run([{ atS: 0, cseq: 1, status: 200 }, { atS: 100, cseq: 2 }])).findings.find((f) => f.code === "registration_timeout");
    expect(seen?.explanation).toContain("No ICMP error came back either, so the packets are silently dropped");
    expect(seen?.explanation).not.toContain("one direction");
  });

  it("counts every REGISTER of a silence that lasts", async () => {
    const r = await run([{ atS: 0, cseq: 1, status: 200 }, { atS: 100, cseq: 2 }, { atS: 200, cseq: 3 }]);
    const t = timeoutOf(r);
    expect(t.title).toBe(`Registration of sip:alice@example.test timed out: 2 REGISTERs, 22 transmissions over 131.5 s, no response from ${REGISTRAR.ip}:${REGISTRAR.port}`);
    expect(t.frames).toEqual([3, 14]);
  });
});

/**
 * Over TCP a request is sent once (RFC 3261 §17.1.1.2), so "no ICMP came back: silently dropped"
 * is not the story: the server's TCP acknowledgement tells whether the request reached the server
 * host (found on the public heplify TCP capture, where the server ACKed an INVITE in the next
 * frame and never answered it).
 */
describe("timeouts over TCP", () => {
  const CLIENT = { ip: PHONE.ip, port: 40123 };

  /**
   * tcpRun writes one TCP connection carrying `request` (the server answers nothing) and, 40 s
   * later, an unrelated UDP packet that ends the capture after Timer F/B. `acks` is the server's
   * pure-ACK policy; returns the report and the frame numbers of the request and of the server's
   * first ACK after it.
   */
  async function tcpRun(request: string, acks: "every" | "none"): Promise<{ r: Report; requestFrame: number; ackFrame?: number }> {
    const segs = S.tcpConversation({ client: CLIENT, server: REGISTRAR, close: "none", acks, writes: [{ from: "client", data: request }] });
    const w = new S.PcapWriter({ linkType: S.LINKTYPE.RAW });
    let ts = T0;
    for (const seg of segs) w.writePacket((ts += 2_000_000n), S.tcpPacket(seg));
    w.writePacket(ts + 40n * S_NS, S.udpPacket({ src: { ip: "192.0.2.1", port: 53 }, dst: { ip: "192.0.2.2", port: 53 }, payload: new Uint8Array(12) }));
    const r = await analyze([{ input: bytesOf(Uint8Array.from(w.toBytes())), name: "tcp-timeout.pcap" }]);
    const requestFrame = segs.findIndex((s) => s.kind === "data") + 1;
    const ack = segs.findIndex((s, i) => i >= requestFrame && s.from === "server");
    return { r, requestFrame, ackFrame: ack < 0 ? undefined : ack + 1 };
  }

  const tcpRegister = register(1).replace("SIP/2.0/UDP", "SIP/2.0/TCP");
  const invite =
    `INVITE sip:bob@example.test SIP/2.0\r\nVia: SIP/2.0/TCP ${PHONE.ip}:${CLIENT.port};branch=z9hG4bK-inv1\r\n` +
    `From: <sip:alice@example.test>;tag=a1\r\nTo: <sip:bob@example.test>\r\nCall-ID: invite-timeout@${PHONE.ip}\r\n` +
    `CSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContact: <sip:alice@${PHONE.ip}:${CLIENT.port};transport=tcp>\r\nContent-Length: 0\r\n\r\n`;

  it("a REGISTER the server's TCP acknowledged reached the server: the registrar stayed silent", async () => {
    const { r, requestFrame, ackFrame } = await tcpRun(tcpRegister, "every");
    expect(ackFrame).toBe(requestFrame + 1);
    const f = r.findings.find((x) => x.code === "registration_timeout");
    expect(f?.title).toBe(`Registration of sip:alice@example.test timed out: no response from ${REGISTRAR.ip}:${REGISTRAR.port} over TCP`);
    expect(f?.evidence.map((e) => e.frame)).toEqual([requestFrame, ackFrame]);
    expect(f?.evidence[1].text).toBe(`TCP acknowledgement from ${REGISTRAR.ip}: the REGISTER reached the server host (0.002 s after it was sent)`);
    expect(f?.explanation).toContain(`The server's TCP acknowledged the REGISTER in frame ${ackFrame}, 0.002 s after it was sent: it reached ${REGISTRAR.ip}, and the SIP server did not answer it.`);
    expect(f?.explanation).not.toMatch(/retransmit|silently dropped/);
    expect(f?.fix[0]).toMatch(/^Read the registrar's log for Call-ID timeout-test@/);
    expect(f?.filter).toBe(`sip.Call-ID == "timeout-test@${PHONE.ip}" || frame.number == ${ackFrame}`);
  });

  it("a REGISTER never acknowledged did not reach the server's TCP (or the capture misses it)", async () => {
    const { r, requestFrame } = await tcpRun(tcpRegister, "none");
    const f = r.findings.find((x) => x.code === "registration_timeout");
    expect(f?.evidence.map((e) => e.frame)).toEqual([requestFrame]);
    expect(f?.explanation).toContain(`The server's TCP never acknowledged the REGISTER in the capture: its bytes did not reach ${REGISTRAR.ip}`);
    expect(f?.fix[0]).toMatch(/^Check that the registrar address and port/);
    expect(f?.filter).toBe(`sip.Call-ID == "timeout-test@${PHONE.ip}"`);
  });

  it("a REGISTER the server's TCP reset before acknowledging it: the server did not take it", async () => {
    const segs = S.tcpConversation({ client: CLIENT, server: REGISTRAR, close: "none", acks: "none", writes: [{ from: "client", data: tcpRegister }] });
    const data = segs.find((x) => x.kind === "data");
    const w = new S.PcapWriter({ linkType: S.LINKTYPE.RAW });
    let ts = T0;
    for (const seg of segs) w.writePacket((ts += 2_000_000n), S.tcpPacket(seg));
    // The server resets with its own sequence number, acknowledging nothing of the REGISTER.
    w.writePacket((ts += 2_000_000n), S.tcpPacket({ src: REGISTRAR, dst: CLIENT, seq: data?.ack ?? 0, flags: S.TCP_FLAGS.RST }));
    w.writePacket(ts + 40n * S_NS, S.udpPacket({ src: { ip: "192.0.2.1", port: 53 }, dst: { ip: "192.0.2.2", port: 53 }, payload: new Uint8Array(12) }));
    const r = await analyze([{ input: bytesOf(Uint8Array.from(w.toBytes())), name: "tcp-reset.pcap" }]);
    const f = r.findings.find((x) => x.code === "registration_timeout");
    const resetFrame = segs.length + 1;
    expect(f?.evidence.map((e) => e.frame)).toEqual([resetFrame - 1, resetFrame]);
    expect(f?.evidence[1].text).toBe(`reset (RST) from ${REGISTRAR.ip}: the server ended the connection without answering`);
    expect(f?.explanation).toContain(`The server reset the connection (frame ${resetFrame}) without acknowledging the REGISTER: it did not take the request.`);
    expect(f?.fix[0]).toMatch(/and for why it ended the connection from 198\.51\.100\.20:40123 without answering/);
  });

  it("an INVITE acknowledged by TCP and never answered: request_timeout names the ACK", async () => {
    const { r, requestFrame, ackFrame } = await tcpRun(invite, "every");
    const f = r.findings.find((x) => x.code === "request_timeout");
    expect(f?.title).toBe(`INVITE to ${REGISTRAR.ip}:${REGISTRAR.port} over TCP got no final response`);
    expect(f?.evidence.map((e) => e.frame)).toEqual([requestFrame, ackFrame]);
    expect(f?.explanation).toContain("Over TCP SIP sends a request once and leaves retransmission to the transport (RFC 3261 §17.1.1.2).");
    expect(f?.explanation).toContain(`acknowledged the INVITE in frame ${ackFrame}`);
    expect(f?.fix).toEqual([`Read the server's log for Call-ID invite-timeout@${PHONE.ip}: it received the INVITE and did not answer (overloaded or hung, or a rate limit or ACL that drops requests silently).`]);
  });
});

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

  it("counts every REGISTER of a silence that lasts", async () => {
    const r = await run([{ atS: 0, cseq: 1, status: 200 }, { atS: 100, cseq: 2 }, { atS: 200, cseq: 3 }]);
    const t = timeoutOf(r);
    expect(t.title).toBe(`Registration of sip:alice@example.test timed out: 2 REGISTERs, 22 transmissions over 131.5 s, no response from ${REGISTRAR.ip}:${REGISTRAR.port}`);
    expect(t.frames).toEqual([3, 14]);
  });
});

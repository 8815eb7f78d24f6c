/**
 * A registration's source ports (NAT rebinding, RFC 3581 §1): every change between REGISTERs is
 * counted, and the list of ports seen stays bounded whatever a client does.
 */
import { describe, expect, it } from "vitest";
import { Correlator } from "../../src/correlate/correlator.js";
import type { CapturedMessage } from "../../src/extract/model.js";
import { parseSip } from "../../src/sip/parse.js";

/** registerFrom is REGISTER number `n` of alice, sent from 192.0.2.10:`port` (unanswered). */
function registerFrom(n: number, port: number): CapturedMessage {
  const text =
    `REGISTER sip:example.test SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:${port};branch=z9hG4bK-p${n}\r\n` +
    `From: <sip:alice@example.test>;tag=1\r\nTo: <sip:alice@example.test>\r\nCall-ID: ports-test\r\nCSeq: ${n} REGISTER\r\n` +
    `Max-Forwards: 70\r\nContact: <sip:alice@192.0.2.10:${port}>\r\nContent-Length: 0\r\n\r\n`;
  const bytes = new TextEncoder().encode(text);
  const { message, issues } = parseSip(bytes);
  return {
    frame: n, frames: [n], tsNs: 1_700_000_000_000_000_000n + BigInt(n) * 1_000_000_000n, relNs: BigInt(n) * 1_000_000_000n,
    src: "192.0.2.10", srcPort: port, dst: "198.51.100.1", dstPort: 5060, transport: "UDP", ipVersion: 4, capture: 0, bytes, message, issues,
  };
}

function registration(ports: number[]) {
  const c = new Correlator();
  ports.forEach((port, i) => c.add(registerFrom(i + 1, port)));
  const regs = c.finish().registrations;
  expect(regs).toHaveLength(1);
  return regs[0];
}

describe("registration source ports", () => {
  it("counts each REGISTER sent from another port than the one before", () => {
    const reg = registration([5060, 5060, 40000, 40000, 5060]);
    expect(reg.portChanges).toBe(2);
    expect(reg.clientPorts).toEqual([5060, 40000]);
  });

  it("lists the first 16 ports of a client using a new one for every REGISTER, and counts every change", () => {
    const ports = Array.from({ length: 300 }, (_, i) => 20000 + i);
    const reg = registration(ports);
    expect(reg.portChanges).toBe(299);
    expect(reg.clientPorts).toEqual(ports.slice(0, 16));
    expect(reg.attemptCount).toBe(300);
  });
});

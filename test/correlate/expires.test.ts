/**
 * The expiry a REGISTER 2xx granted (RFC 3261 §10.3 step 8): the 200 lists every binding of the
 * AOR, so the granted expiry is that of the Contact matching the request's, compared as a URI
 * without angle brackets or parameters and ignoring case; else the Expires header.
 */
import { describe, expect, it } from "vitest";
import { Correlator } from "../../src/correlate/correlator.js";
import type { CapturedMessage } from "../../src/extract/model.js";
import { parseSip } from "../../src/sip/parse.js";

const PHONE = { ip: "192.0.2.10", port: 5060 };
const REGISTRAR = { ip: "198.51.100.1", port: 5060 };

function captured(frame: number, text: string, fromPhone: boolean): CapturedMessage {
  const bytes = new TextEncoder().encode(text);
  const { message, issues } = parseSip(bytes);
  const [a, b] = fromPhone ? [PHONE, REGISTRAR] : [REGISTRAR, PHONE];
  return {
    frame, frames: [frame], tsNs: 1_700_000_000_000_000_000n + BigInt(frame) * 1_000_000n, relNs: BigInt(frame) * 1_000_000n,
    src: a.ip, srcPort: a.port, dst: b.ip, dstPort: b.port, transport: "UDP", ipVersion: 4, capture: 0, bytes, message, issues,
  };
}

const common = (branch: string): string =>
  `Via: SIP/2.0/UDP 192.0.2.10:5060;branch=${branch}\r\nFrom: <sip:alice@example.test>;tag=1\r\n` +
  `Call-ID: expires-test\r\nCSeq: 1 REGISTER\r\n`;

function granted(requestContact: string, responseContacts: string, expiresHeader = ""): number | undefined {
  const c = new Correlator();
  c.add(captured(1, `REGISTER sip:example.test SIP/2.0\r\n${common("z9hG4bK-e1")}To: <sip:alice@example.test>\r\nMax-Forwards: 70\r\nContact: ${requestContact}\r\nContent-Length: 0\r\n\r\n`, true));
  c.add(captured(2, `SIP/2.0 200 OK\r\n${common("z9hG4bK-e1")}To: <sip:alice@example.test>;tag=r\r\nContact: ${responseContacts}\r\n${expiresHeader}Content-Length: 0\r\n\r\n`, false));
  return c.finish().registrations[0]?.expiresGranted;
}

describe("expiry granted by a REGISTER 2xx", () => {
  it("is the matching binding's, among all the AOR's bindings", () => {
    expect(granted("<sip:alice@192.0.2.10:5060;transport=udp>", "<sip:alice@192.0.2.99>;expires=100, <sip:alice@192.0.2.10:5060>;expires=1800")).toBe(1800);
  });

  it("matches ignoring case, brackets and URI parameters", () => {
    expect(granted("<sip:Alice@192.0.2.10:5060>", "<sip:bob@192.0.2.11>;expires=60, sip:ALICE@192.0.2.10:5060;ob;expires=900")).toBe(900);
  });

  it("falls back to the only binding, then to the Expires header", () => {
    expect(granted("<sip:alice@192.0.2.10>", "<sip:alice@10.0.0.1>;expires=300")).toBe(300);
    expect(granted("<sip:alice@192.0.2.10>", "<sip:x@10.0.0.1>;expires=30, <sip:y@10.0.0.2>;expires=40", "Expires: 120\r\n")).toBe(120);
  });
});

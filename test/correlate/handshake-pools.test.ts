/**
 * Which authentication cycles are kept in detail when there are more than the limit: failures and
 * successes that needed a second try are kept per identity, so one phone failing all day cannot
 * crowd out another that starts failing later.
 */
import { describe, expect, it } from "vitest";
import { Correlator, DEFAULT_CORRELATION_LIMITS } from "../../src/correlate/correlator.js";
import type { CapturedMessage } from "../../src/extract/model.js";
import { parseSip } from "../../src/sip/index.js";

const REGISTRAR = { ip: "203.0.113.10", port: 5060 };

/** Builds the messages of REGISTER → 401 → REGISTER with credentials → `final`, for one user on a new Call-ID. */
function cycle(user: string, ip: string, n: number, final: string): string[] {
  const head = (branch: string, cseq: number): string =>
    `Via: SIP/2.0/UDP ${ip}:5060;branch=z9hG4bK-${user}-${n}-${branch}\r\nFrom: <sip:${user}@example.test>;tag=t${n}\r\n` +
    `To: <sip:${user}@example.test>\r\nCall-ID: ${user}-${n}@${ip}\r\nCSeq: ${cseq} REGISTER\r\n`;
  const challenge = `WWW-Authenticate: Digest realm="example.test", nonce="${user}${n}", qop="auth", algorithm=MD5\r\n`;
  const auth =
    `Authorization: Digest username="${user}", realm="example.test", nonce="${user}${n}", uri="sip:example.test", ` +
    `response="0123456789abcdef0123456789abcdef", qop=auth, nc=00000001, cnonce="c${n}", algorithm=MD5\r\n`;
  return [
    `REGISTER sip:example.test SIP/2.0\r\n${head("a", 1)}Contact: <sip:${user}@${ip}:5060>\r\nContent-Length: 0\r\n\r\n`,
    `SIP/2.0 401 Unauthorized\r\n${head("a", 1)}${challenge}Content-Length: 0\r\n\r\n`,
    `REGISTER sip:example.test SIP/2.0\r\n${head("b", 2)}Contact: <sip:${user}@${ip}:5060>\r\n${auth}Content-Length: 0\r\n\r\n`,
    `SIP/2.0 ${final}\r\n${head("b", 2)}${final.startsWith("401") ? challenge : ""}Content-Length: 0\r\n\r\n`,
  ];
}

function feed(correlator: Correlator, texts: string[], ip: string, start: { frame: number; tsNs: bigint }): void {
  for (const text of texts) {
    const bytes = new TextEncoder().encode(text);
    const { message, issues } = parseSip(bytes);
    const request = text.startsWith("REGISTER");
    const m: CapturedMessage = {
      frame: ++start.frame, frames: [start.frame], tsNs: (start.tsNs += 10_000_000n), relNs: 0n,
      src: request ? ip : REGISTRAR.ip, srcPort: 5060, dst: request ? REGISTRAR.ip : ip, dstPort: 5060,
      transport: "UDP", ipVersion: 4, capture: 0, bytes, message, issues,
    };
    correlator.add(m);
  }
}

describe("kept handshakes", () => {
  it("a phone failing 40 times keeps 8 cycles in detail; a phone failing later is still kept; every cycle is counted", () => {
    const limits = { ...DEFAULT_CORRELATION_LIMITS, handshakes: { maxKept: 5, maxOpen: 100 } };
    const c = new Correlator(limits);
    const clock = { frame: 0, tsNs: 1_800_000_000_000_000_000n };
    for (let n = 0; n < 40; n++) feed(c, cycle("alice", "198.51.100.20", n, "401 Unauthorized"), "198.51.100.20", clock);
    // Plain successes beyond maxKept are counted, not kept.
    for (let n = 0; n < 20; n++) feed(c, cycle(`u${n}`, `198.51.100.${100 + n}`, n, "200 OK"), `198.51.100.${100 + n}`, clock);
    feed(c, cycle("bob", "198.51.100.30", 0, "403 Forbidden"), "198.51.100.30", clock);
    const r = c.finish(clock.tsNs);
    const kept = (user: string): number => r.handshakes.filter((h) => h.fromUri === `sip:${user}@example.test`).length;
    expect(kept("alice")).toBe(8);
    expect(kept("bob")).toBe(1);
    expect(r.handshakes.filter((h) => h.outcome === "success")).toHaveLength(5);
    expect(r.handshakeStats.total).toBe(61);
    expect(r.handshakeStats.foldedFailures).toBe(32);
    expect(r.handshakeStats.foldedSuccesses).toBe(15);
    expect(r.handshakeStats.byOutcome).toMatchObject({ rechallenged: 40, success: 20, forbidden: 1 });
  });

  it("a client retrying with a new Call-ID every time stays one cycle, with its first 16 Call-IDs listed", () => {
    // RFC 3261 §22.2 lets a retry take a new Call-ID: such retries join the identity's open cycle.
    const c = new Correlator();
    const clock = { frame: 0, tsNs: 1_800_000_000_000_000_000n };
    for (let n = 0; n < 30; n++) {
      // The first time the whole exchange; then only the authenticated REGISTER and its 401.
      const texts = cycle("carol", "198.51.100.40", n, "401 Unauthorized");
      feed(c, n === 0 ? texts : texts.slice(2), "198.51.100.40", clock);
    }
    const r = c.finish(clock.tsNs);
    expect(r.handshakes).toHaveLength(1);
    const [hs] = r.handshakes;
    expect(hs.attemptCount).toBe(31);
    expect(hs.callIds).toEqual(Array.from({ length: 16 }, (_, n) => `carol-${n}@198.51.100.40`));
  });
});

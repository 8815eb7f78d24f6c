// Property tests: arbitrary bytes and mutated real messages never make the parser throw, issue
// offsets stay inside the message, and parsing is deterministic, with every accessor exercised.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { parseSip } from "../../src/sip/parse.js";
import { apply, mutation, SEEDS, snapshot } from "./helpers.js";

/** check parses bytes, runs every accessor and checks the invariants; returns the snapshot. */
function check(bytes: Uint8Array): unknown {
  const r = parseSip(bytes);
  const snap = r.message === null ? null : snapshot(r.message);
  for (const i of r.issues) {
    expect(typeof i.code).toBe("string");
    expect(i.offset).toBeGreaterThanOrEqual(0);
    expect(i.offset).toBeLessThanOrEqual(bytes.length);
  }
  if (r.message === null) expect(r.issues.map((i) => i.code)).toEqual(["not_sip"]);
  return { snap, issues: r.issues };
}

describe("parser properties", () => {
  test("arbitrary bytes never throw; offsets in range; deterministic", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        expect(check(bytes)).toEqual(check(bytes));
      }),
      { numRuns: 400 },
    );
  });

  test("SIP-looking random text never throws", () => {
    const piece = fc.constantFrom(
      "INVITE ", "SIP/2.0", " ", "\r\n", "\n", ":", ";", ",", "=", '"', "<", ">", "sip:", "@", "Via", "From", "To", "v", "m",
      "Contact", "CSeq", "Call-ID", "WWW-Authenticate", "Authorization", "Digest", "realm", "nonce", "qop", "branch",
      "rport", "received", "tag", "expires", "1", "99999999999999999999", "[::1]", "%", "\\", "\t", "Content-Length",
      "Content-Type", "application/sdp", "v=0", "o=", "c=IN IP4 1.2.3.4", "m=audio 1 RTP/AVP 0",
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 120 }), (pieces) => {
        const bytes = new Uint8Array(Buffer.from(pieces.join(""), "latin1"));
        expect(check(bytes)).toEqual(check(bytes));
      }),
      { numRuns: 400 },
    );
  });

  test("mutated real and RFC 4475 messages never throw; offsets in range; deterministic", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: SEEDS.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 6 }), (i, edits) => {
        const bytes = apply(SEEDS[i], edits);
        expect(check(bytes)).toEqual(check(bytes));
      }),
      { numRuns: 600 },
    );
  });

  test("every seed message parses and is stable", () => {
    for (const s of SEEDS) {
      const r = parseSip(s, { eager: true });
      expect(r.message).not.toBeNull();
      expect(check(s)).toEqual(check(s));
    }
  });
});

// Property tests: arbitrary bytes and mutated real messages never make the parser throw, issue
// offsets stay inside the message, and parsing is deterministic, with every accessor exercised.
import fc from "fast-check";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { parseSip } from "../../src/sip/parse.js";
import { lab, snapshot, torture } from "./helpers.js";

/** dir lists the fixture files of a folder with the given extension. */
const dir = (d: string, ext: string) => readdirSync(fileURLToPath(new URL(`./${d}/`, import.meta.url))).filter((f) => f.endsWith(ext));
const SEEDS: Uint8Array[] = [
  ...dir("lab", ".sip").map((f) => lab(f.replace(/\.sip$/, ""))),
  ...dir("torture", ".txt").map((f) => torture(f.replace(/\.txt$/, ""))),
];

/** Mutation is one edit of a message. */
type Mutation =
  | { op: "flip"; at: number; bit: number }
  | { op: "truncate"; at: number }
  | { op: "insert"; at: number; bytes: Uint8Array }
  | { op: "deleteCr" }
  | { op: "dupLine"; at: number }
  | { op: "deleteRange"; at: number; len: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    op: fc.constant("insert" as const),
    at: fc.nat(),
    bytes: fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 8 }),
      fc.constantFrom(...[",", ";", '"', "<", ">", "\r\n", "\n", " ", ":", "=", "\\", "%", "\r\n ", "[", "]", "@"].map((s) => new Uint8Array(Buffer.from(s)))),
    ),
  }),
  fc.record({ op: fc.constant("deleteCr" as const) }),
  fc.record({ op: fc.constant("dupLine" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("deleteRange" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 12 }) }),
);

/** apply performs the edits in order on a copy. */
function apply(seed: Uint8Array, edits: Mutation[]): Uint8Array {
  let b = Buffer.from(seed);
  for (const e of edits) {
    const at = b.length === 0 ? 0 : "at" in e ? e.at % (b.length + 1) : 0;
    switch (e.op) {
      case "flip":
        if (b.length > 0) b[at % b.length] ^= 1 << e.bit;
        break;
      case "truncate":
        b = b.subarray(0, at);
        break;
      case "insert":
        b = Buffer.concat([b.subarray(0, at), e.bytes, b.subarray(at)]);
        break;
      case "deleteCr":
        b = Buffer.from(b.toString("latin1").replace(/\r/g, ""), "latin1");
        break;
      case "dupLine": {
        const start = b.lastIndexOf(10, at - 1) + 1;
        const end = b.indexOf(10, at);
        const line = b.subarray(start, end < 0 ? b.length : end + 1);
        b = Buffer.concat([b.subarray(0, start), line, line, b.subarray(start)]);
        break;
      }
      case "deleteRange":
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + e.len)]);
        break;
    }
  }
  return new Uint8Array(b);
}

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

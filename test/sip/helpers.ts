/**
 * Test helpers for src/sip: fixture loading (RFC 4475 messages in the RFC's own §2 notation, lab
 * capture payloads), message building and a snapshot of every public field.
 */
import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { SipMessage } from "../../src/sip/message.js";

const here = fileURLToPath(new URL(".", import.meta.url));

/**
 * expandRfc4475 turns the RFC 4475 §2 representation into bytes: `<allOneLine>` joins lines,
 * `<hex>` gives raw bytes, `<repeat count=N>` repeats, every line break is CRLF. A `@BODY@`
 * placeholder (used where the RFC message was abridged) becomes the real body length.
 */
export function expandRfc4475(text: string): Uint8Array {
  let t = text.replace(/<allOneLine>\n([\s\S]*?)\n<\/allOneLine>/g, (_, inner: string) => inner.replace(/\n/g, ""));
  t = t.replace(/<repeat count=(\d+)>([\s\S]*?)<\/repeat>/g, (_, n: string, s: string) => s.repeat(Number(n)));
  const parts: Buffer[] = [];
  for (const [i, seg] of t.split(/<hex>|<\/hex>/).entries()) {
    parts.push(i % 2 === 1 ? Buffer.from(seg, "hex") : Buffer.from(seg.replace(/\n/g, "\r\n"), "utf8"));
  }
  let out = Buffer.concat(parts);
  const ph = out.indexOf("@BODY@");
  if (ph >= 0) {
    const bodyLen = out.length - (out.indexOf("\r\n\r\n") + 4);
    out = Buffer.concat([out.subarray(0, ph), Buffer.from(String(bodyLen)), out.subarray(ph + 6)]);
  }
  return new Uint8Array(out);
}

/** torture loads test/sip/torture/<name>.txt as message bytes. */
export function torture(name: string): Uint8Array {
  return expandRfc4475(readFileSync(`${here}torture/${name}.txt`, "utf8"));
}

/** lab loads a raw SIP payload cut from the lab captures (test/sip/lab/<name>.sip). */
export function lab(name: string): Uint8Array {
  return new Uint8Array(readFileSync(`${here}lab/${name}.sip`));
}

/** sip builds a message from lines joined by CRLF (ends with the blank line unless a body is given). */
export function sip(lines: string[], body = ""): Uint8Array {
  return new Uint8Array(Buffer.from(`${lines.join("\r\n")}\r\n\r\n${body}`, "latin1"));
}

/** snapshot reads every public field and accessor of a message (for determinism checks). */
export function snapshot(m: SipMessage): Record<string, unknown> {
  return {
    kind: m.kind, version: m.version, method: m.method, methodUpper: m.methodUpper, requestUri: m.requestUri,
    status: m.status, reason: m.reason, body: Buffer.from(m.body).toString("hex"), bodyOffset: m.bodyOffset, bodyLength: m.bodyLength,
    contentLength: m.contentLength, headers: m.headerList(), uri: m.uri, callId: m.callId, cseq: m.cseq,
    via: m.via, topVia: m.topVia, from: m.from, to: m.to, contacts: m.contacts, expires: m.expires,
    maxForwards: m.maxForwards, minExpires: m.minExpires, retryAfter: m.retryAfter, userAgent: m.userAgent,
    server: m.server, warnings: m.warnings, reasons: m.reasons, route: m.route, recordRoute: m.recordRoute,
    supported: m.supported, challenges: m.challenges, credentials: m.credentials, contentType: m.contentType,
    mediaType: m.mediaType, sdp: m.sdp, subject: m.header("subject"), allVia: m.headerValues("via"),
    issues: [...m.issues],
  };
}

/** codes lists the issue codes of a result (sorted, unique) for compact assertions. */
export function codes(issues: { code: string }[]): string[] {
  return [...new Set(issues.map((i) => i.code))].sort();
}

// ---- fixtures and mutations shared by the property tests ----

/** dir lists the fixture files of a folder with the given extension. */
const dir = (d: string, ext: string) => readdirSync(`${here}${d}/`).filter((f) => f.endsWith(ext));
export const SEEDS: Uint8Array[] = [
  ...dir("lab", ".sip").map((f) => lab(f.replace(/\.sip$/, ""))),
  ...dir("torture", ".txt").map((f) => torture(f.replace(/\.txt$/, ""))),
];

/** Mutation is one edit of a message. */
export type Mutation =
  | { op: "flip"; at: number; bit: number }
  | { op: "truncate"; at: number }
  | { op: "insert"; at: number; bytes: Uint8Array }
  | { op: "deleteCr" }
  | { op: "dupLine"; at: number }
  | { op: "deleteRange"; at: number; len: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
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
export function apply(seed: Uint8Array, edits: Mutation[]): Uint8Array {
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


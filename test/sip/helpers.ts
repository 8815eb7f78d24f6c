/**
 * Test helpers for src/sip: fixture loading (RFC 4475 messages in the RFC's own §2 notation, lab
 * capture payloads), message building and a snapshot of every public field.
 */
import { readFileSync } from "node:fs";
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

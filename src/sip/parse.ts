/**
 * The tolerant SIP parser: one pass over the header section records each header line's name and
 * value offsets; values are decoded later, on access. Never throws: every oddity is an Issue.
 */
import type { Issue } from "../util/issues.js";
import { headerDisplayName, headerKey, knownHeaderLexicon, SINGLETONS } from "./headers.js";
import { addIssue, MAX_HEADERS } from "./issues.js";
import { SipMessage, type StartLine } from "./message.js";
import { clip, isToken, isWs, trimEndIndex, utf8 } from "./text.js";

/** SipParseResult is what parseSip returns. */
export interface SipParseResult {
  /** The message; null only when the bytes are not recognisably SIP (issue `not_sip`). */
  message: SipMessage | null;
  /** Issues with byte offsets into the input; the same array as `message.issues`. */
  issues: Issue[];
}

/** ParseOptions tunes parseSip. */
export interface ParseOptions {
  /** Run every typed accessor before returning, so `issues` is complete (default false: lazy). */
  eager?: boolean;
  /**
   * Read Via, From, To, Contact, Route and Record-Route with the generic tolerant readers only,
   * skipping their fast scanners (default false). The results are the same either way; the
   * option exists so tests can check that.
   */
  generic?: boolean;
}

/** MAX_UDP_MESSAGE bounds what one UDP datagram can carry (the IP length field is 16 bits). */
const MAX_UDP_MESSAGE = 65535;

/** TRACKED gives each checked header a bit for presence / repetition checks; SINGLE_MASK the once-only ones. */
const TRACKED = new Map<string, number>([...new Set([...SINGLETONS, "via"])].map((k, i) => [k, 1 << i]));
const SINGLE_MASK = SINGLETONS.reduce((m, k) => m | (TRACKED.get(k) as number), 0);
/** Headers every request and response carries (RFC 3261 §8.1.1); requests add Max-Forwards. */
const REQUIRED_RESPONSE = required(["via", "from", "to", "call-id", "cseq"]);
const REQUIRED_REQUEST = required([...REQUIRED_RESPONSE.keys, "max-forwards"]);

/** required bundles header keys with their TRACKED bits, so presence is one mask test. */
function required(keys: string[]): { keys: string[]; mask: number } {
  return { keys, mask: keys.reduce((m, k) => m | (TRACKED.get(k) as number), 0) };
}

/** WireName is what the parser needs to know about a header name as written. */
interface WireName {
  /** Lookup key (lower-cased full name). */
  key: string;
  /** TRACKED bit, 0 when untracked. */
  bit: number;
}

/** WIRE_NAMES memoises validated header names as written (bounded), saving the per-line checks. */
const WIRE_NAMES = new Map<string, WireName>();
const WIRE_NAMES_MAX = 4096;

/** KNOWN_WIRE matches known header names in place, straight to their WireName. */
const KNOWN_WIRE = knownHeaderLexicon((key): WireName => ({ key, bit: TRACKED.get(key) ?? 0 }));

/**
 * wireName validates the header name text[start, end) (RFC 3261 §25.1 token) and returns its key
 * and bit; undefined when it is not a token. Known names are matched in place (in `bytes`, whose
 * latin1 decoding `text` is), others memoised.
 */
function wireName(bytes: Uint8Array, text: string, start: number, end: number): WireName | undefined {
  const known = KNOWN_WIRE.findBytes(bytes, start, end);
  if (known !== undefined) return known;
  const name = text.slice(start, end);
  const hit = WIRE_NAMES.get(name);
  if (hit !== undefined) return hit;
  if (!isToken(name)) return undefined;
  const key = headerKey(name);
  const w: WireName = { key, bit: TRACKED.get(key) ?? 0 };
  if (WIRE_NAMES.size < WIRE_NAMES_MAX) WIRE_NAMES.set(name, w);
  return w;
}

/** STANDARD_METHODS are the methods of RFC 3261 and its extensions; other tokens are extension methods. */
const STANDARD_METHODS = new Set([
  "INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "PRACK", "SUBSCRIBE", "NOTIFY", "PUBLISH", "INFO", "REFER",
  "MESSAGE", "UPDATE",
]);

/** Span is a run of non-whitespace in the start line. */
interface Span {
  start: number;
  end: number;
}

/** spans cuts the start line into whitespace-separated runs. */
function spans(text: string, start: number, end: number): Span[] {
  const out: Span[] = [];
  let i = start;
  while (i < end) {
    while (i < end && isWs(text.charCodeAt(i))) i++;
    if (i >= end) break;
    const s = i;
    while (i < end && !isWs(text.charCodeAt(i))) i++;
    out.push({ start: s, end: i });
  }
  return out;
}

/**
 * checkSpacing reports `extra_whitespace` when the start line's separators are anything but
 * single SPs (RFC 3261 §7.1/§7.2; RFC 4475 lwsstart, trws). In a status line only the two
 * separators before the reason count: the reason phrase may hold any spacing, and a lone SP
 * before an empty reason is required (RFC 4475 noreason).
 */
function checkSpacing(text: string, sp: Span[], start: number, end: number, response: boolean, issues: Issue[]): void {
  let odd = sp[0].start !== start ? start : -1;
  const gaps = response ? Math.min(sp.length - 1, 2) : sp.length - 1;
  for (let k = 1; k <= gaps && odd < 0; k++) {
    if (sp[k].start - sp[k - 1].end !== 1 || text.charCodeAt(sp[k - 1].end) !== 32) odd = sp[k - 1].end;
  }
  const last = sp[sp.length - 1].end;
  if (odd < 0 && last < end && (!response || (sp.length === 2 && end - last > 1))) odd = last;
  if (odd >= 0) addIssue(issues, "extra_whitespace", "start line has extra whitespace around its elements", odd);
}

/** startsWithSip matches `SIP/` case-insensitively at the start of the span. */
function startsWithSip(text: string, sp: Span): boolean {
  const i = sp.start;
  return (
    sp.end - i >= 4 && (text.charCodeAt(i) | 0x20) === 0x73 && (text.charCodeAt(i + 1) | 0x20) === 0x69 &&
    (text.charCodeAt(i + 2) | 0x20) === 0x70 && text.charCodeAt(i + 3) === 0x2f
  );
}

/** checkVersion reports a SIP-Version other than SIP/2.0 (RFC 4475 badvers). */
function checkVersion(version: string, issues: Issue[], offset: number): void {
  if (version !== "SIP/2.0" && version.toUpperCase() !== "SIP/2.0") addIssue(issues, "bad_version", `SIP-Version is "${clip(version)}", not SIP/2.0`, offset);
}

/** parseResponseLine decodes `SIP-Version SP Status-Code SP Reason-Phrase` (RFC 3261 §7.2). */
function parseResponseLine(text: string, sp: Span[], end: number, issues: Issue[]): StartLine {
  const version = text.slice(sp[0].start, sp[0].end);
  checkVersion(version, issues, sp[0].start);
  const line: StartLine = { kind: "response", version, reason: "" };
  if (sp.length < 2) {
    addIssue(issues, "bad_start_line", "status line has no status code", sp[0].end);
    return line;
  }
  const code = text.slice(sp[1].start, sp[1].end);
  if (/^\d+$/.test(code)) line.status = Number(code);
  if (!/^[1-6]\d\d$/.test(code)) {
    addIssue(issues, "bad_start_line", `status code "${clip(code)}" is not three digits in 100..699`, sp[1].start);
  }
  if (sp.length > 2) {
    line.reason = utf8(text.slice(sp[2].start, trimEndIndex(text, sp[2].start, end)));
  } else if (sp[1].end === end) {
    // An empty Reason-Phrase is legal but the SP before it is not optional (RFC 4475 noreason).
    addIssue(issues, "bad_start_line", "status line lacks the SP before the (empty) reason phrase", sp[1].end);
  }
  return line;
}

/**
 * parseRequestLine decodes `Method SP Request-URI SP SIP-Version` (RFC 3261 §7.1). Returns null
 * when the line does not look like a SIP request at all.
 */
function parseRequestLine(text: string, sp: Span[], issues: Issue[]): StartLine | null {
  const method = text.slice(sp[0].start, sp[0].end);
  const last = sp[sp.length - 1];
  const hasVersion = sp.length >= 3 && startsWithSip(text, last);
  const uriSpan = hasVersion ? { start: sp[1].start, end: sp[sp.length - 2].end } : sp.length === 2 ? sp[1] : undefined;
  if (!isToken(method) || uriSpan === undefined) return null;
  const requestUri = text.slice(uriSpan.start, uriSpan.end);
  if (!hasVersion && requestUri.indexOf(":") < 0) return null;
  const line: StartLine = { kind: "request", version: "", method, requestUri, requestUriOffset: uriSpan.start };
  if (hasVersion) {
    line.version = text.slice(last.start, last.end);
    checkVersion(line.version, issues, last.start);
  } else {
    addIssue(issues, "bad_start_line", "request line has no SIP-Version", sp[1].end);
  }
  if (hasVersion && sp.length > 3) {
    // RFC 4475 lwsruri: LWS inside the Request-URI.
    addIssue(issues, "bad_start_line", `Request-URI "${clip(requestUri)}" contains whitespace`, uriSpan.start);
  }
  const upper = STANDARD_METHODS.has(method) ? method : method.toUpperCase();
  if (method !== upper && STANDARD_METHODS.has(upper)) {
    addIssue(issues, "lowercase_method", `method "${clip(method)}" is not upper-case (methods are case-sensitive)`, sp[0].start);
  }
  return line;
}

/** CRLF_CRLF is the usual end of the header section. */
const CRLF_CRLF = Buffer.from("\r\n\r\n", "latin1");
/**
 * Buffer's search and latin1 decoding applied to the message bytes directly: wrapping every
 * message in a Buffer first costs more than the search (both take any Uint8Array).
 */
const indexOfBytes = Buffer.prototype.indexOf as (this: Uint8Array, value: Uint8Array, byteOffset: number) => number;
const latin1Slice = Buffer.prototype.latin1Slice as (this: Uint8Array, start: number, end: number) => string;

/**
 * parseSip parses exactly one SIP message: `bytes` holds the header section and the whole body
 * (everything after the blank line). Never throws. The message keeps views of `bytes`.
 */
export function parseSip(bytes: Uint8Array, options?: ParseOptions): SipParseResult {
  const issues: Issue[] = [];
  const message = parseInto(bytes, issues, options?.generic === true);
  if (message !== null && options?.eager === true) message.parseAll();
  return { message, issues };
}

/** parseInto does the work of parseSip. */
function parseInto(bytes: Uint8Array, issues: Issue[], generic: boolean): SipMessage | null {
  const n = bytes.length;
  let start = 0;
  while (start < n && (bytes[start] === 13 || bytes[start] === 10)) start++;
  if (start >= n) {
    addIssue(issues, "not_sip", n === 0 ? "empty message" : "message holds only line breaks", 0);
    return null;
  }
  if (start > 0) addIssue(issues, "leading_crlf", `${start} byte(s) of empty lines before the start line`, 0);
  // The header section is decoded as latin1 (one char per byte, so string indexes are byte
  // offsets) up to the first CRLF CRLF; the body stays bytes. An earlier blank line in bare-LF
  // form is found by the line loop below, which then ends the section there.
  // A message without body ends in CRLF CRLF: then decoding it whole and searching the string is
  // cheaper than Buffer#indexOf on the bytes (the text keeps at most a body that ends the same way).
  const whole = n >= 4 && bytes[n - 1] === 10 && bytes[n - 2] === 13 && bytes[n - 3] === 10 && bytes[n - 4] === 13;
  const wholeText = whole ? latin1Slice.call(bytes, 0, n) : undefined;
  const crlf2 = wholeText !== undefined ? wholeText.indexOf("\r\n\r\n", start) : indexOfBytes.call(bytes, CRLF_CRLF, start);
  let textEnd = crlf2 < 0 ? n : crlf2 + 2;
  let bodyOffset = crlf2 < 0 ? n : crlf2 + 4;
  let blankFound = crlf2 >= 0;
  // Indexes past textEnd are never read as header text: every scan below is bounded by textEnd.
  const text = wholeText ?? latin1Slice.call(bytes, 0, textEnd);

  // Start line.
  let nl = text.indexOf("\n", start);
  if (nl < 0) nl = textEnd;
  const slEnd = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
  const sp = spans(text, start, slEnd);
  const isResponse = sp.length > 0 && startsWithSip(text, sp[0]);
  if (sp.length > 0) checkSpacing(text, sp, start, slEnd, isResponse, issues);
  const line = sp.length === 0 ? null : isResponse ? parseResponseLine(text, sp, slEnd, issues) : parseRequestLine(text, sp, issues);
  if (line === null) {
    issues.length = 0;
    addIssue(issues, "not_sip", `first line "${clip(text.slice(start, slEnd), 40)}" is neither a SIP request nor a status line`, start);
    return null;
  }
  if (n > MAX_UDP_MESSAGE) addIssue(issues, "oversized_message", `message is ${n} bytes`, 0);

  // Header lines.
  const keys: string[] = [];
  const pos: number[] = [];
  let bareLf = 0;
  let firstBareLf = -1;
  let seen = 0;
  let colon = -1;
  let lastFoldReported = -1;
  let skippedHeaders = 0;
  if (nl < textEnd && slEnd === nl) {
    bareLf++;
    firstBareLf = nl;
  }
  let p = nl + 1;
  while (p < textEnd) {
    let lf = text.indexOf("\n", p);
    if (lf < 0) lf = textEnd;
    let e = lf;
    if (e > p && text.charCodeAt(e - 1) === 13) e--;
    else if (lf < textEnd && bareLf++ === 0) firstBareLf = lf;
    const lineStart = p;
    p = lf + 1;
    if (e === lineStart) {
      // The blank line ending the headers (RFC 3261 §7), here before any CRLF CRLF.
      textEnd = lineStart;
      bodyOffset = Math.min(p, n);
      blankFound = true;
      break;
    }
    const c0 = text.charCodeAt(lineStart);
    if (c0 === 32 || c0 === 9) {
      // LWS continuation (RFC 3261 §7.3.1): the line belongs to the previous header value.
      const h = keys.length - 1;
      if (skippedHeaders > 0) continue; // continues a header that was not indexed
      if (h < 0) {
        addIssue(issues, "bad_header_line", "continuation line with no header before it", lineStart);
        continue;
      }
      pos[h * 4 + 2] = e;
      pos[h * 4 + 3] = 1;
      if (lastFoldReported !== h) {
        lastFoldReported = h;
        addIssue(issues, "folded_header", `${headerDisplayName(keys[h])} is folded over several lines`, lineStart);
      }
      continue;
    }
    if (colon < lineStart) {
      colon = text.indexOf(":", lineStart);
      if (colon < 0) colon = textEnd;
    }
    if (colon >= e) {
      addIssue(issues, "bad_header_line", `header line "${clip(text.slice(lineStart, e), 40)}" has no colon`, lineStart);
      continue;
    }
    const nameEnd = trimEndIndex(text, lineStart, colon);
    const known = wireName(bytes, text, lineStart, nameEnd);
    if (known === undefined) {
      addIssue(issues, "bad_header_line", `header name "${clip(text.slice(lineStart, nameEnd), 40)}" is not a token`, lineStart);
      continue;
    }
    if (keys.length >= MAX_HEADERS) {
      // Keep scanning for the blank line, but index no more headers.
      if (skippedHeaders++ === 0) addIssue(issues, "too_many_headers", `more than ${MAX_HEADERS} header lines; the rest were skipped`, lineStart);
      continue;
    }
    const key = known.key;
    const bit = known.bit;
    if (bit !== 0) {
      if ((seen & bit & SINGLE_MASK) !== 0) {
        addIssue(issues, "duplicate_header", `${headerDisplayName(key)} appears more than once`, lineStart);
      }
      seen |= bit;
    }
    keys.push(key);
    pos.push(lineStart, colon + 1, e, 0);
  }
  if (bareLf > 0) addIssue(issues, "bare_lf", `${bareLf} line(s) end in LF without CR`, firstBareLf);
  if (!blankFound) addIssue(issues, "missing_blank_line", "no empty line ends the header section; the message has no body", n);
  const required = line.kind === "request" ? REQUIRED_REQUEST : REQUIRED_RESPONSE;
  if ((seen & required.mask) !== required.mask) {
    for (const k of required.keys) {
      if ((seen & (TRACKED.get(k) as number)) === 0) addIssue(issues, "missing_header", `${headerDisplayName(k)} is missing`, textEnd);
    }
  }

  const contentLength = checkContentLength(text, keys, pos, n - bodyOffset, issues);
  return new SipMessage(line, { text, keys, pos, bytes, bodyOffset, contentLength, issues, generic });
}

/**
 * checkContentLength reads the first Content-Length and compares it with the body actually
 * present, in either direction (RFC 3261 §20.14, §18.3; RFC 4475 clerr, scalar02).
 */
function checkContentLength(text: string, keys: string[], pos: number[], bodyLength: number, issues: Issue[]): number | undefined {
  const h = keys.indexOf("content-length");
  if (h < 0) return undefined;
  let s = pos[h * 4 + 1];
  const e = pos[h * 4 + 2];
  while (s < e && isWs(text.charCodeAt(s))) s++;
  const v = text.slice(s, trimEndIndex(text, s, e));
  if (!/^\d+$/.test(v)) {
    addIssue(issues, "bad_content_length", `Content-Length "${clip(v)}" is not a non-negative integer`, s);
    return undefined;
  }
  const declared = Number(v);
  if (declared !== bodyLength) {
    const dir = declared > bodyLength ? "more" : "fewer";
    addIssue(issues, "content_length_mismatch", `Content-Length says ${clip(v, 20)} but ${bodyLength} body byte(s) follow (${dir} declared than present)`, s);
  }
  return declared;
}

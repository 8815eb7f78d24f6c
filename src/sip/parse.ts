/**
 * The tolerant SIP parser: one pass over the header section records each header line's name and
 * value offsets; values are decoded later, on access. Never throws: every oddity is an Issue.
 */
import type { Issue } from "../util/issues.js";
import { headerDisplayName, headerKey, knownHeaderLexicon, SINGLETONS, trackedBit } from "./headers.js";
import { addIssue, MAX_HEADERS } from "./issues.js";
import { SipMessage, type StartLine } from "./message.js";
import { clip, decimalIn, isToken, isWs, trimEndIndex, utf8 } from "./text.js";

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
   * Read CSeq, Via, From, To, Contact, Route, Record-Route and the auth headers with the generic
   * tolerant readers only, skipping their fast scanners (default false). The results are the
   * same either way; the option exists so tests can check that.
   */
  generic?: boolean;
}

/** MAX_UDP_MESSAGE bounds what one UDP datagram can carry (the IP length field is 16 bits). */
const MAX_UDP_MESSAGE = 65535;

/** SINGLE_MASK has the TRACKED bits of the once-only headers. */
const SINGLE_MASK = SINGLETONS.reduce((m, k) => m | trackedBit(k), 0);
/** CONTENT_LENGTH is the TRACKED bit of Content-Length, whose first line the parser checks. */
const CONTENT_LENGTH = trackedBit("content-length");
/** Headers every request and response carries (RFC 3261 §8.1.1); requests add Max-Forwards. */
const REQUIRED_RESPONSE = required(["via", "from", "to", "call-id", "cseq"]);
const REQUIRED_REQUEST = required([...REQUIRED_RESPONSE.keys, "max-forwards"]);

/** required bundles header keys with their TRACKED bits, so presence is one mask test. */
function required(keys: string[]): { keys: string[]; mask: number } {
  return { keys, mask: keys.reduce((m, k) => m | trackedBit(k), 0) };
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
const KNOWN_WIRE = knownHeaderLexicon((key): WireName => ({ key, bit: trackedBit(key) }));

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
  const w: WireName = { key, bit: trackedBit(key) };
  if (WIRE_NAMES.size < WIRE_NAMES_MAX) WIRE_NAMES.set(name, w);
  return w;
}

/** STANDARD_METHODS are the methods of RFC 3261 and its extensions; other tokens are extension methods. */
const STANDARD_METHODS = new Set([
  "INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "PRACK", "SUBSCRIBE", "NOTIFY", "PUBLISH", "INFO", "REFER",
  "MESSAGE", "UPDATE",
]);

/**
 * Slots of START, where scanStartLine leaves the start line's elements (whitespace-separated
 * runs): how many there are, the first three, the last, and the end of the one before the last.
 * That is all the request and status line grammars (RFC 3261 §7.1/§7.2) look at, so the scan
 * allocates nothing per message. The parser never re-enters itself, so one table serves.
 */
const COUNT = 0;
const S0 = 1;
const E0 = 2;
const S1 = 3;
const E1 = 4;
const S2 = 5;
const PREV_END = 6;
const LAST_S = 7;
const LAST_E = 8;
const START = new Int32Array(9);

/**
 * scanStartLine cuts the start line b[start, end) (`text` is its latin1 decoding, so offsets are
 * the same) into its runs, into START, and reports `extra_whitespace` when the separators are
 * anything but single SPs (RFC 3261 §7.1/§7.2; RFC 4475 lwsstart, trws). In a status line only
 * the two separators before the reason count: the reason phrase may hold any spacing, and a
 * lone SP before an empty reason is required (RFC 4475 noreason). Returns whether the line is a
 * status line (first run starts with `SIP/`).
 */
function scanStartLine(b: Uint8Array, text: string, start: number, end: number, issues: Issue[]): boolean {
  let count = 0;
  let response = false;
  let odd = -1;
  let prevEnd = -1;
  let lastStart = -1;
  let lastEnd = -1;
  let i = start;
  while (i < end) {
    while (i < end && isWs(b[i])) i++;
    if (i >= end) break;
    const s = i;
    // Most bytes of a start line are printable (> SP): one comparison each.
    while (i < end && (b[i] > 32 || !isWs(b[i]))) i++;
    if (++count === 1) {
      START[S0] = s;
      START[E0] = i;
      response = startsWithSip(text, s, i);
      if (s !== start) odd = start;
    } else {
      if (odd < 0 && (!response || count <= 3) && (s - lastEnd !== 1 || b[lastEnd] !== 32)) odd = lastEnd;
      if (count === 2) {
        START[S1] = s;
        START[E1] = i;
      } else if (count === 3) {
        START[S2] = s;
      }
    }
    prevEnd = lastEnd;
    lastStart = s;
    lastEnd = i;
  }
  START[COUNT] = count;
  START[PREV_END] = prevEnd;
  START[LAST_S] = lastStart;
  START[LAST_E] = lastEnd;
  if (count > 0 && odd < 0 && lastEnd < end && (!response || (count === 2 && end - lastEnd > 1))) odd = lastEnd;
  if (odd >= 0) addIssue(issues, "extra_whitespace", "start line has extra whitespace around its elements", odd);
  return response;
}

/** startsWithSip matches `SIP/` case-insensitively at the start of text[s, e). */
function startsWithSip(text: string, s: number, e: number): boolean {
  return (
    e - s >= 4 && (text.charCodeAt(s) | 0x20) === 0x73 && (text.charCodeAt(s + 1) | 0x20) === 0x69 &&
    (text.charCodeAt(s + 2) | 0x20) === 0x70 && text.charCodeAt(s + 3) === 0x2f
  );
}

/** SIP_2_0 is the one SIP-Version of RFC 3261 §7.1. */
const SIP_2_0 = "SIP/2.0";

/** versionAt returns text[s, e): the SIP_2_0 constant when it is that (the usual case), else a slice. */
function versionAt(text: string, s: number, e: number): string {
  return e - s === 7 && text.startsWith(SIP_2_0, s) ? SIP_2_0 : text.slice(s, e);
}

/** checkVersion reports a SIP-Version other than SIP/2.0 (RFC 4475 badvers). */
function checkVersion(version: string, issues: Issue[], offset: number): void {
  if (version !== SIP_2_0 && version.toUpperCase() !== SIP_2_0) addIssue(issues, "bad_version", `SIP-Version is "${clip(version)}", not SIP/2.0`, offset);
}

/** parseResponseLine decodes `SIP-Version SP Status-Code SP Reason-Phrase` (RFC 3261 §7.2) from START. */
function parseResponseLine(b: Uint8Array, text: string, end: number, issues: Issue[]): StartLine {
  const count = START[COUNT];
  const version = versionAt(text, START[S0], START[E0]);
  checkVersion(version, issues, START[S0]);
  const line: StartLine = { kind: "response", version, reason: "" };
  if (count < 2) {
    addIssue(issues, "bad_start_line", "status line has no status code", START[E0]);
    return line;
  }
  const s1 = START[S1];
  const e1 = START[E1];
  const status = decimalIn(text, s1, e1);
  if (status !== undefined) line.status = status;
  const first = b[s1];
  if (status === undefined || e1 - s1 !== 3 || first < 49 || first > 54) {
    addIssue(issues, "bad_start_line", `status code "${clip(text.slice(s1, e1))}" is not three digits in 100..699`, s1);
  }
  if (count > 2) {
    const s2 = START[S2];
    line.reason = utf8(text.slice(s2, trimEndIndex(text, s2, end)));
  } else if (e1 === end) {
    // An empty Reason-Phrase is legal but the SP before it is not optional (RFC 4475 noreason).
    addIssue(issues, "bad_start_line", "status line lacks the SP before the (empty) reason phrase", e1);
  }
  return line;
}

/**
 * parseRequestLine decodes `Method SP Request-URI SP SIP-Version` (RFC 3261 §7.1) from START.
 * Returns null when the line does not look like a SIP request at all.
 */
function parseRequestLine(text: string, issues: Issue[]): StartLine | null {
  const count = START[COUNT];
  const lastStart = START[LAST_S];
  const hasVersion = count >= 3 && startsWithSip(text, lastStart, START[LAST_E]);
  if (!hasVersion && count !== 2) return null;
  const method = text.slice(START[S0], START[E0]);
  if (!isToken(method)) return null;
  const uriStart = START[S1];
  const uriEnd = hasVersion ? START[PREV_END] : START[E1];
  const requestUri = text.slice(uriStart, uriEnd);
  if (!hasVersion && requestUri.indexOf(":") < 0) return null;
  const upper = STANDARD_METHODS.has(method) ? method : method.toUpperCase();
  const line: StartLine = { kind: "request", version: "", method, methodUpper: upper, requestUri, requestUriOffset: uriStart };
  if (hasVersion) {
    line.version = versionAt(text, lastStart, START[LAST_E]);
    checkVersion(line.version, issues, lastStart);
  } else {
    addIssue(issues, "bad_start_line", "request line has no SIP-Version", START[E1]);
  }
  if (hasVersion && count > 3) {
    // RFC 4475 lwsruri: LWS inside the Request-URI.
    addIssue(issues, "bad_start_line", `Request-URI "${clip(requestUri)}" contains whitespace`, uriStart);
  }
  if (method !== upper && STANDARD_METHODS.has(upper)) {
    addIssue(issues, "lowercase_method", `method "${clip(method)}" is not upper-case (methods are case-sensitive)`, START[S0]);
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
 * POS collects the header offsets of the message being parsed (HeaderIndex.pos), which gets a
 * right-sized copy: growing a fresh array four numbers per line costs several allocations per
 * message. Bounded by MAX_HEADERS; the parser never re-enters itself.
 */
const POS: number[] = [];

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
  // A message without body ends in CRLF CRLF: then it is decoded whole (the text keeps at most a
  // body that ends the same way) and not searched at all, as the line loop meets its first blank
  // line anyway and ends the section there, exactly where CRLF CRLF would have ended it.
  const whole = n >= 4 && bytes[n - 1] === 10 && bytes[n - 2] === 13 && bytes[n - 3] === 10 && bytes[n - 4] === 13;
  const crlf2 = whole ? -1 : indexOfBytes.call(bytes, CRLF_CRLF, start);
  let textEnd = crlf2 < 0 ? n : crlf2 + 2;
  let bodyOffset = crlf2 < 0 ? n : crlf2 + 4;
  let blankFound = crlf2 >= 0;
  // Indexes past textEnd are never read as header text: every scan below is bounded by textEnd.
  const text = latin1Slice.call(bytes, 0, textEnd);

  // Start line.
  let nl = text.indexOf("\n", start);
  if (nl < 0) nl = textEnd;
  const slEnd = nl > start && bytes[nl - 1] === 13 ? nl - 1 : nl;
  const isResponse = scanStartLine(bytes, text, start, slEnd, issues);
  const line = START[COUNT] === 0 ? null : isResponse ? parseResponseLine(bytes, text, slEnd, issues) : parseRequestLine(text, issues);
  if (line === null) {
    issues.length = 0;
    addIssue(issues, "not_sip", `first line "${clip(text.slice(start, slEnd), 40)}" is neither a SIP request nor a status line`, start);
    return null;
  }
  if (n > MAX_UDP_MESSAGE) addIssue(issues, "oversized_message", `message is ${n} bytes`, 0);

  // Header lines: h of them, keys pushed, offsets into POS.
  const keys: string[] = [];
  let h = 0;
  let contentLengthAt = -1;
  let bareLf = 0;
  let firstBareLf = -1;
  let seen = 0;
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
    if (e > p && bytes[e - 1] === 13) e--;
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
    const c0 = bytes[lineStart];
    if (c0 === 32 || c0 === 9) {
      // LWS continuation (RFC 3261 §7.3.1): the line belongs to the previous header value.
      const last = h - 1;
      if (skippedHeaders > 0) continue; // continues a header that was not indexed
      if (last < 0) {
        addIssue(issues, "bad_header_line", "continuation line with no header before it", lineStart);
        continue;
      }
      POS[last * 4 + 2] = e;
      POS[last * 4 + 3] = 1;
      if (lastFoldReported !== last) {
        lastFoldReported = last;
        addIssue(issues, "folded_header", `${headerDisplayName(keys[last])} is folded over several lines`, lineStart);
      }
      continue;
    }
    // The name is short: walking it to the colon is cheaper than a call to the string search.
    let colon = lineStart;
    while (colon < lf && bytes[colon] !== 58) colon++;
    if (colon >= e) {
      addIssue(issues, "bad_header_line", `header line "${clip(text.slice(lineStart, e), 40)}" has no colon`, lineStart);
      continue;
    }
    let nameEnd = colon;
    while (nameEnd > lineStart && isWs(bytes[nameEnd - 1])) nameEnd--;
    const known = wireName(bytes, text, lineStart, nameEnd);
    if (known === undefined) {
      addIssue(issues, "bad_header_line", `header name "${clip(text.slice(lineStart, nameEnd), 40)}" is not a token`, lineStart);
      continue;
    }
    if (h >= MAX_HEADERS) {
      // Keep scanning for the blank line, but index no more headers.
      if (skippedHeaders++ === 0) addIssue(issues, "too_many_headers", `more than ${MAX_HEADERS} header lines; the rest were skipped`, lineStart);
      continue;
    }
    const key = known.key;
    const bit = known.bit;
    if (bit !== 0) {
      if ((seen & bit & SINGLE_MASK) !== 0) {
        addIssue(issues, "duplicate_header", `${headerDisplayName(key)} appears more than once`, lineStart);
      } else if (bit === CONTENT_LENGTH) {
        contentLengthAt = h;
      }
      seen |= bit;
    }
    keys.push(key);
    const k = h++ * 4;
    POS[k] = lineStart;
    POS[k + 1] = colon + 1;
    POS[k + 2] = e;
    POS[k + 3] = 0;
  }
  if (bareLf > 0) addIssue(issues, "bare_lf", `${bareLf} line(s) end in LF without CR`, firstBareLf);
  if (!blankFound) addIssue(issues, "missing_blank_line", "no empty line ends the header section; the message has no body", n);
  const required = line.kind === "request" ? REQUIRED_REQUEST : REQUIRED_RESPONSE;
  if ((seen & required.mask) !== required.mask) {
    for (const k of required.keys) {
      if ((seen & trackedBit(k)) === 0) addIssue(issues, "missing_header", `${headerDisplayName(k)} is missing`, textEnd);
    }
  }

  const contentLength = contentLengthAt < 0 ? undefined : checkContentLength(bytes, text, POS[contentLengthAt * 4 + 1], POS[contentLengthAt * 4 + 2], n - bodyOffset, issues);
  const pos = POS.slice(0, 4 * h);
  return new SipMessage(line, { text, keys, pos, bytes, bodyOffset, contentLength, issues, generic, present: seen });
}

/**
 * checkContentLength reads the first Content-Length (value at text[s, e), `bytes` its message
 * bytes) and compares it with the body actually present, in either direction (RFC 3261 §20.14,
 * §18.3; RFC 4475 clerr, scalar02).
 */
function checkContentLength(bytes: Uint8Array, text: string, s: number, e: number, bodyLength: number, issues: Issue[]): number | undefined {
  while (s < e && isWs(bytes[s])) s++;
  while (e > s && isWs(bytes[e - 1])) e--;
  const declared = decimalIn(text, s, e);
  if (declared === undefined) {
    addIssue(issues, "bad_content_length", `Content-Length "${clip(text.slice(s, e))}" is not a non-negative integer`, s);
    return undefined;
  }
  if (declared !== bodyLength) {
    const dir = declared > bodyLength ? "more" : "fewer";
    addIssue(issues, "content_length_mismatch", `Content-Length says ${clip(text.slice(s, e), 20)} but ${bodyLength} body byte(s) follow (${dir} declared than present)`, s);
  }
  return declared;
}

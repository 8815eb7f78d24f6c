/**
 * Small typed header values: CSeq (RFC 3261 §20.16), Warning (§20.43), Retry-After (§20.33),
 * Reason (RFC 3326). Each reader takes the unfolded value and its byte offset, never throws.
 */
import type { Issue } from "../util/issues.js";
import { addIssue } from "./issues.js";
import { clip, isTokenChar, isWs, Params, parseDecimal, readParams, readQuoted, skipWs, utf8 } from "./text.js";

/** CSeq is the command sequence: number and method. */
export interface CSeq {
  /** Sequence number (RFC 3261 §8.1.1.5: below 2**31; larger values are kept and flagged). */
  seq: number;
  /** Method as written. */
  method: string;
}

/** Warning is one Warning value (RFC 3261 §20.43). */
export interface Warning {
  /** Three-digit warn-code (3xx). */
  code: number;
  /** warn-agent: host[:port] or pseudonym of the element that added it. */
  agent: string;
  /** warn-text, unquoted, UTF-8. */
  text: string;
}

/** RetryAfter is the Retry-After value (RFC 3261 §20.33). */
export interface RetryAfter {
  /** delta-seconds. */
  seconds: number;
  /** The optional comment, without parentheses. */
  comment?: string;
  /** The `duration` parameter, seconds. */
  duration?: number;
  /** All parameters, names lower-cased. */
  params: Params;
}

/** Reason is one Reason value (RFC 3326 §2). */
export interface Reason {
  /** Protocol: `SIP`, `Q.850`, ... */
  protocol: string;
  /** The `cause` parameter (a SIP status or Q.850 cause code). */
  cause?: number;
  /** The `text` parameter, unquoted, UTF-8. */
  text?: string;
  /** All parameters, names lower-cased. */
  params: Params;
}

/** tokenAt returns [token, endIndex] for the token run at i (token may be ""). */
function tokenAt(s: string, i: number): [string, number] {
  let e = i;
  while (e < s.length && isTokenChar(s.charCodeAt(e))) e++;
  return [s.slice(i, e), e];
}

/** nonWsEnd returns the end of the run of non-whitespace chars starting at i. */
function nonWsEnd(s: string, i: number): number {
  while (i < s.length && !isWs(s.charCodeAt(i))) i++;
  return i;
}

/**
 * parseCSeq reads `1*DIGIT LWS Method` (RFC 3261 §20.16). Returns undefined when there is no
 * number; other problems are kept with `bad_cseq`.
 */
export function parseCSeq(v: string, issues: Issue[], offset: number): CSeq | undefined {
  let i = skipWs(v, 0);
  const ds = i;
  while (i < v.length && v.charCodeAt(i) >= 48 && v.charCodeAt(i) <= 57) i++;
  if (i === ds) {
    addIssue(issues, "bad_cseq", `CSeq "${clip(v)}" does not start with a number`, offset);
    return undefined;
  }
  const seq = Number(v.slice(ds, i));
  if (seq >= 2 ** 31) addIssue(issues, "bad_cseq", `CSeq number ${clip(v.slice(ds, i))} is not below 2**31`, offset);
  const ms = skipWs(v, i);
  const me = nonWsEnd(v, ms);
  const method = v.slice(ms, me);
  if (ms === i || method.length === 0) addIssue(issues, "bad_cseq", `CSeq "${clip(v)}" lacks LWS and a method`, offset);
  else if (skipWs(v, me) < v.length) addIssue(issues, "bad_cseq", `CSeq "${clip(v)}" has text after the method`, offset);
  return { seq, method };
}

/**
 * cseqAt reads the CSeq value at b[a, e) of the message bytes (`t` their latin1 text; the value
 * trimmed and unfolded) like parseCSeq(t.slice(a, e), issues, a), with a byte scanner for the
 * usual spelling `1*9DIGIT SP Method`, which raises no issue (nine digits stay below 2**31).
 * `requestMethod` is returned as the method when equal to it, which saves a copy and makes the
 * caller's comparison an identity check. Anything else goes to parseCSeq.
 */
export function cseqAt(b: Uint8Array, t: string, a: number, e: number, requestMethod: string | undefined, issues: Issue[]): CSeq | undefined {
  let seq = 0;
  let i = a;
  for (let d = 0; i < e && i - a < 10 && (d = b[i] - 48) >= 0 && d <= 9; i++) seq = seq * 10 + d;
  const ms = i + 1;
  if (i === a || i - a > 9 || ms >= e || b[i] !== 32) return parseCSeq(t.slice(a, e), issues, a);
  for (let k = ms; k < e; k++) if (isWs(b[k])) return parseCSeq(t.slice(a, e), issues, a);
  const same = requestMethod !== undefined && requestMethod.length === e - ms && t.startsWith(requestMethod, ms);
  return { seq, method: same ? requestMethod : t.slice(ms, e) };
}

/** parseWarning reads `warn-code SP warn-agent SP warn-text` (RFC 3261 §20.43). */
export function parseWarning(v: string, issues: Issue[], offset: number): Warning | undefined {
  const m = /^(\d{3})\s+(\S+)\s+(.*)$/.exec(v);
  if (m === null) {
    addIssue(issues, "bad_header_value", `Warning "${clip(v)}" is not code agent "text"`, offset);
    return undefined;
  }
  const q = m[3].startsWith('"') ? readQuoted(m[3], 0) : undefined;
  if (q === undefined || !q.terminated || q.end !== m[3].length) {
    addIssue(issues, "bad_header_value", `Warning text ${clip(m[3])} is not one quoted string`, offset);
  }
  return { code: Number(m[1]), agent: m[2], text: utf8(q?.value ?? m[3]) };
}

/** parseRetryAfter reads `delta-seconds [ comment ] *( SEMI retry-param )` (RFC 3261 §20.33). */
export function parseRetryAfter(v: string, issues: Issue[], offset: number): RetryAfter | undefined {
  const m = /^\s*(\d+)\s*(?:\(([^)]*)\))?\s*(.*)$/.exec(v);
  if (m === null) {
    addIssue(issues, "bad_number", `Retry-After "${clip(v)}" is not a number`, offset);
    return undefined;
  }
  const r: RetryAfter = { seconds: Math.min(Number(m[1]), 0xffffffff), params: new Params() };
  if (Number(m[1]) > 0xffffffff) addIssue(issues, "bad_number", `Retry-After ${clip(m[1])} exceeds 2**32-1`, offset);
  if (m[2] !== undefined) r.comment = utf8(m[2]);
  if (!readParams(m[3], 0, m[3].length, r.params)) {
    addIssue(issues, "bad_header_value", `Retry-After "${clip(v)}" has malformed parameters`, offset);
  }
  const duration = r.params.get("duration");
  if (duration !== undefined) {
    const d = parseDecimal(duration);
    if (d === undefined) addIssue(issues, "bad_number", `Retry-After duration "${clip(duration)}" is not a number`, offset);
    else r.duration = d;
  }
  return r;
}

/** parseReason reads `protocol *( SEMI reason-params )` with `cause` and `text` (RFC 3326 §2). */
export function parseReason(v: string, issues: Issue[], offset: number): Reason | undefined {
  const [protocol, end] = tokenAt(v, skipWs(v, 0));
  if (protocol.length === 0) {
    addIssue(issues, "bad_header_value", `Reason "${clip(v)}" has no protocol`, offset);
    return undefined;
  }
  const r: Reason = { protocol, params: new Params() };
  if (!readParams(v, end, v.length, r.params)) {
    addIssue(issues, "bad_header_value", `Reason "${clip(v)}" has malformed parameters`, offset);
  }
  const cause = r.params.get("cause");
  if (cause !== undefined) {
    const c = parseDecimal(cause);
    if (c === undefined) addIssue(issues, "bad_number", `Reason cause "${clip(cause)}" is not a number`, offset);
    else r.cause = c;
  }
  const text = r.params.get("text");
  if (text !== undefined) r.text = utf8(text);
  return r;
}

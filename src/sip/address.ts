/**
 * name-addr / addr-spec values (RFC 3261 §20.10, §25.1): From, To, Contact, Route, Record-Route
 * and friends. Owns the rule that, without angle brackets, parameters belong to the header.
 */
import type { Issue } from "../util/issues.js";
import { addIssue } from "./issues.js";
import { clip, isTokenChar, isWs, Params, QUOTED_STOP, readNumber, readParams, readQuoted, scannedParam, scanParams, skipWs, trimEndIndex, utf8 } from "./text.js";
import { parseUri, uriAt, type SipUri } from "./uri.js";

/** NameAddr is one address value: optional display name, URI and header parameters. */
export interface NameAddr {
  /** Display name, quotes removed and quoted-pairs resolved, decoded as UTF-8; undefined when absent. */
  displayName?: string;
  /** The address URI. */
  uri: SipUri;
  /** The `tag` header parameter (From/To dialog tags, RFC 3261 §19.3), when present. */
  tag?: string;
  /** Header parameters (after `>` or, in addr-spec form, after the URI), names lower-cased. */
  params: Params;
  /** True when the URI was enclosed in `<...>` (name-addr form). */
  angle: boolean;
  /** The value text as it appeared (unfolded). */
  raw: string;
}

/** Contact is one Contact value (RFC 3261 §20.10), or the `*` wildcard of a de-registration. */
export interface Contact extends NameAddr {
  /** True for `Contact: *` (RFC 3261 §10.2.2); then `uri` is an invalid placeholder. */
  star: boolean;
  /** The `expires` parameter in seconds, clamped to 2**32-1. */
  expires?: number;
  /** The `q` preference parameter (0..1). */
  q?: number;
}

/** isDisplayToken reports chars allowed in an unquoted display name: tokens separated by LWS. */
function isDisplayTokenChar(c: number): boolean {
  return isTokenChar(c) || isWs(c);
}

/**
 * parseNameAddr parses one name-addr or addr-spec value. `offset` is the value's byte offset in
 * the message. Never throws; problems become `bad_name_addr`, `bad_display_name`,
 * `unterminated_quote`, `extra_whitespace` or `bad_uri` issues.
 */
export function parseNameAddr(s: string, issues: Issue[], offset: number): NameAddr {
  let i = skipWs(s, 0);
  const n = s.length;
  let displayName: string | undefined;
  let lt = -1;
  if (i < n && s.charCodeAt(i) === 34) {
    const q = readQuoted(s, i);
    if (q.terminated) {
      displayName = q.value;
      i = skipWs(s, q.end);
      lt = i < n && s.charCodeAt(i) === 60 ? i : -1;
      if (lt < 0) addIssue(issues, "bad_name_addr", `display name is not followed by <URI> in "${clip(s)}"`, offset + i);
    } else {
      // RFC 4475 §3.1.2.8 (quotbal): recover by ending the display name at the first "<".
      addIssue(issues, "unterminated_quote", `display name quote is never closed in "${clip(s)}"`, offset + i);
      lt = s.indexOf("<", i);
      displayName = (lt < 0 ? q.value : s.slice(i + 1, lt)).trim();
    }
  } else {
    const cand = s.indexOf("<", i);
    // A "<" only opens name-addr when no URI scheme colon precedes it.
    if (cand >= 0 && s.lastIndexOf(":", cand) < i) {
      lt = cand;
      const name = s.slice(i, trimEndIndex(s, i, cand));
      if (name.length > 0) {
        displayName = name;
        for (let k = 0; k < name.length; k++) {
          if (!isDisplayTokenChar(name.charCodeAt(k))) {
            addIssue(issues, "bad_display_name", `unquoted display name "${clip(name)}" has non-token characters`, offset + i + k);
            break;
          }
        }
      }
    }
  }
  if (displayName !== undefined) displayName = utf8(displayName);
  let uriText: string;
  let uriStart: number;
  let rest: number;
  const angle = lt >= 0;
  if (angle) {
    const gt = s.indexOf(">", lt + 1);
    const uriEnd = gt < 0 ? n : gt;
    if (gt < 0) addIssue(issues, "bad_name_addr", `"<" without ">" in "${clip(s)}"`, offset + lt);
    uriStart = skipWs(s, lt + 1, uriEnd);
    const trimmed = trimEndIndex(s, uriStart, uriEnd);
    if (uriStart !== lt + 1 || trimmed !== uriEnd) {
      // RFC 4475 §3.1.2.15 (badaspec): no LWS is allowed inside the angle brackets.
      addIssue(issues, "extra_whitespace", `whitespace inside <...> in "${clip(s)}"`, offset + lt);
    }
    uriText = s.slice(uriStart, trimmed);
    rest = gt < 0 ? n : gt + 1;
  } else {
    // addr-spec: the URI ends at the first ";" or LWS; what follows are header parameters
    // (RFC 3261 §20.10).
    uriStart = i;
    let e = i;
    while (e < n && s.charCodeAt(e) !== 59 && !isWs(s.charCodeAt(e))) e++;
    uriText = s.slice(i, e);
    rest = e;
    const bad = uriText.search(/[,?]/);
    if (bad >= 0) {
      addIssue(issues, "bad_name_addr", `URI with "${uriText[bad]}" must be enclosed in <> (RFC 3261 §20.10): "${clip(s)}"`, offset + i + bad);
    }
  }
  const na: NameAddr = { uri: parseUri(uriText, issues, offset + uriStart), params: new Params(), angle, raw: s };
  if (displayName !== undefined) na.displayName = displayName;
  const after = skipWs(s, rest);
  if (after < n && s.charCodeAt(after) !== 59) {
    addIssue(issues, "bad_name_addr", `unexpected text "${clip(s.slice(after), 20)}" after the address`, offset + after);
  }
  if (after < n) {
    if (!readParams(s, after, n, na.params)) {
      addIssue(issues, "bad_name_addr", `empty or malformed parameters in "${clip(s)}"`, offset + after);
    }
    const tag = na.params.get("tag");
    if (tag !== undefined) na.tag = tag;
  }
  return na;
}

/**
 * parseContact parses one Contact value: `*`, or a name-addr/addr-spec with `expires` and `q`
 * parameters typed.
 */
export function parseContact(s: string, issues: Issue[], offset: number): Contact {
  if (s.trim() === "*") {
    return { star: true, uri: { kind: "invalid", scheme: "", raw: "*", params: new Params(), headers: new Params() }, params: new Params(), angle: false, raw: s };
  }
  // Extended in place rather than spread: object spread is a slow path in V8.
  const c = parseNameAddr(s, issues, offset) as Contact;
  return typeContact(c, c.params.get("expires"), c.params.get("q"), issues, offset);
}

/** typeContact completes a Contact from its name-addr and its `expires` and `q` parameter texts. */
function typeContact(c: Contact, exp: string | undefined, q: string | undefined, issues: Issue[], offset: number): Contact {
  c.star = false;
  if (exp !== undefined) {
    const v = readNumber(exp, "Contact expires", 0xffffffff, issues, offset);
    if (v !== undefined) c.expires = v;
  }
  if (q !== undefined) {
    const v = Number(q);
    if (q === "" || !Number.isFinite(v) || v < 0 || v > 1) addIssue(issues, "bad_number", `Contact q "${clip(q)}" is not in 0..1`, offset);
    else c.q = v;
  }
  return c;
}

/**
 * nameAddrAt parses the name-addr / addr-spec at b[a, e) of the message bytes (`t` their latin1
 * text, `raw` equal to t.slice(a, e), a the value's byte offset) like parseNameAddr(raw, issues,
 * a), with a byte scanner for the usual spellings (`<uri>;p=v`, `"Name" <uri>;p=v`, `Name <uri>`,
 * `sip:u@h;p=v`) whose header parameters are read lazily except `tag`. Whatever would raise an
 * issue of its own (LWS inside or around the brackets, escapes in the display name, odd
 * parameters, ...) goes to parseNameAddr, so results and issues equal parseNameAddr's.
 */
export function nameAddrAt(b: Uint8Array, t: string, a: number, e: number, raw: string, issues: Issue[]): NameAddr {
  return nameAddrFast(b, t, a, e, raw, issues, false) ?? parseNameAddr(raw, issues, a);
}

/** contactAt is parseContact with nameAddrAt's fast path (the `*` wildcard goes to parseContact). */
export function contactAt(b: Uint8Array, t: string, a: number, e: number, raw: string, issues: Issue[]): Contact {
  const c0 = a < e ? b[a] : 42;
  // s.trim() === "*" needs s to start with "*" or a char String#trim drops (≤ SP or NBSP in latin1).
  if (c0 <= 32 || c0 === 42 || c0 === 0xa0) return parseContact(raw, issues, a);
  return (nameAddrFast(b, t, a, e, raw, issues, true) as Contact | undefined) ?? parseContact(raw, issues, a);
}

/**
 * Byte tables of nameAddrFast's scans, one load per byte: DISPLAY_CHAR (1) continues an unquoted
 * display name (token chars and LWS); ADDR_SPEC_STOP (1) ends an addr-spec's URI at ";" or LWS, or
 * at the "," and "?" it may not hold. A quoted display name ends at QUOTED_STOP (text.ts).
 */
const DISPLAY_CHAR = new Uint8Array(256);
const ADDR_SPEC_STOP = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  DISPLAY_CHAR[c] = isDisplayTokenChar(c) ? 1 : 0;
  ADDR_SPEC_STOP[c] = c === 59 || c === 44 || c === 63 || isWs(c) ? 1 : 0;
}

/**
 * nameAddrFast is the fast path of nameAddrAt / contactAt. It decides before parsing the URI
 * (which may record issues of its own, exactly as parseNameAddr's call would), so a fallback
 * never records anything twice; undefined means "take the generic path".
 */
function nameAddrFast(b: Uint8Array, t: string, a: number, n: number, raw: string, issues: Issue[], contact: boolean): NameAddr | undefined {
  if (a >= n) return undefined;
  const c = b[a];
  let displayName: string | undefined;
  let lt = -1;
  if (c === 34) {
    // quoted-string display name without quoted-pairs (RFC 3261 §25.1), then optional LWS and "<".
    let j = a + 1;
    while (j < n && QUOTED_STOP[b[j]] === 0) j++;
    if (j >= n || b[j] !== 34) return undefined;
    displayName = t.slice(a + 1, j);
    lt = j + 1;
    while (lt < n && isWs(b[lt])) lt++;
    if (lt >= n || b[lt] !== 60) return undefined;
  } else if (c === 60) {
    lt = a;
  } else if (!isWs(c)) {
    // An unquoted display name (tokens and LWS only, so no scheme colon) before "<", or addr-spec.
    let k = a;
    while (k < n && DISPLAY_CHAR[b[k]] === 1) k++;
    if (k < n && b[k] === 60) {
      displayName = t.slice(a, trimEndIndex(t, a, k));
      lt = k;
    } else if (raw.indexOf("<", k - a) >= 0) {
      return undefined;
    }
  } else {
    return undefined;
  }
  let uriStart: number;
  let uriEnd: number;
  let rest: number;
  if (lt >= 0) {
    const gt = t.indexOf(">", lt + 1);
    if (gt < 0 || gt >= n) return undefined;
    uriStart = lt + 1;
    uriEnd = gt;
    // RFC 4475 §3.1.2.15 (badaspec): LWS inside the brackets is an issue, for the generic path.
    if (gt > uriStart && (isWs(b[uriStart]) || isWs(b[gt - 1]))) return undefined;
    rest = gt + 1;
  } else {
    // addr-spec: the URI ends at ";" or LWS and may not hold "," or "?" (RFC 3261 §20.10).
    uriStart = a;
    let k = a;
    while (k < n && ADDR_SPEC_STOP[b[k]] === 0) k++;
    // "," or "?" in an addr-spec is an issue of its own (RFC 3261 §20.10): the generic path's.
    if (k < n && (b[k] === 44 || b[k] === 63)) return undefined;
    uriEnd = k;
    rest = k;
  }
  if (rest < n && b[rest] !== 59) return undefined;
  const count = scanParams(b, rest, n);
  if (count < 0) return undefined;
  const tag = scannedParam(b, t, count, "tag");
  const exp = contact ? scannedParam(b, t, count, "expires") : undefined;
  const q = contact ? scannedParam(b, t, count, "q") : undefined;
  // Same property order as parseNameAddr / parseContact, so JSON renderings are identical.
  const na: NameAddr = { uri: uriAt(b, t, uriStart, uriEnd, issues, uriStart), params: Params.lazy(t, rest, n), angle: lt >= 0, raw };
  if (displayName !== undefined) na.displayName = utf8(displayName);
  if (tag !== undefined) na.tag = tag;
  return contact ? typeContact(na as Contact, exp, q, issues, a) : na;
}

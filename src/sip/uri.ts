/**
 * URI parsing: sip/sips (RFC 3261 §19.1), tel (RFC 3966) and any other absolute URI kept raw.
 * Tolerant: a malformed URI still yields what could be read plus `bad_uri` issues.
 */
import type { Issue } from "../util/issues.js";
import { addIssue } from "./issues.js";
import { bytesEqualLower, clip, decimalIn, Lexicon, Params, percentDecode } from "./text.js";

/** SipUri is a parsed URI. Fields other than `kind`, `scheme`, `raw` are set when present. */
export interface SipUri {
  /** `sip` for sip/sips URIs, `tel` for tel URIs, `absolute` for other schemes, `invalid` when no scheme. */
  kind: "sip" | "tel" | "absolute" | "invalid";
  /** Lower-cased scheme (`sip`, `sips`, `tel`, `http`, ...); "" when invalid. */
  scheme: string;
  /** The URI text exactly as it appeared (latin1). */
  raw: string;
  /** User part as written, %-escapes kept (RFC 3261 §19.1.2); for tel, the number. */
  user?: string;
  /** User part with %-escapes resolved and decoded as UTF-8 (e.g. `%00` becomes U+0000). */
  userUnescaped?: string;
  /** Password part of userinfo (deprecated by RFC 3261 §19.1.1, but legal). */
  password?: string;
  /** Host: domain name or IPv4 as written; IPv6 references without their brackets. */
  host?: string;
  /** True when the host was an IPv6 reference `[...]`. */
  ipv6?: boolean;
  /** Port, when written. */
  port?: number;
  /** URI parameters (`;transport=udp`, `;lr` maps to ""), names lower-cased. */
  params: Params;
  /** URI headers (`?name=value&...`), values still %-escaped. */
  headers: Params;
}

/** SCHEME matches an RFC 3986 scheme; SCHEMES interns the common ones; WS finds whitespace. */
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;
const SCHEMES = new Lexicon(["sip", "sips", "tel"].map((w) => [w, w] as const));
const WS = /\s/;

/** HOST_CHAR marks the chars allowed in a hostname or IPv4 address (a table: one load per char in the scans). */
const HOST_CHAR = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  HOST_CHAR[c] = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 46 || c === 95 ? 1 : 0;
}

/** isHostChar reports a char allowed in a hostname or IPv4 address. */
function isHostChar(c: number): boolean {
  return c < 256 && HOST_CHAR[c] === 1;
}

/**
 * parseUri parses one URI. `offset` is the byte offset of `raw` in the message, used for issues.
 * Never throws; unknown schemes are returned with kind `absolute` and only `raw` and `scheme`.
 */
export function parseUri(raw: string, issues: Issue[], offset: number): SipUri {
  const uri: SipUri = { kind: "invalid", scheme: "", raw, params: new Params(), headers: new Params() };
  const colon = raw.indexOf(":");
  const known = colon > 0 ? SCHEMES.find(raw, 0, colon) : undefined;
  if (known === undefined && (colon <= 0 || !SCHEME.test(raw.slice(0, colon)))) {
    addIssue(issues, "bad_uri", `"${clip(raw)}" has no URI scheme`, offset);
    return uri;
  }
  const ws = wsIndex(raw);
  if (ws >= 0) addIssue(issues, "bad_uri", `URI "${clip(raw)}" contains whitespace`, offset + ws);
  uri.scheme = known ?? raw.slice(0, colon).toLowerCase();
  if (uri.scheme === "sip" || uri.scheme === "sips") {
    uri.kind = "sip";
    parseSipParts(uri, raw, colon + 1, issues, offset);
  } else if (uri.scheme === "tel") {
    uri.kind = "tel";
    const semi = raw.indexOf(";", colon + 1);
    const end = semi < 0 ? raw.length : semi;
    uri.user = raw.slice(colon + 1, end);
    uri.userUnescaped = percentDecode(uri.user) ?? uri.user;
    if (uri.user.length === 0) addIssue(issues, "bad_uri", `tel URI "${clip(raw)}" has no number`, offset);
    if (end < raw.length) uri.params = Params.lazy(raw, end, raw.length);
  } else {
    uri.kind = "absolute";
  }
  return uri;
}

/** wsIndex is `raw.search(/\s/)` without the regex call for latin1 text. */
function wsIndex(raw: string): number {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c <= 32 ? c === 32 || (c >= 9 && c <= 13) : c === 0xa0 || (c > 0xff && WS.test(raw[i]))) return i;
  }
  return -1;
}

/** parseSipParts fills userinfo, hostport, params and headers of a sip/sips URI from raw[i...]. */
function parseSipParts(uri: SipUri, raw: string, i: number, issues: Issue[], offset: number): void {
  const n = raw.length;
  // userinfo ends at the first "@": neither user, password, host, params nor headers may contain
  // an unescaped "@" (RFC 3261 §25.1), while the user part may contain ";", "?" and "," (RFC 4475
  // §3.1.1.2 and §3.1.1.13).
  const at = raw.indexOf("@", i);
  if (at >= 0) {
    // One pass finds the password colon and whether the user part needs %-decoding or UTF-8.
    let pw = -1;
    let plain = true;
    for (let k = i; k < at; k++) {
      const c = raw.charCodeAt(k);
      if (c === 58) {
        pw = k;
        break;
      }
      if (c === 37 || c >= 0x80) plain = false;
    }
    uri.user = raw.slice(i, pw < 0 ? at : pw);
    if (pw >= 0) uri.password = raw.slice(pw + 1, at);
    const unescaped = plain ? uri.user : percentDecode(uri.user);
    if (unescaped === undefined) {
      addIssue(issues, "bad_uri", `user part "${clip(uri.user)}" has a malformed %-escape`, offset + i);
      uri.userUnescaped = uri.user;
    } else {
      uri.userUnescaped = unescaped;
    }
    if (uri.user.length === 0) addIssue(issues, "bad_uri", `URI "${clip(raw)}" has an empty user part`, offset + i);
    i = at + 1;
  }
  const hostStart = i;
  if (i < n && raw.charCodeAt(i) === 91) {
    const close = raw.indexOf("]", i);
    if (close < 0) {
      addIssue(issues, "bad_uri", `IPv6 reference in "${clip(raw)}" has no closing "]"`, offset + i);
      uri.host = raw.slice(i + 1);
      uri.ipv6 = true;
      return;
    }
    uri.host = raw.slice(i + 1, close);
    uri.ipv6 = true;
    i = close + 1;
  } else {
    while (i < n && isHostChar(raw.charCodeAt(i))) i++;
    uri.host = raw.slice(hostStart, i);
  }
  if (uri.host.length === 0) addIssue(issues, "bad_uri", `URI "${clip(raw)}" has no host`, offset + hostStart);
  if (i < n && raw.charCodeAt(i) === 58) {
    const pStart = ++i;
    while (i < n && raw.charCodeAt(i) >= 48 && raw.charCodeAt(i) <= 57) i++;
    const port = decimalIn(raw, pStart, i) ?? 0;
    if (i === pStart || port > 65535) {
      addIssue(issues, "bad_uri", `URI "${clip(raw)}" has an invalid port`, offset + pStart);
    } else {
      uri.port = port;
    }
  }
  const q = raw.indexOf("?", i);
  const paramEnd = q < 0 ? n : q;
  if (i < paramEnd && raw.charCodeAt(i) !== 59) {
    addIssue(issues, "bad_uri", `unexpected "${clip(raw.slice(i, paramEnd), 20)}" after the host of "${clip(raw)}"`, offset + i);
  }
  // URI parameters are read on first use: readParams' result is not checked here anyway.
  if (i < paramEnd) uri.params = Params.lazy(raw, i, paramEnd);
  if (q >= 0) {
    for (const part of raw.slice(q + 1).split("&")) {
      if (part.length === 0) continue;
      const eq = part.indexOf("=");
      uri.headers.add(eq < 0 ? part : part.slice(0, eq), eq < 0 ? "" : part.slice(eq + 1));
    }
  }
}

/**
 * uriAt parses the URI at b[a, e) (message bytes; `t` is their latin1 text, so indexes match)
 * like parseUri(t.slice(a, e), issues, offset), with a byte scanner for the usual
 * `sip[s]:[user[:password]@]host[:port][;params]` spelling: no whitespace or control byte, `?`,
 * `%`, `[`, or non-ASCII byte. Anything else, or anything that would raise an issue, goes to parseUri.
 */
export function uriAt(b: Uint8Array, t: string, a: number, e: number, issues: Issue[], offset: number): SipUri {
  return uriFast(b, t, a, e) ?? parseUri(t.slice(a, e), issues, offset);
}

/**
 * URI_BYTE classes the bytes of a URI for uriFast's one pass (a table load per byte is cheaper
 * than the comparisons): "@" and ":" delimit userinfo; "%" escapes, "?" headers, "[" IPv6, bytes
 * >= 0x80 and every byte up to SP (whitespace and controls) send the URI to parseUri.
 */
const PLAIN = 0;
const AT = 1;
const COLON = 2;
const GENERIC = 3;
const URI_BYTE = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  URI_BYTE[c] = c === 64 ? AT : c === 58 ? COLON : c === 37 || c === 63 || c === 91 || c >= 0x80 || c <= 32 ? GENERIC : PLAIN;
}

/** uriFast is uriAt's fast path; undefined means "take parseUri" (nothing recorded). */
function uriFast(b: Uint8Array, t: string, a: number, e: number): SipUri | undefined {
  let i: number;
  let scheme: string;
  if (e - a > 4 && bytesEqualLower(b, a, "sip:")) {
    scheme = "sip";
    i = a + 4;
  } else if (e - a > 5 && bytesEqualLower(b, a, "sips:")) {
    scheme = "sips";
    i = a + 5;
  } else {
    return undefined;
  }
  // One pass: the first "@" ends userinfo (RFC 3261 §25.1: no unescaped "@" elsewhere); the first
  // ":" before it ends the user part; escapes, IPv6, URI headers and whitespace go generic.
  let at = -1;
  let colon = -1;
  for (let k = i; k < e; k++) {
    const x = URI_BYTE[b[k]];
    if (x === PLAIN) continue;
    if (x === GENERIC) return undefined;
    if (x === AT) {
      if (at < 0) at = k;
    } else if (colon < 0) {
      colon = k;
    }
  }
  let user: string | undefined;
  let password: string | undefined;
  if (at >= 0) {
    const userEnd = colon >= 0 && colon < at ? colon : at;
    if (userEnd === i) return undefined;
    user = t.slice(i, userEnd);
    if (userEnd < at) password = t.slice(userEnd + 1, at);
    i = at + 1;
  }
  const hostStart = i;
  while (i < e && HOST_CHAR[b[i]] === 1) i++;
  if (i === hostStart) return undefined;
  const host = t.slice(hostStart, i);
  let port = -1;
  if (i < e && b[i] === 58) {
    const p = ++i;
    port = 0;
    while (i < e && b[i] >= 48 && b[i] <= 57 && i - p < 6) port = port * 10 + (b[i++] - 48);
    if (i === p || port > 65535 || (i < e && b[i] >= 48 && b[i] <= 57)) return undefined;
  }
  if (i < e && b[i] !== 59) return undefined;
  // Same property order as parseUri, so JSON renderings are identical.
  const uri: SipUri = { kind: "sip", scheme, raw: t.slice(a, e), params: Params.lazy(t, i, e), headers: new Params() };
  if (user !== undefined) {
    uri.user = user;
    if (password !== undefined) uri.password = password;
    uri.userUnescaped = user;
  }
  uri.host = host;
  if (port >= 0) uri.port = port;
  return uri;
}

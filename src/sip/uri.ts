/**
 * URI parsing: sip/sips (RFC 3261 §19.1), tel (RFC 3966) and any other absolute URI kept raw.
 * Tolerant: a malformed URI still yields what could be read plus `bad_uri` issues.
 */
import type { Issue } from "../util/issues.js";
import { addIssue } from "./issues.js";
import { clip, Lexicon, Params, percentDecode, readParams } from "./text.js";

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

/** HOST_CHAR marks chars allowed in a hostname or IPv4 address. */
function isHostChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 46 || c === 95;
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
  const ws = raw.search(WS);
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
    if (end < raw.length) readParams(raw, end, raw.length, uri.params);
  } else {
    uri.kind = "absolute";
  }
  return uri;
}

/** parseSipParts fills userinfo, hostport, params and headers of a sip/sips URI from raw[i...]. */
function parseSipParts(uri: SipUri, raw: string, i: number, issues: Issue[], offset: number): void {
  const n = raw.length;
  // userinfo ends at the first "@": neither user, password, host, params nor headers may contain
  // an unescaped "@" (RFC 3261 §25.1), while the user part may contain ";", "?" and "," (RFC 4475
  // §3.1.1.2 and §3.1.1.13).
  const at = raw.indexOf("@", i);
  if (at >= 0) {
    const userinfo = raw.slice(i, at);
    const pw = userinfo.indexOf(":");
    uri.user = pw < 0 ? userinfo : userinfo.slice(0, pw);
    if (pw >= 0) uri.password = userinfo.slice(pw + 1);
    const unescaped = percentDecode(uri.user);
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
    const port = Number(raw.slice(pStart, i));
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
  if (i < paramEnd) readParams(raw, i, paramEnd, uri.params);
  if (q >= 0) {
    for (const part of raw.slice(q + 1).split("&")) {
      if (part.length === 0) continue;
      const eq = part.indexOf("=");
      uri.headers.add(eq < 0 ? part : part.slice(0, eq), eq < 0 ? "" : part.slice(eq + 1));
    }
  }
}

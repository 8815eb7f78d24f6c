/**
 * Via values (RFC 3261 §20.42, §18.2.1 received, RFC 3581 rport): sent-protocol, sent-by and the
 * parameters the correlator matches transactions and NAT bindings on.
 */
import type { Issue } from "../util/issues.js";
import { addIssue } from "./issues.js";
import { bytesEqualLower, clip, decimalIn, isTokenChar, isWs, Lexicon, Params, parseDecimal, readParams, scannedParam, scanParams, skipWs } from "./text.js";

/** TRANSPORTS interns the transport tokens of RFC 3261 §20.42, RFC 4168 (SCTP), RFC 7118 (WS, WSS). */
const TRANSPORTS = new Lexicon(["udp", "tcp", "tls", "sctp", "tls-sctp", "ws", "wss"].map((w) => [w, w.toUpperCase()] as const));

/** Via is one Via value (one hop of the stack). */
export interface Via {
  /** Protocol name and version, e.g. `SIP/2.0` (upper-cased, LWS around "/" removed). */
  protocol: string;
  /** Transport token upper-cased: UDP, TCP, TLS, SCTP, WS, WSS or an extension. */
  transport: string;
  /** sent-by host as written; IPv6 references without brackets. */
  host: string;
  /** True when the sent-by host was an IPv6 reference `[...]`. */
  ipv6?: boolean;
  /** sent-by port, when written (the default is 5060, or 5061 for TLS, RFC 3261 §18.2.1). */
  port?: number;
  /** `branch` transaction id; RFC 3261 ids start with the magic cookie `z9hG4bK` (§8.1.1.7). */
  branch?: string;
  /** `received`: source address the next hop saw (RFC 3261 §18.2.1). */
  received?: string;
  /**
   * `rport` (RFC 3581): `true` when present without a value (a client asking for it), the
   * source port the server saw when filled in.
   */
  rport?: number | true;
  /** `maddr` multicast / override address. */
  maddr?: string;
  /** `ttl` for multicast. */
  ttl?: number;
  /** All parameters, names lower-cased; a parameter without value maps to "". */
  params: Params;
  /** The value text as it appeared (unfolded). */
  raw: string;
  /** Byte offset of the value in the message (start of its header value when folded). */
  offset: number;
}

/** tokenEnd returns the end index of the token run starting at i. */
function tokenEnd(s: string, i: number): number {
  while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
  return i;
}

/**
 * parseVia parses one Via value (already cut from a comma list). LWS is allowed around "/" of
 * sent-protocol and around ";", "=" of parameters (RFC 4475 §3.1.1.1). Returns undefined only
 * when not even a sent-protocol is present; other problems give a partial Via and `bad_via`.
 */
export function parseVia(s: string, issues: Issue[], offset: number): Via | undefined {
  const n = s.length;
  const parts: string[] = [];
  let i = skipWs(s, 0);
  if (s.startsWith("SIP/2.0/", i)) {
    // The usual spelling, read without the LWS-tolerant loop below.
    parts.push("SIP", "2.0");
    i += 7; // at the "/" before the transport
  }
  for (let k = parts.length; k < 3; k++) {
    if (k > 0) {
      if (i >= n || s.charCodeAt(i) !== 47) break;
      i = skipWs(s, i + 1);
    }
    const e = tokenEnd(s, i);
    if (e === i) break;
    parts.push(s.slice(i, e));
    i = skipWs(s, e);
  }
  if (parts.length < 3) {
    addIssue(issues, "bad_via", `Via "${clip(s)}" has no protocol/version/transport`, offset);
    return undefined;
  }
  const via: Via = {
    protocol: parts[0] === "SIP" && parts[1] === "2.0" ? "SIP/2.0" : `${parts[0].toUpperCase()}/${parts[1]}`,
    transport: TRANSPORTS.find(parts[2], 0, parts[2].length) ?? parts[2].toUpperCase(),
    host: "",
    params: new Params(),
    raw: s,
    offset,
  };
  if (via.protocol !== "SIP/2.0") addIssue(issues, "bad_version", `Via protocol is ${clip(via.protocol)}, not SIP/2.0`, offset);
  if (i < n && s.charCodeAt(i) === 91) {
    const close = s.indexOf("]", i);
    const end = close < 0 ? n : close;
    via.host = s.slice(i + 1, end);
    via.ipv6 = true;
    if (close < 0) addIssue(issues, "bad_via", `IPv6 sent-by in "${clip(s)}" has no closing "]"`, offset);
    i = close < 0 ? n : close + 1;
  } else {
    const h = i;
    while (i < n && s.charCodeAt(i) !== 58 && s.charCodeAt(i) !== 59 && s.charCodeAt(i) > 32) i++;
    via.host = s.slice(h, i);
    // An IPv6 sent-by without brackets (RFC 3261 §25.1 requires them, some stacks omit them):
    // with nine groups the last one is the port; otherwise the whole token is the address.
    let e = i;
    let colons = 0;
    while (e < n && s.charCodeAt(e) !== 59 && s.charCodeAt(e) > 32) if (s.charCodeAt(e++) === 58) colons++;
    // Counted first: only a sent-by with two or more colons can be a bare IPv6 address.
    const token = colons >= 2 ? s.slice(h, e) : "";
    const groups = colons >= 2 ? token.split(":") : [];
    if (groups.length >= 3 && /^[0-9a-fA-F:.]+$/.test(token)) {
      addIssue(issues, "bad_via", `IPv6 sent-by in "${clip(s)}" lacks brackets`, offset);
      via.ipv6 = true;
      if (groups.length === 9) {
        via.host = groups.slice(0, 8).join(":");
        i = h + via.host.length;
      } else {
        via.host = token;
        i = e;
      }
    }
  }
  if (via.host.length === 0) addIssue(issues, "bad_via", `Via "${clip(s)}" has no sent-by host`, offset);
  i = skipWs(s, i);
  if (i < n && s.charCodeAt(i) === 58) {
    i = skipWs(s, i + 1);
    const p = i;
    while (i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
    const port = decimalIn(s, p, i) ?? 0;
    if (i === p || port > 65535) addIssue(issues, "bad_via", `Via "${clip(s)}" has an invalid port`, offset);
    else via.port = port;
  }
  if (skipWs(s, i) < n && !readParams(s, i, n, via.params)) addIssue(issues, "bad_via", `Via "${clip(s)}" has malformed parameters`, offset);
  typeViaParams(via, issues);
  return via;
}

/**
 * viaAt parses the Via value at b[a, e) of the message bytes (`t` their latin1 text, `raw` equal
 * to t.slice(a, e), a the value's byte offset) like parseVia(raw, issues, a), with a byte scanner
 * for the usual spelling `SIP/2.0/UDP host[:port];name=value;...` (one SP, no brackets, no
 * quotes, no LWS). Anything else, or anything that would raise an issue, goes to parseVia, so
 * results and issues are those of parseVia in every case.
 */
export function viaAt(b: Uint8Array, t: string, a: number, e: number, raw: string, issues: Issue[]): Via | undefined {
  return viaFast(b, t, a, e, raw) ?? parseVia(raw, issues, a);
}

/** SIP_2_0 is the sent-protocol prefix `SIP/2.0/` as bytes. */
const SIP_2_0 = [83, 73, 80, 47, 50, 46, 48, 47];

/** HOST_STOP marks the bytes that end a sent-by host in viaFast (1): ":", ";", SP and controls. */
const HOST_STOP = new Uint8Array(256);
for (let c = 0; c < 256; c++) HOST_STOP[c] = c === 58 || c === 59 || c <= 32 ? 1 : 0;

/** viaFast is viaAt's fast path; undefined means "not the usual spelling" (nothing recorded). */
function viaFast(b: Uint8Array, t: string, a: number, n: number, raw: string): Via | undefined {
  if (n - a < 10) return undefined;
  for (let k = 0; k < 8; k++) if (b[a + k] !== SIP_2_0[k]) return undefined;
  let i = a + 8;
  while (i < n && isTokenChar(b[i])) i++;
  // One SP between sent-protocol and sent-by (RFC 3261 §20.42 allows LWS; odd spacing is rare).
  if (i === a + 8 || i + 1 >= n || b[i] !== 32) return undefined;
  const transport = transportAt(b, t, a + 8, i);
  const h = ++i;
  let c = b[h];
  if (c === 91 || isWs(c)) return undefined; // IPv6 reference or more LWS: generic path
  // The same host rule as parseVia: up to ":", ";" or a control char / SP.
  while (i < n && HOST_STOP[b[i]] === 0) i++;
  if (i === h) return undefined;
  c = i < n ? b[i] : 0;
  const host = t.slice(h, i);
  let port = -1;
  if (i < n && c === 58) {
    const p = ++i;
    port = 0;
    while (i < n && (c = b[i]) >= 48 && c <= 57) port = port * 10 + (c - 48), i++;
    // A second colon (bare IPv6), a missing or too long port: the generic path decides.
    if (i === p || i - p > 5 || port > 65535) return undefined;
  }
  if (i < n && b[i] !== 59) return undefined;
  const count = scanParams(b, i, n);
  if (count < 0) return undefined;
  const branch = scannedParam(b, t, count, "branch");
  const received = scannedParam(b, t, count, "received");
  const maddr = scannedParam(b, t, count, "maddr");
  const rportText = scannedParam(b, t, count, "rport");
  let rport: number | true | undefined;
  if (rportText !== undefined) {
    if (rportText === "") rport = true;
    else if (rportText.length <= 5 && (parseDecimal(rportText) ?? 65536) <= 65535) rport = parseDecimal(rportText);
    else return undefined;
  }
  const ttlText = scannedParam(b, t, count, "ttl");
  if (ttlText !== undefined && !TTL.test(ttlText)) return undefined;
  // Same property order as parseVia, so JSON renderings are identical.
  const via: Via = { protocol: "SIP/2.0", transport, host, params: Params.lazy(t, i, n), raw, offset: a };
  if (port >= 0) via.port = port;
  if (branch !== undefined) via.branch = branch;
  if (received !== undefined) via.received = received;
  if (maddr !== undefined) via.maddr = maddr;
  if (rport !== undefined) via.rport = rport;
  if (ttlText !== undefined) via.ttl = Number(ttlText);
  return via;
}

/** transportAt returns the transport token b[s, e) as parseVia does: interned upper-case for the common ones. */
function transportAt(b: Uint8Array, t: string, s: number, e: number): string {
  if (e - s === 3) {
    if (bytesEqualLower(b, s, "udp")) return "UDP";
    if (bytesEqualLower(b, s, "tcp")) return "TCP";
    if (bytesEqualLower(b, s, "tls")) return "TLS";
  }
  return TRANSPORTS.find(t, s, e) ?? t.slice(s, e).toUpperCase();
}

/** TTL matches a valid `ttl` (RFC 3261 §25.1: 1*3DIGIT, 0..255). */
const TTL = /^(?:\d{1,2}|[01]\d\d|2[0-4]\d|25[0-5])$/;

/** typeViaParams copies the well-known parameters into typed fields. */
function typeViaParams(via: Via, issues: Issue[]): void {
  const p = via.params;
  const branch = p.get("branch");
  if (branch !== undefined) via.branch = branch;
  const received = p.get("received");
  if (received !== undefined) via.received = received;
  const maddr = p.get("maddr");
  if (maddr !== undefined) via.maddr = maddr;
  const rport = p.get("rport");
  if (rport !== undefined) {
    if (rport === "") {
      via.rport = true;
    } else if (rport.length <= 5 && (parseDecimal(rport) ?? 65536) <= 65535) {
      via.rport = parseDecimal(rport);
    } else {
      via.rport = true;
      addIssue(issues, "bad_via", `Via rport "${clip(rport)}" is not a port number`, via.offset);
    }
  }
  const ttl = p.get("ttl");
  if (ttl !== undefined) {
    if (/^\d{1,3}$/.test(ttl) && Number(ttl) <= 255) via.ttl = Number(ttl);
    else addIssue(issues, "bad_via", `Via ttl "${clip(ttl)}" is not 0..255`, via.offset);
  }
}

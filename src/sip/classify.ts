/**
 * Which payloads are SIP: the standard ports first, then a content heuristic on any port
 * (Wireshark's port table + heuristic dissector, Zeek's dpd signature), so SIP on 6060 is found
 * without configuration.
 */

/** SIP_PORTS are the registered SIP ports (RFC 3261 §19.1.2: 5060, 5061 for TLS) and the common 5080. */
export const SIP_PORTS: ReadonlySet<number> = new Set([5060, 5061, 5080]);

/** Longest first line the heuristic looks at. Long Request-URIs exist (RFC 4475 longreq). */
const MAX_START_LINE = 4096;

/** RFC 3261 §25.1 token characters (methods are tokens). */
const TOKEN = new Uint8Array(256);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~") TOKEN[c.charCodeAt(0)] = 1;

/** isSipPort says whether either port is a SIP port. */
export function isSipPort(a: number, b: number): boolean {
  return SIP_PORTS.has(a) || SIP_PORTS.has(b);
}

/** matchesSipVersion checks "SIP/2.0" case-insensitively (RFC 3261 §7.1: the version string is case-insensitive). */
function matchesSipVersion(b: Uint8Array, p: number): boolean {
  return (
    (b[p] | 0x20) === 0x73 && (b[p + 1] | 0x20) === 0x69 && (b[p + 2] | 0x20) === 0x70 &&
    b[p + 3] === 0x2f && b[p + 4] === 0x32 && b[p + 5] === 0x2e && b[p + 6] === 0x30
  );
}

/** isVersionPrefix: bytes [off, end) are a beginning of "SIP/2.0 " (the letters in any case). */
function isVersionPrefix(b: Uint8Array, off: number, end: number): boolean {
  const v = "sip/2.0 ";
  for (let i = 0; off + i < end; i++) {
    if (i >= v.length) return true;
    const c = i < 3 ? b[off + i] | 0x20 : b[off + i];
    if (c !== v.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * startLineKind tells whether a SIP start line begins at `off`: 1 request, 2 response, 0 not SIP,
 * -1 cannot tell yet (the line is not complete before `end`).
 * Request-Line = Method SP Request-URI SP SIP-Version (§7.1); Status-Line = SIP-Version SP
 * Status-Code SP Reason-Phrase (§7.2). Extra spaces and lower-case methods are tolerated here; the
 * parser reports them.
 */
export function startLineKind(b: Uint8Array, off: number, end: number): -1 | 0 | 1 | 2 {
  if (off >= end) return -1;
  const c0 = b[off];
  // Fast rejection of binary payloads (RTP, DNS, TLS): a start line begins with a letter.
  if (!((c0 >= 0x41 && c0 <= 0x5a) || (c0 >= 0x61 && c0 <= 0x7a))) return 0;
  // A status line cut short ("SIP/2", "SIP/2.0 4"): undecided until the status code is in, or a
  // response split by a segment boundary in its first bytes would be thrown away as not SIP.
  if (end - off < 12 && isVersionPrefix(b, off, end)) return -1;
  if (end - off >= 12 && matchesSipVersion(b, off) && b[off + 7] === 0x20) {
    let p = off + 8;
    while (p < end && b[p] === 0x20) p++;
    if (p + 3 > end) return -1;
    const d = (x: number): boolean => x >= 0x30 && x <= 0x39;
    return d(b[p]) && d(b[p + 1]) && d(b[p + 2]) ? 2 : 0;
  }
  let p = off;
  const lim = Math.min(end, off + MAX_START_LINE);
  while (p < lim && TOKEN[b[p]]) p++;
  if (p === lim) return lim === end ? -1 : 0;
  if (p === off || p - off > 32 || b[p] !== 0x20) return 0;
  // Find the end of the line, then check it ends with SIP/2.0 (trailing spaces tolerated).
  while (p < lim && b[p] !== 0x0a && b[p] !== 0x0d) p++;
  if (p === lim) return lim === end ? -1 : 0;
  let e = p;
  while (e > off && b[e - 1] === 0x20) e--;
  return e - off >= 9 && b[e - 8] === 0x20 && matchesSipVersion(b, e - 7) ? 1 : 0;
}

/** looksLikeSip is the datagram/segment heuristic: the payload starts with a complete SIP start line. */
export function looksLikeSip(b: Uint8Array): boolean {
  return startLineKind(b, 0, b.length) > 0;
}

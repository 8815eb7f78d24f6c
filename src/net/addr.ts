/**
 * Address formatting. IPv6 text follows RFC 5952 (lower case, longest zero run compressed) so
 * addresses read exactly as Wireshark prints them.
 */
import { detach } from "../util/strings.js";

/**
 * A direct-mapped cache of formatted IPv4 addresses: every SIP message formats its two addresses,
 * and a capture holds few distinct ones, so most calls find their string here instead of building
 * (and later collecting) a new one.
 */
const V4_CACHE_SIZE = 4096;
const v4Keys = new Int32Array(V4_CACHE_SIZE);
const v4Texts: (string | undefined)[] = new Array<string | undefined>(V4_CACHE_SIZE).fill(undefined);

/** ipv4ToString formats 4 bytes at `off` as dotted quad. */
export function ipv4ToString(b: Uint8Array, off: number): string {
  const key = (b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3];
  const slot = (key ^ (key >>> 12) ^ (key >>> 24)) & (V4_CACHE_SIZE - 1);
  const hit = v4Texts[slot];
  if (hit !== undefined && v4Keys[slot] === key) return hit;
  // Flattened once: a template result is a tree of its pieces, and this string is kept and reused.
  const text = detach(`${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`);
  v4Keys[slot] = key;
  v4Texts[slot] = text;
  return text;
}

/** ipv6ToString formats 16 bytes at `off` per RFC 5952 §4 (IPv4-mapped addresses keep dotted form). */
export function ipv6ToString(b: Uint8Array, off: number): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((b[off + 2 * i] << 8) | b[off + 2 * i + 1]);
  if (w[0] === 0 && w[1] === 0 && w[2] === 0 && w[3] === 0 && w[4] === 0 && w[5] === 0xffff) {
    return `::ffff:${ipv4ToString(b, off + 12)}`;
  }
  // Longest run of two or more zero groups; the first one wins a tie (§4.2.3).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string => w.slice(from, to).map((x) => x.toString(16)).join(":");
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}

/** formatEndpoint renders ip:port, bracketing IPv6 (RFC 3986 §3.2.2). */
export function formatEndpoint(ip: string, port: number): string {
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/**
 * Address classes that matter for NAT and ALG diagnosis: private (RFC 1918), shared CGNAT space
 * (RFC 6598), link-local (RFC 3927, RFC 4291), unique-local IPv6 (RFC 4193), loopback.
 */

/** The octets of the last address v4() read: it runs for addresses of most messages, so it allocates nothing. */
const octets = [0, 0, 0, 0];

/**
 * v4 reads a dotted quad (four 1–3 digit decimals, each ≤ 255) into `octets` and returns it, or
 * undefined when `ip` is not one. The result is only valid until the next call.
 */
function v4(ip: string): number[] | undefined {
  const n = ip.length;
  let i = 0;
  for (let k = 0; k < 4; k++) {
    if (k > 0) {
      if (i >= n || ip.charCodeAt(i) !== 46) return undefined;
      i++;
    }
    let value = 0;
    let digits = 0;
    while (i < n && digits < 4) {
      const d = ip.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      value = value * 10 + d;
      digits++;
      i++;
    }
    if (digits === 0 || digits > 3 || value > 255) return undefined;
    octets[k] = value;
  }
  return i === n ? octets : undefined;
}

/** isIpLiteral says whether a host string is an IPv4 or IPv6 literal (not a domain name). */
export function isIpLiteral(host: string): boolean {
  return v4(host) !== undefined || (host.includes(":") && /^[0-9a-fA-F:.]+$/.test(host));
}

/** isPrivateIp: addresses that cannot appear as a source on the public Internet (NAT inside). */
export function isPrivateIp(ip: string): boolean {
  const o = v4(ip);
  if (o) {
    return (
      o[0] === 10 ||
      (o[0] === 172 && o[1] >= 16 && o[1] <= 31) ||
      (o[0] === 192 && o[1] === 168) ||
      (o[0] === 100 && o[1] >= 64 && o[1] <= 127) ||
      (o[0] === 169 && o[1] === 254)
    );
  }
  const l = ip.toLowerCase();
  return /^f[cd][0-9a-f]{2}:/.test(l) || /^fe[89ab][0-9a-f]:/.test(l);
}

/** isLoopback: 127/8 and ::1. */
export function isLoopback(ip: string): boolean {
  const o = v4(ip);
  return o ? o[0] === 127 : ip === "::1";
}

/** isPublicIp: an IP literal that is neither private nor loopback. */
export function isPublicIp(ip: string): boolean {
  return isIpLiteral(ip) && !isPrivateIp(ip) && !isLoopback(ip);
}

/** privateIpsIn finds private IPv4 literals inside free text (Call-ID, SDP, header values). */
export function privateIpsIn(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?<![\d.])(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})(?![\d.])/g)) {
    if (isPrivateIp(m[1]) && !out.includes(m[1])) out.push(m[1]);
  }
  return out;
}

/**
 * IPv4 (RFC 791) and IPv6 (RFC 8200) header decoding into a reusable IpPacket view.
 */
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from "./link.js";
import { ipv4ToString, ipv6ToString } from "./addr.js";

export const PROTO_ICMP = 1;
export const PROTO_IPIP = 4;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const PROTO_IPV6 = 41;
export const PROTO_GRE = 47;
export const PROTO_ICMPV6 = 58;
export const PROTO_SCTP = 132;

/** IpPacket is a decoded IP header: views into the frame buffer, reused across packets. */
export interface IpPacket {
  version: 4 | 6;
  buf: Uint8Array;
  srcOff: number;
  dstOff: number;
  /** Upper-layer protocol (after IPv6 extension headers). */
  proto: number;
  payloadOff: number;
  payloadEnd: number;
  /** True when the header claims more bytes than were captured. */
  truncated: boolean;
  /** Fragment fields (RFC 791 §3.1; RFC 8200 §4.5). */
  isFragment: boolean;
  fragId: number;
  fragOffset: number;
  moreFragments: boolean;
}

/** newIpPacket allocates an IpPacket to be reused by decodeIp. */
export function newIpPacket(): IpPacket {
  return {
    version: 4, buf: new Uint8Array(0), srcOff: 0, dstOff: 0, proto: 0, payloadOff: 0, payloadEnd: 0,
    truncated: false, isFragment: false, fragId: 0, fragOffset: 0, moreFragments: false,
  };
}

/** srcAddr / dstAddr format the packet's addresses (done only for packets we keep). */
export function srcAddr(ip: IpPacket): string {
  return ip.version === 4 ? ipv4ToString(ip.buf, ip.srcOff) : ipv6ToString(ip.buf, ip.srcOff);
}
export function dstAddr(ip: IpPacket): string {
  return ip.version === 4 ? ipv4ToString(ip.buf, ip.dstOff) : ipv6ToString(ip.buf, ip.dstOff);
}

/**
 * decodeIp fills `out` from the IP header at `off`. Returns an error sentence when the header is
 * unusable, or null. A header claiming more bytes than captured is decoded with `truncated` set.
 */
export function decodeIp(etherType: number, b: Uint8Array, off: number, end: number, out: IpPacket): string | null {
  out.buf = b;
  out.isFragment = false;
  out.moreFragments = false;
  out.fragOffset = 0;
  if (etherType === ETHERTYPE_IPV4) return decodeIpv4(b, off, end, out);
  if (etherType === ETHERTYPE_IPV6) return decodeIpv6(b, off, end, out);
  return "not IP";
}

function decodeIpv4(b: Uint8Array, off: number, end: number, out: IpPacket): string | null {
  if (end - off < 20) return "IPv4 header cut short";
  if (b[off] >> 4 !== 4) return `IP version ${b[off] >> 4} in an IPv4 frame`;
  const ihl = (b[off] & 0x0f) * 4;
  if (ihl < 20 || off + ihl > end) return `IPv4 header length ${ihl} invalid`;
  let total = (b[off + 2] << 8) | b[off + 3];
  // A zero total length appears with TCP segmentation offload captures: trust the capture.
  if (total === 0) total = end - off;
  if (total < ihl) return `IPv4 total length ${total} shorter than its header`;
  out.version = 4;
  out.truncated = off + total > end;
  out.payloadOff = off + ihl;
  // Ethernet padding after the datagram is not payload: cut at the total length.
  out.payloadEnd = Math.min(end, off + total);
  out.proto = b[off + 9];
  out.srcOff = off + 12;
  out.dstOff = off + 16;
  const flagsFrag = (b[off + 6] << 8) | b[off + 7];
  out.moreFragments = (flagsFrag & 0x2000) !== 0;
  out.fragOffset = (flagsFrag & 0x1fff) * 8;
  out.isFragment = out.moreFragments || out.fragOffset > 0;
  out.fragId = (b[off + 4] << 8) | b[off + 5];
  return null;
}

function decodeIpv6(b: Uint8Array, off: number, end: number, out: IpPacket): string | null {
  if (end - off < 40) return "IPv6 header cut short";
  if (b[off] >> 4 !== 6) return `IP version ${b[off] >> 4} in an IPv6 frame`;
  const plen = (b[off + 4] << 8) | b[off + 5];
  out.version = 6;
  out.srcOff = off + 8;
  out.dstOff = off + 24;
  // Payload length 0 means a jumbogram (RFC 2675) or offload: trust the capture.
  const claimedEnd = plen === 0 ? end : off + 40 + plen;
  out.truncated = claimedEnd > end;
  out.payloadEnd = Math.min(end, claimedEnd);
  return walkIpv6Extensions(b, off + 40, out.payloadEnd, b[off + 6], out);
}

/**
 * walkIpv6Extensions skips extension headers (RFC 8200 §4) up to the upper-layer header, noting a
 * Fragment header. Also used on a reassembled payload whose first header is an extension.
 */
export function walkIpv6Extensions(b: Uint8Array, p: number, end: number, nh: number, out: IpPacket): string | null {
  for (let guard = 0; guard < 16; guard++) {
    switch (nh) {
      case 0: // Hop-by-Hop
      case 43: // Routing
      case 60: // Destination Options
      case 135: // Mobility
      case 139: // HIP
      case 140: // Shim6
        if (p + 8 > end) return "IPv6 extension header cut short";
        nh = b[p];
        p += (b[p + 1] + 1) * 8;
        break;
      case 51: // AH (RFC 4302 §2.2: length in 4-byte units minus 2)
        if (p + 8 > end) return "IPv6 AH header cut short";
        nh = b[p];
        p += (b[p + 1] + 2) * 4;
        break;
      case 44: {
        // Fragment header; what follows in a non-first fragment is not a header.
        if (p + 8 > end) return "IPv6 fragment header cut short";
        const offFlags = (b[p + 2] << 8) | b[p + 3];
        out.isFragment = true;
        out.fragOffset = offFlags & 0xfff8;
        out.moreFragments = (offFlags & 1) === 1;
        out.fragId = ((b[p + 4] << 24) | (b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7]) >>> 0;
        out.proto = b[p];
        out.payloadOff = p + 8;
        return null;
      }
      default:
        if (p > end) return "IPv6 extension headers run past the packet";
        out.proto = nh;
        out.payloadOff = p;
        return null;
    }
  }
  return "too many IPv6 extension headers";
}

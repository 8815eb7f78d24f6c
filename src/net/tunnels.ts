/**
 * Tunnel decapsulation: GRE (RFC 2784/2890, with ERSPAN types II and III), VXLAN (RFC 7348) and
 * GTP-U (3GPP TS 29.281). Each finds the inner packet; the decoder then starts over on it.
 */
import { decodeEtherType, type L3 } from "./link.js";

export const UDP_PORT_GTPU = 2152;
export const UDP_PORT_VXLAN = 4789;
const ETHERTYPE_ERSPAN_II = 0x88be;
const ETHERTYPE_ERSPAN_III = 0x22eb;
const ETHERTYPE_PPP = 0x880b;

/**
 * decodeGre skips the GRE header (optional checksum, key, sequence) and ERSPAN headers; version 1
 * is PPTP's enhanced GRE (RFC 2637 §4.1: key carries payload length and call ID, optional
 * acknowledgment number) carrying PPP.
 */
export function decodeGre(b: Uint8Array, off: number, end: number, out: L3): boolean {
  if (off + 4 > end) return false;
  const flags = b[off];
  const version = b[off + 1] & 0x07;
  let proto = (b[off + 2] << 8) | b[off + 3];
  let p = off + 4;
  if (version === 1) {
    p += 4; // payload length + call ID (the mandatory "key")
    if (flags & 0x10) p += 4; // sequence number
    if (b[off + 1] & 0x80) p += 4; // acknowledgment number
    return proto === ETHERTYPE_PPP && decodePpp(b, p, end, out);
  }
  if (flags & 0x80) p += 4; // checksum + reserved
  if (flags & 0x20) p += 4; // key
  if (flags & 0x10) p += 4; // sequence number
  if (proto === ETHERTYPE_ERSPAN_II) {
    p += 8;
    proto = 0x6558;
  } else if (proto === ETHERTYPE_ERSPAN_III) {
    // 12-byte header, plus an 8-byte platform sub-header when the O bit is set.
    if (p + 12 > end) return false;
    const o = b[p + 11] & 0x01;
    p += 12 + (o ? 8 : 0);
    proto = 0x6558;
  }
  return p < end && decodeEtherType(proto, b, p, end, out);
}

/** decodeVxlan skips the 8-byte VXLAN header to the inner Ethernet frame. */
export function decodeVxlan(b: Uint8Array, off: number, end: number, out: L3): boolean {
  return off + 8 < end && (b[off] & 0x08) !== 0 && decodeEtherType(0x6558, b, off + 8, end, out);
}

/** decodeGtpU finds the user IP packet in a G-PDU (message type 255), past optional fields and extension headers. */
export function decodeGtpU(b: Uint8Array, off: number, end: number, out: L3): boolean {
  if (off + 8 > end) return false;
  const flags = b[off];
  if (flags >> 5 !== 1 || b[off + 1] !== 0xff) return false;
  let p = off + 8;
  if (flags & 0x07) {
    if (p + 4 > end) return false;
    let next = b[p + 3];
    p += 4;
    // Extension headers: length in 4-byte units, last byte is the next type.
    for (let guard = 0; next !== 0 && guard < 8; guard++) {
      if (p >= end) return false;
      const len = b[p] * 4;
      if (len === 0 || p + len > end) return false;
      next = b[p + len - 1];
      p += len;
    }
  }
  if (p >= end) return false;
  const v = b[p] >> 4;
  if (v === 4) return decodeEtherType(0x0800, b, p, end, out);
  if (v === 6) return decodeEtherType(0x86dd, b, p, end, out);
  return false;
}

/**
 * decodePpp reads a PPP frame (RFC 1661 §2) with optional address/control bytes (RFC 1662) and
 * a possibly compressed protocol field (RFC 1661 §6.5: a 1-byte protocol has its low bit set).
 */
export function decodePpp(b: Uint8Array, p: number, end: number, out: L3): boolean {
  if (p + 2 <= end && b[p] === 0xff && b[p + 1] === 0x03) p += 2;
  if (p >= end) return false;
  let proto: number;
  if (b[p] & 0x01) {
    proto = b[p];
    p += 1;
  } else {
    if (p + 2 > end) return false;
    proto = (b[p] << 8) | b[p + 1];
    p += 2;
  }
  if (proto === 0x21) return decodeEtherType(0x0800, b, p, end, out);
  if (proto === 0x57) return decodeEtherType(0x86dd, b, p, end, out);
  return false;
}

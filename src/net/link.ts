/**
 * Link-layer decoders, dispatched by LINKTYPE (tcpdump.org link-layer header types) and by
 * EtherType. Adding a link type is one function and one table row.
 */

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100; // IEEE 802.1Q
const ETHERTYPE_QINQ = 0x88a8; // IEEE 802.1ad service tag
const ETHERTYPE_QINQ_OLD = 0x9100; // pre-standard QinQ
const ETHERTYPE_MPLS = 0x8847;
const ETHERTYPE_MPLS_MC = 0x8848;
const ETHERTYPE_PPPOE_SESSION = 0x8864;
const ETHERTYPE_TEB = 0x6558; // transparent Ethernet bridging (GRE, ERSPAN)

/** L3 locates the network-layer packet inside a frame. */
export interface L3 {
  /** ETHERTYPE_IPV4 or ETHERTYPE_IPV6 (other values are not decoded). */
  etherType: number;
  /** Offset of the IP header in the buffer. */
  offset: number;
}

type LinkDecoder = (b: Uint8Array, off: number, end: number, out: L3) => boolean;

function u16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

/** ipVersionType guesses the EtherType from the IP version nibble (raw IP, MPLS payloads). */
function byVersion(b: Uint8Array, off: number, end: number, out: L3): boolean {
  if (off >= end) return false;
  const v = b[off] >> 4;
  if (v !== 4 && v !== 6) return false;
  out.etherType = v === 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6;
  out.offset = off;
  return true;
}

/**
 * decodeEtherType follows an EtherType through VLAN tags (802.1Q, 802.1ad QinQ), MPLS label
 * stacks and PPPoE session headers to the IP packet.
 */
export function decodeEtherType(type: number, b: Uint8Array, off: number, end: number, out: L3): boolean {
  for (let guard = 0; guard < 16; guard++) {
    switch (type) {
      case ETHERTYPE_IPV4:
      case ETHERTYPE_IPV6:
        if (off >= end) return false;
        out.etherType = type;
        out.offset = off;
        return true;
      case ETHERTYPE_VLAN:
      case ETHERTYPE_QINQ:
      case ETHERTYPE_QINQ_OLD:
        if (off + 4 > end) return false;
        type = u16(b, off + 2);
        off += 4;
        break;
      case ETHERTYPE_MPLS:
      case ETHERTYPE_MPLS_MC: {
        // RFC 3032: 4-byte label entries until the bottom-of-stack bit; the payload type is implicit.
        while (off + 4 <= end && (b[off + 2] & 0x01) === 0) off += 4;
        return byVersion(b, off + 4, end, out);
      }
      case ETHERTYPE_PPPOE_SESSION: {
        // RFC 2516: 6-byte PPPoE header then a 2-byte PPP protocol (0x0021 IPv4, 0x0057 IPv6).
        if (off + 8 > end) return false;
        const ppp = u16(b, off + 6);
        off += 8;
        if (ppp === 0x0021) type = ETHERTYPE_IPV4;
        else if (ppp === 0x0057) type = ETHERTYPE_IPV6;
        else return false;
        break;
      }
      case ETHERTYPE_TEB:
        return ethernet(b, off, end, out);
      default:
        return false;
    }
  }
  return false;
}

function ethernet(b: Uint8Array, off: number, end: number, out: L3): boolean {
  if (off + 14 > end) return false;
  const type = u16(b, off + 12);
  // Values below 0x0600 are IEEE 802.3 lengths (LLC frames), never IP for our purposes.
  if (type < 0x0600) return false;
  return decodeEtherType(type, b, off + 14, end, out);
}

/** BSD AF_ values for IPv4 and the several IPv6 values BSDs and Linux use (LINKTYPE_NULL/LOOP). */
function afToEtherType(af: number): number {
  if (af === 2) return ETHERTYPE_IPV4;
  if (af === 10 || af === 24 || af === 28 || af === 30) return ETHERTYPE_IPV6;
  return -1;
}

const LINK_DECODERS: Record<number, LinkDecoder> = {
  // LINKTYPE_NULL: 4-byte AF in the capturing host's byte order, which we infer (AF < 256).
  0: (b, off, end, out) => {
    if (off + 4 > end) return false;
    const le = b[off] | (b[off + 1] << 8);
    const af = le !== 0 ? le : u16(b, off + 2);
    return decodeEtherType(afToEtherType(af), b, off + 4, end, out);
  },
  1: ethernet,
  // DLT_RAW values 12 and 14 as written by some BSDs, LINKTYPE_RAW 101.
  12: byVersion,
  14: byVersion,
  101: byVersion,
  // LINKTYPE_LOOP: AF in network byte order.
  108: (b, off, end, out) =>
    off + 4 <= end && decodeEtherType(afToEtherType(((b[off] << 24) | (b[off + 1] << 16) | u16(b, off + 2)) >>> 0), b, off + 4, end, out),
  // LINKTYPE_LINUX_SLL: 16-byte header, protocol type at 14.
  113: (b, off, end, out) => off + 16 <= end && decodeEtherType(u16(b, off + 14), b, off + 16, end, out),
  228: (b, off, end, out) => off < end && decodeEtherType(ETHERTYPE_IPV4, b, off, end, out),
  229: (b, off, end, out) => off < end && decodeEtherType(ETHERTYPE_IPV6, b, off, end, out),
  // LINKTYPE_LINUX_SLL2: 20-byte header, protocol type first.
  276: (b, off, end, out) => off + 20 <= end && decodeEtherType(u16(b, off), b, off + 20, end, out),
};

/** isSupportedLinkType says whether frames of this link type can be decoded. */
export function isSupportedLinkType(linkType: number): boolean {
  return linkType in LINK_DECODERS;
}

/** decodeLink finds the IP packet in a frame of the given link type. */
export function decodeLink(linkType: number, b: Uint8Array, out: L3): boolean {
  const dec = LINK_DECODERS[linkType];
  return dec !== undefined && dec(b, 0, b.length, out);
}

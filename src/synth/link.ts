/**
 * Link-layer framing for synthetic captures: Ethernet II with 802.1Q/802.1ad tags, Linux
 * "cooked" SLL and SLL2, BSD null/loopback, and the raw-IP link types.
 *
 * Link type numbers and header layouts follow the tcpdump LINKTYPE list
 * (https://www.tcpdump.org/linktypes.html). Each builder takes the network-layer packet and
 * returns the bytes of one captured frame, so fixtures can carry the same IP traffic over
 * every link type a reader must support.
 */

import { ByteBuilder, concatBytes, parseMac, type ByteOrder } from "./bytes.js";

/** LINKTYPE_* values used by the synth writers (tcpdump LINKTYPE list). */
export const LINKTYPE = {
  /** BSD loopback: 4-byte address family in the capturing host's byte order. */
  NULL: 0,
  /** IEEE 802.3 Ethernet (Ethernet II framing in practice). */
  ETHERNET: 1,
  /** Raw IP: the packet begins with an IPv4 or IPv6 header, told apart by the version nibble. */
  RAW: 101,
  /** OpenBSD loopback: 4-byte address family in network byte order. */
  LOOP: 108,
  /** Linux cooked capture v1 (16-byte header). */
  LINUX_SLL: 113,
  /** Raw IPv4 only. */
  IPV4: 228,
  /** Raw IPv6 only. */
  IPV6: 229,
  /** Linux cooked capture v2 (20-byte header). */
  LINUX_SLL2: 276,
} as const;

/** EtherType values (IEEE 802.3 / IANA registry) used in Ethernet, VLAN tags and SLL headers. */
export const ETHERTYPE = {
  IPV4: 0x0800,
  ARP: 0x0806,
  /** IEEE 802.1Q customer VLAN tag (C-TAG). */
  VLAN: 0x8100,
  IPV6: 0x86dd,
  /** IEEE 802.1ad service VLAN tag (S-TAG), the outer tag of QinQ. */
  QINQ: 0x88a8,
} as const;

/**
 * BSD address-family values found in LINKTYPE_NULL / LINKTYPE_LOOP headers. AF_INET is 2
 * everywhere, but AF_INET6 differs per OS, which is why readers must accept all three.
 */
export const BSD_AF = {
  INET: 2,
  /** NetBSD, OpenBSD, BSD/OS. */
  INET6_BSD: 24,
  /** FreeBSD, DragonFly BSD. */
  INET6_FREEBSD: 28,
  /** macOS / Darwin. */
  INET6_DARWIN: 30,
} as const;

/** One IEEE 802.1Q tag; the first tag in a list is the outermost. */
export interface VlanTag {
  /** Tag protocol identifier: 0x8100 (802.1Q C-TAG, default) or 0x88a8 (802.1ad S-TAG). */
  tpid?: number;
  /** Priority code point 0-7 (802.1p); VoIP is conventionally 5. */
  pcp?: number;
  /** Drop eligible indicator. */
  dei?: boolean;
  /** VLAN identifier 0-4095. */
  vid: number;
}

/** Options of {@link ethernetFrame}. */
export interface EthernetOptions {
  /** Destination MAC (default 02:00:00:00:00:02, a locally administered address). */
  dst?: string | Uint8Array;
  /** Source MAC (default 02:00:00:00:00:01). */
  src?: string | Uint8Array;
  /** EtherType of the payload (after all tags). */
  etherType: number;
  /** 802.1Q/802.1ad tags, outermost first. */
  vlans?: readonly VlanTag[];
  /**
   * Pad the frame with zeros to the 60-byte Ethernet minimum (64 with FCS, IEEE 802.3 §3.2.8).
   * Received short frames are captured with this padding, so decoders must trust the IP total
   * length rather than the frame length.
   */
  padToMinimum?: boolean;
}

const macCache = new Map<string, Uint8Array>();

/** {@link parseMac} memoised for per-packet use; the shared result must not be modified. */
function macBytes(mac: string | Uint8Array): Uint8Array {
  if (typeof mac !== "string") return mac;
  let bytes = macCache.get(mac);
  if (!bytes) {
    if (macCache.size >= 4096) macCache.clear();
    bytes = parseMac(mac);
    macCache.set(mac, bytes);
  }
  return bytes;
}

/** Builds an Ethernet II frame (no FCS) around `payload`. */
export function ethernetFrame(payload: Uint8Array, opts: EthernetOptions): Uint8Array {
  const b = new ByteBuilder("be", 18 + 4 * (opts.vlans?.length ?? 0) + payload.length);
  b.bytes(macBytes(opts.dst ?? "02:00:00:00:00:02"));
  b.bytes(macBytes(opts.src ?? "02:00:00:00:00:01"));
  for (const tag of opts.vlans ?? []) {
    // IEEE 802.1Q §9.6: TPID, then TCI = PCP(3) | DEI(1) | VID(12).
    b.u16(tag.tpid ?? ETHERTYPE.VLAN);
    b.u16(((tag.pcp ?? 0) << 13) | ((tag.dei ? 1 : 0) << 12) | (tag.vid & 0x0fff));
  }
  b.u16(opts.etherType);
  b.bytes(payload);
  if (opts.padToMinimum && b.length < 60) b.zeros(60 - b.length);
  return b.take();
}

/** Linux packet types carried by SLL/SLL2 headers (linux/if_packet.h PACKET_*). */
export const SLL_PACKET_TYPE = {
  HOST: 0,
  BROADCAST: 1,
  MULTICAST: 2,
  OTHERHOST: 3,
  OUTGOING: 4,
} as const;

/** Options of {@link sllFrame} and {@link sll2Frame}. */
export interface SllOptions {
  /** Protocol type: an EtherType for ARPHRD_ETHER devices. */
  protocol: number;
  /** PACKET_* direction (default HOST, i.e. incoming). */
  packetType?: number;
  /** ARPHRD_* device type (default 1, ARPHRD_ETHER). */
  arphrdType?: number;
  /** Link-layer source address, at most 8 bytes (default a 6-byte MAC). */
  address?: string | Uint8Array;
  /** SLL2 only: interface index (default 1). */
  interfaceIndex?: number;
}

function sllAddress(opts: SllOptions): Uint8Array {
  const addr = macBytes(opts.address ?? "02:00:00:00:00:01");
  if (addr.length > 8) throw new Error("SLL link-layer address is at most 8 bytes");
  return addr;
}

/**
 * Builds a LINKTYPE_LINUX_SLL (113) frame: packet type, ARPHRD type, address length, 8-byte
 * address field (zero padded), protocol type — all big-endian, 16 bytes in total.
 */
export function sllFrame(payload: Uint8Array, opts: SllOptions): Uint8Array {
  const addr = sllAddress(opts);
  const b = new ByteBuilder("be", 16 + payload.length);
  b.u16(opts.packetType ?? SLL_PACKET_TYPE.HOST);
  b.u16(opts.arphrdType ?? 1);
  b.u16(addr.length);
  b.bytes(addr).zeros(8 - addr.length);
  b.u16(opts.protocol);
  return b.bytes(payload).take();
}

/**
 * Builds a LINKTYPE_LINUX_SLL2 (276) frame: protocol type, reserved, interface index, ARPHRD
 * type, packet type, address length, 8-byte address field — 20 bytes, big-endian. Note the
 * field order differs from SLL v1 (protocol first), a classic source of decoder bugs.
 */
export function sll2Frame(payload: Uint8Array, opts: SllOptions): Uint8Array {
  const addr = sllAddress(opts);
  const b = new ByteBuilder("be", 20 + payload.length);
  b.u16(opts.protocol);
  b.u16(0);
  b.u32(opts.interfaceIndex ?? 1);
  b.u16(opts.arphrdType ?? 1);
  b.u8(opts.packetType ?? SLL_PACKET_TYPE.HOST);
  b.u8(addr.length);
  b.bytes(addr).zeros(8 - addr.length);
  return b.bytes(payload).take();
}

/**
 * Builds a LINKTYPE_NULL (0) or LINKTYPE_LOOP (108) frame: a 4-byte address family, then the
 * packet. For NULL the family is in the byte order of the host that captured (pass the byte
 * order of the pcap file you write, as a capturing host would); LOOP is always big-endian.
 */
export function loopbackFrame(
  payload: Uint8Array,
  family: number,
  linkType: typeof LINKTYPE.NULL | typeof LINKTYPE.LOOP,
  hostOrder: ByteOrder = "le",
): Uint8Array {
  const order: ByteOrder = linkType === LINKTYPE.LOOP ? "be" : hostOrder;
  return concatBytes([new ByteBuilder(order, 4).u32(family).finish(), payload]);
}

/**
 * How to put an IP packet on a link. `raw`, `ipv4` and `ipv6` mean "no link header"
 * (LINKTYPE 101, 228, 229).
 */
export type LinkSpec =
  | ({ type: "ethernet" } & Omit<EthernetOptions, "etherType">)
  | ({ type: "sll" | "sll2" } & Omit<SllOptions, "protocol">)
  | { type: "null"; hostOrder?: ByteOrder; inet6Family?: number }
  | { type: "loop"; inet6Family?: number }
  | { type: "raw" | "ipv4" | "ipv6" };

/** The LINKTYPE value a {@link LinkSpec} produces. */
export function linkTypeOf(spec: LinkSpec): number {
  switch (spec.type) {
    case "ethernet":
      return LINKTYPE.ETHERNET;
    case "sll":
      return LINKTYPE.LINUX_SLL;
    case "sll2":
      return LINKTYPE.LINUX_SLL2;
    case "null":
      return LINKTYPE.NULL;
    case "loop":
      return LINKTYPE.LOOP;
    case "raw":
      return LINKTYPE.RAW;
    case "ipv4":
      return LINKTYPE.IPV4;
    case "ipv6":
      return LINKTYPE.IPV6;
  }
}

/**
 * Wraps an IPv4 or IPv6 packet (version taken from its first nibble) in the link header
 * described by `spec`.
 */
export function encapsulate(spec: LinkSpec, ipPacket: Uint8Array): Uint8Array {
  const v6 = ipPacket[0] >> 4 === 6;
  const etherType = v6 ? ETHERTYPE.IPV6 : ETHERTYPE.IPV4;
  switch (spec.type) {
    case "ethernet":
      return ethernetFrame(ipPacket, { ...spec, etherType });
    case "sll":
      return sllFrame(ipPacket, { ...spec, protocol: etherType });
    case "sll2":
      return sll2Frame(ipPacket, { ...spec, protocol: etherType });
    case "null":
      return loopbackFrame(
        ipPacket,
        v6 ? (spec.inet6Family ?? BSD_AF.INET6_DARWIN) : BSD_AF.INET,
        LINKTYPE.NULL,
        spec.hostOrder,
      );
    case "loop":
      return loopbackFrame(ipPacket, v6 ? (spec.inet6Family ?? BSD_AF.INET6_BSD) : BSD_AF.INET, LINKTYPE.LOOP);
    case "raw":
      return ipPacket;
    case "ipv4":
    case "ipv6":
      if ((spec.type === "ipv6") !== v6) throw new Error(`LINKTYPE ${spec.type} cannot carry this IP version`);
      return ipPacket;
  }
}

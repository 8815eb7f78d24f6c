/**
 * IPv4 (RFC 791) and IPv6 (RFC 8200) packet builders, including IPv6 extension headers, and
 * fragmentation helpers for both, so fixtures can exercise a reader's reassembly with
 * in-order, out-of-order, duplicate, overlapping and missing fragments.
 */

import { ByteBuilder, cachedIp, concatBytes, internetChecksum, isIpv6 } from "./bytes.js";

/** IANA protocol numbers used by the builders (IANA "Assigned Internet Protocol Numbers"). */
export const IP_PROTO = {
  HOP_BY_HOP: 0,
  ICMP: 1,
  TCP: 6,
  UDP: 17,
  IPV6_ROUTING: 43,
  IPV6_FRAGMENT: 44,
  ICMPV6: 58,
  IPV6_NO_NEXT: 59,
  IPV6_DEST_OPTS: 60,
} as const;

/** Options of {@link ipv4Packet}. */
export interface Ipv4Options {
  src: string;
  dst: string;
  /** Protocol number of the payload (e.g. {@link IP_PROTO}.UDP). */
  protocol: number;
  payload: Uint8Array;
  /** Identification (default 0). */
  id?: number;
  /** Time to live (default 64). */
  ttl?: number;
  /** Type of service / DSCP+ECN byte (default 0; SIP signalling is often DSCP CS3 = 0x60). */
  tos?: number;
  /** Don't Fragment flag. */
  df?: boolean;
  /** More Fragments flag. */
  mf?: boolean;
  /** Fragment offset in BYTES (must be a multiple of 8; stored in 8-octet units, RFC 791 §3.1). */
  fragmentOffset?: number;
  /** Raw IP options; zero padded to a 4-byte boundary (the IHL counts 32-bit words). */
  options?: Uint8Array;
  /** Overrides the computed header checksum (to build deliberately corrupt packets). */
  checksum?: number;
}

/** Builds an IPv4 packet with a valid header checksum unless overridden. */
export function ipv4Packet(o: Ipv4Options): Uint8Array {
  const opts = o.options ?? new Uint8Array(0);
  const headerLen = 20 + Math.ceil(opts.length / 4) * 4;
  if (headerLen > 60) throw new Error("IPv4 header exceeds 60 bytes");
  const offset = o.fragmentOffset ?? 0;
  if (offset % 8 !== 0) throw new Error("IPv4 fragment offset must be a multiple of 8 bytes");
  const total = headerLen + o.payload.length;
  if (total > 0xffff) throw new Error("IPv4 packet exceeds 65535 bytes");
  const b = new ByteBuilder("be", total);
  b.u8(0x40 | (headerLen / 4));
  b.u8(o.tos ?? 0);
  b.u16(total);
  b.u16(o.id ?? 0);
  // RFC 791 §3.1: bit 0 reserved, bit 1 DF, bit 2 MF, then a 13-bit offset in 8-octet units.
  b.u16((o.df ? 0x4000 : 0) | (o.mf ? 0x2000 : 0) | (offset / 8));
  b.u8(o.ttl ?? 64);
  b.u8(o.protocol);
  b.u16(0);
  if (isIpv6(o.src) || isIpv6(o.dst)) throw new Error("IPv4 packet needs IPv4 addresses");
  b.bytes(cachedIp(o.src));
  b.bytes(cachedIp(o.dst));
  b.bytes(opts).padTo(4);
  b.setU16(10, o.checksum ?? internetChecksum(b.finish()));
  return b.bytes(o.payload).take();
}

/** A byte range of a datagram's fragmentable part, for {@link sliceIpv4} / {@link sliceIpv6}. */
export interface FragmentRange {
  /** Offset in bytes (multiple of 8, as both fragment header formats count 8-octet units). */
  offset: number;
  length: number;
}

/**
 * Ranges covering `payloadLength` bytes in pieces of at most `maxData` bytes (rounded down to
 * a multiple of 8, since only the last fragment may end off an 8-octet boundary).
 */
export function fragmentRanges(payloadLength: number, maxData: number): FragmentRange[] {
  const step = Math.floor(maxData / 8) * 8;
  if (step <= 0) throw new Error("MTU too small to fragment");
  const ranges: FragmentRange[] = [];
  for (let at = 0; at < payloadLength; at += step) {
    ranges.push({ offset: at, length: Math.min(step, payloadLength - at) });
  }
  return ranges;
}

interface Ipv4Parts {
  header: Uint8Array;
  payload: Uint8Array;
  offset: number;
  mf: boolean;
}

function splitIpv4(packet: Uint8Array): Ipv4Parts {
  if (packet[0] >> 4 !== 4) throw new Error("not an IPv4 packet");
  const headerLen = (packet[0] & 0x0f) * 4;
  const total = (packet[2] << 8) | packet[3];
  const flagsOffset = (packet[6] << 8) | packet[7];
  return {
    header: packet.subarray(0, headerLen),
    payload: packet.subarray(headerLen, total),
    offset: (flagsOffset & 0x1fff) * 8,
    mf: (flagsOffset & 0x2000) !== 0,
  };
}

/**
 * IP options that RFC 791 §3.1 says must be copied into every fragment: those whose type has
 * the "copied" bit (0x80) set. The others appear in the first fragment only.
 */
function copiedIpv4Options(options: Uint8Array): Uint8Array {
  const kept: number[] = [];
  for (let i = 0; i < options.length; ) {
    const type = options[i];
    if (type === 0) break; // End of Option List
    if (type === 1) {
      i += 1; // No Operation
      continue;
    }
    const len = Math.max(2, options[i + 1] ?? 2);
    if (type & 0x80) kept.push(...options.subarray(i, i + len));
    i += len;
  }
  return Uint8Array.from(kept);
}

/**
 * Cuts an IPv4 datagram into fragments covering exactly the given payload ranges — which may
 * overlap, repeat or leave holes, for reassembly tests. Offsets are relative to the packet's
 * own payload, so an already-fragmented packet can be fragmented again (RFC 791 §3.2).
 */
export function sliceIpv4(packet: Uint8Array, ranges: readonly FragmentRange[]): Uint8Array[] {
  const { header, payload, offset: base, mf } = splitIpv4(packet);
  const v = new DataView(header.buffer, header.byteOffset, header.length);
  const options = header.subarray(20);
  const laterOptions = copiedIpv4Options(options);
  return ranges.map((r) => {
    if (r.offset % 8 !== 0) throw new Error("fragment offset must be a multiple of 8");
    if (r.offset + r.length > payload.length) throw new Error("fragment range beyond datagram");
    const isLast = r.offset + r.length === payload.length;
    return ipv4Packet({
      src: Array.from(header.subarray(12, 16)).join("."),
      dst: Array.from(header.subarray(16, 20)).join("."),
      protocol: header[9],
      tos: header[1],
      id: v.getUint16(4),
      ttl: header[8],
      df: false,
      mf: !isLast || mf,
      fragmentOffset: base + r.offset,
      options: base + r.offset === 0 ? options : laterOptions,
      payload: payload.subarray(r.offset, r.offset + r.length),
    });
  });
}

/**
 * Fragments an IPv4 datagram so that no fragment exceeds `mtu` bytes (RFC 791 §3.2). Throws
 * if DF is set, since a router would drop such a datagram instead. Returns the packet itself
 * (one element) when it already fits.
 */
export function fragmentIpv4(packet: Uint8Array, mtu: number): Uint8Array[] {
  if (packet.length <= mtu) return [packet];
  if (packet[6] & 0x40) throw new Error("cannot fragment: DF is set");
  const { header, payload } = splitIpv4(packet);
  // Non-first fragments may carry a shorter header, but sizing every piece for the full
  // header keeps all fragments under the MTU, as real stacks do.
  return sliceIpv4(packet, fragmentRanges(payload.length, mtu - header.length));
}

/** An IPv6 extension header for {@link ipv6Packet}, in the order they appear on the wire. */
export type Ipv6ExtensionHeader =
  | {
      type: "hopByHop" | "destinationOptions";
      /** Raw option TLVs (see {@link ipv6Option}); Pad1/PadN is added to reach a multiple of 8. */
      options?: Uint8Array;
    }
  | {
      type: "routing";
      routingType?: number;
      segmentsLeft?: number;
      /** Type-specific data after the first 4 bytes; padded to make the header a multiple of 8. */
      data?: Uint8Array;
    }
  | {
      type: "fragment";
      /** Fragment offset in bytes (multiple of 8). */
      offset: number;
      more: boolean;
      identification: number;
    };

/** Encodes one IPv6 option TLV (RFC 8200 §4.2): type, length, data. */
export function ipv6Option(type: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  return concatBytes([Uint8Array.of(type, data.length), data]);
}

/** Router Alert option (RFC 2711), common in real hop-by-hop headers. */
export function routerAlertOption(value = 0): Uint8Array {
  return ipv6Option(5, Uint8Array.of(value >> 8, value & 0xff));
}

function extensionCode(ext: Ipv6ExtensionHeader): number {
  switch (ext.type) {
    case "hopByHop":
      return IP_PROTO.HOP_BY_HOP;
    case "destinationOptions":
      return IP_PROTO.IPV6_DEST_OPTS;
    case "routing":
      return IP_PROTO.IPV6_ROUTING;
    case "fragment":
      return IP_PROTO.IPV6_FRAGMENT;
  }
}

function encodeExtension(ext: Ipv6ExtensionHeader, next: number): Uint8Array {
  const b = new ByteBuilder("be", 16);
  b.u8(next);
  if (ext.type === "fragment") {
    // RFC 8200 §4.5: Next Header, Reserved, Offset(13) | Res(2) | M(1), Identification(32).
    if (ext.offset % 8 !== 0) throw new Error("fragment offset must be a multiple of 8");
    b.u8(0);
    b.u16(ext.offset | (ext.more ? 1 : 0));
    b.u32(ext.identification);
    return b.finish();
  }
  b.u8(0); // Hdr Ext Len, patched below once the padded length is known.
  if (ext.type === "routing") {
    b.u8(ext.routingType ?? 0).u8(ext.segmentsLeft ?? 0);
    b.bytes(ext.data ?? new Uint8Array(4));
    b.padTo(8);
  } else {
    b.bytes(ext.options ?? new Uint8Array(0));
    // RFC 8200 §4.2: options headers are padded with Pad1 (one 0 byte) or PadN (type 1).
    const gap = (8 - (b.length % 8)) % 8;
    if (gap === 1) b.u8(0);
    else if (gap > 1) b.u8(1).u8(gap - 2).zeros(gap - 2);
  }
  const out = b.finish();
  // Hdr Ext Len counts 8-octet units beyond the first 8 (RFC 8200 §4.3-4.4).
  out[1] = out.length / 8 - 1;
  return out;
}

/** Options of {@link ipv6Packet}. */
export interface Ipv6Options {
  src: string;
  dst: string;
  /** Upper-layer protocol that follows the last extension header. */
  protocol: number;
  payload: Uint8Array;
  hopLimit?: number;
  trafficClass?: number;
  flowLabel?: number;
  extensions?: readonly Ipv6ExtensionHeader[];
}

/**
 * Builds an IPv6 packet (RFC 8200 §3). Note: an upper-layer checksum over IPv6 uses the FINAL
 * destination, which differs from `dst` only with a routing header; callers using routing
 * headers must compute the transport checksum with that address themselves.
 */
export function ipv6Packet(o: Ipv6Options): Uint8Array {
  const exts = o.extensions ?? [];
  const encoded = exts.map((ext, i) =>
    encodeExtension(ext, i + 1 < exts.length ? extensionCode(exts[i + 1]) : o.protocol),
  );
  const payloadLength = encoded.reduce((n, e) => n + e.length, 0) + o.payload.length;
  if (payloadLength > 0xffff) throw new Error("IPv6 payload exceeds 65535 bytes (jumbograms unsupported)");
  const b = new ByteBuilder("be", 40 + payloadLength);
  // Version(4) | Traffic Class(8) | Flow Label(20).
  b.u32(((6 << 28) | ((o.trafficClass ?? 0) << 20) | ((o.flowLabel ?? 0) & 0xfffff)) >>> 0);
  b.u16(payloadLength);
  b.u8(exts.length > 0 ? extensionCode(exts[0]) : o.protocol);
  b.u8(o.hopLimit ?? 64);
  if (!isIpv6(o.src) || !isIpv6(o.dst)) throw new Error("IPv6 packet needs IPv6 addresses");
  b.bytes(cachedIp(o.src));
  b.bytes(cachedIp(o.dst));
  for (const e of encoded) b.bytes(e);
  return b.bytes(o.payload).take();
}

interface Ipv6Split {
  /** IPv6 header plus the extension headers that stay unfragmentable. */
  unfragmentable: Uint8Array;
  /** Byte index (inside `unfragmentable`) of the Next Header field to point at the fragment header. */
  nextHeaderAt: number;
  fragmentable: Uint8Array;
}

/**
 * Splits an IPv6 packet per RFC 8200 §4.5: the unfragmentable part is the IPv6 header plus
 * Hop-by-Hop, Routing, and any Destination Options header that precedes a Routing header;
 * everything after (including later Destination Options) is fragmentable.
 */
function splitIpv6(packet: Uint8Array): Ipv6Split {
  if (packet[0] >> 4 !== 6) throw new Error("not an IPv6 packet");
  const end = 40 + ((packet[4] << 8) | packet[5]);
  let next = packet[6];
  let at = 40;
  let unfragEnd = 40;
  let unfragField = 6;
  const walked: { type: number; fieldAt: number; end: number }[] = [];
  while (next === IP_PROTO.HOP_BY_HOP || next === IP_PROTO.IPV6_ROUTING || next === IP_PROTO.IPV6_DEST_OPTS) {
    const len = (packet[at + 1] + 1) * 8;
    walked.push({ type: next, fieldAt: at, end: at + len });
    next = packet[at];
    at += len;
  }
  if (next === IP_PROTO.IPV6_FRAGMENT) throw new Error("packet already carries a fragment header");
  walked.forEach((h, i) => {
    if (h.type === IP_PROTO.HOP_BY_HOP && i === 0) {
      unfragEnd = h.end;
      unfragField = h.fieldAt;
    }
    if (h.type === IP_PROTO.IPV6_ROUTING) {
      unfragEnd = h.end;
      unfragField = h.fieldAt;
    }
  });
  return {
    unfragmentable: packet.subarray(0, unfragEnd),
    nextHeaderAt: unfragField,
    fragmentable: packet.subarray(unfragEnd, end),
  };
}

/**
 * Cuts an IPv6 packet into fragments (RFC 8200 §4.5) covering exactly the given ranges of its
 * fragmentable part — ranges may overlap, repeat or leave holes for reassembly tests. A single
 * range covering everything yields an "atomic fragment" (RFC 6946).
 */
export function sliceIpv6(
  packet: Uint8Array,
  ranges: readonly FragmentRange[],
  identification: number,
): Uint8Array[] {
  const { unfragmentable, nextHeaderAt, fragmentable } = splitIpv6(packet);
  const originalNext = unfragmentable[nextHeaderAt];
  return ranges.map((r) => {
    if (r.offset + r.length > fragmentable.length) throw new Error("fragment range beyond datagram");
    const fragHeader = encodeExtension(
      { type: "fragment", offset: r.offset, more: r.offset + r.length < fragmentable.length, identification },
      originalNext,
    );
    const out = concatBytes([unfragmentable, fragHeader, fragmentable.subarray(r.offset, r.offset + r.length)]);
    out[nextHeaderAt] = IP_PROTO.IPV6_FRAGMENT;
    const payloadLength = out.length - 40;
    out[4] = payloadLength >> 8;
    out[5] = payloadLength & 0xff;
    return out;
  });
}

/**
 * Fragments an IPv6 packet so each fragment fits `mtu` (IPv6 requires links of at least 1280,
 * RFC 8200 §5, but any MTU is accepted here for tests). Returns the packet unchanged when it
 * already fits.
 */
export function fragmentIpv6(packet: Uint8Array, mtu: number, identification: number): Uint8Array[] {
  if (packet.length <= mtu) return [packet];
  const { unfragmentable, fragmentable } = splitIpv6(packet);
  return sliceIpv6(packet, fragmentRanges(fragmentable.length, mtu - unfragmentable.length - 8), identification);
}

/** Options of {@link ipPacket}: the family is chosen from the address text. */
export interface IpOptions {
  src: string;
  dst: string;
  protocol: number;
  payload: Uint8Array;
  /** TTL / hop limit (default 64). */
  ttl?: number;
  /** IPv4 identification. */
  id?: number;
  /** IPv4 DF flag. */
  df?: boolean;
  /** IPv4 TOS or IPv6 traffic class. */
  tos?: number;
  /** IPv6 flow label. */
  flowLabel?: number;
  /** IPv6 extension headers (ignored for IPv4). */
  extensions?: readonly Ipv6ExtensionHeader[];
}

/** Builds an IPv4 or IPv6 packet depending on the address family of `src`. */
export function ipPacket(o: IpOptions): Uint8Array {
  if (isIpv6(o.src) !== isIpv6(o.dst)) throw new Error("src and dst address families differ");
  if (isIpv6(o.src)) {
    return ipv6Packet({
      src: o.src,
      dst: o.dst,
      protocol: o.protocol,
      payload: o.payload,
      hopLimit: o.ttl,
      trafficClass: o.tos,
      flowLabel: o.flowLabel,
      extensions: o.extensions,
    });
  }
  return ipv4Packet({
    src: o.src,
    dst: o.dst,
    protocol: o.protocol,
    payload: o.payload,
    ttl: o.ttl,
    id: o.id,
    df: o.df,
    tos: o.tos,
  });
}

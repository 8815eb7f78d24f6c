/**
 * UDP (RFC 768) and TCP (RFC 9293) segment builders with valid checksums over the IPv4
 * (RFC 768 / RFC 9293 §3.1) or IPv6 (RFC 8200 §8.1) pseudo-header, plus helpers that wrap a
 * datagram/segment straight into an IP packet.
 */

import { ByteBuilder, cachedIp, finishChecksum, isIpv6, onesComplementSum } from "./bytes.js";
import { IP_PROTO, ipPacket, type IpOptions } from "./ip.js";

/** An IP address and port. */
export interface Endpoint {
  /** IPv4 dotted quad or IPv6 text. */
  ip: string;
  port: number;
}

/**
 * Builds the pseudo-header the transport checksum covers: for IPv4 src, dst, zero, protocol,
 * length (12 bytes); for IPv6 src, dst, 32-bit length, 3 zero bytes, next header (40 bytes).
 */
export function pseudoHeader(src: string, dst: string, protocol: number, length: number): Uint8Array {
  const b = new ByteBuilder("be", 40);
  b.bytes(cachedIp(src)).bytes(cachedIp(dst));
  if (isIpv6(src)) b.u32(length).zeros(3).u8(protocol);
  else b.u8(0).u8(protocol).u16(length);
  return b.finish();
}

/** Transport checksum of `segment` (with its checksum field zeroed) under the pseudo-header. */
export function transportChecksum(src: string, dst: string, protocol: number, segment: Uint8Array): number {
  const sum = onesComplementSum(segment, onesComplementSum(pseudoHeader(src, dst, protocol, segment.length)));
  return finishChecksum(sum);
}

/** Options of {@link udpDatagram}. */
export interface UdpOptions {
  src: Endpoint;
  dst: Endpoint;
  payload: Uint8Array;
  /**
   * `valid` (default) computes the checksum; `none` writes 0, which RFC 768 allows for IPv4
   * only ("no checksum"); a number is written verbatim (to build corrupt datagrams).
   */
  checksum?: "valid" | "none" | number;
}

/** Builds a UDP datagram (header + payload). */
export function udpDatagram(o: UdpOptions): Uint8Array {
  const length = 8 + o.payload.length;
  if (length > 0xffff) throw new Error("UDP datagram exceeds 65535 bytes");
  const b = new ByteBuilder("be", length);
  b.u16(o.src.port).u16(o.dst.port).u16(length).u16(0).bytes(o.payload);
  const mode = o.checksum ?? "valid";
  if (mode === "none") {
    if (isIpv6(o.src.ip)) throw new Error("UDP over IPv6 must carry a checksum (RFC 8200 §8.1)");
    return b.take();
  }
  const datagram = b.take();
  // The checksum field is still zero here, as the computation requires.
  const sum = typeof mode === "number" ? mode : transportChecksum(o.src.ip, o.dst.ip, IP_PROTO.UDP, datagram);
  // RFC 768: a computed checksum of zero is transmitted as all ones, since 0 means "none".
  const field = typeof mode === "number" || sum !== 0 ? sum : 0xffff;
  datagram[6] = field >> 8;
  datagram[7] = field & 0xff;
  return datagram;
}

/** TCP header flag bits (RFC 9293 §3.1; ECE/CWR from RFC 3168). */
export const TCP_FLAGS = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
} as const;

/** A TCP option (RFC 9293 §3.2, RFC 7323 for window scale and timestamps, RFC 2018 for SACK). */
export type TcpOption =
  | { kind: "nop" }
  | { kind: "mss"; value: number }
  | { kind: "wscale"; shift: number }
  | { kind: "sackPermitted" }
  | { kind: "sack"; blocks: readonly (readonly [number, number])[] }
  | { kind: "timestamps"; tsval: number; tsecr: number }
  | { kind: "raw"; type: number; data: Uint8Array };

function encodeTcpOptions(options: readonly TcpOption[]): Uint8Array {
  const b = new ByteBuilder("be", 40);
  for (const o of options) {
    switch (o.kind) {
      case "nop":
        b.u8(1);
        break;
      case "mss":
        b.u8(2).u8(4).u16(o.value);
        break;
      case "wscale":
        b.u8(3).u8(3).u8(o.shift);
        break;
      case "sackPermitted":
        b.u8(4).u8(2);
        break;
      case "sack":
        b.u8(5).u8(2 + 8 * o.blocks.length);
        for (const [left, right] of o.blocks) b.u32(left).u32(right);
        break;
      case "timestamps":
        b.u8(8).u8(10).u32(o.tsval).u32(o.tsecr);
        break;
      case "raw":
        b.u8(o.type).u8(2 + o.data.length).bytes(o.data);
        break;
    }
  }
  // RFC 9293 §3.1: the options area is padded with zeros (End of Option List) to 32 bits.
  b.padTo(4);
  if (b.length > 40) throw new Error("TCP options exceed 40 bytes");
  return b.finish();
}

/** Options of {@link tcpSegment}. */
export interface TcpSegmentOptions {
  src: Endpoint;
  dst: Endpoint;
  /** Sequence number (taken modulo 2^32). */
  seq: number;
  /** Acknowledgment number (meaningful when ACK is set; default 0). */
  ack?: number;
  /** OR of {@link TCP_FLAGS}. */
  flags: number;
  /** Receive window (default 65535). */
  window?: number;
  urgentPointer?: number;
  options?: readonly TcpOption[];
  payload?: Uint8Array;
  /** Overrides the computed checksum (to build corrupt segments). */
  checksum?: number;
}

/** Builds a TCP segment (header + options + payload) with a valid checksum unless overridden. */
export function tcpSegment(o: TcpSegmentOptions): Uint8Array {
  const options = encodeTcpOptions(o.options ?? []);
  const payload = o.payload ?? new Uint8Array(0);
  const headerLen = 20 + options.length;
  const b = new ByteBuilder("be", headerLen + payload.length);
  b.u16(o.src.port).u16(o.dst.port);
  b.u32(o.seq).u32(o.ack ?? 0);
  // Data offset (4 bits, in 32-bit words), 4 reserved bits, then the 8 flag bits.
  b.u8((headerLen / 4) << 4).u8(o.flags);
  b.u16(o.window ?? 65535).u16(0).u16(o.urgentPointer ?? 0);
  b.bytes(options).bytes(payload);
  const segment = b.take();
  const sum = o.checksum ?? transportChecksum(o.src.ip, o.dst.ip, IP_PROTO.TCP, segment);
  segment[16] = sum >> 8;
  segment[17] = sum & 0xff;
  return segment;
}

/** IP-level knobs for {@link udpPacket} / {@link tcpPacket} (addresses come from the endpoints). */
export type IpExtras = Omit<IpOptions, "src" | "dst" | "protocol" | "payload">;

/** A UDP datagram inside an IPv4/IPv6 packet. */
export function udpPacket(o: UdpOptions, ip: IpExtras = {}): Uint8Array {
  return ipPacket({ ...ip, src: o.src.ip, dst: o.dst.ip, protocol: IP_PROTO.UDP, payload: udpDatagram(o) });
}

/** A TCP segment inside an IPv4/IPv6 packet. */
export function tcpPacket(o: TcpSegmentOptions, ip: IpExtras = {}): Uint8Array {
  return ipPacket({ ...ip, src: o.src.ip, dst: o.dst.ip, protocol: IP_PROTO.TCP, payload: tcpSegment(o) });
}

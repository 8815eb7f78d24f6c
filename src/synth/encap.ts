/**
 * Encapsulations for synthetic captures: tunnels that carry a whole inner packet (GRE with
 * ERSPAN, VXLAN, GTP-U, IP-in-IP), SCTP, WebSocket and HEP. Each builder returns the bytes the
 * outer layer carries, so a fixture wraps an ordinary SIP-over-UDP/TCP packet and states, by
 * construction, which SIP messages are inside.
 *
 * Only the header formats are implemented, from the specifications cited on each builder; none
 * of this reads sip401's decoders, so fixtures built with it are an independent check of them.
 */

import { createHash } from "node:crypto";
import { ByteBuilder, cachedIp, concatBytes, isIpv6, toBytes } from "./bytes.js";
import { ETHERTYPE } from "./link.js";
import type { Endpoint } from "./transport.js";

/** IANA protocol numbers of the encapsulations (IANA "Assigned Internet Protocol Numbers"). */
export const ENCAP_PROTO = {
  /** IPv4 in IP (RFC 2003). */
  IPIP: 4,
  /** IPv6 in IP (RFC 4213 §3.5 "6in4"). */
  IPV6: 41,
  /** Generic Routing Encapsulation (RFC 2784). */
  GRE: 47,
  /** SCTP (RFC 9260). */
  SCTP: 132,
} as const;

/** Well-known UDP ports of the UDP tunnels and of HEP. */
export const ENCAP_PORT = {
  /** VXLAN (RFC 7348 §5, IANA). */
  VXLAN: 4789,
  /** GTP-U (3GPP TS 29.281 §4.4.2.3). */
  GTPU: 2152,
  /** HEP collectors (HOMER default; not IANA-registered). */
  HEP: 9060,
} as const;

/** EtherTypes / GRE protocol types used by the tunnels (IEEE EtherType registry). */
export const GRE_PROTOCOL = {
  IPV4: ETHERTYPE.IPV4,
  IPV6: ETHERTYPE.IPV6,
  /** Transparent Ethernet Bridging: an Ethernet frame follows (RFC 1701). */
  TEB: 0x6558,
  /** ERSPAN type II (draft-foschiano-erspan §4.1). */
  ERSPAN_II: 0x88be,
  /** ERSPAN type III (draft-foschiano-erspan §4.2). */
  ERSPAN_III: 0x22eb,
} as const;

// ---------------------------------------------------------------------------------------
// GRE and ERSPAN

/** Options of {@link greHeader}. */
export interface GreOptions {
  /** Protocol type of the payload (an EtherType, {@link GRE_PROTOCOL}). */
  protocol: number;
  /** Key field (RFC 2890 §2.1): K bit and 4 bytes. */
  key?: number;
  /** Sequence number (RFC 2890 §2.2): S bit and 4 bytes. */
  sequence?: number;
}

/**
 * Builds a GRE header (RFC 2784 §2, RFC 2890 §2): C/K/S flag bits, version 0, protocol type,
 * then the optional key and sequence number in that order.
 */
export function greHeader(o: GreOptions): Uint8Array {
  const b = new ByteBuilder("be", 12);
  b.u8((o.key !== undefined ? 0x20 : 0) | (o.sequence !== undefined ? 0x10 : 0)).u8(0).u16(o.protocol);
  if (o.key !== undefined) b.u32(o.key);
  if (o.sequence !== undefined) b.u32(o.sequence);
  return b.finish();
}

/** Options of {@link erspanII} / {@link erspanIII}. */
export interface ErspanOptions {
  /** Session ID, 10 bits. */
  sessionId: number;
  /** Original VLAN of the mirrored frame (12 bits, default 0). */
  vlan?: number;
  /** Class of service, 3 bits. */
  cos?: number;
  /** ERSPAN II: port index, 20 bits. */
  index?: number;
  /** ERSPAN III: 32-bit timestamp in the granularity units. */
  timestamp?: number;
  /** ERSPAN III: hardware ID, 6 bits. */
  hardwareId?: number;
  /** ERSPAN III: append the 8-byte platform-specific sub-header (O bit). */
  platformSubheader?: boolean;
}

/**
 * ERSPAN type II header (draft-foschiano-erspan-03 §4.1): Ver=1 | VLAN, COS | En | T | Session
 * ID, Reserved | Index. The mirrored Ethernet frame follows. Carried in GRE with a sequence
 * number (S bit) and protocol 0x88BE.
 */
export function erspanII(o: ErspanOptions): Uint8Array {
  return new ByteBuilder("be", 8)
    .u16((1 << 12) | ((o.vlan ?? 0) & 0x0fff))
    .u16((((o.cos ?? 0) & 7) << 13) | (o.sessionId & 0x3ff))
    .u32((o.index ?? 0) & 0xfffff)
    .finish();
}

/**
 * ERSPAN type III header (draft-foschiano-erspan-03 §4.2): Ver=2 | VLAN, COS | BSO | T | Session
 * ID, 32-bit timestamp, SGT | P | FT | HW ID | D | Gra | O, then with O set an 8-byte platform
 * sub-header (here platform ID 3: a 64-bit timestamp's upper word and port ID).
 */
export function erspanIII(o: ErspanOptions): Uint8Array {
  const b = new ByteBuilder("be", 20);
  b.u16((2 << 12) | ((o.vlan ?? 0) & 0x0fff));
  b.u16((((o.cos ?? 0) & 7) << 13) | (o.sessionId & 0x3ff));
  b.u32(o.timestamp ?? 0);
  // SGT 0, P=0, FT=0 (Ethernet), HW ID, D=0, Gra=01 (100 µs, the IEEE 1588 default is 11), O.
  b.u16(0);
  b.u16((((o.hardwareId ?? 0) & 0x3f) << 4) | (0b01 << 1) | (o.platformSubheader ? 1 : 0));
  if (o.platformSubheader) b.u32((3 << 26) | 0x0001).u32(0); // Platf ID 3, port ID 1; upper timestamp 0
  return b.finish();
}

// ---------------------------------------------------------------------------------------
// VXLAN and GTP-U

/** VXLAN header (RFC 7348 §5): flags with I=1, reserved, 24-bit VNI, reserved. */
export function vxlanHeader(vni: number): Uint8Array {
  return new ByteBuilder("be", 8).u8(0x08).zeros(3).u32((vni & 0xffffff) << 8).finish();
}

/** One GTP-U extension header (3GPP TS 29.281 §5.2.1): its type and content. */
export interface GtpExtension {
  /** Type of THIS header (announced by the previous one's next-type byte). */
  type: number;
  /** Content; padded so length byte + content + next-type byte is a multiple of 4. */
  content: Uint8Array;
}

/** Options of {@link gtpuHeader}. */
export interface GtpuOptions {
  teid: number;
  /** Length of the user packet that follows (the header's length field counts it). */
  payloadLength: number;
  /** Sequence number (S flag). */
  sequence?: number;
  extensions?: readonly GtpExtension[];
}

/**
 * GTP-U G-PDU header (3GPP TS 29.281 §5.1): version 1, PT=1, E/S/PN flags, message type 255,
 * length of everything after the first 8 bytes, TEID; with any flag, sequence number, N-PDU
 * number and next extension header type, then the extension headers (§5.2).
 */
export function gtpuHeader(o: GtpuOptions): Uint8Array {
  const exts = o.extensions ?? [];
  const optional = o.sequence !== undefined || exts.length > 0;
  const encoded = exts.map((e, i) => {
    const units = Math.ceil((e.content.length + 2) / 4);
    const x = new Uint8Array(units * 4);
    x[0] = units;
    x.set(e.content, 1);
    x[x.length - 1] = i + 1 < exts.length ? exts[i + 1].type : 0;
    return x;
  });
  const extBytes = concatBytes(encoded);
  const b = new ByteBuilder("be", 12 + extBytes.length);
  b.u8(0x30 | (exts.length > 0 ? 0x04 : 0) | (o.sequence !== undefined ? 0x02 : 0));
  b.u8(0xff);
  b.u16((optional ? 4 : 0) + extBytes.length + o.payloadLength);
  b.u32(o.teid);
  if (optional) b.u16(o.sequence ?? 0).u8(0).u8(exts[0]?.type ?? 0);
  return b.bytes(extBytes).finish();
}

/**
 * The PDU Session Container extension header of 5G user-plane traffic (type 0x85, 3GPP TS
 * 38.415 §5.5.2): an uplink PDU (type 1) with a QoS Flow Identifier.
 */
export function pduSessionContainer(qfi: number): GtpExtension {
  return { type: 0x85, content: Uint8Array.of(0x10, qfi & 0x3f) };
}

// ---------------------------------------------------------------------------------------
// SCTP

/** CRC32c (Castagnoli) table, reflected polynomial 0x82F63B78 (RFC 9260 Appendix A). */
const CRC32C = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC32c of `data` (RFC 9260 Appendix A). */
export function crc32c(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of data) c = CRC32C[(c ^ x) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One SCTP chunk: type, flags and value (RFC 9260 §3.2). */
export interface SctpChunk {
  type: number;
  flags: number;
  value: Uint8Array;
}

/** DATA chunk flags (RFC 9260 §3.3.1). */
export const SCTP_DATA_FLAGS = { END: 0x01, BEGIN: 0x02, UNORDERED: 0x04, WHOLE: 0x03 } as const;

/** Options of {@link sctpData}. */
export interface SctpDataOptions {
  tsn: number;
  streamId?: number;
  streamSeq?: number;
  /** Payload protocol identifier; RFC 4168 defines none for SIP, so 0 (unspecified) is usual. */
  ppid?: number;
  /** B/E bits: a whole message (default), its first, middle or last piece. */
  flags?: number;
  data: Uint8Array;
}

/** A DATA chunk (RFC 9260 §3.3.1): TSN, stream identifier, stream sequence number, PPID, data. */
export function sctpData(o: SctpDataOptions): SctpChunk {
  const v = new ByteBuilder("be", 12 + o.data.length).u32(o.tsn).u16(o.streamId ?? 0).u16(o.streamSeq ?? 0).u32(o.ppid ?? 0).bytes(o.data);
  return { type: 0, flags: o.flags ?? SCTP_DATA_FLAGS.WHOLE, value: v.finish() };
}

/** A SACK chunk (RFC 9260 §3.3.4) with no gap blocks: cumulative TSN ack and receiver window. */
export function sctpSack(cumulativeTsn: number, window = 106496): SctpChunk {
  return { type: 3, flags: 0, value: new ByteBuilder("be", 12).u32(cumulativeTsn).u32(window).u16(0).u16(0).finish() };
}

/**
 * An SCTP packet (RFC 9260 §3): common header (ports, verification tag, CRC32c checksum), then
 * the chunks, each padded to 4 bytes (the padding is not counted in the chunk length, §3.2).
 * The checksum bytes are placed least significant first, as RFC 9260 Appendix A's reference code
 * stores them.
 */
export function sctpPacket(src: number, dst: number, verificationTag: number, chunks: readonly SctpChunk[]): Uint8Array {
  const b = new ByteBuilder("be", 12 + chunks.reduce((n, c) => n + 8 + c.value.length, 0));
  b.u16(src).u16(dst).u32(verificationTag).u32(0);
  for (const c of chunks) b.u8(c.type).u8(c.flags).u16(4 + c.value.length).bytes(c.value).padTo(4);
  const out = b.take();
  const crc = crc32c(out);
  out[8] = crc & 0xff;
  out[9] = (crc >>> 8) & 0xff;
  out[10] = (crc >>> 16) & 0xff;
  out[11] = crc >>> 24;
  return out;
}

// ---------------------------------------------------------------------------------------
// WebSocket

/** WebSocket opcodes (RFC 6455 §5.2). */
export const WS_OPCODE = { CONTINUATION: 0, TEXT: 1, BINARY: 2, CLOSE: 8, PING: 9, PONG: 10 } as const;

/** The GUID RFC 6455 §1.3 appends to Sec-WebSocket-Key to compute Sec-WebSocket-Accept. */
const WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** The opening handshake of SIP over WebSocket (RFC 6455 §4.1-4.2, RFC 7118 §4): request and response. */
export function webSocketHandshake(host: string, path: string, key: string): { request: string; response: string } {
  const accept = createHash("sha1").update(key + WS_GUID).digest("base64");
  return {
    request:
      `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nOrigin: http://${host}\r\nSec-WebSocket-Protocol: sip\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    response:
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: sip\r\n\r\n`,
  };
}

/** Options of {@link webSocketFrame}. */
export interface WebSocketFrameOptions {
  opcode: number;
  payload: Uint8Array | string;
  /** FIN bit (default true): false for all but the last frame of a fragmented message. */
  fin?: boolean;
  /** Masking key: clients MUST mask every frame (RFC 6455 §5.3), servers MUST NOT. */
  mask?: Uint8Array;
}

/**
 * A WebSocket frame (RFC 6455 §5.2): FIN, opcode, MASK bit, 7-bit length or the 126/127 escapes
 * for 16- and 64-bit lengths, the masking key, then the payload XORed with the key (§5.3).
 */
export function webSocketFrame(o: WebSocketFrameOptions): Uint8Array {
  const data = toBytes(o.payload);
  const b = new ByteBuilder("be", 14 + data.length);
  b.u8(((o.fin ?? true) ? 0x80 : 0) | (o.opcode & 0x0f));
  const m = o.mask ? 0x80 : 0;
  if (data.length < 126) b.u8(m | data.length);
  else if (data.length <= 0xffff) b.u8(m | 126).u16(data.length);
  else b.u8(m | 127).u64(BigInt(data.length));
  if (!o.mask) return b.bytes(data).finish();
  if (o.mask.length !== 4) throw new Error("a WebSocket masking key is 4 bytes");
  b.bytes(o.mask);
  const masked = Uint8Array.from(data, (x, i) => x ^ (o.mask as Uint8Array)[i & 3]);
  return b.bytes(masked).finish();
}

// ---------------------------------------------------------------------------------------
// HEP (HOMER encapsulation protocol) version 3

/** HEPv3 generic chunk types (vendor 0) of the HEP3 specification. */
export const HEP_CHUNK = {
  IP_FAMILY: 1,
  IP_PROTO: 2,
  IPV4_SRC: 3,
  IPV4_DST: 4,
  IPV6_SRC: 5,
  IPV6_DST: 6,
  SRC_PORT: 7,
  DST_PORT: 8,
  TS_SEC: 9,
  TS_USEC: 10,
  PROTO_TYPE: 11,
  CAPTURE_ID: 12,
  AUTH_KEY: 14,
  PAYLOAD: 15,
  COMPRESSED_PAYLOAD: 16,
  CORRELATION_ID: 17,
} as const;

/** Options of {@link hep3Packet}. */
export interface Hep3Options {
  /** The original packet's addressing. */
  src: Endpoint;
  dst: Endpoint;
  /** IP protocol of the original packet (17 UDP, 6 TCP). */
  ipProto: number;
  /** Original capture time, ns since the epoch (sent as seconds + microseconds). */
  tsNs: bigint;
  captureId: number;
  /** The original payload (the SIP message). */
  payload: Uint8Array | string;
  /** Send the payload zlib-compressed in chunk 16 instead of chunk 15. */
  compress?: boolean;
  /** Chunk 14, the agent's authentication key. */
  authKey?: string;
  /** Chunk 17, usually the Call-ID. */
  correlationId?: string;
  /** Payload type (chunk 11): 1 = SIP. */
  protoType?: number;
}

/**
 * A HEPv3 packet: "HEP3", total length, then chunks of (vendor id 0, type id, length including
 * the 6-byte chunk header, value); address family uses Linux AF_INET (2) / AF_INET6 (10).
 */
export function hep3Packet(o: Hep3Options): Uint8Array {
  const v6 = isIpv6(o.src.ip);
  const chunks: Uint8Array[] = [];
  const chunk = (type: number, value: Uint8Array): void => {
    chunks.push(new ByteBuilder("be", 6 + value.length).u16(0).u16(type).u16(6 + value.length).bytes(value).finish());
  };
  const u8 = (v: number): Uint8Array => Uint8Array.of(v);
  const u16 = (v: number): Uint8Array => Uint8Array.of(v >> 8, v & 0xff);
  const u32 = (v: number): Uint8Array => new ByteBuilder("be", 4).u32(v).finish();
  chunk(HEP_CHUNK.IP_FAMILY, u8(v6 ? 10 : 2));
  chunk(HEP_CHUNK.IP_PROTO, u8(o.ipProto));
  chunk(v6 ? HEP_CHUNK.IPV6_SRC : HEP_CHUNK.IPV4_SRC, cachedIp(o.src.ip));
  chunk(v6 ? HEP_CHUNK.IPV6_DST : HEP_CHUNK.IPV4_DST, cachedIp(o.dst.ip));
  chunk(HEP_CHUNK.SRC_PORT, u16(o.src.port));
  chunk(HEP_CHUNK.DST_PORT, u16(o.dst.port));
  chunk(HEP_CHUNK.TS_SEC, u32(Number(o.tsNs / 1_000_000_000n)));
  chunk(HEP_CHUNK.TS_USEC, u32(Number((o.tsNs % 1_000_000_000n) / 1000n)));
  chunk(HEP_CHUNK.PROTO_TYPE, u8(o.protoType ?? 1));
  chunk(HEP_CHUNK.CAPTURE_ID, u32(o.captureId));
  if (o.authKey !== undefined) chunk(HEP_CHUNK.AUTH_KEY, toBytes(o.authKey));
  const payload = toBytes(o.payload);
  chunk(o.compress ? HEP_CHUNK.COMPRESSED_PAYLOAD : HEP_CHUNK.PAYLOAD, o.compress ? zlibFixedHuffman(payload) : payload);
  if (o.correlationId !== undefined) chunk(HEP_CHUNK.CORRELATION_ID, toBytes(o.correlationId));
  const body = concatBytes(chunks);
  return concatBytes([new ByteBuilder("be", 6).bytes("HEP3").u16(6 + body.length).finish(), body]);
}

/**
 * A zlib stream (RFC 1950) holding one final deflate block with fixed Huffman codes (RFC 1951
 * §3.2.6), literals only. Written by hand rather than with node:zlib so fixture bytes never
 * depend on the zlib build: real compressors choose matches differently from one version to the
 * next, and the committed fixtures must regenerate byte-identically.
 */
export function zlibFixedHuffman(data: Uint8Array): Uint8Array {
  const out: number[] = [0x78, 0x01]; // CMF: deflate, 32 KiB window; FLG: check bits, fastest
  let acc = 0;
  let bits = 0;
  const put = (value: number, n: number): void => {
    acc |= value << bits;
    bits += n;
    while (bits >= 8) {
      out.push(acc & 0xff);
      acc >>>= 8;
      bits -= 8;
    }
  };
  // Huffman codes are sent most significant bit first, into an LSB-first bit stream (§3.1.1).
  const code = (c: number, n: number): void => {
    for (let i = n - 1; i >= 0; i--) put((c >> i) & 1, 1);
  };
  put(1, 1); // BFINAL
  put(1, 2); // BTYPE 01: fixed Huffman codes
  for (const x of data) {
    if (x < 144) code(0x30 + x, 8);
    else code(0x190 + (x - 144), 9);
  }
  code(0, 7); // end of block (256)
  if (bits > 0) out.push(acc & 0xff);
  let a = 1;
  let b = 0;
  for (const x of data) {
    a = (a + x) % 65521;
    b = (b + a) % 65521;
  }
  const adler = ((b << 16) | a) >>> 0;
  out.push(adler >>> 24, (adler >>> 16) & 0xff, (adler >>> 8) & 0xff, adler & 0xff);
  return Uint8Array.from(out);
}

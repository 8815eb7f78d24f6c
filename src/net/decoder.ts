/**
 * NetDecoder: frames → UDP datagrams and reassembled TCP byte streams, through link layers, IP
 * (with fragment reassembly) and tunnels. The application layer decides, through NetSink, which
 * payloads it wants; bytes it does not want are never copied or turned into strings.
 */
import type { Frame } from "../capture/model.js";
import { decodeEtherType, decodeLink, ETHERTYPE_IPV4, ETHERTYPE_IPV6, isSupportedLinkType, type L3 } from "./link.js";
import {
  decodeIp, dstAddr, newIpPacket, srcAddr, walkIpv6Extensions, PROTO_GRE, PROTO_ICMP, PROTO_ICMPV6, PROTO_IPIP,
  PROTO_IPV6, PROTO_SCTP, PROTO_TCP, PROTO_UDP, type IpPacket,
} from "./ip.js";
import { IpReassembler, DEFAULT_REASSEMBLY_LIMITS, type ReassemblyLimits } from "./ip-reassembly.js";
import { TcpReassembler, DEFAULT_STREAM_LIMITS, type StreamLimits, type TcpStreamSink } from "./tcp-stream.js";
import type { NetIssueCode } from "./issues.js";
import { SctpDecoder, type SctpMessage } from "./sctp.js";
import { decodeGre, decodeGtpU, decodeVxlan, UDP_PORT_GTPU, UDP_PORT_VXLAN } from "./tunnels.js";

/** UdpDatagram is a UDP payload with its addressing. Views are valid only during the call. */
export interface UdpDatagram {
  ip: IpPacket;
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
  frame: number;
  tsNs: bigint;
  /** Frames that carried the datagram when it was IP-fragmented, else null (just `frame`). */
  frames: number[] | null;
  /** True when the datagram was cut short (snaplen): the payload is incomplete. */
  truncated: boolean;
}

/** NetSink is the application layer's side of the decoder. */
export interface NetSink {
  /** udp receives every UDP datagram not consumed by a tunnel decoder. */
  udp(d: UdpDatagram): void;
  /** wantTcp says whether to start reassembling a connection on this data segment. */
  wantTcp(payload: Uint8Array, srcPort: number, dstPort: number): boolean;
  /** tcp receives reassembled stream bytes. */
  tcp: TcpStreamSink;
  /** sctp receives complete SCTP user messages (`frames` as for udp). */
  sctp(m: SctpMessage, frame: number, tsNs: bigint): void;
  /** unreachable receives ICMP/ICMPv6 destination-unreachable errors about UDP/TCP packets. */
  unreachable?(u: Unreachable): void;
}

/**
 * Unreachable is an ICMP destination-unreachable (RFC 792 type 3; RFC 4443 type 1) quoting the
 * packet it is about: the silent-timeout question "did anything come back?" is answered here.
 */
export interface Unreachable {
  frame: number;
  tsNs: bigint;
  /** Who sent the error (a router or the destination host). */
  reporter: string;
  /** ICMP code, and its name (port, host, net, admin-prohibited...). */
  code: number;
  codeName: string;
  /** The quoted packet's addressing. */
  proto: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
}

const ICMP4_CODES = ["net unreachable", "host unreachable", "protocol unreachable", "port unreachable", "fragmentation needed", "source route failed", "net unknown", "host unknown", "source host isolated", "net prohibited", "host prohibited", "net unreachable for TOS", "host unreachable for TOS", "communication administratively prohibited"];
const ICMP6_CODES = ["no route to destination", "communication administratively prohibited", "beyond scope of source address", "address unreachable", "port unreachable", "source address failed policy", "reject route to destination"];

/** NetLimits gathers the stage's bounds. */
export interface NetLimits {
  reassembly: ReassemblyLimits;
  streams: StreamLimits;
}

export const DEFAULT_NET_LIMITS: NetLimits = { reassembly: DEFAULT_REASSEMBLY_LIMITS, streams: DEFAULT_STREAM_LIMITS };

export type IssueFn = (code: NetIssueCode, detail: string, frame: number) => void;

const MAX_TUNNEL_DEPTH = 4;
/** How often (in capture time) pending state is checked for expiry. */
const EXPIRE_EVERY_NS = 1_000_000_000n;

/** NetDecoder statistics. */
export interface NetStats {
  frames: number;
  ipPackets: number;
  ipFragments: number;
  udpDatagrams: number;
  tcpSegments: number;
  skippedLinkTypes: Map<number, number>;
}

export class NetDecoder {
  private readonly l3: L3 = { etherType: 0, offset: 0 };
  private readonly ips: IpPacket[] = Array.from({ length: MAX_TUNNEL_DEPTH + 1 }, newIpPacket);
  private readonly frags: IpReassembler;
  readonly tcp: TcpReassembler;
  private readonly udp: UdpDatagram;
  private readonly sctp: SctpDecoder;
  private sctpFrame = 0;
  private sctpTsNs = 0n;
  private nextExpireNs = -1n;
  private lastFrame = 0;
  /** Time of the last frame, the end of the capture for what is still open at finish. */
  private lastTsNs = 0n;
  readonly stats: NetStats = { frames: 0, ipPackets: 0, ipFragments: 0, udpDatagrams: 0, tcpSegments: 0, skippedLinkTypes: new Map() };

  constructor(
    private readonly sink: NetSink,
    private readonly issue: IssueFn,
    limits: NetLimits = DEFAULT_NET_LIMITS,
  ) {
    this.frags = new IpReassembler(issue, limits.reassembly);
    this.tcp = new TcpReassembler(sink.tcp, issue, limits.streams);
    this.sctp = new SctpDecoder((m) => sink.sctp(m, this.sctpFrame, this.sctpTsNs), (detail) => issue("sctp_message_limit", detail, this.sctpFrame));
    this.udp = { ip: this.ips[0], srcPort: 0, dstPort: 0, payload: new Uint8Array(0), frame: 0, tsNs: 0n, frames: null, truncated: false };
  }

  /** reassembled counts IP datagrams rebuilt from fragments. */
  get reassembled(): number {
    return this.frags.completed;
  }

  /** frame decodes one captured frame. */
  frame(f: Frame): void {
    this.stats.frames++;
    this.lastFrame = f.index;
    this.lastTsNs = f.tsNs;
    if (this.nextExpireNs < 0n || f.tsNs >= this.nextExpireNs) {
      this.frags.expire(f.tsNs);
      this.tcp.expire(f.tsNs, f.index);
      this.nextExpireNs = f.tsNs + EXPIRE_EVERY_NS;
    }
    if (!decodeLink(f.linkType, f.data, this.l3)) {
      if (f.linkType >= 0 && !isSupportedLinkType(f.linkType)) {
        const n = this.stats.skippedLinkTypes.get(f.linkType) ?? 0;
        if (n === 0) this.issue("unsupported_link_type", `link type ${f.linkType} is not decoded`, f.index);
        this.stats.skippedLinkTypes.set(f.linkType, n + 1);
      }
      return;
    }
    this.network(this.l3.etherType, f.data, this.l3.offset, f.data.length, f.index, f.tsNs, 0);
  }

  /** finish flushes reassembly state at the end of the capture. */
  finish(): void {
    this.frags.flush();
    this.tcp.flush(this.lastFrame, this.lastTsNs);
  }

  private network(etherType: number, b: Uint8Array, off: number, end: number, frame: number, tsNs: bigint, depth: number): void {
    const ip = this.ips[depth];
    const err = decodeIp(etherType, b, off, end, ip);
    if (err !== null) {
      this.issue("bad_ip_header", err, frame);
      return;
    }
    this.stats.ipPackets++;
    if (ip.isFragment) {
      this.stats.ipFragments++;
      const whole = this.frags.add(ip, frame, tsNs);
      if (!whole) return;
      // Continue on the reassembled payload as if it had arrived whole in this frame.
      ip.buf = whole.payload;
      ip.payloadOff = 0;
      ip.payloadEnd = whole.payload.length;
      ip.isFragment = false;
      // The addresses still point into the frame buffer: copy them next to the payload.
      this.rebaseAddresses(ip, b);
      if (ip.version === 6 && (whole.proto === 0 || whole.proto === 60 || whole.proto === 43)) {
        if (walkIpv6Extensions(ip.buf, 0, ip.payloadEnd, whole.proto, ip) !== null) return;
      } else {
        ip.proto = whole.proto;
      }
      this.transport(ip, frame, tsNs, depth, whole.frames);
      return;
    }
    if (ip.truncated) this.issue("truncated_packet", `IP packet cut short (${ip.payloadEnd - off} of the claimed bytes captured)`, frame);
    this.transport(ip, frame, tsNs, depth, null);
  }

  /** rebaseAddresses copies src/dst into a buffer that lives with a reassembled payload. */
  private rebaseAddresses(ip: IpPacket, frameBuf: Uint8Array): void {
    const n = ip.version === 4 ? 4 : 16;
    const joined = new Uint8Array(ip.payloadEnd + 2 * n);
    joined.set(ip.buf.subarray(0, ip.payloadEnd), 0);
    joined.set(frameBuf.subarray(ip.srcOff, ip.srcOff + n), ip.payloadEnd);
    joined.set(frameBuf.subarray(ip.dstOff, ip.dstOff + n), ip.payloadEnd + n);
    ip.srcOff = ip.payloadEnd;
    ip.dstOff = ip.payloadEnd + n;
    ip.buf = joined;
  }

  private transport(ip: IpPacket, frame: number, tsNs: bigint, depth: number, frames: number[] | null): void {
    const b = ip.buf;
    const off = ip.payloadOff;
    const end = ip.payloadEnd;
    switch (ip.proto) {
      case PROTO_UDP: {
        if (off + 8 > end) return;
        const srcPort = (b[off] << 8) | b[off + 1];
        const dstPort = (b[off + 2] << 8) | b[off + 3];
        const ulen = (b[off + 4] << 8) | b[off + 5];
        // RFC 768: length covers header and data; 0 is used for jumbograms; trust the capture then.
        const pend = ulen >= 8 ? Math.min(end, off + ulen) : end;
        const cut = ip.truncated || (ulen >= 8 && off + ulen > end);
        this.stats.udpDatagrams++;
        if (depth < MAX_TUNNEL_DEPTH && this.udpTunnel(srcPort, dstPort, b, off + 8, pend, frame, tsNs, depth)) return;
        const d = this.udp;
        d.ip = ip;
        d.srcPort = srcPort;
        d.dstPort = dstPort;
        d.payload = b.subarray(off + 8, pend);
        d.frame = frame;
        d.tsNs = tsNs;
        d.frames = frames;
        d.truncated = cut;
        this.sink.udp(d);
        return;
      }
      case PROTO_TCP:
        this.stats.tcpSegments++;
        this.tcp.segment(ip, off, end, frame, tsNs, this.sink.wantTcp);
        return;
      case PROTO_SCTP:
        this.sctpFrame = frame;
        this.sctpTsNs = tsNs;
        this.sctp.packet(ip, off, end, frame);
        return;
      case PROTO_ICMP:
      case PROTO_ICMPV6:
        if (depth < MAX_TUNNEL_DEPTH) this.icmp(ip, frame, tsNs, depth);
        return;
      case PROTO_IPIP:
        if (depth < MAX_TUNNEL_DEPTH) this.network(ETHERTYPE_IPV4, b, off, end, frame, tsNs, depth + 1);
        return;
      case PROTO_IPV6:
        if (depth < MAX_TUNNEL_DEPTH) this.network(ETHERTYPE_IPV6, b, off, end, frame, tsNs, depth + 1);
        return;
      case PROTO_GRE:
        if (depth < MAX_TUNNEL_DEPTH && decodeGre(b, off, end, this.l3)) {
          this.network(this.l3.etherType, b, this.l3.offset, end, frame, tsNs, depth + 1);
        }
        return;
      default:
        return;
    }
  }

  /** icmp reports destination-unreachable errors with the quoted packet's addresses. */
  private icmp(ip: IpPacket, frame: number, tsNs: bigint, depth: number): void {
    const sink = this.sink.unreachable;
    if (!sink) return;
    const b = ip.buf;
    const off = ip.payloadOff;
    const v6 = ip.proto === PROTO_ICMPV6;
    if (off + 8 > ip.payloadEnd || b[off] !== (v6 ? 1 : 3)) return;
    const code = b[off + 1];
    const inner = this.ips[depth + 1];
    // The quoted datagram starts after the 4 unused bytes (RFC 792; RFC 4443 §3.1).
    if (decodeIp(v6 ? 0x86dd : 0x0800, b, off + 8, ip.payloadEnd, inner) !== null) return;
    if (inner.proto !== PROTO_UDP && inner.proto !== PROTO_TCP) return;
    const q = inner.payloadOff;
    if (q + 4 > inner.payloadEnd) return;
    sink({
      frame, tsNs, reporter: srcAddr(ip), code, codeName: (v6 ? ICMP6_CODES : ICMP4_CODES)[code] ?? `code ${code}`,
      proto: inner.proto, src: srcAddr(inner), srcPort: (b[q] << 8) | b[q + 1], dst: dstAddr(inner), dstPort: (b[q + 2] << 8) | b[q + 3],
    });
  }

  private udpTunnel(srcPort: number, dstPort: number, b: Uint8Array, off: number, end: number, frame: number, tsNs: bigint, depth: number): boolean {
    let ok = false;
    if (dstPort === UDP_PORT_GTPU || srcPort === UDP_PORT_GTPU) ok = decodeGtpU(b, off, end, this.l3);
    else if (dstPort === UDP_PORT_VXLAN) ok = decodeVxlan(b, off, end, this.l3);
    else return false;
    if (ok) this.network(this.l3.etherType, b, this.l3.offset, end, frame, tsNs, depth + 1);
    return ok;
  }
}

export { decodeEtherType, ETHERTYPE_IPV4, ETHERTYPE_IPV6 };

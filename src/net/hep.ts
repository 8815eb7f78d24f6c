/**
 * HEP, the Homer Encapsulation Protocol (sipcapture.org HEP specification; HEPv3 is also
 * described in draft-dubovikov-hep): capture agents (Kamailio/OpenSIPS sipcapture, heplify,
 * captagent) send each captured SIP packet to a collector, usually on UDP or TCP port 9060,
 * wrapped with the original addresses, ports and capture time. A capture taken at a collector
 * therefore shows the collector's traffic; the SIP that matters is inside, with the ORIGINAL
 * endpoints, which is what this module recovers.
 *
 * - HEPv1/v2: a fixed header — version, header length, address family, IP protocol, source and
 *   destination ports (network order), the two addresses, and in v2 a time header (seconds,
 *   microseconds, capture id) that agents write in host byte order (little-endian in practice).
 * - HEPv3: "HEP3", a 16-bit total length, then chunks of (vendor id, type id, length incl. the
 *   6-byte chunk header, value); vendor 0 types 1–17 are the generic ones decoded below.
 *
 * Decoding never throws: a malformed packet yields a HepError (issue code and detail).
 */
import { inflateRawSync, inflateSync, gunzipSync } from "node:zlib";
import type { IssueSpec } from "../util/issues.js";
import { ipv4ToString as ipv4, ipv6ToString as ipv6 } from "./addr.js";
import { StreamBuffer } from "./stream-buffer.js";
import { ownedCopy } from "../util/bytes.js";

/** The port HEP collectors listen on (IANA does not register it; 9060 is the HOMER default). */
export const HEP_PORT = 9060;

export const HEP_ISSUES = {
  hep_bad_packet: { summary: "a HEP (HOMER encapsulation) packet is malformed: bad length, truncated chunk or missing addresses" },
  hep_bad_compressed: { summary: "a HEPv3 compressed payload could not be inflated, or inflates past the size limit" },
} as const satisfies Record<string, IssueSpec>;

export type HepIssueCode = keyof typeof HEP_ISSUES;

/** HepError says why bytes are not a usable HEP packet. */
export interface HepError {
  code: HepIssueCode;
  detail: string;
}

function bad(detail: string): HepError {
  return { code: "hep_bad_packet", detail };
}

/** HepPacket is one decoded HEP packet. */
export interface HepPacket {
  /** HEP version: 1, 2 or 3. */
  version: 1 | 2 | 3;
  /** IP version of the original packet. */
  ipVersion: 4 | 6;
  /** IP protocol number of the original packet (17 UDP, 6 TCP, 132 SCTP). */
  ipProto: number;
  /** Original source address (IPv6 as RFC 5952 text). */
  src: string;
  /** Original destination address. */
  dst: string;
  /** Original source port. */
  srcPort: number;
  /** Original destination port. */
  dstPort: number;
  /** Original capture time, ns since the epoch, when the packet carries one (v2, v3). */
  tsNs?: bigint;
  /** HEPv3 payload type (chunk 11): 1 SIP, 5 RTCP, 100 log, … */
  payloadType?: number;
  /** Capture agent id (v2 captid, v3 chunk 12). */
  captureId?: number;
  /** HEPv3 correlation id (chunk 17), often the Call-ID. */
  correlationId?: string;
  /** The payload was zlib-compressed (chunk 16) and inflated. */
  compressed: boolean;
  /** The original packet's payload (an owned copy). */
  payload: Uint8Array;
}

/** HepLimits bounds decoding. */
export interface HepLimits {
  /** Largest inflated payload accepted, bytes (a zip bomb must not allocate gigabytes). */
  maxPayloadBytes: number;
}

export const DEFAULT_HEP_LIMITS: HepLimits = { maxPayloadBytes: 256 * 1024 };

/** isHep3Magic: "HEP3" (or "EEP3", older agents) with room for the length field at `off`. */
export function isHep3Magic(b: Uint8Array, off = 0, end = b.length): boolean {
  return end - off >= 6 && (b[off] === 0x48 || b[off] === 0x45) && b[off + 1] === 0x45 && b[off + 2] === 0x50 && b[off + 3] === 0x33;
}

/** AF_INET and AF_INET6 as Linux numbers them (v2 header, v3 chunk 1). */
const AF_INET = 2;
const AF_INET6 = 10;

/**
 * v2HeaderLength gives the header length a v1/v2 packet must declare for its family: ports and
 * family header (8), addresses (8 or 32), and in v2 the time header (10 bytes packed, 12 with
 * the C struct's padding).
 */
function v2HeaderOk(version: number, family: number, hl: number): boolean {
  const addrs = family === AF_INET ? 8 : family === AF_INET6 ? 32 : -1;
  if (addrs < 0) return false;
  if (version === 1) return hl === 8 + addrs;
  return hl === 8 + addrs + 12 || hl === 8 + addrs + 10;
}

/** looksLikeHep: HEP3 magic, or a v1/v2 header whose fields are all consistent. */
export function looksLikeHep(b: Uint8Array): boolean {
  if (isHep3Magic(b)) return true;
  if (b.length < 16 || (b[0] !== 1 && b[0] !== 2)) return false;
  const proto = b[3];
  return v2HeaderOk(b[0], b[2], b[1]) && b[1] <= b.length && (proto === 17 || proto === 6 || proto === 132);
}

/** inflatePayload undoes chunk 16's compression (zlib in HOMER agents; raw deflate and gzip tolerated). */
function inflatePayload(data: Uint8Array, max: number): Uint8Array | HepError {
  for (const f of [inflateSync, inflateRawSync, gunzipSync]) {
    try {
      return new Uint8Array(f(data, { maxOutputLength: max }));
    } catch (e) {
      if (e instanceof RangeError || (e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") return { code: "hep_bad_compressed", detail: `HEPv3 compressed payload inflates past ${max} bytes` };
    }
  }
  return { code: "hep_bad_compressed", detail: "HEPv3 compressed payload is not zlib, deflate or gzip data" };
}

/** decodeHep decodes one HEP packet at the start of `b`. */
export function decodeHep(b: Uint8Array, limits: HepLimits = DEFAULT_HEP_LIMITS): HepPacket | HepError {
  if (isHep3Magic(b)) return decodeV3(b, limits);
  if (b.length >= 1 && (b[0] === 1 || b[0] === 2)) return decodeV2(b);
  return bad("not a HEP packet (no HEP3 magic, no v1/v2 header)");
}

/** isHepError tells a decoding failure from a packet. */
export function isHepError(x: HepPacket | HepError): x is HepError {
  return "code" in x;
}

function decodeV2(b: Uint8Array): HepPacket | HepError {
  if (!looksLikeHep(b)) return bad("HEPv1/v2 header fields are inconsistent");
  const version = b[0] as 1 | 2;
  const hl = b[1];
  const v6 = b[2] === AF_INET6;
  const n = v6 ? 16 : 4;
  const pkt: HepPacket = {
    version,
    ipVersion: v6 ? 6 : 4,
    ipProto: b[3],
    srcPort: (b[4] << 8) | b[5],
    dstPort: (b[6] << 8) | b[7],
    src: v6 ? ipv6(b, 8) : ipv4(b, 8),
    dst: v6 ? ipv6(b, 8 + n) : ipv4(b, 8 + n),
    compressed: false,
    payload: ownedCopy(b, hl),
  };
  if (version === 2) {
    const t = 8 + 2 * n;
    const dv = new DataView(b.buffer, b.byteOffset, b.length);
    // Agents copy struct timeval in host order: little-endian on every common platform; a
    // microsecond field ≥ 10^6 in that reading means the agent was big-endian.
    let le = true;
    if (dv.getUint32(t + 4, true) >= 1_000_000 && dv.getUint32(t + 4, false) < 1_000_000) le = false;
    const sec = dv.getUint32(t, le);
    const usec = dv.getUint32(t + 4, le);
    pkt.tsNs = BigInt(sec) * 1_000_000_000n + BigInt(usec) * 1000n;
    pkt.captureId = dv.getUint16(t + 8, le);
  }
  return pkt;
}

function decodeV3(b: Uint8Array, limits: HepLimits): HepPacket | HepError {
  const total = (b[4] << 8) | b[5];
  if (total < 6 || total > b.length) return bad(`HEPv3 length ${total} does not fit the ${b.length} bytes received`);
  let family = 0;
  let proto = -1;
  let src4: string | undefined;
  let dst4: string | undefined;
  let src6: string | undefined;
  let dst6: string | undefined;
  let srcPort = 0;
  let dstPort = 0;
  let sec: number | undefined;
  let usec = 0;
  let payload: Uint8Array | undefined;
  let compressed = false;
  const pkt: Partial<HepPacket> = {};
  for (let p = 6; p < total; ) {
    if (p + 6 > total) return bad(`HEPv3 chunk header at byte ${p} is truncated`);
    const vendor = (b[p] << 8) | b[p + 1];
    const type = (b[p + 2] << 8) | b[p + 3];
    const len = (b[p + 4] << 8) | b[p + 5];
    if (len < 6 || p + len > total) return bad(`HEPv3 chunk type ${type} at byte ${p} claims ${len} bytes`);
    const v = p + 6;
    const vl = len - 6;
    p += len;
    if (vendor !== 0) continue; // vendor-specific chunks are not generic (spec §3)
    const u = (): number => {
      let x = 0;
      for (let i = 0; i < Math.min(vl, 4); i++) x = x * 256 + b[v + i];
      return x;
    };
    switch (type) {
      case 1:
        family = u();
        break;
      case 2:
        proto = u();
        break;
      case 3:
        if (vl === 4) src4 = ipv4(b, v);
        break;
      case 4:
        if (vl === 4) dst4 = ipv4(b, v);
        break;
      case 5:
        if (vl === 16) src6 = ipv6(b, v);
        break;
      case 6:
        if (vl === 16) dst6 = ipv6(b, v);
        break;
      case 7:
        srcPort = u();
        break;
      case 8:
        dstPort = u();
        break;
      case 9:
        sec = u();
        break;
      case 10:
        usec = u();
        break;
      case 11:
        pkt.payloadType = u();
        break;
      case 12:
        pkt.captureId = u();
        break;
      case 15:
        payload = ownedCopy(b, v, v + vl);
        break;
      case 16: {
        const out = inflatePayload(b.subarray(v, v + vl), limits.maxPayloadBytes);
        if ("code" in out) return out;
        payload = out;
        compressed = true;
        break;
      }
      case 17:
        pkt.correlationId = Buffer.from(b.buffer, b.byteOffset + v, vl).toString("latin1");
        break;
      default:
        break; // 13 keep-alive timer, 14 authentication key (never kept), 18+ vlan, group, MACs…
    }
  }
  const v6 = family === AF_INET6 || (family !== AF_INET && src6 !== undefined);
  const src = v6 ? src6 : src4;
  const dst = v6 ? dst6 : dst4;
  if (src === undefined || dst === undefined) return bad("HEPv3 packet without source/destination address chunks");
  if (payload === undefined) return bad("HEPv3 packet without a payload chunk");
  return {
    ...pkt,
    version: 3,
    ipVersion: v6 ? 6 : 4,
    ipProto: proto < 0 ? 17 : proto,
    src,
    dst,
    srcPort,
    dstPort,
    tsNs: sec === undefined ? undefined : BigInt(sec) * 1_000_000_000n + BigInt(usec) * 1000n,
    compressed,
    payload,
  };
}

/**
 * HepStream splits a TCP stream of HEPv3 packets (each carries its own total length). After a
 * gap or bytes that are not HEP3, it scans forward to the next "HEP3" magic.
 */
export class HepStream {
  private readonly sb = new StreamBuffer();

  constructor(
    private readonly emit: (p: HepPacket, frame: number, frames: number[], tsNs: bigint) => void,
    private readonly problem: (code: HepIssueCode, detail: string, frame: number) => void,
    private readonly limits: HepLimits = DEFAULT_HEP_LIMITS,
  ) {}

  push(bytes: Uint8Array, carrierFrame: number, frame: number, tsNs: bigint): void {
    this.sb.append(bytes, carrierFrame);
    const sb = this.sb;
    for (;;) {
      if (sb.len < 6) return;
      if (!isHep3Magic(sb.buf, 0, sb.len)) {
        // Scan to the next magic; the last 5 bytes may be the start of one still arriving.
        let p = 1;
        while (p + 6 <= sb.len && !isHep3Magic(sb.buf, p, sb.len)) p++;
        this.problem("hep_bad_packet", `${p} bytes on a HEP stream are not a HEP3 packet; skipped`, frame);
        sb.drop(Math.min(p, sb.len));
        continue;
      }
      const total = (sb.buf[4] << 8) | sb.buf[5];
      if (total < 6) {
        this.problem("hep_bad_packet", `HEPv3 length ${total} is shorter than its header`, frame);
        sb.drop(4);
        continue;
      }
      if (sb.len < total) return;
      const frames = sb.framesOf(total);
      const pkt = decodeHep(sb.buf.subarray(0, total), this.limits);
      sb.drop(total);
      if (isHepError(pkt)) this.problem(pkt.code, pkt.detail, frame);
      else this.emit(pkt, frame, frames, tsNs);
    }
  }

  gap(): void {
    this.sb.drop(this.sb.len);
  }

  end(): void {
    this.sb.drop(this.sb.len);
  }
}

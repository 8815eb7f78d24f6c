/**
 * pcapng block parsing (draft-ietf-opsawg-pcapng): several sections, each with its own byte order
 * and interfaces; EPB, SPB and the obsolete Packet Block yield frames; unknown, custom, NRB, ISB and
 * other blocks are skipped (§3.1: readers must skip blocks they do not understand).
 */
import type { Frame } from "./model.js";
import type { BlockParser, ParseStep } from "./parser.js";

const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const OBSOLETE_PB = 0x00000002;
const SPB = 0x00000003;
const EPB = 0x00000006;
const DSB = 0x0000000a;
const SYSTEMD_JOURNAL = 0x00000009;
const CUSTOM_COPYABLE = 0x00000bad;
const CUSTOM_NOCOPY = 0x40000bad;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_ENDOFOPT = 0;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;
/** LINKTYPE_NONE marks frames that carry no packet (pcapng custom and journal blocks). */
export const LINKTYPE_NONE = -1;

/** DSB secrets type for a TLS key log (§4.8). */
export const SECRETS_TLS_KEYLOG = 0x544c534b;

interface Interface {
  linkType: number;
  snaplen: number;
  /** Timestamp units → ns: ns = ts * mul / div + offsetNs. */
  mul: bigint;
  div: bigint;
  offsetNs: bigint;
  /** The high timestamp word last seen and its part of the result (see PcapngParser.tsNs). */
  hi: number;
  hiNs: bigint;
}

/** Secrets is a Decryption Secrets Block's payload, kept for TLS decryption. */
export interface Secrets {
  type: number;
  data: Uint8Array;
}

/**
 * PcapngParser walks blocks. A block whose length fields are inconsistent or larger than the limit
 * is corruption: the caller stops there and reports it.
 */
export class PcapngParser implements BlockParser {
  private le = true;
  private interfaces: Interface[] = [];
  private lastTsNs = 0n;
  /** Decryption secrets found in DSBs, in file order (copied: they outlive the chunk). */
  secrets: Secrets[] = [];

  constructor(private readonly maxBlockBytes: number) {}

  step(buf: Buffer, pos: number, frame: Frame): ParseStep {
    const avail = buf.length - pos;
    if (avail < 12) return { need: 12 };
    let type = this.u32(buf, pos);
    if (type === SHB) {
      // The byte order of a section is given by its own byte-order magic (§4.1), so read it
      // before the block length, which is in that order.
      const bomLe = buf.readUInt32LE(pos + 8);
      if (bomLe === BYTE_ORDER_MAGIC) this.le = true;
      else if (buf.readUInt32BE(pos + 8) === BYTE_ORDER_MAGIC) this.le = false;
      else return { corrupt: `section header with bad byte-order magic 0x${bomLe.toString(16)}` };
      type = SHB;
    }
    const len = this.u32(buf, pos + 4);
    if (len < 12 || len % 4 !== 0) return { corrupt: `block type 0x${type.toString(16)} has invalid length ${len}` };
    if (len > this.maxBlockBytes) {
      return { corrupt: `block type 0x${type.toString(16)} claims ${len} bytes (limit ${this.maxBlockBytes})` };
    }
    if (avail < len) return { need: len };
    if (this.u32(buf, pos + len - 4) !== len) {
      return { corrupt: `block type 0x${type.toString(16)}: trailing length differs from leading length ${len}` };
    }
    const body = pos + 8;
    const bodyEnd = pos + len - 4;
    switch (type) {
      case SHB:
        this.interfaces = [];
        return { consumed: len };
      case IDB:
        return this.readIdb(buf, body, bodyEnd, len);
      case EPB:
        return this.readEpb(buf, body, bodyEnd, len, frame);
      case SPB:
        return this.readSpb(buf, body, bodyEnd, len, frame);
      case OBSOLETE_PB:
        return this.readObsoletePb(buf, body, bodyEnd, len, frame);
      case DSB:
        if (bodyEnd - body >= 8) {
          const secretsLen = this.u32(buf, body + 4);
          const end = Math.min(bodyEnd, body + 8 + secretsLen);
          this.secrets.push({ type: this.u32(buf, body), data: Uint8Array.from(buf.subarray(body + 8, end)) });
        }
        return { consumed: len };
      case CUSTOM_COPYABLE:
      case CUSTOM_NOCOPY:
      case SYSTEMD_JOURNAL:
        // Wireshark shows these blocks as frames of their own; counting them keeps every later
        // frame number equal to Wireshark's. They carry no packet.
        frame.tsNs = this.lastTsNs;
        frame.linkType = LINKTYPE_NONE;
        frame.data = buf.subarray(body, body);
        frame.origLen = 0;
        frame.interfaceId = -1;
        return { consumed: len, frame: true };
      default:
        return { consumed: len };
    }
  }

  private readIdb(buf: Buffer, body: number, bodyEnd: number, len: number): ParseStep {
    if (bodyEnd - body < 8) return { corrupt: "interface description block too short" };
    const iface: Interface = {
      linkType: this.u16(buf, body),
      snaplen: this.u32(buf, body + 4),
      mul: 1000n,
      div: 1n,
      offsetNs: 0n,
      hi: -1,
      hiNs: 0n,
    };
    // Default resolution is 10^-6 s (§4.2, if_tsresol).
    for (let p = body + 8; p + 4 <= bodyEnd; ) {
      const code = this.u16(buf, p);
      const olen = this.u16(buf, p + 2);
      const v = p + 4;
      if (code === OPT_ENDOFOPT || v + olen > bodyEnd) break;
      if (code === IF_TSRESOL && olen >= 1) {
        const r = buf[v];
        const exp = BigInt(r & 0x7f);
        if (r & 0x80) {
          // Power of two: units of 2^-exp s.
          iface.mul = 1_000_000_000n;
          iface.div = 1n << exp;
        } else if (exp <= 9n) {
          iface.mul = 10n ** (9n - exp);
          iface.div = 1n;
        } else {
          iface.mul = 1n;
          iface.div = 10n ** (exp - 9n);
        }
      } else if (code === IF_TSOFFSET && olen >= 8) {
        const secs = this.le ? buf.readBigInt64LE(v) : buf.readBigInt64BE(v);
        iface.offsetNs = secs * 1_000_000_000n;
      }
      p = v + ((olen + 3) & ~3);
    }
    this.interfaces.push(iface);
    return { consumed: len };
  }

  private readEpb(buf: Buffer, body: number, bodyEnd: number, len: number, frame: Frame): ParseStep {
    if (bodyEnd - body < 20) return { corrupt: "enhanced packet block too short" };
    const ifId = this.u32(buf, body);
    const capLen = this.u32(buf, body + 12);
    if (capLen > bodyEnd - body - 20) {
      return { corrupt: `enhanced packet block claims ${capLen} captured bytes in a ${len}-byte block` };
    }
    const iface = this.interfaces[ifId];
    if (!iface) return { corrupt: `packet refers to undeclared interface ${ifId}` };
    const ts = this.tsNs(iface, this.u32(buf, body + 4), this.u32(buf, body + 8));
    return this.emit(frame, iface, ifId, ts, buf.subarray(body + 20, body + 20 + capLen), this.u32(buf, body + 16), len);
  }

  private readSpb(buf: Buffer, body: number, bodyEnd: number, len: number, frame: Frame): ParseStep {
    if (bodyEnd - body < 4) return { corrupt: "simple packet block too short" };
    const iface = this.interfaces[0];
    if (!iface) return { corrupt: "simple packet block without an interface" };
    const origLen = this.u32(buf, body);
    // §4.4: captured length = min(original length, snaplen of interface 0, room in the block).
    let capLen = Math.min(origLen, bodyEnd - body - 4);
    if (iface.snaplen > 0) capLen = Math.min(capLen, iface.snaplen);
    // An SPB has no timestamp; keep time monotonic by reusing the previous frame's.
    return this.emit(frame, iface, 0, this.lastTsNs, buf.subarray(body + 4, body + 4 + capLen), origLen, len);
  }

  private readObsoletePb(buf: Buffer, body: number, bodyEnd: number, len: number, frame: Frame): ParseStep {
    if (bodyEnd - body < 20) return { corrupt: "packet block too short" };
    const ifId = this.u16(buf, body);
    const capLen = this.u32(buf, body + 12);
    if (capLen > bodyEnd - body - 20) return { corrupt: `packet block claims ${capLen} captured bytes in a ${len}-byte block` };
    const iface = this.interfaces[ifId];
    if (!iface) return { corrupt: `packet refers to undeclared interface ${ifId}` };
    const ts = this.tsNs(iface, this.u32(buf, body + 4), this.u32(buf, body + 8));
    return this.emit(frame, iface, ifId, ts, buf.subarray(body + 20, body + 20 + capLen), this.u32(buf, body + 16), len);
  }

  private emit(frame: Frame, iface: Interface, ifId: number, tsNs: bigint, data: Buffer, origLen: number, len: number): ParseStep {
    this.lastTsNs = tsNs;
    frame.tsNs = tsNs;
    frame.linkType = iface.linkType;
    frame.data = data;
    frame.origLen = origLen;
    frame.interfaceId = ifId;
    return { consumed: len, frame: true };
  }

  /**
   * tsNs converts a timestamp given as its two 32-bit words, in interface units, to ns. With a
   * whole number of ns per unit of at most 2^21 (µs, ns: the usual resolutions) the low word's part
   * is exact as a double, and the high word changes about once an hour at µs resolution, so its
   * part is computed once: two bigint operations per packet instead of six.
   */
  private tsNs(iface: Interface, hi: number, lo: number): bigint {
    if (iface.div === 1n && iface.mul <= 2_097_152n) {
      if (hi !== iface.hi) {
        iface.hi = hi;
        iface.hiNs = (BigInt(hi) << 32n) * iface.mul + iface.offsetNs;
      }
      return iface.hiNs + BigInt(lo * Number(iface.mul));
    }
    const ts = (BigInt(hi) << 32n) | BigInt(lo);
    return (iface.div === 1n ? ts * iface.mul : (ts * iface.mul) / iface.div) + iface.offsetNs;
  }

  private u32(buf: Buffer, at: number): number {
    return this.le ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
  }

  private u16(buf: Buffer, at: number): number {
    return this.le ? buf.readUInt16LE(at) : buf.readUInt16BE(at);
  }
}

/**
 * Writer for pcapng (draft-ietf-opsawg-pcapng): sections of blocks, each block being
 * `type, total length, body, total length` in the section's byte order.
 *
 * Beyond the common Enhanced Packet Block it writes everything a robust reader must cope
 * with: several sections with different byte orders, several interfaces with their own link
 * type, resolution (if_tsresol, powers of 10 or of 2) and offset (if_tsoffset), Simple Packet
 * Blocks (no timestamp, interface 0), the obsolete Packet Block, Name Resolution and Interface
 * Statistics Blocks, comments, and custom or unknown blocks that must be skipped.
 */

import { ByteBuilder, parseIp, isIpv6, toBytes, type ByteOrder } from "./bytes.js";
import { MemorySink, type ByteSink } from "./sink.js";

/** Block type codes (draft-ietf-opsawg-pcapng §11.1 registry). */
export const PCAPNG_BLOCK = {
  /** Obsolete Packet Block (Appendix A). */
  PACKET: 0x00000002,
  INTERFACE_DESCRIPTION: 0x00000001,
  SIMPLE_PACKET: 0x00000003,
  NAME_RESOLUTION: 0x00000004,
  INTERFACE_STATISTICS: 0x00000005,
  ENHANCED_PACKET: 0x00000006,
  DECRYPTION_SECRETS: 0x0000000a,
  /** Custom block that may be copied to new files. */
  CUSTOM_COPYABLE: 0x00000bad,
  /** Custom block that must not be copied to new files. */
  CUSTOM_NO_COPY: 0x40000bad,
  SECTION_HEADER: 0x0a0d0d0a,
} as const;

/** Byte-order magic of the Section Header Block. */
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** Common option codes (draft-ietf-opsawg-pcapng §3.5 and the per-block option tables). */
export const PCAPNG_OPTION = {
  END_OF_OPT: 0,
  COMMENT: 1,
  CUSTOM_UTF8_COPYABLE: 2988,
  CUSTOM_BINARY_COPYABLE: 2989,
  SHB_HARDWARE: 2,
  SHB_OS: 3,
  SHB_USERAPPL: 4,
  IF_NAME: 2,
  IF_DESCRIPTION: 3,
  IF_TSRESOL: 9,
  IF_TSOFFSET: 14,
  EPB_FLAGS: 2,
  EPB_DROPCOUNT: 4,
  ISB_STARTTIME: 2,
  ISB_ENDTIME: 3,
  ISB_IFRECV: 4,
  ISB_IFDROP: 5,
} as const;

/** A raw option: code and value (strings are UTF-8 encoded). */
export interface PcapngOption {
  code: number;
  value: Uint8Array | string;
}

/**
 * Timestamp resolution of an interface: one tick is base^-exponent seconds. Encoded as the
 * if_tsresol byte: the exponent, with the MSB set for base 2.
 */
export interface PcapngTsResolution {
  base: 10 | 2;
  exponent: number;
}

/** Options of a section (Section Header Block). */
export interface PcapngSectionOptions {
  /** Byte order of every block of the section (default `le`). */
  byteOrder?: ByteOrder;
  hardware?: string;
  os?: string;
  userAppl?: string;
  comments?: readonly string[];
  extraOptions?: readonly PcapngOption[];
}

/** Options of an interface (Interface Description Block). */
export interface PcapngInterfaceOptions {
  linkType: number;
  /** Snap length; 0 means no limit (default 262144). Also caps Simple Packet Block data. */
  snaplen?: number;
  /** Timestamp resolution (default 10^-6, in which case no if_tsresol option is written). */
  tsresol?: PcapngTsResolution;
  /** Write if_tsresol even when it is the default 10^-6. */
  alwaysWriteTsresol?: boolean;
  /** if_tsoffset: seconds to add to every stored timestamp of this interface. */
  tsoffsetSeconds?: bigint;
  name?: string;
  description?: string;
  comments?: readonly string[];
  extraOptions?: readonly PcapngOption[];
}

/** Per-packet options of {@link PcapngWriter.writeEnhancedPacket} and the obsolete Packet Block. */
export interface PcapngPacketOptions {
  /** Original length on the wire (default the data length). */
  origLen?: number;
  comments?: readonly string[];
  /** epb_flags / pack_flags word (direction, reception type, FCS length, errors). */
  flags?: number;
  extraOptions?: readonly PcapngOption[];
}

/** One record of a Name Resolution Block. */
export interface PcapngNameRecord {
  ip: string;
  names: readonly string[];
}

/** Options of an Interface Statistics Block. */
export interface PcapngStatistics {
  startNs?: bigint;
  endNs?: bigint;
  received?: bigint;
  dropped?: bigint;
  comments?: readonly string[];
}

interface InterfaceState {
  snaplen: number;
  /** Ticks per second. */
  ticksPerSecond: bigint;
  offsetNs: bigint;
}

/**
 * Writes a 64-bit tick count as pcapng timestamps are stored: upper 32 bits first, then lower
 * 32 bits, each in the section's byte order (§4.3) — not as one 64-bit integer.
 */
function writeTimestamp(b: ByteBuilder, ticks: bigint): ByteBuilder {
  return b.u32(Number(ticks >> 32n)).u32(Number(ticks & 0xffffffffn));
}

function resolutionByte(r: PcapngTsResolution): number {
  if (!Number.isInteger(r.exponent) || r.exponent < 0 || r.exponent > 127) throw new Error("bad if_tsresol exponent");
  return r.base === 2 ? 0x80 | r.exponent : r.exponent;
}

/**
 * Writes pcapng incrementally into a {@link ByteSink}. The constructor starts the first
 * section; {@link PcapngWriter.startSection} starts another, which resets the interface list
 * (interface ids are per section).
 */
export class PcapngWriter {
  /** The sink receiving the file. */
  readonly sink: ByteSink;
  private order: ByteOrder = "le";
  private interfaces: InterfaceState[] = [];

  constructor(opts: { sink?: ByteSink; section?: PcapngSectionOptions } = {}) {
    this.sink = opts.sink ?? new MemorySink();
    this.startSection(opts.section);
  }

  /** Byte order of the current section. */
  get byteOrder(): ByteOrder {
    return this.order;
  }

  /** Number of interfaces declared in the current section. */
  get interfaceCount(): number {
    return this.interfaces.length;
  }

  /** Starts a new section (Section Header Block, §4.1) with its own byte order. */
  startSection(opts: PcapngSectionOptions = {}): void {
    this.order = opts.byteOrder ?? "le";
    this.interfaces = [];
    const body = this.builder();
    body.u32(PCAPNG_BYTE_ORDER_MAGIC).u16(1).u16(0);
    // Section Length -1: "not specified", which every streaming writer uses.
    body.u64(-1n);
    const options: PcapngOption[] = [];
    if (opts.hardware !== undefined) options.push({ code: PCAPNG_OPTION.SHB_HARDWARE, value: opts.hardware });
    if (opts.os !== undefined) options.push({ code: PCAPNG_OPTION.SHB_OS, value: opts.os });
    if (opts.userAppl !== undefined) options.push({ code: PCAPNG_OPTION.SHB_USERAPPL, value: opts.userAppl });
    this.writeOptions(body, options, opts.comments, opts.extraOptions);
    this.writeBlock(PCAPNG_BLOCK.SECTION_HEADER, body.take());
  }

  /** Declares an interface (Interface Description Block, §4.2) and returns its id. */
  addInterface(opts: PcapngInterfaceOptions): number {
    const res = opts.tsresol ?? { base: 10, exponent: 6 };
    const body = this.builder();
    const snaplen = opts.snaplen ?? 262144;
    body.u16(opts.linkType).u16(0).u32(snaplen);
    const options: PcapngOption[] = [];
    if (opts.name !== undefined) options.push({ code: PCAPNG_OPTION.IF_NAME, value: opts.name });
    if (opts.description !== undefined) options.push({ code: PCAPNG_OPTION.IF_DESCRIPTION, value: opts.description });
    if (opts.tsresol || opts.alwaysWriteTsresol) {
      options.push({ code: PCAPNG_OPTION.IF_TSRESOL, value: Uint8Array.of(resolutionByte(res)) });
    }
    if (opts.tsoffsetSeconds !== undefined) {
      options.push({ code: PCAPNG_OPTION.IF_TSOFFSET, value: this.builder().u64(opts.tsoffsetSeconds).finish() });
    }
    this.writeOptions(body, options, opts.comments, opts.extraOptions);
    this.writeBlock(PCAPNG_BLOCK.INTERFACE_DESCRIPTION, body.take());
    this.interfaces.push({
      snaplen,
      ticksPerSecond: BigInt(res.base) ** BigInt(res.exponent),
      offsetNs: (opts.tsoffsetSeconds ?? 0n) * 1_000_000_000n,
    });
    return this.interfaces.length - 1;
  }

  /**
   * Appends an Enhanced Packet Block (§4.3). Returns the timestamp a correct reader will
   * report: `tsNs` rounded down to the interface's resolution (plus its offset).
   */
  writeEnhancedPacket(interfaceId: number, tsNs: bigint, data: Uint8Array, opts: PcapngPacketOptions = {}): bigint {
    const iface = this.iface(interfaceId);
    const { ticks, effectiveNs } = this.ticks(iface, tsNs);
    const captured = this.capture(iface, data);
    const body = this.builder(28 + captured.length);
    body.u32(interfaceId);
    writeTimestamp(body, ticks);
    body.u32(captured.length).u32(opts.origLen ?? data.length);
    body.bytes(captured).padTo(4);
    this.writeOptions(body, this.flagOptions(opts), opts.comments, opts.extraOptions);
    this.writeBlock(PCAPNG_BLOCK.ENHANCED_PACKET, body.take());
    return effectiveNs;
  }

  /**
   * Appends a Simple Packet Block (§4.4): original length and data only. It implicitly
   * belongs to interface 0 and has no timestamp; readers derive the captured length as
   * min(original length, interface 0 snaplen), so the data is truncated to that here.
   */
  writeSimplePacket(data: Uint8Array, opts: { origLen?: number } = {}): void {
    const iface = this.iface(0);
    const origLen = opts.origLen ?? data.length;
    const limit = iface.snaplen === 0 ? origLen : Math.min(origLen, iface.snaplen);
    const captured = data.subarray(0, Math.min(limit, data.length));
    if (captured.length !== limit) throw new Error("SPB data shorter than min(origLen, snaplen)");
    const body = this.builder(4 + captured.length);
    body.u32(origLen).bytes(captured).padTo(4);
    this.writeBlock(PCAPNG_BLOCK.SIMPLE_PACKET, body.take());
  }

  /**
   * Appends an obsolete Packet Block (Appendix A, type 2): like an EPB but with a 16-bit
   * interface id followed by a 16-bit drops count. Old files still contain them.
   */
  writeObsoletePacket(
    interfaceId: number,
    tsNs: bigint,
    data: Uint8Array,
    opts: PcapngPacketOptions & { dropsCount?: number } = {},
  ): bigint {
    const iface = this.iface(interfaceId);
    const { ticks, effectiveNs } = this.ticks(iface, tsNs);
    const captured = this.capture(iface, data);
    const body = this.builder(28 + captured.length);
    body.u16(interfaceId).u16(opts.dropsCount ?? 0);
    writeTimestamp(body, ticks);
    body.u32(captured.length).u32(opts.origLen ?? data.length);
    body.bytes(captured).padTo(4);
    this.writeOptions(body, this.flagOptions(opts), opts.comments, opts.extraOptions);
    this.writeBlock(PCAPNG_BLOCK.PACKET, body.take());
    return effectiveNs;
  }

  /** Appends a Name Resolution Block (§4.5) with IPv4/IPv6 records. */
  writeNameResolution(records: readonly PcapngNameRecord[], comments?: readonly string[]): void {
    const body = this.builder();
    for (const r of records) {
      const value = new ByteBuilder(this.order).bytes(parseIp(r.ip));
      for (const n of r.names) value.bytes(n).u8(0);
      const v = value.finish();
      body.u16(isIpv6(r.ip) ? 2 : 1).u16(v.length).bytes(v).padTo(4);
    }
    body.u16(0).u16(0); // nrb_record_end
    this.writeOptions(body, [], comments);
    this.writeBlock(PCAPNG_BLOCK.NAME_RESOLUTION, body.take());
  }

  /** Appends an Interface Statistics Block (§4.6). */
  writeInterfaceStatistics(interfaceId: number, tsNs: bigint, stats: PcapngStatistics = {}): void {
    const iface = this.iface(interfaceId);
    const body = this.builder();
    const { ticks } = this.ticks(iface, tsNs);
    writeTimestamp(body.u32(interfaceId), ticks);
    const options: PcapngOption[] = [];
    const tsOption = (code: number, ns: bigint): PcapngOption => {
      return { code, value: writeTimestamp(this.builder(), this.ticks(iface, ns).ticks).finish() };
    };
    if (stats.startNs !== undefined) options.push(tsOption(PCAPNG_OPTION.ISB_STARTTIME, stats.startNs));
    if (stats.endNs !== undefined) options.push(tsOption(PCAPNG_OPTION.ISB_ENDTIME, stats.endNs));
    if (stats.received !== undefined) {
      options.push({ code: PCAPNG_OPTION.ISB_IFRECV, value: this.builder().u64(stats.received).finish() });
    }
    if (stats.dropped !== undefined) {
      options.push({ code: PCAPNG_OPTION.ISB_IFDROP, value: this.builder().u64(stats.dropped).finish() });
    }
    this.writeOptions(body, options, stats.comments);
    this.writeBlock(PCAPNG_BLOCK.INTERFACE_STATISTICS, body.take());
  }

  /**
   * Appends a Custom Block (§4.8): Private Enterprise Number then opaque data. Readers that
   * do not know the PEN must skip it by its length.
   */
  writeCustomBlock(pen: number, data: Uint8Array | string, copyable = true): void {
    const body = this.builder().u32(pen).bytes(data).padTo(4);
    this.writeBlock(copyable ? PCAPNG_BLOCK.CUSTOM_COPYABLE : PCAPNG_BLOCK.CUSTOM_NO_COPY, body.take());
  }

  /** Appends a Decryption Secrets Block (§4.7), e.g. a TLS key log (type 0x544c534b). */
  writeDecryptionSecrets(secretsType: number, secrets: Uint8Array | string): void {
    const data = toBytes(secrets);
    const body = this.builder().u32(secretsType).u32(data.length).bytes(data).padTo(4);
    this.writeBlock(PCAPNG_BLOCK.DECRYPTION_SECRETS, body.take());
  }

  /**
   * Appends an arbitrary block: `body` is padded to 32 bits and framed with the type and
   * both length fields. Used for unknown/reserved block types that readers must skip.
   */
  writeBlock(type: number, body: Uint8Array): void {
    const padded = (body.length + 3) & ~3;
    const total = 12 + padded;
    const b = this.builder(total);
    b.u32(type).u32(total).bytes(body).zeros(padded - body.length).u32(total);
    this.sink.write(b.take());
  }

  /** The whole file so far; only for writers using the default in-memory sink. */
  toBytes(): Uint8Array {
    if (!(this.sink instanceof MemorySink)) throw new Error("toBytes() needs a MemorySink");
    return this.sink.toBytes();
  }

  private builder(capacity = 64): ByteBuilder {
    return new ByteBuilder(this.order, capacity);
  }

  private iface(id: number): InterfaceState {
    const iface = this.interfaces[id];
    if (!iface) throw new Error(`no interface ${id} in this section`);
    return iface;
  }

  private capture(iface: InterfaceState, data: Uint8Array): Uint8Array {
    return iface.snaplen !== 0 && data.length > iface.snaplen ? data.subarray(0, iface.snaplen) : data;
  }

  /** Converts ns since epoch to the interface's ticks (floor), and back for the caller. */
  private ticks(iface: InterfaceState, tsNs: bigint): { ticks: bigint; effectiveNs: bigint } {
    const rel = tsNs - iface.offsetNs;
    if (rel < 0n) throw new Error("timestamp precedes the interface's if_tsoffset");
    const ticks = (rel * iface.ticksPerSecond) / 1_000_000_000n;
    if (ticks >= 1n << 64n) throw new Error("timestamp does not fit 64 bits of ticks");
    return { ticks, effectiveNs: iface.offsetNs + (ticks * 1_000_000_000n) / iface.ticksPerSecond };
  }

  private flagOptions(opts: PcapngPacketOptions): PcapngOption[] {
    return opts.flags === undefined ? [] : [{ code: PCAPNG_OPTION.EPB_FLAGS, value: this.builder().u32(opts.flags).finish() }];
  }

  /** Writes an option list (§3.5): code, length, value padded to 32 bits, then opt_endofopt. */
  private writeOptions(
    body: ByteBuilder,
    options: readonly PcapngOption[],
    comments: readonly string[] = [],
    extra: readonly PcapngOption[] = [],
  ): void {
    const all = [...options, ...comments.map((c) => ({ code: PCAPNG_OPTION.COMMENT, value: c })), ...extra];
    if (all.length === 0) return;
    for (const o of all) {
      const value = toBytes(o.value);
      body.u16(o.code).u16(value.length).bytes(value).padTo(4);
    }
    body.u16(PCAPNG_OPTION.END_OF_OPT).u16(0);
  }
}

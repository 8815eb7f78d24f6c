/**
 * Writer for the classic libpcap file format (draft-ietf-opsawg-pcap): a 24-byte file
 * header followed by one 16-byte record header plus captured bytes per packet.
 *
 * Both byte orders and both timestamp precisions are supported because readers must detect
 * them from the magic number (0xA1B2C3D4 microseconds, 0xA1B23C4D nanoseconds, written in the
 * writer's byte order — draft-ietf-opsawg-pcap §4).
 */

import { ByteBuilder, type ByteOrder } from "./bytes.js";
import { MemorySink, type ByteSink } from "./sink.js";

/** Magic number of microsecond-resolution pcap files. */
export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
/** Magic number of nanosecond-resolution pcap files. */
export const PCAP_MAGIC_NSEC = 0xa1b23c4d;

/** Options of {@link PcapWriter}. */
export interface PcapWriterOptions {
  /** LINKTYPE_* of every packet in the file. */
  linkType: number;
  /** Byte order of all header fields (default `le`, what x86 hosts write). */
  byteOrder?: ByteOrder;
  /** Timestamp fraction unit, selected by the magic number (default `usec`). */
  precision?: "usec" | "nsec";
  /** Maximum bytes stored per packet; longer packets are truncated (default 262144, tcpdump's). */
  snaplen?: number;
  /** Where bytes go (default a new {@link MemorySink}). */
  sink?: ByteSink;
}

/** Per-packet options of {@link PcapWriter.writePacket}. */
export interface PcapRecordOptions {
  /** Original length on the wire (default the data length). */
  origLen?: number;
}

/** Writes a pcap file incrementally into a {@link ByteSink}; the file header is written at once. */
export class PcapWriter {
  /** The sink receiving the file. */
  readonly sink: ByteSink;
  private readonly order: ByteOrder;
  private readonly nsec: boolean;
  private readonly snaplen: number;
  private count = 0;

  constructor(opts: PcapWriterOptions) {
    this.sink = opts.sink ?? new MemorySink();
    this.order = opts.byteOrder ?? "le";
    this.nsec = opts.precision === "nsec";
    this.snaplen = opts.snaplen ?? 262144;
    const h = new ByteBuilder(this.order, 24);
    h.u32(this.nsec ? PCAP_MAGIC_NSEC : PCAP_MAGIC_USEC);
    h.u16(2).u16(4); // version 2.4, the only version in use (draft-ietf-opsawg-pcap §4).
    h.u32(0).u32(0); // Reserved1/Reserved2 (historically thiszone/sigfigs), must be 0.
    h.u32(this.snaplen);
    // LinkType and additional information: the FCS bits (28-31) stay zero, i.e. no FCS info.
    h.u32(opts.linkType);
    this.sink.write(h.finish());
  }

  /** Packets written so far. */
  get packets(): number {
    return this.count;
  }

  /**
   * Appends one record. `tsNs` is nanoseconds since the Unix epoch; the return value is the
   * timestamp as stored (truncated to microseconds for `usec` files), i.e. what a correct
   * reader will report.
   */
  writePacket(tsNs: bigint, data: Uint8Array, opts: PcapRecordOptions = {}): bigint {
    if (tsNs < 0n) throw new Error("pcap timestamps cannot precede the epoch");
    const seconds = tsNs / 1_000_000_000n;
    const ns = tsNs % 1_000_000_000n;
    const frac = this.nsec ? ns : ns / 1000n;
    const caplen = Math.min(data.length, this.snaplen);
    const r = new ByteBuilder(this.order, 16);
    r.u32(Number(seconds)).u32(Number(frac)).u32(caplen).u32(opts.origLen ?? data.length);
    this.sink.write(r.take());
    this.sink.write(caplen === data.length ? data : data.subarray(0, caplen));
    this.count++;
    return seconds * 1_000_000_000n + (this.nsec ? frac : frac * 1000n);
  }

  /** The whole file so far; only for writers using the default in-memory sink. */
  toBytes(): Uint8Array {
    if (!(this.sink instanceof MemorySink)) throw new Error("toBytes() needs a MemorySink");
    return this.sink.toBytes();
  }
}

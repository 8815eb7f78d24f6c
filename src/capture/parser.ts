/**
 * CaptureParser: a push-based, synchronous, bounded reader of pcap and pcapng bytes. Chunks go in
 * with `push`, frames come out through a callback. Only an incomplete record is ever buffered, so
 * memory does not grow with capture length.
 */
import type { CaptureDamage, CaptureFormat, Frame } from "./model.js";
import { PcapParser } from "./pcap.js";
import { PcapngParser, type Secrets } from "./pcapng.js";
import { describeStart, sniffMagic, SNIFF_BYTES } from "./sniff.js";

/** ParseStep is what a format parser says about the bytes at a position. */
export type ParseStep =
  | { consumed: number; frame?: boolean }
  | { need: number }
  | { corrupt: string };

/** BlockParser is implemented by the pcap and pcapng record parsers. */
export interface BlockParser {
  /** step parses one record/block at `pos`; fills `frame` and says `frame: true` when it yields one. */
  step(buf: Buffer, pos: number, frame: Frame): ParseStep;
}

/** NotACaptureError is thrown when the input starts with no known capture magic. */
export class NotACaptureError extends Error {
  constructor(readonly start: string) {
    super(`not a pcap or pcapng capture (${start})`);
    this.name = "NotACaptureError";
  }
}

/** CaptureLimits bounds what a single record may claim. */
export interface CaptureLimits {
  /**
   * Largest record (pcap captured length, pcapng block length) accepted, in bytes. Larger claims
   * are treated as corruption so a hostile "4 GB block" cannot make us allocate or wait for it.
   * Default 16 MiB (Wireshark's largest per-link maximum is 256 KiB; D-Bus/USB captures go higher).
   */
  maxRecordBytes: number;
}

export const DEFAULT_CAPTURE_LIMITS: CaptureLimits = { maxRecordBytes: 16 * 1024 * 1024 };

/**
 * CaptureParser turns capture bytes into frames. It throws only NotACaptureError, and only before
 * any frame was produced; damage later in the input is recorded in `damage` and stops parsing.
 */
export class CaptureParser {
  private pending: Buffer | null = null;
  private parser: BlockParser | null = null;
  private readonly frame: Frame = { index: 0, tsNs: 0n, linkType: 0, data: new Uint8Array(0), origLen: 0, interfaceId: 0 };
  /** Offset in the stream of the first byte of `pending` / the next chunk. */
  private offset = 0;
  private needed = 0;
  format: CaptureFormat | null = null;
  frames = 0;
  firstTsNs: bigint | undefined;
  lastTsNs: bigint | undefined;
  damage: CaptureDamage | undefined;
  /** Link types of the frames delivered (not of every interface declared). */
  private readonly seenLinkTypes = new Set<number>();
  private lastLinkType = -2;

  constructor(
    private readonly onFrame: (frame: Frame) => void,
    private readonly limits: CaptureLimits = DEFAULT_CAPTURE_LIMITS,
  ) {}

  /** bytes consumed so far (complete records). */
  get bytes(): number {
    return this.offset;
  }

  get linkTypes(): number[] {
    return [...this.seenLinkTypes].filter((t) => t >= 0).sort((a, b) => a - b);
  }

  get secrets(): Secrets[] {
    return this.parser instanceof PcapngParser ? this.parser.secrets : [];
  }

  /** push feeds the next chunk. The chunk may be reused by the caller after push returns. */
  push(chunk: Uint8Array): void {
    if (this.damage || chunk.length === 0) return;
    let buf: Buffer;
    if (this.pending) {
      // Avoid re-concatenating a large pending record for every tiny chunk: collect until enough.
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
      if (buf.length < this.needed) {
        this.pending = buf;
        return;
      }
    } else {
      buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    }
    if (!this.parser) {
      if (buf.length < SNIFF_BYTES) {
        this.pending = Buffer.from(buf);
        return;
      }
      this.parser = this.makeParser(buf);
    }
    const parser = this.parser;
    const frame = this.frame;
    let pos = 0;
    while (pos < buf.length) {
      const r = parser.step(buf, pos, frame);
      if ("consumed" in r) {
        pos += r.consumed;
        this.offset += r.consumed;
        if (r.frame) {
          frame.index = ++this.frames;
          if (frame.linkType !== this.lastLinkType) {
            this.lastLinkType = frame.linkType;
            this.seenLinkTypes.add(frame.linkType);
          }
          if (this.firstTsNs === undefined) this.firstTsNs = frame.tsNs;
          this.lastTsNs = frame.tsNs;
          this.onFrame(frame);
        }
      } else if ("need" in r) {
        this.needed = r.need;
        break;
      } else {
        this.damage = { kind: "corrupt", byteOffset: this.offset, afterFrame: this.frames, reason: r.corrupt };
        return;
      }
    }
    // Keep only the incomplete tail, copied: the caller may reuse its chunk.
    if (pos < buf.length) this.pending = Buffer.from(buf.subarray(pos));
  }

  /**
   * end tells the parser the input is over. Leftover bytes mean the file was cut inside a record.
   * `reason` overrides the default wording (e.g. when the gzip layer itself was truncated).
   */
  end(reason?: string): void {
    if (!this.parser) {
      const got = this.pending ?? new Uint8Array(0);
      // A gzip stream cut before its content said "empty file", of a file that was not empty.
      if (reason === undefined) throw new NotACaptureError(describeStart(got));
      throw new NotACaptureError(got.length === 0 ? `${reason} before any content` : `${reason}; inflated content ${describeStart(got)}`);
    }
    if (this.damage) return;
    const left = this.pending?.length ?? 0;
    if (left > 0 || reason) {
      this.damage = {
        kind: "truncated",
        byteOffset: this.offset,
        afterFrame: this.frames,
        reason: reason ?? `file ends ${left} bytes into a ${this.needed}-byte record`,
      };
    }
    this.pending = null;
  }

  private makeParser(buf: Buffer): BlockParser {
    const magic = sniffMagic(buf);
    switch (magic.kind) {
      case "pcap":
        this.format = "pcap";
        return new PcapParser(magic, this.limits.maxRecordBytes);
      case "pcapng":
        this.format = "pcapng";
        return new PcapngParser(this.limits.maxRecordBytes);
      case "gzip":
      case "unknown":
        throw new NotACaptureError(describeStart(buf));
    }
  }
}

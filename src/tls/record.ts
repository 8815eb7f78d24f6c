/**
 * The TLS record layer on one reassembled TCP direction (RFC 8446 §5.1, RFC 5246 §6.2.1):
 * 5-byte headers (content type, version, length) and fragments, cut from a byte stream where a
 * record may span many segments and a segment hold many records. Each record names the frames
 * that carried it and where each frame's bytes end, so decrypted bytes can be attributed to the
 * frames that carried them.
 *
 * After garbage or a gap in the stream, record boundaries are re-found by scanning for a header
 * that is followed by another header (or ends exactly at the end of the buffered bytes): the record
 * layer has no sync marker, so a plausible header confirmed by the next one is the best evidence.
 */
import { StreamBuffer } from "../net/stream-buffer.js";
import { CT_APPLICATION_DATA, CT_CHANGE_CIPHER_SPEC, CT_HEARTBEAT, MAX_RECORD_FRAGMENT } from "./constants.js";
import type { TlsIssueFn } from "./issues.js";

/** Carrier is a frame that carried part of a record, and the record offset where its bytes end. */
export interface Carrier {
  frame: number;
  /** End offset (exclusive) of this frame's bytes, counted from the first header byte. */
  end: number;
}

/** TlsRecord is one complete record. `fragment` is an owned copy. */
export interface TlsRecord {
  /** ContentType (20 change_cipher_spec, 21 alert, 22 handshake, 23 application_data, 24 heartbeat). */
  type: number;
  /** Record-layer version (legacy_record_version in TLS 1.3). */
  version: number;
  /** The fragment (TLSPlaintext/TLSCiphertext body). */
  fragment: Uint8Array;
  /** Frame in which the record became complete, and its timestamp. */
  frame: number;
  tsNs: bigint;
  /** Frames that carried the record, ascending with their byte ranges. */
  carriers: Carrier[];
}

const HEADER = 5;

/**
 * headerProblem says why 5 bytes are not a TLS record header, or null when they are one.
 * Versions are 3.0–3.4 (SSL 3.0 … TLS 1.3's legacy 0x0303); zero-length fragments are only legal
 * for application data (RFC 5246 §6.2.1).
 */
export function headerProblem(b: Uint8Array, p: number): string | null {
  const type = b[p];
  if (type < CT_CHANGE_CIPHER_SPEC || type > CT_HEARTBEAT) return `content type ${type} is not a TLS record type`;
  if (b[p + 1] !== 3 || b[p + 2] > 4) return `version ${b[p + 1]}.${b[p + 2]} is not a TLS version`;
  const len = (b[p + 3] << 8) | b[p + 4];
  if (len > MAX_RECORD_FRAGMENT) return `record length ${len} exceeds ${MAX_RECORD_FRAGMENT}`;
  if (len === 0 && type !== CT_APPLICATION_DATA) return `empty record of content type ${type}`;
  return null;
}

/** looksLikeTlsRecord: the bytes start with a plausible record header (any content type). */
export function looksLikeTlsRecord(b: Uint8Array): boolean {
  return b.length >= HEADER && headerProblem(b, 0) === null;
}

/** looksLikeClientHello: a handshake record whose first message is a ClientHello (RFC 8446 §4.1.2). */
export function looksLikeClientHello(b: Uint8Array): boolean {
  return b.length >= HEADER + 1 && b[0] === 22 && headerProblem(b, 0) === null && b[HEADER] === 1;
}

/**
 * looksLikeSslv2Hello: an SSL 2.0-format CLIENT-HELLO (2-byte header with the high bit set,
 * message type 1, then the highest version offered, 2.0 or 3.x; RFC 6101 §E.1). Old clients still
 * open TLS 1.0 connections with it.
 */
export function looksLikeSslv2Hello(b: Uint8Array, len = b.length): boolean {
  return len >= 5 && (b[0] & 0x80) !== 0 && b[2] === 1 && (b[3] === 0 || b[3] === 3) && b[4] <= 4;
}

/** TlsRecordReader cuts records from one direction's in-order bytes. */
export class TlsRecordReader {
  private readonly sb = new StreamBuffer();
  /** Absolute stream offset of sb.buf[0]. */
  private base = 0;
  /** Carrier marks: frame and absolute end offset, ascending. */
  private marks: { frame: number; end: number }[] = [];
  /** False after garbage or a gap: the next record boundary must be found by scanning. */
  private synced = true;
  private started = false;
  /** Bytes of an SSL 2.0 record still to skip. */
  private skip = 0;

  constructor(
    private readonly emit: (r: TlsRecord) => void,
    private readonly issue: TlsIssueFn,
    /** Told when bytes are skipped to re-find a record boundary: records may have been lost. */
    private readonly lost?: (frame: number) => void,
  ) {}

  /** push appends in-order stream bytes (copied) and emits every record they complete. */
  push(bytes: Uint8Array, carrierFrame: number, frame: number, tsNs: bigint): void {
    if (bytes.length === 0) return;
    this.sb.append(bytes, carrierFrame);
    const end = this.base + this.sb.len;
    const last = this.marks[this.marks.length - 1];
    if (last && last.frame === carrierFrame) last.end = end;
    else this.marks.push({ frame: carrierFrame, end });
    if (!this.started) {
      if (this.sb.len < 5) return;
      this.started = true;
      if (looksLikeSslv2Hello(this.sb.buf, this.sb.len)) {
        // Skip it by its 15-bit length; what follows (if anything) is TLS records again.
        const total = 2 + (((this.sb.buf[0] & 0x7f) << 8) | this.sb.buf[1]);
        this.issue("tls_sslv2", `SSL 2.0-format ClientHello (${total} bytes) offering version ${this.sb.buf[3]}.${this.sb.buf[4]}; not decoded`, frame);
        this.skip = total;
      }
    }
    if (this.skip > 0) {
      const n = Math.min(this.skip, this.sb.len);
      this.drop(n);
      this.skip -= n;
      if (this.skip > 0) return;
    }
    this.run(frame, tsNs);
  }

  /** gap: bytes were lost, so the next record boundary is unknown. */
  gap(): void {
    this.drop(this.sb.len);
    this.synced = false;
  }

  /** buffered is how many bytes wait for the rest of a record. */
  get buffered(): number {
    return this.sb.len;
  }

  /**
   * incomplete is how many bytes of a started record wait for the rest (0 while scanning for a
   * boundary after bad bytes: those were already reported as tls_bad_record).
   */
  get incomplete(): number {
    return this.synced ? this.sb.len : 0;
  }

  private run(frame: number, tsNs: bigint): void {
    const sb = this.sb;
    for (;;) {
      if (!this.synced && !this.resync()) return;
      if (sb.len < HEADER) return;
      const problem = headerProblem(sb.buf, 0);
      if (problem !== null) {
        this.issue("tls_bad_record", `${problem}; scanning for the next record`, frame);
        this.synced = false;
        this.lost?.(frame);
        continue;
      }
      const total = HEADER + ((sb.buf[3] << 8) | sb.buf[4]);
      if (sb.len < total) return;
      const record: TlsRecord = {
        type: sb.buf[0],
        version: (sb.buf[1] << 8) | sb.buf[2],
        fragment: sb.copy(HEADER, total),
        frame,
        tsNs,
        carriers: this.carriers(total),
      };
      this.drop(total);
      this.emit(record);
    }
  }

  /** carriers lists the frames of bytes [0, n) of the buffer with record-relative end offsets. */
  private carriers(n: number): Carrier[] {
    const out: Carrier[] = [];
    for (const m of this.marks) {
      out.push({ frame: m.frame, end: Math.min(m.end - this.base, n) });
      if (m.end - this.base >= n) break;
    }
    return out;
  }

  private drop(n: number): void {
    this.sb.drop(n);
    this.base += n;
    let k = 0;
    while (k < this.marks.length && this.marks[k].end <= this.base) k++;
    if (k > 0) this.marks.splice(0, k);
  }

  /**
   * resync finds the next offset where a header starts that is confirmed by what follows: the
   * record ends exactly at the end of the buffer, or another valid header follows it. Offsets
   * before a candidate that still waits for its bytes can never start a confirmed record, so they
   * are dropped; at most one unconfirmed record (≤ 18 KiB) is ever held. Returns false when more
   * bytes are needed.
   */
  private resync(): boolean {
    const sb = this.sb;
    const b = sb.buf;
    let p = 0;
    for (; p + HEADER <= sb.len; p++) {
      if (headerProblem(b, p) !== null) continue;
      const next = p + HEADER + ((b[p + 3] << 8) | b[p + 4]);
      if (next > sb.len) break;
      if (next === sb.len || (next + HEADER <= sb.len && headerProblem(b, next) === null)) {
        this.drop(p);
        this.synced = true;
        return true;
      }
    }
    this.drop(p);
    return false;
  }
}

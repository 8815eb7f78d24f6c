/**
 * Classic libpcap record parsing (draft-ietf-opsawg-pcap), both byte orders, µs and ns timestamps,
 * and the "modified" (Kuznetzov) variant whose record header carries 8 extra bytes.
 */
import type { Frame } from "./model.js";
import type { BlockParser, ParseStep } from "./parser.js";

/** Size of the pcap file header (§4). */
export const PCAP_FILE_HEADER = 24;

/**
 * PcapParser walks records after the file header. It never throws: a record whose captured
 * length is absurd is reported as corruption so the caller stops there (the rest of the file cannot
 * be re-synchronised reliably: pcap records have no sync marker).
 */
export class PcapParser implements BlockParser {
  private readonly le: boolean;
  private readonly nsPerFrac: number;
  private readonly recHeader: number;
  private linkType = 0;
  private snaplen = 0;
  private headerDone = false;
  private lastSec = -1;
  private lastSecNs = 0n;

  constructor(
    opts: { littleEndian: boolean; nanoseconds: boolean; modified: boolean },
    private readonly maxRecordBytes: number,
  ) {
    this.le = opts.littleEndian;
    this.nsPerFrac = opts.nanoseconds ? 1 : 1000;
    this.recHeader = opts.modified ? 24 : 16;
  }

  step(buf: Buffer, pos: number, frame: Frame): ParseStep {
    const avail = buf.length - pos;
    if (!this.headerDone) {
      if (avail < PCAP_FILE_HEADER) return { need: PCAP_FILE_HEADER };
      this.snaplen = this.u32(buf, pos + 16);
      // §4: the low 16 bits are the LinkType; the top bits carry FCS information.
      this.linkType = this.u32(buf, pos + 20) & 0xffff;
      this.headerDone = true;
      return { consumed: PCAP_FILE_HEADER };
    }
    if (avail < this.recHeader) return { need: this.recHeader };
    const sec = this.u32(buf, pos);
    const frac = this.u32(buf, pos + 4);
    const capLen = this.u32(buf, pos + 8);
    const origLen = this.u32(buf, pos + 12);
    if (capLen > this.maxRecordBytes) {
      return {
        corrupt: `record claims ${capLen} captured bytes (limit ${this.maxRecordBytes}, snaplen ${this.snaplen})`,
      };
    }
    const total = this.recHeader + capLen;
    if (avail < total) return { need: total };
    // Consecutive records mostly share their second: its nanoseconds are computed once.
    if (sec !== this.lastSec) {
      this.lastSec = sec;
      this.lastSecNs = BigInt(sec) * 1_000_000_000n;
    }
    frame.tsNs = this.lastSecNs + BigInt(frac * this.nsPerFrac);
    frame.linkType = this.linkType;
    frame.data = buf.subarray(pos + this.recHeader, pos + total);
    frame.origLen = origLen;
    frame.interfaceId = 0;
    return { consumed: total, frame: true };
  }

  private u32(buf: Buffer, at: number): number {
    return this.le ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
  }
}

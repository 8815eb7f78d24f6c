/**
 * SCTP (RFC 9260) DATA chunk extraction: each complete user message is handed up like a UDP
 * payload. Fragmented user messages (B/E flags, §3.3.1) are joined per association and stream.
 */
import type { IpPacket } from "./ip.js";
import { ownedCopy } from "../util/bytes.js";

const CHUNK_DATA = 0;
const FLAG_END = 0x01;
const FLAG_BEGIN = 0x02;
/** Bound on a user message being joined from fragments (a SIP message over SCTP is small). */
const MAX_USER_MESSAGE = 256 * 1024;
const MAX_PARTIALS = 1024;

/** SctpMessage is one complete user message. Views are valid only during the call. */
export interface SctpMessage {
  ip: IpPacket;
  srcPort: number;
  dstPort: number;
  streamId: number;
  /** Payload protocol identifier (§3.3.1; IANA: 0 unspecified, 46/47? none standard for SIP). */
  ppid: number;
  payload: Uint8Array;
  /** Frames whose DATA chunks carried the message, ascending (several for a fragmented one). */
  frames: number[];
}

interface Partial {
  parts: Uint8Array[];
  bytes: number;
  frames: number[];
}

/** SctpDecoder walks the chunks of SCTP packets. */
export class SctpDecoder {
  private readonly partials = new Map<string, Partial>();
  private readonly msg: SctpMessage = { ip: null as unknown as IpPacket, srcPort: 0, dstPort: 0, streamId: 0, ppid: 0, payload: new Uint8Array(0), frames: [] };

  constructor(
    private readonly onMessage: (m: SctpMessage) => void,
    /** Told when a limit drops a message being joined (never silent). */
    private readonly limit: (detail: string) => void = () => undefined,
  ) {}

  /** packet decodes the SCTP packet at [off, end) of `ip`, captured in `frame`. */
  packet(ip: IpPacket, off: number, end: number, frame = 0): void {
    const b = ip.buf;
    if (off + 12 > end) return;
    const m = this.msg;
    m.ip = ip;
    m.srcPort = (b[off] << 8) | b[off + 1];
    m.dstPort = (b[off + 2] << 8) | b[off + 3];
    for (let p = off + 12; p + 4 <= end; ) {
      const type = b[p];
      const flags = b[p + 1];
      const len = (b[p + 2] << 8) | b[p + 3];
      if (len < 4 || p + len > end) return;
      if (type === CHUNK_DATA && len >= 16) {
        m.streamId = (b[p + 8] << 8) | b[p + 9];
        m.ppid = ((b[p + 12] << 24) | (b[p + 13] << 16) | (b[p + 14] << 8) | b[p + 15]) >>> 0;
        this.data(flags, b.subarray(p + 16, p + len), ip, frame);
      }
      p += (len + 3) & ~3; // chunks are padded to 4 bytes (§3.2)
    }
  }

  private data(flags: number, data: Uint8Array, ip: IpPacket, frame: number): void {
    const m = this.msg;
    if ((flags & (FLAG_BEGIN | FLAG_END)) === (FLAG_BEGIN | FLAG_END)) {
      m.payload = data;
      m.frames = [frame];
      this.onMessage(m);
      return;
    }
    const key = `${ip.version}|${m.srcPort}|${m.dstPort}|${m.streamId}|${Array.from(ip.buf.subarray(ip.srcOff, ip.srcOff + (ip.version === 4 ? 4 : 16))).join(".")}`;
    let part = this.partials.get(key);
    if (flags & FLAG_BEGIN || !part) {
      if (!(flags & FLAG_BEGIN)) return; // middle of a message whose start we missed
      if (this.partials.size >= MAX_PARTIALS) {
        this.partials.delete(this.partials.keys().next().value as string);
        this.limit(`more than ${MAX_PARTIALS} fragmented SCTP user messages pending; the oldest was dropped`);
      }
      part = { parts: [], bytes: 0, frames: [] };
      this.partials.set(key, part);
    }
    part.parts.push(ownedCopy(data));
    part.bytes += data.length;
    if (!part.frames.includes(frame)) part.frames.push(frame);
    if (part.bytes > MAX_USER_MESSAGE) {
      this.partials.delete(key);
      this.limit(`SCTP user message over ${MAX_USER_MESSAGE} bytes (frames ${part.frames.join(", ")}) dropped`);
      return;
    }
    if (flags & FLAG_END) {
      this.partials.delete(key);
      const whole = new Uint8Array(part.bytes);
      let o = 0;
      for (const x of part.parts) {
        whole.set(x, o);
        o += x.length;
      }
      m.payload = whole;
      m.frames = part.frames.sort((x, y) => x - y);
      this.onMessage(m);
    }
  }
}

/**
 * SipExtractor: the pipeline from frames to SIP messages. It owns the network decoder, one SIP
 * framer per reassembled TCP direction, and parses every message it finds. Data flows one way:
 * capture → net → framing → parse → the caller's callback.
 */
import type { Frame } from "../capture/model.js";
import { readCapture, type CaptureInput } from "../capture/source.js";
import { DEFAULT_CAPTURE_LIMITS, type CaptureLimits } from "../capture/parser.js";
import { NetDecoder, DEFAULT_NET_LIMITS, type NetLimits, type UdpDatagram } from "../net/decoder.js";
import { dstAddr, srcAddr } from "../net/ip.js";
import type { TcpDirection } from "../net/tcp-stream.js";
import type { SctpMessage } from "../net/sctp.js";
import { looksLikeWebSocketUpgrade, WebSocketStream } from "../net/websocket.js";
import { isSipPort, looksLikeSip } from "../sip/classify.js";
import { SipStreamFramer, DEFAULT_FRAMER_LIMITS, type FramedMessage, type FramerLimits } from "../sip/framing.js";
import { parseSip } from "../sip/parse.js";
import { IssueLog } from "../util/issue-log.js";
import type { CapturedMessage, ExtractSummary, Transport } from "./model.js";

/** ExtractOptions tune limits; every field has a safe default. */
export interface ExtractOptions {
  capture: CaptureLimits;
  net: NetLimits;
  framer: FramerLimits;
  /** Index stamped on messages when several captures are analysed together. */
  captureIndex: number;
}

export const DEFAULT_EXTRACT_OPTIONS: ExtractOptions = {
  capture: DEFAULT_CAPTURE_LIMITS,
  net: DEFAULT_NET_LIMITS,
  framer: DEFAULT_FRAMER_LIMITS,
  captureIndex: 0,
};

/** isLetter: a SIP start line begins with a method token or "SIP/2.0". */
function startsWithLetter(b: Uint8Array): boolean {
  const c = b[0] | 0x20;
  return b.length > 0 && c >= 0x61 && c <= 0x7a;
}

/** StreamConsumer is what sits on a reassembled TCP direction: a SIP framer or a WebSocket decoder. */
interface StreamConsumer {
  push(bytes: Uint8Array, carrierFrame: number, frame: number, tsNs: bigint): void;
  gap(frame: number): void;
  end(frame: number): void;
}

/** TLS record header: handshake (22) with a 3.x version (RFC 8446 §5.1). */
function looksLikeTls(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0x16 && b[1] === 0x03 && b[2] <= 0x04;
}

export class SipExtractor {
  readonly issues = new IssueLog();
  readonly net: NetDecoder;
  sipMessages = 0;
  readonly byTransport: Partial<Record<Transport, number>> = {};
  /** Timestamp of the first frame, the origin of relative times. */
  firstTsNs: bigint | undefined;

  constructor(
    private readonly onMessage: (m: CapturedMessage) => void,
    private readonly opts: ExtractOptions = DEFAULT_EXTRACT_OPTIONS,
  ) {
    const issue = (code: string, detail: string, frame: number): void => this.issues.add(code, detail, frame);
    this.net = new NetDecoder(
      {
        udp: (d) => this.udp(d),
        wantTcp: (payload, srcPort, dstPort) =>
          isSipPort(srcPort, dstPort) ? !looksLikeTls(payload) : looksLikeSip(payload) || looksLikeWebSocketUpgrade(payload),
        tcp: {
          data: (dir, bytes, carrier, frame, tsNs) => this.consumer(dir, bytes).push(bytes, carrier, frame, tsNs),
          gap: (dir, _missing, frame) => (dir.user as StreamConsumer | undefined)?.gap(frame),
          end: (dir, frame) => (dir.user as StreamConsumer | undefined)?.end(frame),
        },
        sctp: (m, frame, tsNs) => this.sctp(m, frame, tsNs),
      },
      issue,
      opts.net,
    );
  }

  /** frame feeds one captured frame. */
  frame(f: Frame): void {
    if (this.firstTsNs === undefined) this.firstTsNs = f.tsNs;
    this.net.frame(f);
  }

  /** finish flushes all reassembly state (end of capture). */
  finish(): void {
    this.net.finish();
  }

  private udp(d: UdpDatagram): void {
    const p = d.payload;
    // On SIP ports anything text-like is handed to the tolerant parser (a mangled start line is
    // evidence); elsewhere the payload must start with a SIP start line.
    const sip = isSipPort(d.srcPort, d.dstPort) ? startsWithLetter(p) && p.length >= 8 : looksLikeSip(p);
    if (!sip) return;
    this.deliver(
      { bytes: p.slice(), frame: d.frame, frames: d.frames ?? [d.frame], tsNs: d.tsNs },
      srcAddr(d.ip), d.srcPort, dstAddr(d.ip), d.dstPort, "UDP", d.ip.version,
    );
  }

  private sctp(m: SctpMessage, frame: number, tsNs: bigint): void {
    if (!(isSipPort(m.srcPort, m.dstPort) ? startsWithLetter(m.payload) : looksLikeSip(m.payload))) return;
    this.deliver({ bytes: m.payload.slice(), frame, frames: [frame], tsNs }, srcAddr(m.ip), m.srcPort, dstAddr(m.ip), m.dstPort, "SCTP", m.ip.version);
  }

  /**
   * consumer returns what decodes a TCP direction, choosing on its first bytes: an HTTP Upgrade
   * to WebSocket makes both directions WebSocket (RFC 7118), anything else is framed as SIP.
   */
  private consumer(dir: TcpDirection, first: Uint8Array): StreamConsumer {
    const existing = dir.user as StreamConsumer | undefined;
    if (existing) return existing;
    if (looksLikeWebSocketUpgrade(first)) {
      const other = dir.conn.a === dir ? dir.conn.b : dir.conn.a;
      other.user = this.webSocket(other);
      return (dir.user = this.webSocket(dir));
    }
    const framer = new SipStreamFramer(
      (m) => this.deliver(m, dir.src, dir.srcPort, dir.dst, dir.dstPort, "TCP", dir.conn.ipVersion),
      (code, detail, frame) => this.issues.add(code, detail, frame),
      this.opts.framer,
    );
    dir.user = framer;
    return framer;
  }

  private webSocket(dir: TcpDirection): WebSocketStream {
    return new WebSocketStream(
      (m) => {
        if (looksLikeSip(m.payload)) {
          this.deliver({ bytes: m.payload, frame: m.frame, frames: m.frames, tsNs: m.tsNs }, dir.src, dir.srcPort, dir.dst, dir.dstPort, "WS", dir.conn.ipVersion);
        }
      },
      (detail, frame) => this.issues.add("websocket_error", detail, frame),
      { maxMessageBytes: this.opts.framer.maxMessageBytes },
    );
  }

  private deliver(m: FramedMessage, src: string, srcPort: number, dst: string, dstPort: number, transport: Transport, ipVersion: 4 | 6): void {
    const { message, issues } = parseSip(m.bytes);
    for (const i of issues) this.issues.add(i.code, i.detail, m.frame);
    this.sipMessages++;
    this.byTransport[transport] = (this.byTransport[transport] ?? 0) + 1;
    this.onMessage({
      frame: m.frame, frames: m.frames, tsNs: m.tsNs, relNs: m.tsNs - (this.firstTsNs ?? m.tsNs), src, srcPort, dst, dstPort, transport, ipVersion,
      capture: this.opts.captureIndex, bytes: m.bytes, message, issues,
    });
  }
}

/**
 * extractMessages reads a capture and calls `onMessage` for every SIP message, in the order they
 * complete. Throws only for unreadable input (NotACaptureError, I/O errors).
 */
export async function extractMessages(
  input: CaptureInput,
  name: string,
  onMessage: (m: CapturedMessage) => void,
  opts: ExtractOptions = DEFAULT_EXTRACT_OPTIONS,
  ready?: () => Promise<void> | undefined,
): Promise<ExtractSummary> {
  const x = new SipExtractor(onMessage, opts);
  const cap = await readCapture(input, (f) => x.frame(f), opts.capture, ready);
  x.finish();
  return {
    name,
    format: cap.format,
    gzip: cap.gzip,
    frames: cap.frames,
    bytes: cap.bytes,
    firstTsNs: cap.firstTsNs,
    lastTsNs: cap.lastTsNs,
    linkTypes: cap.linkTypes,
    sipMessages: x.sipMessages,
    byTransport: x.byTransport,
    reassembledDatagrams: x.net.reassembled,
    tcpRetransmissions: x.net.tcp.retransmissions,
    issues: x.issues.summaries(),
    damage: cap.damage,
  };
}

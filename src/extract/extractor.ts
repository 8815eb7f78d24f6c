/**
 * SipExtractor: the pipeline from frames to SIP messages. It owns the network decoder, one SIP
 * framer per reassembled TCP direction, and parses every message it finds. Data flows one way:
 * capture → net → framing → parse → the caller's callback.
 */
import type { Frame } from "../capture/model.js";
import { SECRETS_TLS_KEYLOG, type Secrets } from "../capture/pcapng.js";
import { InputFileError, readCapture, type CaptureInput } from "../capture/source.js";
import { DEFAULT_CAPTURE_LIMITS, type CaptureLimits } from "../capture/parser.js";
import { NetDecoder, DEFAULT_NET_LIMITS, type NetLimits, type UdpDatagram, type Unreachable } from "../net/decoder.js";
import { dstAddr, srcAddr } from "../net/ip.js";
import type { TcpConnectFailure } from "../net/tcp-connect.js";
import type { TcpDirection } from "../net/tcp-stream.js";
import type { SctpMessage } from "../net/sctp.js";
import { looksLikeWebSocketUpgrade, WebSocketStream } from "../net/websocket.js";
import { decodeHep, HEP_PORT, HepStream, isHep3Magic, isHepError, looksLikeHep, type HepPacket } from "../net/hep.js";
import { isHttpAlpn } from "../tls/constants.js";
import type { TlsSession, TlsSide } from "../tls/model.js";
import { looksLikeClientHello, looksLikeSslv2Hello, looksLikeTlsRecord } from "../tls/record.js";
import { TlsTracker, type StreamSink } from "../tls/tracker.js";
import { isSipPort, looksLikeSip, SIP_PORTS } from "../sip/classify.js";
import { SipStreamFramer, DEFAULT_FRAMER_LIMITS, type FramedMessage, type FramerLimits } from "../sip/framing.js";
import { parseSip } from "../sip/parse.js";
import { IssueLog } from "../util/issue-log.js";
import { ownedCopy } from "../util/bytes.js";
import type { CapturedMessage, ExtractSummary, Transport } from "./model.js";

/** ExtractOptions tune limits; every field has a safe default. */
export interface ExtractOptions {
  capture: CaptureLimits;
  net: NetLimits;
  framer: FramerLimits;
  /** Index stamped on messages when several captures are analysed together. */
  captureIndex: number;
  /** Added to every frame number (extractSeries numbers a file's frames after the earlier files'). */
  frameOffset?: number;
  /** Called for ICMP destination-unreachable errors about UDP/TCP packets (timeout diagnosis). */
  onUnreachable?: (u: Unreachable) => void;
  /** Called for TCP connection attempts to SIP ports that were refused or never answered. */
  onTcpConnectFailure?: (f: TcpConnectFailure) => void;
  /** TLS key log text (SSLKEYLOGFILE / NSS format) to decrypt SIP over TLS. Never printed or logged. */
  tlsKeylog?: string;
  /** Called once per TLS session when it is over (closed, or end of capture). */
  onTls?: (s: TlsSession) => void;
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

/** HTTPS is not SIP: sessions off SIP ports offering only HTTP ALPN ids (RFC 7301) are not decrypted. */
function isHttpsOnly(s: TlsSession): boolean {
  const port = (ep: string): number => Number(ep.slice(ep.lastIndexOf(":") + 1));
  if (SIP_PORTS.has(port(s.client)) || SIP_PORTS.has(port(s.server))) return false;
  return s.alpn !== undefined && s.alpn.length > 0 && s.alpn.every(isHttpAlpn);
}

export class SipExtractor {
  /** Decoding issues; extractSeries gives each file of a series a log of its own. */
  issues = new IssueLog();
  readonly net: NetDecoder;
  sipMessages = 0;
  readonly byTransport: Partial<Record<Transport, number>> = {};
  /** Timestamp of the first frame, the origin of relative times. */
  firstTsNs: bigint | undefined;
  /** TLS sessions and the key log (src/tls). */
  readonly tls: TlsTracker;
  /** The TCP direction whose bytes are being handed to its consumer, if any (see deliver). */
  private pushing: TcpDirection | undefined;

  constructor(
    private readonly onMessage: (m: CapturedMessage) => void,
    private readonly opts: ExtractOptions = DEFAULT_EXTRACT_OPTIONS,
  ) {
    const issue = (code: string, detail: string, frame: number): void => this.issues.add(code, detail, frame);
    this.tls = new TlsTracker({ issue, onSession: opts.onTls, capture: opts.captureIndex, wantDecryption: (s) => !isHttpsOnly(s) });
    if (opts.tlsKeylog !== undefined) this.tls.addKeys(opts.tlsKeylog);
    this.net = new NetDecoder(
      {
        udp: (d) => this.udp(d),
        // TLS is followed on any port from its ClientHello (SIP over TLS is not always on 5061).
        wantTcp: (payload, srcPort, dstPort) =>
          isSipPort(srcPort, dstPort) || looksLikeSip(payload) || looksLikeWebSocketUpgrade(payload) || looksLikeClientHello(payload) ||
          srcPort === HEP_PORT || dstPort === HEP_PORT || isHep3Magic(payload),
        tcp: {
          data: (dir, bytes, carrier, frame, tsNs) => {
            this.pushing = dir;
            this.consumer(dir, bytes).push(bytes, carrier, frame, tsNs);
            this.pushing = undefined;
          },
          gap: (dir, _missing, frame) => (dir.user as StreamConsumer | undefined)?.gap(frame),
          end: (dir, frame) => (dir.user as StreamConsumer | undefined)?.end(frame),
          // Attempts toward a SIP port: the client's own port says nothing (it is usually ephemeral).
          ...(opts.onTcpConnectFailure ? { wantsConnect: (_src: number, dst: number) => SIP_PORTS.has(dst), connectFailed: opts.onTcpConnectFailure } : {}),
        },
        sctp: (m, frame, tsNs) => this.sctp(m, frame, tsNs),
        unreachable: opts.onUnreachable,
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
    this.tls.finish(0);
  }

  /**
   * addTlsSecrets takes pcapng Decryption Secrets Blocks (TLS key logs). The reader hands them
   * over after the packets, so TLS sessions hold their protected records until then (bounded).
   */
  addTlsSecrets(secrets: readonly Secrets[]): void {
    for (const s of secrets) if (s.type === SECRETS_TLS_KEYLOG) this.tls.addKeys(s.data);
  }

  private udp(d: UdpDatagram): void {
    const p = d.payload;
    const hepPort = d.srcPort === HEP_PORT || d.dstPort === HEP_PORT;
    if ((hepPort || looksLikeHep(p)) && this.hep(p, d.frame, d.frames ?? [d.frame], d.tsNs, hepPort)) return;
    // On SIP ports anything text-like is handed to the tolerant parser (a mangled start line is
    // evidence); elsewhere the payload must start with a SIP start line.
    const sip = isSipPort(d.srcPort, d.dstPort) ? startsWithLetter(p) && p.length >= 8 : looksLikeSip(p);
    if (!sip) return;
    this.deliver(
      { bytes: ownedCopy(p), frame: d.frame, frames: d.frames ?? [d.frame], tsNs: d.tsNs },
      srcAddr(d.ip), d.srcPort, dstAddr(d.ip), d.dstPort, "UDP", d.ip.version, d.truncated,
    );
  }

  private sctp(m: SctpMessage, frame: number, tsNs: bigint): void {
    if (!(isSipPort(m.srcPort, m.dstPort) ? startsWithLetter(m.payload) : looksLikeSip(m.payload))) return;
    this.deliver({ bytes: ownedCopy(m.payload), frame, frames: m.frames, tsNs }, srcAddr(m.ip), m.srcPort, dstAddr(m.ip), m.dstPort, "SCTP", m.ip.version);
  }

  /**
   * consumer returns what decodes a TCP direction, choosing on its first bytes: an HTTP Upgrade
   * to WebSocket makes both directions WebSocket (RFC 7118), anything else is framed as SIP.
   */
  private consumer(dir: TcpDirection, first: Uint8Array): StreamConsumer {
    const existing = dir.user as StreamConsumer | undefined;
    if (existing) return existing;
    if (looksLikeTlsRecord(first) || looksLikeSslv2Hello(first)) return this.tlsConsumer(dir, first);
    if (isHep3Magic(first)) {
      return (dir.user = new HepStream((p, frame, frames, tsNs) => this.hepPacket(p, frame, frames, tsNs), (code, detail, frame) => this.issues.add(code, detail, frame)));
    }
    if (looksLikeWebSocketUpgrade(first)) {
      const other = dir.conn.a === dir ? dir.conn.b : dir.conn.a;
      other.user = this.webSocket(other);
      return (dir.user = this.webSocket(dir));
    }
    const framer = new SipStreamFramer(
      (m) => this.deliver(m, dir.src, dir.srcPort, dir.dst, dir.dstPort, "TCP", dir.conn.ipVersion, false, dir),
      (code, detail, frame) => this.issues.add(code, detail, frame),
      this.opts.framer,
    );
    dir.user = framer;
    return framer;
  }

  /**
   * tlsConsumer makes both directions of a connection TLS (SIP over TLS, RFC 5630 §3). The client
   * is the side whose first record is a ClientHello; without one (the capture started inside the
   * connection) the side on a SIP port, else on the lower port, is taken as the server.
   */
  private tlsConsumer(dir: TcpDirection, first: Uint8Array): StreamConsumer {
    const other = dir.conn.a === dir ? dir.conn.b : dir.conn.a;
    const dirIsClient = looksLikeClientHello(first) || looksLikeSslv2Hello(first) ||
      (!SIP_PORTS.has(dir.srcPort) && (SIP_PORTS.has(dir.dstPort) || dir.srcPort > dir.dstPort));
    const client = dirIsClient ? dir : other;
    const server = dirIsClient ? other : dir;
    const t = this.tls.open({ addr: client.src, port: client.srcPort }, { addr: server.src, port: server.srcPort }, dir.conn.ipVersion,
      (side, bytes, sinks) => this.tlsPlaintext(side === "client" ? client : server, side, bytes, sinks, t.session));
    client.user = t.client;
    server.user = t.server;
    return dir.user as StreamConsumer;
  }

  /**
   * tlsPlaintext chooses what reads decrypted data: WebSocket after an HTTP Upgrade (WSS,
   * RFC 7118), SIP framing when it is SIP or on a SIP port; other protocols are ignored.
   */
  private tlsPlaintext(dir: TcpDirection, side: TlsSide, first: Uint8Array, sinks: Partial<Record<TlsSide, StreamSink>>, session: TlsSession): StreamSink | undefined {
    if (looksLikeWebSocketUpgrade(first)) {
      const other = dir.conn.a === dir ? dir.conn.b : dir.conn.a;
      sinks[side === "client" ? "server" : "client"] = this.webSocket(other, "WSS");
      return this.webSocket(dir, "WSS");
    }
    if (!isSipPort(dir.srcPort, dir.dstPort) && !looksLikeSip(first)) return undefined;
    return new SipStreamFramer(
      (m) => {
        const c = this.deliver(m, dir.src, dir.srcPort, dir.dst, dir.dstPort, "TLS", dir.conn.ipVersion, false, dir);
        session.sipMessages++;
        if (side === "client" && session.sipDomain === undefined && c.message?.kind === "request") session.sipDomain = c.message.uri?.host;
      },
      (code, detail, frame) => this.issues.add(code, detail, frame),
      this.opts.framer,
    );
  }

  /** hep unwraps a HEP packet (src/net/hep.ts); false when the bytes are not HEP after all. */
  private hep(b: Uint8Array, frame: number, frames: number[], tsNs: bigint, hepPort: boolean): boolean {
    const pkt = decodeHep(b);
    if (!isHepError(pkt)) {
      this.hepPacket(pkt, frame, frames, tsNs);
      return true;
    }
    // Plain SIP sent to 9060 is still SIP; anything else there, or with the magic, was meant as HEP.
    const claimed = isHep3Magic(b) || (hepPort && !looksLikeSip(b));
    if (claimed) this.issues.add(pkt.code, pkt.detail, frame);
    return claimed;
  }

  /**
   * hepPacket delivers the SIP a HEP packet carries with its original addresses, transport and
   * capture time; the frame stays the one that carried the HEP packet.
   */
  private hepPacket(pkt: HepPacket, frame: number, frames: number[], tsNs: bigint): void {
    if (pkt.payloadType !== undefined ? pkt.payloadType !== 1 : !looksLikeSip(pkt.payload)) return;
    const transport: Transport = pkt.ipProto === 6 ? "TCP" : pkt.ipProto === 132 ? "SCTP" : "UDP";
    this.deliver({ bytes: pkt.payload, frame, frames, tsNs: pkt.tsNs ?? tsNs }, pkt.src, pkt.srcPort, pkt.dst, pkt.dstPort, transport, pkt.ipVersion);
  }

  private webSocket(dir: TcpDirection, transport: Transport = "WS"): WebSocketStream {
    return new WebSocketStream(
      (m) => {
        if (looksLikeSip(m.payload)) {
          this.deliver({ bytes: m.payload, frame: m.frame, frames: m.frames, tsNs: m.tsNs }, dir.src, dir.srcPort, dir.dst, dir.dstPort, transport, dir.conn.ipVersion, false, dir);
        }
      },
      (detail, frame) => this.issues.add("websocket_error", detail, frame),
      { maxMessageBytes: this.opts.framer.maxMessageBytes },
    );
  }

  /**
   * deliver parses and hands on one message. `stream` is the TCP direction that carried it. A
   * request completed while that direction's bytes are being delivered gets a TcpAckWatch on
   * them; one completed later (TLS records decrypted when a key log arrives at the end of a
   * pcapng file) does not, as the acknowledgements have gone by.
   */
  private deliver(m: FramedMessage, src: string, srcPort: number, dst: string, dstPort: number, transport: Transport, ipVersion: 4 | 6, truncated = false, stream?: TcpDirection): CapturedMessage {
    const { message, issues } = parseSip(m.bytes);
    this.sipMessages++;
    this.byTransport[transport] = (this.byTransport[transport] ?? 0) + 1;
    const c: CapturedMessage = {
      frame: m.frame, frames: m.frames, tsNs: m.tsNs, relNs: m.tsNs - (this.firstTsNs ?? m.tsNs), src, srcPort, dst, dstPort, transport, ipVersion,
      capture: this.opts.captureIndex, bytes: m.bytes, message, issues,
    };
    // Set only when true (as before), without spreading an object per message.
    if (truncated) c.truncated = true;
    if (stream !== undefined && stream === this.pushing && message?.kind === "request") c.tcpAck = this.net.tcp.watchAck(stream);
    this.onMessage(c);
    // Logged once the pipeline has read the message: typed headers are parsed on first use
    // (sip/message.ts), and their issues (an unquoted digest parameter, a bad Via) join the same
    // list then.
    for (const i of issues) this.issues.add(i.code, i.detail, m.frame);
    return c;
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
  return (await extractSeries([{ input, name }], onMessage, opts, ready))[0];
}

/** SeriesFile is one file of a series. */
export interface SeriesFile {
  input: CaptureInput;
  name: string;
}

/**
 * extractSeries reads files that continue one another (a capture rotated by tcpdump -C/-G) as one
 * capture, the way `mergecap -a` would join them: frames numbered across the files, and one
 * decoder for all of them. A rotation by size cuts whatever is in flight, so IP fragments, TCP
 * streams (a SIP message split between two files), WebSocket and TLS sessions carry on across
 * the boundary. Returns one summary per file; what the decoder counts is attributed to the file
 * being read (what is still in flight at the end, to the last one).
 */
export async function extractSeries(
  files: readonly SeriesFile[],
  onMessage: (m: CapturedMessage) => void,
  opts: ExtractOptions = DEFAULT_EXTRACT_OPTIONS,
  ready?: () => Promise<void> | undefined,
): Promise<ExtractSummary[]> {
  const x = new SipExtractor(onMessage, opts);
  const out: ExtractSummary[] = [];
  let offset = opts.frameOffset ?? 0;
  for (const [i, file] of files.entries()) {
    if (i > 0) x.issues = new IssueLog();
    const before = { sipMessages: x.sipMessages, byTransport: { ...x.byTransport }, reassembled: x.net.reassembled, retransmissions: x.net.tcp.retransmissions, tls: x.tls.sessions };
    const base = offset;
    const cap = await readCapture(file.input, base === 0 ? (f) => x.frame(f) : (f) => {
      f.index += base;
      x.frame(f);
    }, opts.capture, ready).catch((err: unknown) => {
      throw files.length > 1 ? new InputFileError(file.name, err) : err;
    });
    x.addTlsSecrets(cap.secrets);
    if (i === files.length - 1) x.finish();
    const byTransport: ExtractSummary["byTransport"] = {};
    for (const [t, n] of Object.entries(x.byTransport) as [Transport, number][]) if (n > (before.byTransport[t] ?? 0)) byTransport[t] = n - (before.byTransport[t] ?? 0);
    out.push({
      name: file.name,
      format: cap.format,
      gzip: cap.gzip,
      frames: cap.frames,
      bytes: cap.bytes,
      firstTsNs: cap.firstTsNs,
      lastTsNs: cap.lastTsNs,
      linkTypes: cap.linkTypes,
      sipMessages: x.sipMessages - before.sipMessages,
      byTransport,
      reassembledDatagrams: x.net.reassembled - before.reassembled,
      tcpRetransmissions: x.net.tcp.retransmissions - before.retransmissions,
      tlsSessions: x.tls.sessions - before.tls,
      issues: x.issues.summaries(),
      damage: cap.damage && base !== 0 ? { ...cap.damage, afterFrame: cap.damage.afterFrame + base } : cap.damage,
    });
    offset += cap.frames;
  }
  return out;
}

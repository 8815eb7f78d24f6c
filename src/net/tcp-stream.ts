/**
 * TCP stream reassembly (RFC 9293): per connection and direction, segments are delivered in
 * sequence order exactly once; out-of-order segments wait (copied, bounded), retransmissions are
 * dropped, and missing bytes are reported as gaps so the consumer can resynchronise.
 */
import type { IpPacket } from "./ip.js";
import { dstAddr, srcAddr } from "./ip.js";
import type { NetIssueCode } from "./issues.js";
import { OldestFirst } from "../util/oldest.js";
import { TcpConnectTracker, type TcpConnectFailure } from "./tcp-connect.js";

/** StreamLimits bounds reassembly state. */
export interface StreamLimits {
  /** Connections tracked at once; the least recently active is flushed beyond it. */
  maxConnections: number;
  /** Out-of-order bytes held per direction before reassembly skips the hole. */
  maxPendingBytes: number;
  /**
   * Out-of-order bytes held by all connections together (like Suricata's reassembly memcap):
   * without it the per-direction bound multiplies by the connection limit (65,536 x 2 x 1 MiB).
   * Beyond it, the direction that just queued skips its hole.
   */
  maxPendingBytesTotal?: number;
  /** Capture-time idle period after which a connection is flushed. */
  idleTimeoutNs: bigint;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  maxConnections: 65536,
  maxPendingBytes: 1024 * 1024,
  maxPendingBytesTotal: 64 * 1024 * 1024,
  idleTimeoutNs: 300_000_000_000n,
};

/**
 * TcpAckWatch follows one delivery of a direction until the receiver's TCP acknowledges it
 * (RFC 9293 §3.4: an ACK number beyond a byte says the receiving stack has it). A SIP request
 * over TCP is sent once (RFC 3261 §17.1.1.2: no SIP retransmissions on a reliable transport), so
 * when it goes unanswered this tells "the server host received it and the application stayed
 * silent" from "it never reached the server". Filled in by later frames, after the message that
 * holds it has been handed on.
 */
export interface TcpAckWatch {
  /**
   * `waiting`: no acknowledgement seen (yet); `acked`: see `frame`; `unknown`: no longer
   * followed (too many deliveries awaiting acknowledgement on the direction, or its connection
   * was flushed to make room for another), so the capture may hold an acknowledgement.
   */
  state: "waiting" | "acked" | "unknown";
  /** Frame and time of the acknowledgement (0 until acknowledged). */
  frame: number;
  tsNs: bigint;
  /**
   * The receiver ended the connection after this delivery, before the sender did: `fin`
   * (closed) or `reset`, in frame `closedFrame` ("" and 0 otherwise). Set for the latest
   * delivery of the direction only: a server that hangs up instead of answering.
   */
  closedBy: "" | "fin" | "reset";
  closedFrame: number;
}

/**
 * Deliveries followed per direction at once. A receiver acknowledges within milliseconds (or
 * 200 ms when it delays ACKs), so only a burst of requests on one connection reaches this.
 */
const MAX_ACK_WATCHES = 64;

/** AckWait is one TcpAckWatch and the sequence number that acknowledges it. */
interface AckWait {
  end: number;
  watch: TcpAckWatch;
}

interface PendingSegment {
  seq: number;
  data: Uint8Array;
  frame: number;
}

/** TcpDirection is one half of a connection: the bytes sent by `src` to `dst`. */
export interface TcpDirection {
  readonly conn: TcpConnection;
  readonly src: string;
  readonly srcPort: number;
  readonly dst: string;
  readonly dstPort: number;
  /** Next expected sequence number, or -1 before the first segment. */
  nextSeq: number;
  pending: PendingSegment[];
  pendingBytes: number;
  /** Retransmitted segments dropped. */
  retransmissions: number;
  /** Deliveries awaiting the receiver's acknowledgement, oldest first (see watchAck). */
  acks: AckWait[] | undefined;
  /** The latest watched delivery, acknowledged or not (for a close by the receiver). */
  lastWatch: TcpAckWatch | undefined;
  /** This side sent FIN or RST. */
  closed: boolean;
  /** Consumer-owned state (the SIP framer); the reassembler never reads it. */
  user: unknown;
}

/** TcpConnection pairs the two directions of one 4-tuple. */
export interface TcpConnection {
  readonly key: string;
  readonly ipVersion: 4 | 6;
  a: TcpDirection;
  b: TcpDirection;
  lastTsNs: bigint;
}

/** TcpStreamSink receives in-order bytes. `bytes` is only valid during the call. */
export interface TcpStreamSink {
  /**
   * data delivers bytes that follow the previous delivery. `carrierFrame` carried them;
   * `frame` is the frame being processed (it differs when a gap-filler releases queued segments).
   */
  data(dir: TcpDirection, bytes: Uint8Array, carrierFrame: number, frame: number, tsNs: bigint): void;
  /** gap says bytes are missing before the next delivery (`missing` -1 when unknown). */
  gap(dir: TcpDirection, missing: number, frame: number): void;
  /** end says no more bytes will come for this direction (FIN, RST, flush). */
  end(dir: TcpDirection, frame: number): void;
  /** wantsConnect names the connections whose failed attempts to report (by ports; absent: none). */
  wantsConnect?(srcPort: number, dstPort: number): boolean;
  /** connectFailed receives a connection attempt refused or never answered (net/tcp-connect.ts). */
  connectFailed?(f: TcpConnectFailure): void;
}

/** SYNs remembered for connections not (yet) tracked. */
const MAX_SYNS = 16384;

/** Initial sequence numbers seen in SYNs of a connection not tracked yet (a = the lower endpoint). */
interface SynSeen {
  key: string;
  /** Creation number (the eviction order's stamp). */
  seq: number;
  a?: number;
  b?: number;
}

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const ACK = 0x10;

/** seqDiff is a - b in sequence space (RFC 9293 §3.4 arithmetic modulo 2^32). */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** TcpReassembler owns all tracked connections. */
export class TcpReassembler {
  private readonly conns = new Map<string, TcpConnection>();
  /** Segments whose bytes were all seen before (retransmissions). */
  retransmissions = 0;
  /** Out-of-order bytes queued over all directions. */
  private pendingTotal = 0;
  private readonly syns = new Map<string, SynSeen>();
  private readonly synOrder = new OldestFirst<string, SynSeen>((s) => s.seq);
  private synCount = 0;
  /** Failed connection attempts, when the sink wants them. */
  private readonly connects: TcpConnectTracker | undefined;

  constructor(
    private readonly sink: TcpStreamSink,
    private readonly issue: (code: NetIssueCode, detail: string, frame: number) => void,
    private readonly limits: StreamLimits = DEFAULT_STREAM_LIMITS,
  ) {
    const { wantsConnect, connectFailed } = sink;
    if (wantsConnect && connectFailed) this.connects = new TcpConnectTracker((f) => connectFailed.call(sink, f), (a, b) => wantsConnect.call(sink, a, b), issue);
  }

  /** connections currently tracked. */
  get size(): number {
    return this.conns.size;
  }

  /**
   * segment processes one TCP segment whose header starts at `off` inside `ip`'s payload.
   * `create` says whether an untracked connection should start being tracked on this segment.
   */
  segment(ip: IpPacket, off: number, end: number, frame: number, tsNs: bigint, create: (payload: Uint8Array, srcPort: number, dstPort: number) => boolean): void {
    const b = ip.buf;
    if (off + 20 > end) return;
    const srcPort = (b[off] << 8) | b[off + 1];
    const dstPort = (b[off + 2] << 8) | b[off + 3];
    const seq = ((b[off + 4] << 24) | (b[off + 5] << 16) | (b[off + 6] << 8) | b[off + 7]) >>> 0;
    const ack = ((b[off + 8] << 24) | (b[off + 9] << 16) | (b[off + 10] << 8) | b[off + 11]) >>> 0;
    const dataOff = (b[off + 12] >> 4) * 4;
    const flags = b[off + 13];
    if (dataOff < 20 || off + dataOff > end) return;
    const payload = b.subarray(off + dataOff, end);
    const key = connKey(ip, srcPort, dstPort);
    if (this.connects !== undefined && ((flags & (SYN | RST)) !== 0 || this.connects.size > 0)) {
      this.connects.segment(key.key, key.forward, ip, srcPort, dstPort, flags, frame, tsNs);
    }
    let conn = this.conns.get(key.key);
    if (!conn) {
      if (payload.length === 0) {
        if (flags & SYN) this.rememberSyn(key.key, key.forward, seq);
        return;
      }
      if (!create(payload, srcPort, dstPort)) return;
      conn = this.open(ip, key.key, key.forward, srcPort, dstPort, frame);
      this.startFromSyn(conn, key.forward, seq);
    } else {
      // Refresh LRU position: Map iteration order is insertion order.
      this.conns.delete(key.key);
      this.conns.set(key.key, conn);
    }
    conn.lastTsNs = tsNs;
    const dir = key.forward ? conn.a : conn.b;
    const rev = key.forward ? conn.b : conn.a;
    if (flags & ACK) {
      // The acknowledgment number says where the peer's stream stands: it starts the peer's
      // direction when tracking began after the handshake, and proves bytes below it were sent
      // (a hole the receiver acknowledged is capture loss, not reordering: skip it now).
      if (rev.nextSeq < 0) rev.nextSeq = ack;
      else {
        while (rev.pending.length > 0 && seqDiff(ack, rev.nextSeq) > 0 && seqDiff(rev.pending[0].seq, rev.nextSeq) > 0) {
          this.skipToPending(rev, frame, frame, tsNs);
        }
      }
      if (rev.acks !== undefined) acknowledge(rev.acks, ack, frame, tsNs);
    }
    if (flags & (FIN | RST)) {
      // The receiver of the latest watched request hangs up first (its sender had not closed).
      const w = rev.lastWatch;
      if (w !== undefined && !rev.closed && w.closedFrame === 0) {
        w.closedBy = flags & RST ? "reset" : "fin";
        w.closedFrame = frame;
      }
      dir.closed = true;
    }
    if (flags & SYN) {
      dir.nextSeq = (seq + 1) >>> 0;
      if (payload.length > 0) this.data(dir, dir.nextSeq, payload, frame, tsNs);
      return;
    }
    if (payload.length > 0) this.data(dir, seq, payload, frame, tsNs);
    if (flags & RST) this.close(conn, frame);
    else if (flags & FIN && dir.pending.length === 0) this.sink.end(dir, frame);
  }

  /**
   * watchAck follows the bytes of `dir` delivered so far until the receiver acknowledges them.
   * Called by the consumer while a delivery is handed to it: everything up to the end of that
   * delivery (the message it completed included) is acknowledged by one ACK number.
   */
  watchAck(dir: TcpDirection): TcpAckWatch {
    // Every field set now: one object shape whatever happens to it later.
    const watch: TcpAckWatch = { state: "waiting", frame: 0, tsNs: 0n, closedBy: "", closedFrame: 0 };
    dir.lastWatch = watch;
    const acks = (dir.acks ??= []);
    if (acks.length >= MAX_ACK_WATCHES) (acks.shift() as AckWait).watch.state = "unknown";
    acks.push({ end: dir.nextSeq, watch });
    return watch;
  }

  /** expire flushes connections idle for longer than the limit at capture time `nowNs`. */
  expire(nowNs: bigint, frame: number): void {
    this.connects?.expire(nowNs);
    for (const conn of this.conns.values()) {
      if (nowNs - conn.lastTsNs <= this.limits.idleTimeoutNs) break;
      this.close(conn, frame);
    }
  }

  /**
   * flush ends every connection (end of capture at `frame`, time `endNs`), releasing queued bytes
   * past their gaps.
   */
  flush(frame: number, endNs: bigint): void {
    this.connects?.flush(endNs);
    for (const conn of [...this.conns.values()]) this.close(conn, frame);
  }

  /**
   * rememberSyn notes a SYN's sequence number before its connection is tracked (connections are
   * chosen on their first data). Without it, a first data segment that arrives after the second
   * would be taken for a retransmission and silently lost.
   */
  private rememberSyn(key: string, forward: boolean, seq: number): void {
    let s = this.syns.get(key);
    if (!s) {
      if (this.syns.size >= MAX_SYNS) this.syns.delete((this.synOrder.oldest(this.syns) as SynSeen).key);
      s = { key, seq: this.synCount++ };
      this.syns.set(key, s);
      this.synOrder.added(this.syns, key, s);
    }
    if (forward) s.a = seq;
    else s.b = seq;
  }

  /**
   * startFromSyn starts a new connection's streams where its SYNs said (RFC 9293 §3.4: the first
   * data byte is ISN + 1), when the first data seen lies within a window after that: an old SYN
   * of a reused 4-tuple must not capture a later connection.
   */
  private startFromSyn(conn: TcpConnection, forward: boolean, firstSeq: number): void {
    const s = this.syns.get(conn.key);
    if (!s) return;
    this.syns.delete(conn.key);
    const own = forward ? s.a : s.b;
    const peer = forward ? s.b : s.a;
    if (own !== undefined) {
      const d = seqDiff(firstSeq, (own + 1) >>> 0);
      if (d < 0 || d > this.limits.maxPendingBytes) return;
      (forward ? conn.a : conn.b).nextSeq = (own + 1) >>> 0;
    }
    if (peer !== undefined) (forward ? conn.b : conn.a).nextSeq = (peer + 1) >>> 0;
  }

  private open(ip: IpPacket, key: string, forward: boolean, srcPort: number, dstPort: number, frame: number): TcpConnection {
    if (this.conns.size >= this.limits.maxConnections) {
      const oldest = this.conns.values().next().value as TcpConnection;
      // Flushed for room, not closed: its acknowledgements may still come.
      for (const dir of [oldest.a, oldest.b]) for (const w of dir.acks ?? []) w.watch.state = "unknown";
      this.issue("tcp_stream_limit", `more than ${this.limits.maxConnections} TCP connections; flushed ${oldest.a.src}:${oldest.a.srcPort}`, frame);
      this.close(oldest, frame);
    }
    const s = srcAddr(ip);
    const d = dstAddr(ip);
    const conn = { key, ipVersion: ip.version, lastTsNs: 0n } as TcpConnection;
    const fwd = newDirection(conn, s, srcPort, d, dstPort);
    const rev = newDirection(conn, d, dstPort, s, srcPort);
    conn.a = forward ? fwd : rev;
    conn.b = forward ? rev : fwd;
    this.conns.set(key, conn);
    return conn;
  }

  private close(conn: TcpConnection, frame: number): void {
    this.conns.delete(conn.key);
    for (const dir of [conn.a, conn.b]) {
      while (dir.pending.length > 0) this.skipToPending(dir, frame, frame, conn.lastTsNs);
      this.sink.end(dir, frame);
    }
  }

  private data(dir: TcpDirection, seq: number, payload: Uint8Array, frame: number, tsNs: bigint): void {
    if (dir.nextSeq < 0) dir.nextSeq = seq; // mid-stream start: the consumer resynchronises.
    const rel = seqDiff(seq, dir.nextSeq);
    if (rel <= 0) {
      if (rel + payload.length <= 0) {
        dir.retransmissions++;
        this.retransmissions++;
        return;
      }
      this.deliver(dir, payload.subarray(-rel), frame, frame, tsNs);
      this.drain(dir, frame, tsNs);
      return;
    }
    // Future data: queue a copy in sequence order.
    const copy = payload.slice();
    let i = dir.pending.length;
    while (i > 0 && seqDiff(dir.pending[i - 1].seq, seq) > 0) i--;
    dir.pending.splice(i, 0, { seq, data: copy, frame });
    dir.pendingBytes += copy.length;
    this.pendingTotal += copy.length;
    if (dir.pendingBytes > this.limits.maxPendingBytes) {
      this.issue("tcp_buffer_limit", `${dir.src}:${dir.srcPort} → ${dir.dst}:${dir.dstPort}: ${dir.pendingBytes} out-of-order bytes queued; skipping the hole`, frame);
      this.skipToPending(dir, frame, frame, tsNs);
    } else if (this.pendingTotal > (this.limits.maxPendingBytesTotal ?? Infinity)) {
      this.issue("tcp_buffer_limit", `${this.pendingTotal} out-of-order bytes queued over all TCP connections; ${dir.src}:${dir.srcPort} → ${dir.dst}:${dir.dstPort} skips its hole`, frame);
      this.skipToPending(dir, frame, frame, tsNs);
    }
  }

  private deliver(dir: TcpDirection, bytes: Uint8Array, carrier: number, frame: number, tsNs: bigint): void {
    dir.nextSeq = (dir.nextSeq + bytes.length) >>> 0;
    this.sink.data(dir, bytes, carrier, frame, tsNs);
  }

  private drain(dir: TcpDirection, frame: number, tsNs: bigint): void {
    while (dir.pending.length > 0) {
      const head = dir.pending[0];
      const rel = seqDiff(head.seq, dir.nextSeq);
      if (rel > 0) return;
      dir.pending.shift();
      dir.pendingBytes -= head.data.length;
      this.pendingTotal -= head.data.length;
      if (rel + head.data.length > 0) this.deliver(dir, head.data.subarray(-rel), head.frame, frame, tsNs);
    }
  }

  /** skipToPending declares the hole before the first queued segment lost and continues there. */
  private skipToPending(dir: TcpDirection, frame: number, reportFrame: number, tsNs: bigint): void {
    const head = dir.pending[0];
    const missing = seqDiff(head.seq, dir.nextSeq);
    this.issue("tcp_gap", `${dir.src}:${dir.srcPort} → ${dir.dst}:${dir.dstPort}: ${missing} bytes missing before frame ${head.frame}`, reportFrame);
    this.sink.gap(dir, missing, frame);
    dir.nextSeq = head.seq;
    this.drain(dir, frame, tsNs);
  }
}

function newDirection(conn: TcpConnection, src: string, srcPort: number, dst: string, dstPort: number): TcpDirection {
  return { conn, src, srcPort, dst, dstPort, nextSeq: -1, pending: [], pendingBytes: 0, retransmissions: 0, acks: undefined, lastWatch: undefined, closed: false, user: undefined };
}

/** acknowledge fills the watches that ACK number `ack` covers (sequence arithmetic, RFC 9293 §3.4). */
function acknowledge(acks: AckWait[], ack: number, frame: number, tsNs: bigint): void {
  while (acks.length > 0 && seqDiff(ack, acks[0].end) >= 0) {
    const w = (acks.shift() as AckWait).watch;
    w.state = "acked";
    w.frame = frame;
    w.tsNs = tsNs;
  }
}

/** connKey builds a direction-independent key; `forward` is true when src is the lower endpoint. */
function connKey(ip: IpPacket, srcPort: number, dstPort: number): { key: string; forward: boolean } {
  const b = ip.buf;
  const n = ip.version === 4 ? 4 : 16;
  let cmp = 0;
  for (let i = 0; i < n && cmp === 0; i++) cmp = b[ip.srcOff + i] - b[ip.dstOff + i];
  if (cmp === 0) cmp = srcPort - dstPort;
  const forward = cmp <= 0;
  const [lo, loPort, hi, hiPort] = forward ? [ip.srcOff, srcPort, ip.dstOff, dstPort] : [ip.dstOff, dstPort, ip.srcOff, srcPort];
  let key = `${loPort}|${hiPort}|`;
  for (let i = 0; i < n; i++) key += String.fromCharCode(b[lo + i], b[hi + i]);
  return { key, forward };
}

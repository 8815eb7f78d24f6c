/**
 * Synthesises a whole TCP connection (RFC 9293 §3.5 handshake, data transfer, close) from
 * the application writes of both sides, with correct sequence and acknowledgment numbers.
 *
 * The output is a list of segment descriptions, not bytes, so a fixture can perturb capture
 * order (with {@link arrange}), retransmit, coalesce or drop segments, or cut the capture to
 * start mid-stream, before turning each into a packet with {@link tcpPacket}. Every segment
 * records which byte range of its direction's stream it carries; that is what lets a fixture
 * script state, by construction, where each application message starts and completes.
 */

import { concatBytes, toBytes } from "./bytes.js";
import { TCP_FLAGS, type Endpoint, type TcpOption } from "./transport.js";

/** Which end of the connection: the active opener (client) or the listener (server). */
export type TcpSide = "client" | "server";

/** One application write (one `send()`), which the stack cuts into MSS-sized segments. */
export interface TcpWrite {
  from: TcpSide;
  data: string | Uint8Array;
  /**
   * Explicit payload sizes of the segments carrying this write, to force a split at a given
   * place (e.g. inside a header line). Bytes left over are cut at the MSS.
   */
  segmentSizes?: readonly number[];
}

/** Options of {@link tcpConversation}. */
export interface TcpConversationOptions {
  client: Endpoint;
  server: Endpoint;
  writes: readonly TcpWrite[];
  /** Client initial sequence number (default 0x1000). Values near 2^32 exercise wrap-around. */
  clientIsn?: number;
  /** Server initial sequence number (default 0x8000). */
  serverIsn?: number;
  /** Maximum segment size used to cut writes (default 1460, Ethernet MTU minus 40). */
  mss?: number;
  /**
   * Emit the three-way handshake (default true). Without it the first data byte still has
   * sequence number ISN+1, as if the SYN happened before the capture started.
   */
  handshake?: boolean;
  /** How the connection ends: FIN exchange (default), RST from the client, or not at all. */
  close?: "fin" | "rst" | "none";
  /**
   * Pure-ACK policy. `piggyback` (default): the receiver sends a pure ACK only when it has no
   * data of its own to send next; `every`: after every write; `none`: never.
   */
  acks?: "piggyback" | "every" | "none";
  /** Advertised window field of non-SYN segments (default 502, i.e. ~64 KiB at wscale 7). */
  window?: number;
  /** Add RFC 7323 timestamps to every segment, starting at these TSvals (default: none). */
  timestamps?: { client: number; server: number };
}

/** Kind of a synthesised segment. */
export type TcpSegmentKind = "syn" | "syn-ack" | "ack" | "data" | "fin" | "rst";

/** A segment of a synthesised conversation; its fields fit {@link tcpSegment}'s options. */
export interface TcpSegmentSpec {
  from: TcpSide;
  kind: TcpSegmentKind;
  src: Endpoint;
  dst: Endpoint;
  /** Sequence number modulo 2^32. */
  seq: number;
  /** Acknowledgment number modulo 2^32. */
  ack: number;
  flags: number;
  window: number;
  options: TcpOption[];
  payload: Uint8Array;
  /**
   * Offset of `payload[0]` in the sender's byte stream, 0 being the first byte after the SYN.
   * Unlike `seq` it does not wrap, which makes interval bookkeeping simple.
   */
  streamOffset: number;
  /** Index of the write this payload came from (data segments only). */
  writeIndex?: number;
}

/** Adds to a 32-bit sequence number modulo 2^32 (RFC 9293 §3.4 sequence space arithmetic). */
export function seqAdd(seq: number, n: number): number {
  return (seq + n) % 0x100000000;
}

interface SideState {
  endpoint: Endpoint;
  isn: number;
  /** Stream bytes sent (excluding SYN/FIN). */
  sent: number;
  synSent: boolean;
  finSent: boolean;
  tsval?: number;
}

/**
 * Produces the segments of a TCP connection carrying `writes` in order. Data segments have
 * ACK set and PSH on the last segment of each write, like Linux.
 */
export function tcpConversation(o: TcpConversationOptions): TcpSegmentSpec[] {
  const mss = o.mss ?? 1460;
  const window = o.window ?? 502;
  const acks = o.acks ?? "piggyback";
  const handshake = o.handshake ?? true;
  const sides: Record<TcpSide, SideState> = {
    client: { endpoint: o.client, isn: o.clientIsn ?? 0x1000, sent: 0, synSent: handshake, finSent: false, tsval: o.timestamps?.client },
    server: { endpoint: o.server, isn: o.serverIsn ?? 0x8000, sent: 0, synSent: handshake, finSent: false, tsval: o.timestamps?.server },
  };
  const other = (s: TcpSide): TcpSide => (s === "client" ? "server" : "client");
  // Next sequence number a side will send: ISN + SYN (1, even when the SYN predates the
  // capture) + stream bytes + FIN.
  const nextSeq = (s: SideState): number => seqAdd(s.isn, 1 + s.sent + (s.finSent ? 1 : 0));
  const segments: TcpSegmentSpec[] = [];
  // Last TSval each side sent, echoed as TSecr by the other side (RFC 7323 §3.2).
  const lastTsval: Record<TcpSide, number> = { client: 0, server: 0 };

  const emit = (from: TcpSide, kind: TcpSegmentKind, flags: number, payload: Uint8Array, extraOptions: TcpOption[] = []): void => {
    const me = sides[from];
    const peer = sides[other(from)];
    const options: TcpOption[] = [...extraOptions];
    if (me.tsval !== undefined) {
      const ts: TcpOption = { kind: "timestamps", tsval: me.tsval, tsecr: flags & TCP_FLAGS.ACK ? lastTsval[other(from)] : 0 };
      // SYNs carry timestamps inside the handshake option list; others align with two NOPs.
      if (kind === "syn" || kind === "syn-ack") options.splice(2, 0, ts);
      else options.unshift({ kind: "nop" }, { kind: "nop" }, ts);
      lastTsval[from] = me.tsval;
      me.tsval += 1;
    }
    const isSyn = (flags & TCP_FLAGS.SYN) !== 0;
    segments.push({
      from,
      kind,
      src: me.endpoint,
      dst: peer.endpoint,
      seq: isSyn ? me.isn : nextSeq(me),
      ack: flags & TCP_FLAGS.ACK ? nextSeq(peer) : 0,
      flags,
      window: isSyn ? 64240 : window,
      options,
      payload,
      streamOffset: me.sent,
    });
  };

  const synOptions = (): TcpOption[] => [
    { kind: "mss", value: mss },
    { kind: "sackPermitted" },
    { kind: "nop" },
    { kind: "wscale", shift: 7 },
  ];

  if (handshake) {
    emit("client", "syn", TCP_FLAGS.SYN, new Uint8Array(0), synOptions());
    emit("server", "syn-ack", TCP_FLAGS.SYN | TCP_FLAGS.ACK, new Uint8Array(0), synOptions());
    emit("client", "ack", TCP_FLAGS.ACK, new Uint8Array(0));
  }

  o.writes.forEach((w, writeIndex) => {
    const data = toBytes(w.data);
    const sizes: number[] = [];
    let left = data.length;
    for (const s of w.segmentSizes ?? []) {
      if (s <= 0 || s > left) throw new Error(`segment size ${s} does not fit write ${writeIndex}`);
      sizes.push(s);
      left -= s;
    }
    for (; left > 0; left -= Math.min(mss, left)) sizes.push(Math.min(mss, left));
    let at = 0;
    sizes.forEach((size, i) => {
      const last = i === sizes.length - 1;
      emit(w.from, "data", TCP_FLAGS.ACK | (last ? TCP_FLAGS.PSH : 0), data.subarray(at, at + size));
      segments[segments.length - 1].writeIndex = writeIndex;
      sides[w.from].sent += size;
      at += size;
    });
    const next = o.writes[writeIndex + 1];
    const needAck = acks === "every" || (acks === "piggyback" && (next === undefined ? o.close === "none" : next.from === w.from));
    if (needAck) emit(other(w.from), "ack", TCP_FLAGS.ACK, new Uint8Array(0));
  });

  if ((o.close ?? "fin") === "fin") {
    emit("client", "fin", TCP_FLAGS.FIN | TCP_FLAGS.ACK, new Uint8Array(0));
    sides.client.finSent = true;
    emit("server", "fin", TCP_FLAGS.FIN | TCP_FLAGS.ACK, new Uint8Array(0));
    sides.server.finSent = true;
    emit("client", "ack", TCP_FLAGS.ACK, new Uint8Array(0));
  } else if (o.close === "rst") {
    emit("client", "rst", TCP_FLAGS.RST | TCP_FLAGS.ACK, new Uint8Array(0));
  }
  return segments;
}

/**
 * Merges consecutive data segments of one direction into one, as a stack does when it
 * retransmits several lost segments at once (repacketisation). Flags are OR-ed; the ACK and
 * options of the last segment are kept.
 */
export function coalesceSegments(segs: readonly TcpSegmentSpec[]): TcpSegmentSpec {
  if (segs.length === 0) throw new Error("nothing to coalesce");
  for (let i = 1; i < segs.length; i++) {
    const prev = segs[i - 1];
    if (segs[i].from !== prev.from || segs[i].streamOffset !== prev.streamOffset + prev.payload.length) {
      throw new Error("coalesced segments must be contiguous and of one direction");
    }
  }
  const last = segs[segs.length - 1];
  return {
    ...last,
    kind: "data",
    seq: segs[0].seq,
    streamOffset: segs[0].streamOffset,
    flags: segs.reduce((f, s) => f | s.flags, 0),
    payload: concatBytes(segs.map((s) => s.payload)),
    writeIndex: segs[0].writeIndex,
  };
}

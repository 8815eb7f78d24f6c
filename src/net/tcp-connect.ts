/**
 * TCP connection attempts that never became connections (RFC 9293 §3.5): a SYN answered by a
 * reset (refused: nothing listens there, or a firewall rejects) or by nothing at all (filtered,
 * host down, wrong address). A SIP client configured for TCP or TLS toward such a server sends no
 * SIP at all, so without this the capture of the commonest "phone set to TCP" ticket would show
 * nothing to diagnose. Followed only for the ports the consumer asks for (SIP's).
 */
import { dstAddr, srcAddr, type IpPacket } from "./ip.js";
import type { NetIssueCode } from "./issues.js";
import { CLOCK_JUMP_NS } from "../util/time.js";

/** TcpConnectFailure is one failed connection attempt (one client port), SYN retransmissions included. */
export interface TcpConnectFailure {
  client: string;
  clientPort: number;
  server: string;
  serverPort: number;
  ipVersion: 4 | 6;
  /** `refused`: answered with RST; `unanswered`: neither SYN-ACK nor RST came. */
  outcome: "refused" | "unanswered";
  /** SYNs sent (the first and its retransmissions). */
  syns: number;
  /** Frames of the first SYNs (at most MAX_FRAMES), and of the latest. */
  synFrames: number[];
  lastSynFrame: number;
  /** Frames of the first resets (at most MAX_FRAMES; empty when unanswered). */
  resetFrames: number[];
  firstTsNs: bigint;
  lastTsNs: bigint;
}

/** Attempts followed at once; beyond, the oldest is forgotten (its outcome unknown, `tcp_connect_limit`). */
export const MAX_ATTEMPTS = 4096;
const MAX_FRAMES = 8;
/**
 * An unanswered attempt idle this long has failed: Linux gives up after 6 SYN retransmissions
 * (~127 s, net.ipv4.tcp_syn_retries), Windows after 2 (~21 s); a SIP client's own Timer B/F is
 * 32 s.
 */
const GIVE_UP_NS = 130_000_000_000n;
/**
 * A refused attempt is over once the client stops sending SYNs on it: Windows answers a reset
 * by sending the SYN again twice, 0.5 s apart (seen in the public voipshark capture); Linux gives
 * up at the first reset.
 */
const REFUSED_DONE_NS = 5_000_000_000n;
/**
 * At the end of the capture an attempt still open counts as unanswered when it had time to be
 * answered: a retransmitted SYN (the initial RTO is 1 s, RFC 6298 §2.1), or 3 s of silence.
 */
const UNANSWERED_AT_END_NS = 3_000_000_000n;

interface Attempt {
  /** Whether the client is the connection key's lower endpoint (TcpReassembler's `forward`). */
  clientForward: boolean;
  failure: TcpConnectFailure;
}

export class TcpConnectTracker {
  /** Open attempts by connection key, oldest first (Map insertion order; never re-inserted). */
  private readonly open = new Map<string, Attempt>();

  constructor(
    private readonly report: (f: TcpConnectFailure) => void,
    private readonly wants: (srcPort: number, dstPort: number) => boolean,
    private readonly issue: (code: NetIssueCode, detail: string, frame: number) => void,
  ) {}

  /** size is the number of attempts awaiting an answer (while 0, only SYNs and RSTs need a look). */
  get size(): number {
    return this.open.size;
  }

  /**
   * segment looks at one TCP segment of connection `key` (direction-independent; `forward` when
   * the sender is its lower endpoint), carried by `ip`.
   */
  segment(key: string, forward: boolean, ip: IpPacket, srcPort: number, dstPort: number, flags: number, frame: number, tsNs: bigint): void {
    const a = this.open.get(key);
    if (flags & SYN && !(flags & ACK)) {
      if (a !== undefined && a.clientForward === forward) {
        a.failure.syns++;
        if (a.failure.synFrames.length < MAX_FRAMES) a.failure.synFrames.push(frame);
        a.failure.lastSynFrame = frame;
        a.failure.lastTsNs = tsNs;
        return;
      }
      if (!this.wants(srcPort, dstPort)) return;
      if (this.open.size >= MAX_ATTEMPTS) {
        const oldest = this.open.entries().next().value as [string, Attempt];
        this.open.delete(oldest[0]);
        this.issue("tcp_connect_limit", `more than ${MAX_ATTEMPTS} TCP connection attempts awaiting an answer; forgot ${oldest[1].failure.client}:${oldest[1].failure.clientPort} → ${oldest[1].failure.server}:${oldest[1].failure.serverPort}`, frame);
      }
      this.open.set(key, {
        clientForward: forward,
        failure: { client: srcAddr(ip), clientPort: srcPort, server: dstAddr(ip), serverPort: dstPort, ipVersion: ip.version, outcome: "unanswered", syns: 1, synFrames: [frame], lastSynFrame: frame, resetFrames: [], firstTsNs: tsNs, lastTsNs: tsNs },
      });
      return;
    }
    if (a === undefined) return;
    if (a.clientForward !== forward && flags & RST) {
      // Kept until the client stops retrying on this port (REFUSED_DONE_NS): one attempt.
      a.failure.outcome = "refused";
      if (a.failure.resetFrames.length < MAX_FRAMES) a.failure.resetFrames.push(frame);
      a.failure.lastTsNs = tsNs;
      return;
    }
    // A SYN-ACK, or anything else on the connection (the client's ACK of a SYN-ACK the capture
    // missed, data): the connection was made.
    if (!(flags & RST)) this.open.delete(key);
  }

  /**
   * expire reports the attempts that are over at capture time `nowNs` (REFUSED_DONE_NS,
   * GIVE_UP_NS). A leap beyond CLOCK_JUMP_NS is a broken capture clock, not silence: the answer
   * may be the next frame.
   */
  expire(nowNs: bigint): void {
    for (const [key, a] of this.open) {
      const idle = nowNs - a.failure.lastTsNs;
      if (idle < (a.failure.outcome === "refused" ? REFUSED_DONE_NS : GIVE_UP_NS) || idle > CLOCK_JUMP_NS) continue;
      this.open.delete(key);
      this.report(a.failure);
    }
  }

  /** flush ends the capture at `endNs`: attempts that had time to be answered are reported. */
  flush(endNs: bigint): void {
    for (const a of this.open.values()) {
      const f = a.failure;
      if (f.outcome === "refused" || f.syns > 1 || endNs - f.firstTsNs >= UNANSWERED_AT_END_NS) this.report(f);
    }
    this.open.clear();
  }
}

const SYN = 0x02;
const RST = 0x04;
const ACK = 0x10;

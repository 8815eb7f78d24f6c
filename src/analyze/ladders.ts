/**
 * LadderRecorder keeps, per Call-ID, the message sequence needed to draw ladder diagrams of failed
 * flows — bounded: a limited number of Call-IDs (least recently used dropped) and steps per
 * Call-ID. Flows that look failed are "sticky" and kept in a separate bounded pool, so a failure
 * early in a long capture still has its ladder at the end.
 */
import type { CapturedMessage } from "../extract/model.js";
import { formatEndpoint } from "../net/addr.js";
import { labelOf } from "../detect/observe.js";

const MAX_STEPS = 40;

export interface RawStep {
  frame: number;
  capture: number;
  tsNs: bigint;
  from: string;
  to: string;
  transport: string;
  label: string;
  status?: number;
  retransmission: boolean;
}

export interface FlowLog {
  callId: string;
  capture: number;
  steps: RawStep[];
  omitted: number;
  sticky: boolean;
  /** Seen message identities (branch + kind), to flag retransmissions. */
  seen: Set<string>;
  authenticated: boolean;
}

export class LadderRecorder {
  private readonly normal = new Map<string, FlowLog>();
  private readonly sticky = new Map<string, FlowLog>();
  /** Sticky flows dropped because the pool was full. */
  dropped = 0;

  constructor(
    private readonly maxNormal = 5000,
    private readonly maxSticky = 2000,
  ) {}

  record(m: CapturedMessage): void {
    const msg = m.message;
    const callId = msg?.callId;
    if (!msg || callId === undefined) return;
    const key = `${m.capture}|${callId}`;
    let log = this.sticky.get(key) ?? this.normal.get(key);
    if (!log) {
      log = { callId, capture: m.capture, steps: [], omitted: 0, sticky: false, seen: new Set(), authenticated: false };
      if (this.normal.size >= this.maxNormal) this.normal.delete(this.normal.keys().next().value as string);
      this.normal.set(key, log);
    } else if (!log.sticky) {
      this.normal.delete(key);
      this.normal.set(key, log);
    }
    const identity = `${msg.topVia?.branch ?? ""}|${msg.kind === "request" ? msg.methodUpper : msg.status}|${msg.cseq?.seq ?? ""}`;
    const retransmission = log.seen.has(identity);
    log.seen.add(identity);
    if (msg.kind === "request" && msg.credentials.length > 0) log.authenticated = true;
    const status = msg.status;
    const failed =
      retransmission ||
      (status !== undefined && status >= 300 && status !== 401 && status !== 407) ||
      ((status === 401 || status === 407) && log.authenticated);
    if (failed && !log.sticky) this.promote(key, log);
    if (log.steps.length >= MAX_STEPS) {
      log.omitted++;
      return;
    }
    log.steps.push({
      frame: m.frame, capture: m.capture, tsNs: m.tsNs, from: formatEndpoint(m.src, m.srcPort), to: formatEndpoint(m.dst, m.dstPort),
      transport: m.transport, label: labelOf(msg), status, retransmission,
    });
  }

  private promote(key: string, log: FlowLog): void {
    this.normal.delete(key);
    if (this.sticky.size >= this.maxSticky) {
      this.dropped++;
      return;
    }
    log.sticky = true;
    this.sticky.set(key, log);
  }

  /** logs returns every kept flow (sticky first). */
  logs(): FlowLog[] {
    return [...this.sticky.values(), ...this.normal.values()];
  }
}

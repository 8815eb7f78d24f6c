/**
 * LadderRecorder keeps, per Call-ID, the message sequence needed to draw ladder diagrams of failed
 * flows — bounded: a limited number of Call-IDs (least recently used dropped) and steps per
 * Call-ID. Flows that look failed are "sticky" and kept in a separate bounded pool, so a failure
 * early in a long capture still has its ladder at the end.
 */
import type { CapturedMessage } from "../extract/model.js";
import { formatEndpoint } from "../net/addr.js";
import { labelOf } from "../detect/observe.js";
import { OldestFirst } from "../util/oldest.js";
import { detach, StringPool } from "../util/strings.js";

const MAX_STEPS = 40;
/**
 * Message identities remembered per flow to spot retransmissions, the most recent ones: a
 * retransmission follows its original within seconds, and a Call-ID refreshed for hours would
 * otherwise grow its set without bound.
 */
const MAX_SEEN = 64;
/** Addresses whose endpoint names are remembered; beyond, the memory starts over. */
const MAX_ENDPOINT_NAMES = 16_384;

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
  /** The recorder's map key (capture and Call-ID), the one copy kept. */
  key: string;
  callId: string;
  capture: number;
  steps: RawStep[];
  omitted: number;
  sticky: boolean;
  /** Seen message identities (branch + kind), to flag retransmissions. */
  seen: Set<string>;
  authenticated: boolean;
  /** When the flow last saw a message (recorder's counter), for least-recently-used eviction. */
  touched: number;
}

export class LadderRecorder {
  private readonly normal = new Map<string, FlowLog>();
  private readonly sticky = new Map<string, FlowLog>();
  /** Sticky flows dropped because the pool was full. */
  dropped = 0;
  private clock = 0;
  private readonly lru = new OldestFirst<string, FlowLog>((log) => log.touched);
  /** Labels repeat across steps: one copy each (see util/strings.ts). */
  private readonly strings = new StringPool();
  /** ip:port names of endpoints, by address then port (see endpointName). */
  private readonly endpoints = new Map<string, Map<number, string>>();

  constructor(
    private readonly maxNormal = 5000,
    private readonly maxSticky = 2000,
  ) {}

  record(m: CapturedMessage): void {
    const msg = m.message;
    const callId = msg?.callId;
    if (!msg || callId === undefined) return;
    let key = `${m.capture}|${callId}`;
    let log = this.sticky.get(key) ?? this.normal.get(key);
    if (!log) {
      // Map and Set keys keep the strings they were built from: store copies (util/strings.ts).
      key = detach(key);
      log = { key, callId: detach(callId), capture: m.capture, steps: [], omitted: 0, sticky: false, seen: new Set(), authenticated: false, touched: ++this.clock };
      if (this.normal.size >= this.maxNormal) this.normal.delete((this.lru.oldest(this.normal) as FlowLog).key);
      this.normal.set(key, log);
      this.lru.added(this.normal, key, log);
    } else {
      // The built key is a throwaway (a tree of pieces, one a slice of the message text): from
      // here on the log's own copy is used, so nothing kept refers to the message.
      key = log.key;
      if (!log.sticky) {
        log.touched = ++this.clock;
        this.lru.added(this.normal, key, log);
      }
    }
    const identity = `${msg.topVia?.branch ?? ""}|${msg.kind === "request" ? msg.methodUpper : msg.status}|${msg.cseq?.seq ?? ""}`;
    const retransmission = log.seen.has(identity);
    if (!retransmission) {
      if (log.seen.size >= MAX_SEEN) log.seen.delete(log.seen.values().next().value as string);
      log.seen.add(detach(identity));
    }
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
      frame: m.frame, capture: m.capture, tsNs: m.tsNs, from: this.endpointName(m.src, m.srcPort),
      to: this.endpointName(m.dst, m.dstPort), transport: m.transport, label: this.strings.get(labelOf(msg)), status, retransmission,
    });
  }

  /**
   * endpointName formats ip:port once per endpoint. The decoder hands out one string per address
   * (net/addr.ts caches them), so the lookup hashes nothing new; formatting and pooling a fresh
   * string for every step cost more than the rest of recording it.
   */
  private endpointName(ip: string, port: number): string {
    let ports = this.endpoints.get(ip);
    if (!ports) {
      if (this.endpoints.size >= MAX_ENDPOINT_NAMES) this.endpoints.clear();
      this.endpoints.set(ip, (ports = new Map()));
    }
    let name = ports.get(port);
    if (name === undefined) {
      name = detach(formatEndpoint(ip, port));
      ports.set(port, name);
    }
    return name;
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

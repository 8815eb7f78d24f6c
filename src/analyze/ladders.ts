/**
 * LadderRecorder keeps, per Call-ID, the message sequence needed to draw ladder diagrams of failed
 * flows — bounded: a limited number of Call-IDs (least recently used dropped) and steps per
 * Call-ID. Flows that look failed are "sticky" and kept in a separate bounded pool, so a failure
 * early in a long capture still has its ladder at the end.
 */
import type { CapturedMessage } from "../extract/model.js";
import { formatEndpoint } from "../net/addr.js";
import { labelOf } from "../detect/observe.js";
import { AddressCache } from "../util/address-cache.js";
import { OldestFirst } from "../util/oldest.js";
import { KeyRing } from "../util/ring.js";
import type { SipMessage } from "../sip/message.js";
import { detach, StringPool } from "../util/strings.js";
import { extended } from "../util/window.js";

const MAX_STEPS = 40;
/** Steps up to which a flow keeps its steps in an array of exact size. */
const EXACT_STEPS = 8;
/**
 * Message identities remembered per flow to spot retransmissions, the most recent ones: a
 * retransmission follows its original within seconds, and a Call-ID refreshed for hours would
 * otherwise grow its memory without bound.
 */
const MAX_SEEN = 64;

/** RawStep is one recorded message of a flow, as flowSteps hands it to the report. */
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

/**
 * Slots of one step in FlowLog.data. A flow keeps its steps packed in one array rather than an
 * object each: most flows are recorded for seconds and then evicted, long enough to be promoted
 * out of the young generation, so every object per message became old-generation garbage. With
 * the identities kept as numbers (see `seen`), recording took 12 % less main-thread time on the
 * 128 MiB benchmark capture, for the same report.
 */
const FRAME = 0;
const TS = 1;
const FROM = 2;
const TO = 3;
const TRANSPORT = 4;
const LABEL = 5;
/** Status code, or -1 for a request. */
const STATUS = 6;
/** 1 for a retransmission, else 0. */
const RETRANSMISSION = 7;
const STRIDE = 8;

export interface FlowLog {
  /** The recorder's map key (the Call-ID, prefixed by the capture index beyond the first capture point), the one copy kept. */
  key: string;
  callId: string;
  capture: number;
  /** Steps, STRIDE slots each (see FRAME..RETRANSMISSION); read them with flowSteps. */
  data: (number | bigint | string)[];
  omitted: number;
  sticky: boolean;
  /**
   * Hashes of the latest MAX_SEEN message identities (top Via branch, method or status, CSeq
   * number), oldest overwritten first, to flag retransmissions. 53-bit hashes, so a false match
   * among 64 entries has odds of about 1 in 10^14, and a flow keeps numbers, not strings.
   */
  seen: KeyRing<number>;
  authenticated: boolean;
  /** When the flow last saw a message (recorder's counter), for least-recently-used eviction. */
  touched: number;
}

/** flowSteps returns the recorded steps of a flow, in capture order. */
export function flowSteps(log: FlowLog): RawStep[] {
  const d = log.data;
  const out: RawStep[] = [];
  for (let i = 0; i < d.length; i += STRIDE) {
    const status = d[i + STATUS] as number;
    out.push({
      frame: d[i + FRAME] as number, capture: log.capture, tsNs: d[i + TS] as bigint, from: d[i + FROM] as string,
      to: d[i + TO] as string, transport: d[i + TRANSPORT] as string, label: d[i + LABEL] as string,
      ...(status >= 0 ? { status } : {}), retransmission: d[i + RETRANSMISSION] === 1,
    });
  }
  return out;
}

/** The two lanes of identityHash, module state so hashing allocates nothing. */
let laneA = 0;
let laneB = 0;

/** feed mixes one char code (or marker) into both lanes. */
function feed(c: number): void {
  laneA = Math.imul(laneA ^ c, 0x01000193);
  laneB = Math.imul(laneB ^ c, 0x5bd1e995);
}

/** feedText mixes every char of s into both lanes. */
function feedText(s: string): void {
  for (let i = 0; i < s.length; i++) feed(s.charCodeAt(i));
}

/**
 * identityHash hashes what makes a message unique within its flow — top Via branch, method (for
 * requests) or status, CSeq number — into 53 bits: two 32-bit FNV-1a style lanes with different
 * multipliers, so no identity string is built, copied and kept per message.
 */
function identityHash(branch: string | undefined, method: string | undefined, status: number | undefined, seq: number | undefined): number {
  laneA = 0x811c9dc5;
  laneB = 0x2545f491;
  if (branch !== undefined) feedText(branch);
  // Markers above 0xffff keep the fields apart and requests apart from responses.
  feed(0x10000);
  if (method !== undefined) feedText(method);
  else feed(0x20000 + (status ?? 0xffff));
  feed(0x10000);
  if (seq === undefined) feed(0x30000);
  else feed(seq & 0xffff), feed(Math.floor(seq / 0x10000));
  return (laneA >>> 0) * 0x200000 + (laneB >>> 11);
}

/**
 * LadderRecorder keeps, per Call-ID and capture point, the messages of flows that may need a
 * ladder diagram.
 */
export class LadderRecorder {
  private readonly normal = new Map<string, FlowLog>();
  private readonly sticky = new Map<string, FlowLog>();
  /** Sticky flows dropped because the pool was full. */
  dropped = 0;
  private clock = 0;
  private readonly lru = new OldestFirst<string, FlowLog>((log) => log.touched);
  /** Labels repeat across steps: one copy each (see util/strings.ts). */
  private readonly strings = new StringPool();
  /** The last labels made, and what from (see label); a line break is in no start line and NaN equals nothing, so none is made yet. */
  private readonly lastRequest: { method?: string; uri?: string; label: string } = { method: "\n", uri: "\n", label: "" };
  private readonly lastResponse: { status?: number; reason?: string; label: string } = { status: NaN, reason: "\n", label: "" };
  /**
   * ip:port names of endpoints, formatted and copied once per endpoint: formatting and pooling a
   * fresh string for every step cost more than the rest of recording it.
   */
  private readonly endpoints = new AddressCache((ip, port) => detach(formatEndpoint(ip, port)));

  constructor(
    private readonly maxNormal = 5000,
    private readonly maxSticky = 2000,
  ) {}

  record(m: CapturedMessage): void {
    const msg = m.message;
    const callId = msg?.callId;
    if (!msg || callId === undefined) return;
    // Most analyses have one capture point: its flows are keyed by the Call-ID itself, so no key
    // is built per message. A Call-ID holds no line break (header values are unfolded, RFC 3261
    // §7.3.1), so the prefixed keys of the other capture points cannot collide with it.
    let key = m.capture === 0 ? callId : `${m.capture}\n${callId}`;
    let log = this.sticky.get(key) ?? this.normal.get(key);
    if (!log) {
      // Map keys keep the strings they were built from: store copies (util/strings.ts).
      const own = detach(callId);
      key = m.capture === 0 ? own : detach(key);
      log = { key, callId: own, capture: m.capture, data: [], omitted: 0, sticky: false, seen: new KeyRing(MAX_SEEN), authenticated: false, touched: ++this.clock };
      if (this.normal.size >= this.maxNormal) this.normal.delete((this.lru.oldest(this.normal) as FlowLog).key);
      this.normal.set(key, log);
      this.lru.added(this.normal, key, log);
    } else {
      // The key looked up with is the message's (a slice of its text): from here on the log's
      // own copy is used, so nothing kept refers to the message.
      key = log.key;
      // Already the most recently used flow (a response right after its request): the order
      // would not change, so it is not recorded again.
      if (!log.sticky && log.touched !== this.clock) {
        log.touched = ++this.clock;
        this.lru.added(this.normal, key, log);
      }
    }
    const status = msg.status;
    const request = msg.kind === "request";
    const retransmission = this.seenBefore(log, identityHash(msg.topVia?.branch, request ? msg.methodUpper ?? "" : undefined, status, msg.cseq?.seq));
    if (request && msg.credentials.length > 0) log.authenticated = true;
    const failed =
      retransmission ||
      (status !== undefined && status >= 300 && status !== 401 && status !== 407) ||
      ((status === 401 || status === 407) && log.authenticated);
    if (failed && !log.sticky) this.promote(key, log);
    if (log.data.length >= MAX_STEPS * STRIDE) {
      log.omitted++;
      return;
    }
    const step = [
      m.frame, m.tsNs, this.endpoints.get(m.src, m.srcPort), this.endpoints.get(m.dst, m.dstPort), m.transport,
      this.label(msg), status ?? -1, retransmission ? 1 : 0,
    ];
    // Most flows stay short (REGISTER, 401, REGISTER, 200), and thousands are kept: see util/window.ts.
    log.data = extended(log.data, step, EXACT_STEPS * STRIDE);
  }

  /**
   * label is labelOf(msg), pooled. The last request label and the last response label are kept
   * with what they were made of: most steps repeat one of them ("REGISTER sip:registrar", "401
   * Unauthorized"), and comparing two fields costs less than building the label and hashing it.
   * (The kept Request-URI and reason may be slices of their messages' text: two messages stay
   * pinned at most.)
   */
  private label(msg: SipMessage): string {
    if (msg.kind === "request") {
      const r = this.lastRequest;
      if (msg.method === r.method && msg.requestUri === r.uri) return r.label;
      r.method = msg.method;
      r.uri = msg.requestUri;
      return (r.label = this.strings.get(labelOf(msg)));
    }
    const r = this.lastResponse;
    if (msg.status === r.status && msg.reason === r.reason) return r.label;
    r.status = msg.status;
    r.reason = msg.reason;
    return (r.label = this.strings.get(labelOf(msg)));
  }

  /** seenBefore reports whether the flow met this identity among its latest MAX_SEEN, remembering it if not. */
  private seenBefore(log: FlowLog, id: number): boolean {
    if (log.seen.has(id)) return true;
    log.seen.push(id);
    return false;
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

/**
 * Transaction matching (RFC 3261 §17.1.3 / §17.2.3): requests and responses meet on the top Via
 * branch (with the `z9hG4bK` magic cookie) + sent-by + CSeq method — the Via a server copies into
 * its responses, so responses that come back on another address pair (NAT, multi-homed servers)
 * still match. Without the cookie, RFC 2543 matching on Call-ID, CSeq, From tag and top Via.
 * Finished transactions linger for Timer J/K-like 32 s to absorb retransmissions, then are closed
 * and forgotten: state is bounded by traffic rate, not capture length.
 */
import type { CapturedMessage } from "../extract/model.js";
import type { SipMessage } from "../sip/message.js";
import { formatEndpoint } from "../net/addr.js";
import { challengeOf, credentialsOf } from "./auth-info.js";
import { AddressCache } from "../util/address-cache.js";
import { OldestFirst } from "../util/oldest.js";
import { KeyRing } from "../util/ring.js";
import { detach, StringPool } from "../util/strings.js";
import { appended } from "../util/window.js";
import type { Endpoint, ResponseInfo, Transaction, TransactionStats } from "./model.js";

/** RFC 3261 §17.1.1.2: Timer B/F = 64·T1 = 32 s with T1 = 500 ms. */
export const TIMER_F_NS = 32_000_000_000n;
/** RFC 3261 §16.6 step 11: Timer C > 3 min for INVITEs that got provisional responses. */
const TIMER_C_NS = 200_000_000_000n;
const MAGIC_COOKIE = "z9hG4bK";
const MAX_PROVISIONAL = 8;
/** The provisional responses of a transaction that has none (most): one shared frozen list. */
const NO_RESPONSES: readonly ResponseInfo[] = Object.freeze([]);
/** Status class names, made once rather than for every final response. */
const STATUS_CLASSES = ["0xx", "1xx", "2xx", "3xx", "4xx", "5xx", "6xx"];

/** CloseReason says why a transaction left the table. */
export type CloseReason = "completed" | "unanswered" | "open_at_end";

/** TransactionListener sees transactions start, get their final response, and close. */
export interface TransactionListener {
  /** A new transaction's first request. */
  started(tx: Transaction, m: CapturedMessage, msg: SipMessage): void;
  /** A retransmission of the request. */
  retransmitted?(tx: Transaction, m: CapturedMessage): void;
  /** The first final response. */
  answered(tx: Transaction, m: CapturedMessage, msg: SipMessage): void;
  /** The transaction is done (completed, unanswered after Timer F/B, or still open at the end). */
  closed(tx: Transaction, reason: CloseReason): void;
}

export interface TransactionLimits {
  /**
   * Transactions held at once, each about 2 KB with what the handshake and registration trackers
   * hold for it until it closes. A transaction lingers 32 s after its final response (Timer
   * J/K-like), so 10,000 hold every transaction of up to about 300 new ones per second of capture.
   * Beyond, the oldest answered one is closed early (its key is remembered, so late
   * retransmissions are still counted as such); only when none is answered is the oldest
   * unanswered one closed, and that is counted in `evicted`. On the 1 GB benchmark (4,200 new
   * transactions per second) 10,000 instead of 25,000 gave the same report for 40 MB less peak RSS.
   */
  maxOpen: number;
}

export const DEFAULT_TRANSACTION_LIMITS: TransactionLimits = { maxOpen: 10_000 };

function emptyStats(): TransactionStats {
  return {
    total: 0, byMethod: {}, completed: 0, unanswered: 0, openAtEnd: 0, requestRetransmissions: 0,
    responseRetransmissions: 0, orphanResponses: 0, byStatusClass: {},
  };
}

/**
 * StringPool slots (util/strings.ts) of the strings a transaction keeps: the last value of each
 * field is compared before the pool's map is asked. auth-info.ts uses the slots from 16 up.
 */
const SLOT = {
  reason: 1, serverAgent: 2, received: 3, viaSentBy: 4, requestUri: 5, fromUri: 6, fromUser: 7, toUri: 8, toUser: 9, toHost: 10,
  userAgent: 11, contact: 12,
} as const;

/**
 * transactionKey computes the matching key of a request or response. For ACK and CANCEL the
 * method is part of the key as written, so CANCEL has its own transaction (§9.1) and an ACK can
 * be looked up against its INVITE (§17.1.1.3).
 */
export function transactionKey(capture: number, msg: SipMessage, method: string): string | undefined {
  const via = msg.topVia;
  const cseq = msg.cseq;
  if (!via || !cseq) return undefined;
  const sentBy = `${via.host.toLowerCase()}:${via.port ?? ""}`;
  if (via.branch?.startsWith(MAGIC_COOKIE)) return `${capture}|${via.branch}|${sentBy}|${method}`;
  // RFC 2543 §17.2.3 fallback: the To tag differs between request and response, so it is left out.
  return `${capture}|2543|${msg.callId ?? ""}|${cseq.seq}|${method}|${msg.from?.tag ?? ""}|${sentBy}|${via.branch ?? ""}`;
}

/**
 * Open is an open transaction with its timer bookkeeping, on the correlator's leap-corrected
 * clock: one record per transaction, the table's map value, rather than a second map from
 * transaction to timers (every transaction outlives a few scavenges, so each entry and record
 * became old-generation garbage).
 */
interface Open {
  tx: Transaction;
  first: bigint;
  lastRequest: bigint;
  lastProvisional?: bigint;
  final?: bigint;
}

/** TransactionTable tracks open transactions of all captures. */
export class TransactionTable {
  private readonly open = new Map<string, Open>();
  readonly stats: TransactionStats = emptyStats();
  /** Transactions closed early because the table was full. */
  evicted = 0;
  /** First-seen order of `open`, for eviction when it is full (see OldestFirst). */
  private readonly order = new OldestFirst<string, Open>((o) => o.tx.requestFrames[0]);
  /** Final-response order of the answered transactions of `open`: these are closed first when it is full. */
  private readonly answeredOrder = new OldestFirst<string, Open>((o) => o.tx.requestFrames[0]);
  /**
   * Keys of answered transactions closed early to make room, the latest ones: a retransmission
   * arriving for one after all (its response was lost on the way to the client) is counted as a
   * retransmission, not taken for a new request. A key costs ~100 bytes, its transaction ~2 KB.
   */
  private readonly closedEarly: RecentKeys;
  /** Copies of the repeating strings transactions keep (see util/strings.ts: no message text stays pinned). */
  private readonly strings = new StringPool();
  /** Client and server endpoints, one frozen record per address and port, shared by their transactions. */
  private readonly endpoints = new AddressCache((ip, port): Endpoint => Object.freeze({ ip, port }));

  constructor(
    private readonly listener: TransactionListener,
    private readonly limits: TransactionLimits = DEFAULT_TRANSACTION_LIMITS,
  ) {
    this.closedEarly = new RecentKeys(2 * limits.maxOpen);
  }

  get size(): number {
    return this.open.size;
  }

  /** request handles a request message; `t` is the timer clock's time of it. */
  request(m: CapturedMessage, msg: SipMessage, t: bigint = m.tsNs): void {
    const method = msg.methodUpper ?? "";
    if (method === "ACK") {
      // ACK to a non-2xx final response belongs to the INVITE transaction (§17.1.1.3); ACK to a
      // 2xx is its own transaction that never gets a response: nothing to track.
      const key = transactionKey(m.capture, msg, "INVITE");
      const inv = key ? this.open.get(key)?.tx : undefined;
      if (inv?.final && inv.final.status >= 300 && inv.ackFrame === undefined) inv.ackFrame = m.frame;
      return;
    }
    const key = transactionKey(m.capture, msg, method);
    if (!key) return;
    const open = this.open.get(key);
    if (!open && this.closedEarly.has(key)) {
      this.stats.requestRetransmissions++;
      return;
    }
    if (open) {
      const existing = open.tx;
      existing.requestFrames.push(m.frame);
      existing.retransmissions++;
      existing.lastRequestTsNs = m.tsNs;
      open.lastRequest = t;
      this.stats.requestRetransmissions++;
      this.listener.retransmitted?.(existing, m);
      return;
    }
    if (this.open.size >= this.limits.maxOpen) this.evictOldest();
    // The key is built from message text (the branch): the table keeps a copy, not the text.
    const tx = newTransaction(detach(key), m, msg, method, this.strings, this.endpoints);
    // Every field from the start: one object shape for all entries.
    const entry: Open = { tx, first: t, lastRequest: t, lastProvisional: undefined, final: undefined };
    this.open.set(tx.key, entry);
    this.order.added(this.open, tx.key, entry);
    this.stats.total++;
    this.stats.byMethod[method] = (this.stats.byMethod[method] ?? 0) + 1;
    this.listener.started(tx, m, msg);
  }

  /** response handles a response message; `t` is the timer clock's time of it. */
  response(m: CapturedMessage, msg: SipMessage, t: bigint = m.tsNs): void {
    const method = msg.cseq?.method.toUpperCase() ?? "";
    const key = transactionKey(m.capture, msg, method);
    const open = key ? this.open.get(key) : undefined;
    const status = msg.status ?? 0;
    if (!open) {
      if (key !== undefined && this.closedEarly.has(key)) this.stats.responseRetransmissions++;
      else this.stats.orphanResponses++;
      return;
    }
    const tx = open.tx;
    const info = { frame: m.frame, tsNs: m.tsNs, status, reason: this.strings.get(msg.reason ?? "", SLOT.reason) };
    if (status < 200) {
      if (tx.provisional.length < MAX_PROVISIONAL) tx.provisional = appended(tx.provisional, info);
      open.lastProvisional = t;
      return;
    }
    if (tx.final) {
      this.stats.responseRetransmissions++;
      tx.finalRetransmissions++;
      return;
    }
    tx.final = info;
    open.final = t;
    this.answeredOrder.added(this.open, tx.key, open);
    const cls = STATUS_CLASSES[Math.floor(status / 100)] ?? `${Math.floor(status / 100)}xx`;
    this.stats.byStatusClass[cls] = (this.stats.byStatusClass[cls] ?? 0) + 1;
    tx.serverAgent = this.strings.get(msg.server ?? msg.userAgent, SLOT.serverAgent);
    const via = msg.topVia;
    if (via?.received) tx.received = this.strings.get(via.received, SLOT.received);
    if (typeof via?.rport === "number") tx.rport = via.rport;
    if (status === 401 || status === 407) tx.challenge = challengeOf(msg, m.frame, m.tsNs, this.strings);
    if (msg.minExpires !== undefined) tx.minExpires = msg.minExpires;
    if (tx.method === "REGISTER" && status < 300) tx.expiresGranted = grantedExpiry(msg, tx);
    this.listener.answered(tx, m, msg);
  }

  /** expire closes transactions whose timers ran out at capture time `nowNs`. */
  expire(nowNs: bigint): void {
    for (const open of this.open.values()) {
      // Insertion order is first-seen order: nothing younger than Timer F can be due.
      if (nowNs - open.first <= TIMER_F_NS) break;
      if (open.final !== undefined) {
        if (nowNs - open.final > TIMER_F_NS) this.close(open.tx, "completed");
      } else if (open.lastProvisional === undefined) {
        if (nowNs - open.lastRequest > TIMER_F_NS || nowNs - open.first > 2n * TIMER_F_NS) this.close(open.tx, "unanswered");
      } else if (nowNs - open.lastProvisional > TIMER_C_NS) {
        this.close(open.tx, "unanswered");
      }
    }
  }

  /**
   * finish closes everything at the end of the capture (`endNs` on the timer clock). A request
   * that got provisional responses is still ringing unless Timer C ran out (RFC 3261 §16.6).
   */
  finish(endNs: bigint): void {
    for (const { tx, first, lastProvisional } of [...this.open.values()]) {
      if (tx.final) this.close(tx, "completed");
      else if (lastProvisional !== undefined) this.close(tx, endNs - lastProvisional > TIMER_C_NS ? "unanswered" : "open_at_end");
      else this.close(tx, isTimedOut({ firstTsNs: first, retransmissions: tx.retransmissions }, endNs) ? "unanswered" : "open_at_end");
    }
  }

  /**
   * evictOldest makes room. The oldest answered transaction goes first: it only lingers for late
   * retransmissions (Timer J/K), and its key stays in `closedEarly` to recognise them, so closing
   * it early loses nothing the report shows but the frames of such a retransmission. Only when
   * every transaction still waits for its final response is the oldest of those closed, and
   * counted: its outcome is unknown.
   */
  private evictOldest(): void {
    const answered = this.answeredOrder.oldest(this.open)?.tx;
    if (answered !== undefined) {
      this.closedEarly.add(answered.key);
      this.close(answered, "completed");
      return;
    }
    const oldest = (this.order.oldest(this.open) as Open).tx;
    this.evicted++;
    this.close(oldest, "open_at_end");
  }

  private close(tx: Transaction, reason: CloseReason): void {
    this.open.delete(tx.key);
    if (reason === "completed") this.stats.completed++;
    else if (reason === "unanswered") this.stats.unanswered++;
    else this.stats.openAtEnd++;
    this.listener.closed(tx, reason);
  }
}

/** RecentKeys remembers the latest `max` keys added (a set with first-in first-out eviction). */
class RecentKeys {
  private readonly set = new Set<string>();
  private readonly order: KeyRing<string>;

  constructor(max: number) {
    this.order = new KeyRing(max);
  }

  add(key: string): void {
    if (this.set.has(key)) return;
    const forgotten = this.order.push(key);
    if (forgotten !== undefined) this.set.delete(forgotten);
    this.set.add(key);
  }

  has(key: string): boolean {
    return this.set.has(key);
  }
}

/**
 * isTimedOut decides, at the end of a capture, whether an unanswered request timed out: Timer F/B
 * ran out before the capture ended, or the client retransmitted at least 4 times (over UDP that is
 * ≥ 7.5 s of silence on the RFC 3261 §17.1.2.2 schedule, far beyond any live server's answer).
 */
export function isTimedOut(tx: Pick<Transaction, "firstTsNs" | "retransmissions">, endNs: bigint): boolean {
  return endNs - tx.firstTsNs >= TIMER_F_NS || tx.retransmissions >= 4;
}

/**
 * newTransaction builds a transaction from its first request. Strings are copied (unique ones) or
 * pooled (repeating ones): the transaction and the records made from it outlive the message.
 */
function newTransaction(key: string, m: CapturedMessage, msg: SipMessage, method: string, pool: StringPool, endpoints: AddressCache<Endpoint>): Transaction {
  const via = msg.topVia;
  const from = msg.from;
  const to = msg.to;
  const contact = msg.contacts[0];
  const tx: Transaction = {
    key,
    capture: m.capture,
    method,
    callId: detach(msg.callId ?? ""),
    cseq: msg.cseq?.seq ?? 0,
    requestFrames: [m.frame],
    firstTsNs: m.tsNs,
    lastRequestTsNs: m.tsNs,
    retransmissions: 0,
    client: endpoints.get(m.src, m.srcPort),
    server: endpoints.get(m.dst, m.dstPort),
    transport: m.transport,
    viaSentBy: via ? pool.get(formatEndpoint(via.host, via.port ?? 5060), SLOT.viaSentBy) : undefined,
    requestUri: pool.get(msg.requestUri, SLOT.requestUri),
    fromUri: from ? pool.get(aorOf(from.uri.scheme, from.uri.user, from.uri.host, from.uri.raw), SLOT.fromUri) : undefined,
    fromUser: pool.get(from?.uri.user, SLOT.fromUser),
    fromTag: detach(from?.tag),
    toUri: to ? pool.get(aorOf(to.uri.scheme, to.uri.user, to.uri.host, to.uri.raw), SLOT.toUri) : undefined,
    toUser: pool.get(to?.uri.user, SLOT.toUser),
    toHost: pool.get(to?.uri.host, SLOT.toHost),
    userAgent: pool.get(msg.userAgent, SLOT.userAgent),
    credentials: credentialsOf(msg, pool),
    provisional: NO_RESPONSES,
    finalRetransmissions: 0,
    contact: contact && !contact.star ? pool.get(contact.uri.raw, SLOT.contact) : contact?.star ? "*" : undefined,
    expiresRequested: method === "REGISTER" ? requestedExpiry(msg) : undefined,
    // Filled when answered; declared now so every transaction has one shape with all its fields
    // in the object: each one added later costs a growing out-of-object property store.
    final: undefined, challenge: undefined, serverAgent: undefined, expiresGranted: undefined, received: undefined,
    rport: undefined, ackFrame: undefined, minExpires: undefined, tcpAck: m.tcpAck,
  };
  return tx;
}

/** aorOf renders an address-of-record: scheme:user@host, without port or parameters (RFC 3261 §10.3 step 5 compares these). */
export function aorOf(scheme: string, user: string | undefined, host: string | undefined, raw: string): string {
  if (!host) return raw;
  return `${scheme || "sip"}:${user ? `${user}@` : ""}${host.toLowerCase()}`;
}

/** requestedExpiry: Contact expires parameter, else Expires header (RFC 3261 §10.2.1.1); `*` means 0. */
function requestedExpiry(msg: SipMessage): number | undefined {
  const c = msg.contacts[0];
  if (c?.star) return 0;
  return c?.expires ?? msg.expires;
}

/**
 * grantedExpiry reads what a REGISTER 2xx granted for the request's binding: the expires of the
 * matching Contact (RFC 3261 §10.3 step 8 lists all bindings), else the Expires header.
 */
function grantedExpiry(msg: SipMessage, tx: Transaction): number | undefined {
  const contacts = msg.contacts.filter((c) => !c.star);
  const mine = contacts.find((c) => tx.contact !== undefined && sameContact(c.uri.raw, tx.contact)) ?? (contacts.length === 1 ? contacts[0] : undefined);
  return mine?.expires ?? msg.expires ?? (contacts.length === 0 && tx.expiresRequested === 0 ? 0 : undefined);
}

/**
 * sameContact compares two Contact URIs as written, without angle brackets and parameters,
 * ignoring case; in place, since it runs for every binding of every REGISTER 2xx.
 */
function sameContact(a: string, b: string): boolean {
  const [as, ae] = contactSpan(a);
  const [bs, be] = contactSpan(b);
  if (ae - as !== be - bs) return false;
  for (let i = 0; i < ae - as; i++) {
    const x = a.charCodeAt(as + i);
    const y = b.charCodeAt(bs + i);
    if (x !== y && lower(x) !== lower(y)) return false;
  }
  return true;
}

/** contactSpan is where a Contact URI is, inside `<…>` if present, up to its first `;`. */
function contactSpan(s: string): [number, number] {
  const start = s.charCodeAt(0) === 0x3c ? 1 : 0;
  let end = s.length > start && s.charCodeAt(s.length - 1) === 0x3e ? s.length - 1 : s.length;
  const semi = s.indexOf(";", start);
  if (semi >= 0 && semi < end) end = semi;
  return [start, end];
}

/** lower folds case like toLowerCase: ASCII in place, anything else (rare in a URI) through it. */
function lower(c: number): number {
  if (c < 0x80) return c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
  return String.fromCharCode(c).toLowerCase().charCodeAt(0);
}

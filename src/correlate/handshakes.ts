/**
 * Authentication handshakes (RFC 3261 §22.2–22.3, RFC 7616): a request, the 401/407 challenge,
 * the same request with credentials (same Call-ID with a higher CSeq, or a new Call-ID from the
 * same client identity shortly after), and the outcome. One handshake is one cycle: after a
 * success the next challenge starts a new one, so "3 failed attempts" counts one cycle's attempts.
 */
import type { AuthAttempt, Handshake, HandshakeOutcome, Transaction } from "./model.js";
import { OldestFirst } from "../util/oldest.js";
import { detach } from "../util/strings.js";
import { appended, windowed } from "../util/window.js";
import { TIMER_F_NS } from "./transactions.js";

/** Attempts kept per cycle: the first HANDSHAKE_FIRST_ATTEMPTS and the latest (see util/window.ts). */
export const HANDSHAKE_MAX_ATTEMPTS = 16;
export const HANDSHAKE_FIRST_ATTEMPTS = 4;
/**
 * Call-IDs listed per cycle, the first ones: a retry may take a new Call-ID (RFC 3261 §22.2),
 * and a client doing so on every retry would otherwise grow the list, and its search, forever.
 */
const HANDSHAKE_MAX_CALL_IDS = 16;

export interface HandshakeLimits {
  /**
   * Handshakes kept in detail: this many plain successes, as many successes after a second try,
   * twice as many failures; beyond, they are only counted.
   */
  maxKept: number;
  /**
   * Open cycles tracked at once (the oldest is finished beyond). Settled cycles are finished as
   * soon as they settle, so what stays open is a challenge still waiting for its retry; a
   * wrong-password phone that takes a new Call-ID per attempt leaves one behind every time. Each
   * costs about 2.5 KB: 5,000 is 12 MB. A phone answers a challenge within a second, so 5,000
   * holds every retry in flight even at thousands of challenges per second.
   */
  maxOpen: number;
}

export const DEFAULT_HANDSHAKE_LIMITS: HandshakeLimits = { maxKept: 5_000, maxOpen: 5_000 };

/** HandshakeStats summarise every handshake, including those not kept in detail. */
export interface HandshakeStats {
  total: number;
  byOutcome: Partial<Record<HandshakeOutcome, number>>;
  /** Successful handshakes counted but not kept (limit). */
  foldedSuccesses: number;
  /** Failed handshakes, and successes after a second try, counted but not kept (the same repeated, or the limit). */
  foldedFailures: number;
}

/**
 * Failed cycles kept per client identity and outcome. A phone with a wrong password fails the
 * same way every few seconds for as long as the capture runs; its first cycles are the evidence,
 * the rest are counted. Without this bound the first few busy phones fill the failure pool and a
 * phone that starts failing later in the capture (a stale nonce after an hour) is never seen.
 */
const FAILED_PER_IDENTITY = 8;
/** Successes after a second try kept per identity: one shows the pattern, two that it repeats. */
const RETRIED_PER_IDENTITY = 2;

/**
 * CycleState is the tracker's bookkeeping of a cycle that is not finished: which map keys point at
 * it (so finishing it forgets exactly those, not by scanning the maps) and how many of its attempts
 * still wait for a final response.
 */
interface CycleState {
  callKeys: string[];
  idKeys: string[];
  pending: number;
}

/** Owned is an attempt and the cycle it was added to. */
interface Owned {
  hs: Handshake;
  attempt: AuthAttempt;
  /** callKeyOf(tx), computed once per transaction. */
  callKey: string;
}

export class HandshakeTracker {
  private nextId = 1;
  /** Open cycle per capture + Call-ID + method. */
  private readonly byCall = new Map<string, Handshake>();
  /** Latest challenged cycle per client identity (method + From AOR + client IP). */
  private readonly byIdentity = new Map<string, Handshake>();
  private readonly attemptOf = new Map<Transaction, Owned>();
  /** Weak so a cycle that lost its last map entry (overwritten, never finished) leaves nothing behind. */
  private readonly state = new WeakMap<Handshake, CycleState>();
  /** First-bound order of `byCall`, for eviction: its cycles come and go constantly (see OldestFirst). */
  private readonly callOrder = new OldestFirst<string, Handshake>((hs) => hs.id);
  private readonly done: Handshake[] = [];
  readonly stats: HandshakeStats = { total: 0, byOutcome: {}, foldedSuccesses: 0, foldedFailures: 0 };
  /** Failed cycles kept per identity and outcome (see FAILED_PER_IDENTITY). */
  private readonly failuresKept = new Map<string, number>();
  /** Handshakes kept in `done`, per pool. */
  private readonly kept = { plain: 0, retried: 0, failed: 0 };

  constructor(private readonly limits: HandshakeLimits = DEFAULT_HANDSHAKE_LIMITS) {}

  /** started sees a new request transaction. */
  started(tx: Transaction): void {
    const callKey = callKeyOf(tx);
    let hs = this.byCall.get(callKey);
    if (hs && lastOutcomeFinal(hs)) {
      this.finishCycle(hs);
      hs = undefined;
    }
    if (!hs && tx.credentials) {
      // A new Call-ID for the retry (allowed by RFC 3261 §22.2) joins the identity's open cycle.
      const byId = this.byIdentity.get(identityKey(tx));
      if (byId && !lastOutcomeFinal(byId) && tx.firstTsNs - byId.lastTsNs <= TIMER_F_NS) hs = byId;
    }
    if (!hs) {
      // Only requests with credentials open a cycle here; unauthenticated ones open one when challenged.
      if (!tx.credentials) return;
      hs = this.open(tx);
    }
    const ownKey = this.bindCall(callKey, hs);
    // The attempt keeps the cycle's copy of its Call-ID (see RegistrationTracker.started).
    const listed = hs.callIds.indexOf(tx.callId);
    const callId = listed >= 0 ? hs.callIds[listed] : tx.callId;
    if (listed < 0 && hs.callIds.length < HANDSHAKE_MAX_CALL_IDS) hs.callIds = appended(hs.callIds, callId);
    this.addAttempt(hs, tx, ownKey, callId);
  }

  /** answered sees a transaction's final response. */
  answered(tx: Transaction): void {
    let owned = this.attemptOf.get(tx);
    const status = tx.final?.status ?? 0;
    if (!owned) {
      if (status !== 401 && status !== 407) return;
      const hs = this.open(tx);
      const callKey = this.bindCall(callKeyOf(tx), hs);
      this.addAttempt(hs, tx, callKey);
      owned = this.attemptOf.get(tx) as Owned;
    }
    const attempt = owned.attempt;
    attempt.responseFrame = tx.final?.frame;
    attempt.status = status;
    attempt.reason = tx.final?.reason;
    attempt.challenge = tx.challenge;
    const hs = this.byCall.get(owned.callKey);
    if (hs) {
      hs.lastTsNs = tx.final?.tsNs ?? hs.lastTsNs;
      hs.status = status;
      hs.serverAgent ??= tx.serverAgent;
      if (tx.challenge?.realm) hs.realm ??= tx.challenge.realm;
      if (status === 401 || status === 407) this.bindIdentity(identityKey(tx), hs);
    }
    this.settle(owned.hs);
  }

  /** closed sees a transaction leave the table. */
  closed(tx: Transaction): void {
    const owned = this.attemptOf.get(tx);
    if (!owned) return;
    owned.attempt.retransmissions = tx.retransmissions;
    this.attemptOf.delete(tx);
    // An attempt that never got its final response stops being awaited when its transaction closes.
    if (!tx.final) this.settle(owned.hs);
  }

  /** finish ends every open cycle and returns the handshakes kept, in start order. */
  finish(endNs: bigint): Handshake[] {
    for (const hs of new Set(this.byCall.values())) this.finishCycle(hs, endNs);
    this.byCall.clear();
    this.byIdentity.clear();
    return this.done.sort((a, b) => a.id - b.id);
  }

  /**
   * settle is told that one of the cycle's attempts stopped waiting. A cycle whose last attempt
   * ended it (success or a non-challenge refusal) with nothing else awaited is finished now rather
   * than when its Call-ID is reused, the limit evicts it or the capture ends: nothing can change it
   * any more (the next request on its Call-ID starts a new cycle, identity joins need an unfinished
   * one) and its outcome does not depend on the end time, so state stays proportional to the
   * cycles in flight, not to every Call-ID since the start of the capture.
   */
  private settle(hs: Handshake): void {
    const st = this.state.get(hs);
    if (!st) return;
    st.pending--;
    if (st.pending === 0 && lastOutcomeFinal(hs) && st.callKeys.some((k) => this.byCall.get(k) === hs)) this.finishCycle(hs);
  }

  /**
   * bindCall points a Call-ID key at a cycle, remembering the key on the cycle, and returns the
   * copy of the key that is kept. Every request of the cycle on that Call-ID names it again: as
   * for identities (bindIdentity), only a new binding is made, from a flattened copy of the key
   * built from the message.
   */
  private bindCall(key: string, hs: Handshake): string {
    const st = this.state.get(hs);
    const kept = st?.callKeys.find((k) => k === key);
    if (kept !== undefined && this.byCall.get(kept) === hs) return kept;
    const own = kept ?? detach(key);
    this.byCall.set(own, hs);
    this.callOrder.added(this.byCall, own, hs);
    if (st && kept === undefined) st.callKeys = appended(st.callKeys, own);
    return own;
  }

  /** bindIdentity points an identity key at a cycle, remembering the key on the cycle. */
  private bindIdentity(key: string, hs: Handshake): void {
    // Each challenge of the cycle names the same identity again: only a new binding is kept, as a
    // flattened copy of the key built from the message.
    if (this.byIdentity.get(key) === hs) return;
    const own = detach(key);
    this.byIdentity.set(own, hs);
    const st = this.state.get(hs);
    if (st && !st.idKeys.includes(own)) st.idKeys = appended(st.idKeys, own);
  }

  private open(tx: Transaction): Handshake {
    if (this.byCall.size >= this.limits.maxOpen) this.finishCycle(this.callOrder.oldest(this.byCall) as Handshake);
    const hs: Handshake = {
      id: this.nextId++,
      capture: tx.capture,
      method: tx.method,
      client: tx.client,
      server: tx.server,
      transport: tx.transport,
      fromUri: tx.fromUri,
      fromUser: tx.fromUser,
      username: tx.credentials?.username,
      realm: tx.credentials?.realm,
      // Most cycles stay on one Call-ID: a list made with it has room for just that one.
      callIds: [tx.callId],
      attempts: [],
      attemptCount: 0,
      authenticatedAttempts: 0,
      outcome: "no_response",
      firstTsNs: tx.firstTsNs,
      lastTsNs: tx.firstTsNs,
      userAgent: tx.userAgent,
      // Filled when answered; declared now so every cycle has one compact shape.
      status: undefined, serverAgent: undefined,
    };
    this.state.set(hs, { callKeys: [], idKeys: [], pending: 0 });
    return hs;
  }

  private addAttempt(hs: Handshake, tx: Transaction, callKey: string, callId = tx.callId): AuthAttempt {
    const a: AuthAttempt = {
      frame: tx.requestFrames[0],
      tsNs: tx.firstTsNs,
      cseq: tx.cseq,
      callId,
      credentials: tx.credentials,
      requestUri: tx.requestUri,
      retransmissions: 0,
      // Filled when answered; declared now so every attempt has one compact shape.
      responseFrame: undefined, status: undefined, reason: undefined, challenge: undefined,
    };
    hs.attemptCount++;
    if (tx.credentials) {
      hs.authenticatedAttempts++;
      hs.username ??= tx.credentials.username;
    }
    hs.lastTsNs = tx.firstTsNs;
    hs.attempts = windowed(hs.attempts, a, HANDSHAKE_FIRST_ATTEMPTS, HANDSHAKE_MAX_ATTEMPTS);
    this.attemptOf.set(tx, { hs, attempt: a, callKey });
    const st = this.state.get(hs);
    if (st) st.pending++;
    return a;
  }

  private finishCycle(hs: Handshake, endNs?: bigint): void {
    const st = this.state.get(hs);
    if (st) {
      for (const k of st.callKeys) if (this.byCall.get(k) === hs) this.byCall.delete(k);
      // A finished cycle is never joined again (a retry starts a new one), so its identity entry goes too.
      for (const k of st.idKeys) if (this.byIdentity.get(k) === hs) this.byIdentity.delete(k);
      this.state.delete(hs);
    }
    hs.outcome = outcomeOf(hs, endNs);
    this.stats.total++;
    this.stats.byOutcome[hs.outcome] = (this.stats.byOutcome[hs.outcome] ?? 0) + 1;
    // Three pools, so that neither crowds the others out: plain successes (one challenge, one
    // answer: the common case), successes that needed a second try (stale nonce, re-challenge) and
    // failures; the last two are evidence and kept per identity, the first ones of each.
    const success = hs.outcome === "success";
    const plain = success && hs.authenticatedAttempts <= 1 && !hs.attempts.some((a) => a.challenge?.stale);
    if (plain) {
      if (this.kept.plain >= this.limits.maxKept) this.stats.foldedSuccesses++;
      else {
        this.kept.plain++;
        this.keep(hs);
      }
      return;
    }
    const key = `${identityKey(hs)}|${hs.outcome}`;
    const kept = this.failuresKept.get(key) ?? 0;
    const full = success ? this.kept.retried >= this.limits.maxKept : this.kept.failed >= 2 * this.limits.maxKept;
    if (kept >= (success ? RETRIED_PER_IDENTITY : FAILED_PER_IDENTITY) || full) {
      this.stats.foldedFailures++;
      return;
    }
    // Bounded like everything else: a scan of a million identities starts the count over.
    if (this.failuresKept.size >= 4 * this.limits.maxKept) this.failuresKept.clear();
    this.failuresKept.set(key, kept + 1);
    if (success) this.kept.retried++;
    else this.kept.failed++;
    this.keep(hs);
  }

  /** keep adds a finished cycle to the result (its lists are of exact size already: util/window.ts). */
  private keep(hs: Handshake): void {
    this.done.push(hs);
  }
}

/**
 * callKeyOf: a cycle belongs to one client host on one Call-ID and method. The client host keeps
 * a proxy's forwarded copy of the request (same Call-ID, RFC 3261 §16.6) out of the caller's cycle.
 */
function callKeyOf(tx: Transaction): string {
  return `${tx.capture}|${tx.callId}|${tx.method}|${tx.client.ip}`;
}

function identityKey(tx: Pick<Transaction, "capture" | "method" | "fromUri" | "client">): string {
  return `${tx.capture}|${tx.method}|${tx.fromUri ?? ""}|${tx.client.ip}`;
}

/** lastOutcomeFinal: the cycle's last attempt ended it (success or a non-challenge failure). */
function lastOutcomeFinal(hs: Handshake): boolean {
  const s = hs.attempts[hs.attempts.length - 1]?.status;
  return s !== undefined && s !== 401 && s !== 407;
}

/** outcomeOf classifies a cycle by its last attempt. */
function outcomeOf(hs: Handshake, endNs?: bigint): HandshakeOutcome {
  const last = hs.attempts[hs.attempts.length - 1];
  const s = last?.status;
  if (s === undefined) return "no_response";
  if (s >= 200 && s < 300) return "success";
  if (s === 401 || s === 407) {
    if (!last.credentials) {
      // Challenged, never answered with credentials. At the very end of a capture the retry may
      // simply not be in it yet.
      return endNs !== undefined && endNs - last.tsNs < TIMER_F_NS ? "in_progress" : "no_retry";
    }
    return last.challenge?.stale ? "stale" : "rechallenged";
  }
  if (s === 403) return "forbidden";
  if (s === 404) return "not_found";
  return "other";
}

/**
 * Registrations (RFC 3261 §10): every REGISTER for one address-of-record (the To URI) from one
 * client host, over time — challenges, credentials, outcomes, expiry granted, refresh interval,
 * source-port changes (NAT rebinding) and de-registrations. Bounded: attempts beyond the limit are
 * counted, not kept.
 */
import type { Registration, RegistrationAttempt, RegistrationOutcome, Transaction } from "./model.js";
import { isTimedOut, TIMER_F_NS } from "./transactions.js";
import { OldestFirst } from "../util/oldest.js";
import { detach } from "../util/strings.js";
import { appended, windowed } from "../util/window.js";

/**
 * Attempts kept per registration, all in detail (credentials, challenge, frames): the first
 * REGISTRATION_FIRST_ATTEMPTS (how it started: the first challenge) and the latest ones (how it
 * ends: the outcome and what led to it). The attempts between are counted (attemptCount), not
 * kept: 5,000 phones refreshing for hours then hold about 7 KB each, not a growing history. The
 * latest 4 are the last two challenge/answer rounds: enough to tell a re-challenge from a stale
 * nonce or a timeout after a success.
 */
export const REGISTRATION_MAX_ATTEMPTS = 6;
export const REGISTRATION_FIRST_ATTEMPTS = 2;
const MAX_FRAMES_PER_ATTEMPT = 16;
/** Call-IDs listed per registration (a phone usually keeps one; a new one per refresh is a client quirk). */
const MAX_CALL_IDS = 8;
/**
 * Source ports listed per registration. A phone keeps one, a NAT rebinding adds one now and then;
 * a tool sending each REGISTER from a new port would otherwise grow the list (and the search of
 * it on every REGISTER) to 65,536. Changes are counted beyond it (portChanges).
 */
const MAX_CLIENT_PORTS = 16;
/**
 * Refresh intervals kept per registration, the first ones (the report shows their median): a
 * phone refreshing for hours would otherwise grow its registration without bound.
 */
const MAX_REFRESH_INTERVALS = 32;

export interface RegistrationLimits {
  /**
   * Registrations tracked in detail. Beyond it the oldest (first seen) is decided as at that
   * moment and folded into outcome counts, so a flood of new AORs keeps memory and the report
   * bounded while the totals stay right.
   */
  maxRegistrations: number;
}

export const DEFAULT_REGISTRATION_LIMITS: RegistrationLimits = { maxRegistrations: 10_000 };

export class RegistrationTracker {
  private nextId = 1;
  private readonly regs = new Map<string, Registration>();
  /** The attempt each open REGISTER transaction made, and the registration it belongs to. */
  private readonly attemptOf = new Map<Transaction, { attempt: RegistrationAttempt; reg: Registration }>();
  /** Registrations folded away while some of their transactions were still open: those answers update nothing. */
  private readonly folded = new WeakSet<Registration>();
  private readonly order = new OldestFirst<string, Registration>((reg) => reg.id);
  /** Registrations folded into `foldedOutcomes` because the limit was reached. */
  untracked = 0;
  /** Outcomes of the folded registrations, decided when they were folded. */
  readonly foldedOutcomes: Partial<Record<RegistrationOutcome, number>> = {};

  constructor(private readonly limits: RegistrationLimits = DEFAULT_REGISTRATION_LIMITS) {}

  started(tx: Transaction): void {
    if (tx.method !== "REGISTER") return;
    const aor = tx.toUri ?? tx.fromUri ?? "(no To)";
    const key = `${tx.capture}|${aor}|${tx.client.ip}`;
    let reg = this.regs.get(key);
    if (!reg) {
      if (this.regs.size >= this.limits.maxRegistrations) this.foldOldestRegistration(tx.firstTsNs);
      reg = {
        id: this.nextId++, capture: tx.capture, aor, user: tx.toUser, domain: tx.toHost, client: tx.client,
        // Lists start with their first entry: most phones keep one source port and one Call-ID,
        // and a list that starts empty takes room for 17 entries at its first push.
        server: tx.server, transport: tx.transport, clientPorts: [tx.client.port], portChanges: 0, callIds: [tx.callId], attempts: [], attemptCount: 0,
        authenticatedAttempts: 0, answeredAttempts: 0, staleChallenges: 0, deregistrations: 0, successes: 0, refreshIntervalsS: [],
        outcome: "in_progress", firstTsNs: tx.firstTsNs, lastTsNs: tx.firstTsNs, userAgent: tx.userAgent,
        // Set later; declared now so every registration has one shape with all its fields in the
        // object (each one added later costs an out-of-object property store).
        username: undefined, realm: undefined, status: undefined, reason: undefined, expiresGranted: undefined,
        serverAgent: undefined, contact: undefined,
      };
      // The map keeps its key: a copy, flattened once (util/strings.ts).
      const own = detach(key);
      this.regs.set(own, reg);
      this.order.added(this.regs, own, reg);
    }
    // Lists of exact size (util/window.ts): 10,000 registrations are kept.
    const port = tx.client.port;
    const previous = reg.attempts[reg.attempts.length - 1];
    if (previous !== undefined && previous.client.port !== port) reg.portChanges++;
    if (reg.clientPorts.length < MAX_CLIENT_PORTS && !reg.clientPorts.includes(port)) reg.clientPorts = appended(reg.clientPorts, port);
    // An attempt on a Call-ID already listed keeps the listed copy (refreshes reuse one Call-ID):
    // its transaction's own copy goes with the transaction.
    const listed = reg.callIds.indexOf(tx.callId);
    const callId = listed >= 0 ? reg.callIds[listed] : tx.callId;
    if (listed < 0 && reg.callIds.length < MAX_CALL_IDS) reg.callIds = appended(reg.callIds, callId);
    reg.attemptCount++;
    if (tx.credentials) {
      reg.authenticatedAttempts++;
      reg.username ??= tx.credentials.username;
      reg.realm ??= tx.credentials.realm;
    }
    reg.lastTsNs = tx.firstTsNs;
    reg.contact = tx.contact ?? reg.contact;
    const a: RegistrationAttempt = {
      frame: tx.requestFrames[0], tsNs: tx.firstTsNs, cseq: tx.cseq, callId, credentials: tx.credentials,
      authenticated: tx.credentials !== undefined,
      requestUri: tx.requestUri, retransmissions: 0, client: tx.client, expiresRequested: tx.expiresRequested,
      // Until the transaction closes, its own list of request frames (no copy made for every
      // REGISTER); on close, framesOf's exact-size list of all its frames.
      contact: tx.contact, viaSentBy: tx.viaSentBy, unanswered: false, frames: tx.requestFrames, lastTsNs: tx.firstTsNs,
      // Filled when answered; declared now so every attempt has one compact shape.
      responseFrame: undefined, status: undefined, reason: undefined, challenge: undefined, expiresGranted: undefined,
      received: undefined, rport: undefined, tcpAck: tx.tcpAck,
    };
    this.attemptOf.set(tx, { attempt: a, reg });
    reg.attempts = windowed(reg.attempts, a, REGISTRATION_FIRST_ATTEMPTS, REGISTRATION_MAX_ATTEMPTS);
  }

  answered(tx: Transaction): void {
    const owned = this.attemptOf.get(tx);
    const f = tx.final;
    if (!owned || !f) return;
    const a = owned.attempt;
    a.responseFrame = f.frame;
    a.status = f.status;
    a.reason = f.reason;
    a.challenge = tx.challenge;
    a.expiresGranted = tx.expiresGranted;
    a.received = tx.received;
    a.rport = tx.rport;
    a.lastTsNs = f.tsNs;
    const reg = owned.reg;
    if (this.folded.has(reg)) return;
    reg.lastTsNs = f.tsNs;
    reg.answeredAttempts++;
    reg.serverAgent ??= tx.serverAgent;
    if (tx.challenge?.realm) reg.realm ??= tx.challenge.realm;
    if (tx.challenge?.stale) reg.staleChallenges++;
    if (f.status >= 200 && f.status < 300) {
      const expiry = tx.expiresGranted ?? tx.expiresRequested;
      if (expiry === 0) reg.deregistrations++;
      else {
        const prev = lastSuccess(reg, a);
        if (prev && reg.refreshIntervalsS.length < MAX_REFRESH_INTERVALS) reg.refreshIntervalsS = appended(reg.refreshIntervalsS, Number((a.tsNs - prev.tsNs) / 1_000_000n) / 1000);
        reg.successes++;
      }
    }
  }

  closed(tx: Transaction): void {
    const a = this.attemptOf.get(tx)?.attempt;
    if (!a) return;
    this.attemptOf.delete(tx);
    a.retransmissions = tx.retransmissions;
    a.unanswered = !tx.final;
    // Only an unanswered REGISTER's delivery is evidence (detect/registration.ts): thousands of
    // attempts are kept, so the others let theirs go.
    if (tx.final) a.tcpAck = undefined;
    a.frames = framesOf(tx);
    if (!tx.final) a.lastTsNs = tx.lastRequestTsNs;
  }

  /** finish decides every registration's outcome at capture end `endNs`. */
  finish(endNs: bigint): Registration[] {
    const out = [...this.regs.values()].sort((a, b) => a.id - b.id);
    for (const reg of out) decideOutcome(reg, endNs);
    return out;
  }

  /** foldOldestRegistration decides the oldest registration's outcome at `nowNs` and keeps only that count. */
  private foldOldestRegistration(nowNs: bigint): void {
    const old = this.order.oldest(this.regs);
    if (!old) return;
    this.regs.delete(`${old.capture}|${old.aor}|${old.client.ip}`);
    this.folded.add(old);
    decideOutcome(old, nowNs);
    this.foldedOutcomes[old.outcome] = (this.foldedOutcomes[old.outcome] ?? 0) + 1;
    this.untracked++;
  }
}

/**
 * framesOf lists a transaction's frames in order, without repeats, the first
 * MAX_FRAMES_PER_ATTEMPT. Mostly a request and its response, already in order: only what is not
 * pays for a sort. Gathered in a scratch list and copied out at their exact size: a list grown by
 * push holds room for 17 frames, and every registration keeps one per attempt.
 */
const scratchFrames: number[] = [];
function framesOf(tx: Transaction): number[] {
  const frames = scratchFrames;
  frames.length = 0;
  for (let i = 0; i < tx.requestFrames.length && i < MAX_FRAMES_PER_ATTEMPT; i++) frames.push(tx.requestFrames[i]);
  for (const p of tx.provisional) frames.push(p.frame);
  if (tx.final) frames.push(tx.final.frame);
  let ordered = true;
  for (let i = 1; i < frames.length && ordered; i++) ordered = frames[i] > frames[i - 1];
  if (ordered) return frames.slice(0, MAX_FRAMES_PER_ATTEMPT);
  return [...new Set(frames)].sort((x, y) => x - y).slice(0, MAX_FRAMES_PER_ATTEMPT);
}

function lastSuccess(reg: Registration, before: RegistrationAttempt): RegistrationAttempt | undefined {
  for (let i = reg.attempts.length - 1; i >= 0; i--) {
    const a = reg.attempts[i];
    if (a !== before && a.status !== undefined && a.status >= 200 && a.status < 300 && (a.expiresGranted ?? a.expiresRequested) !== 0) return a;
  }
  return undefined;
}

/**
 * decideOutcome reads the last attempt: 2xx → registered (unregistered for expiry 0); a re-challenge
 * of credentials, 403/404 or another error → failed; a challenge never answered → failed, unless the
 * capture ended within Timer F of it (in progress); no response → timeout once Timer F/B ran out
 * or retransmissions show the client waiting, else in progress.
 */
function decideOutcome(reg: Registration, endNs: bigint): void {
  const last = reg.attempts[reg.attempts.length - 1];
  let outcome: RegistrationOutcome;
  reg.status = last?.status;
  reg.reason = last?.reason;
  if (!last) outcome = "in_progress";
  else if (last.status === undefined) {
    // Unanswered: a timeout once its own timer ran out, or when the attempt before it went
    // unanswered too (the client keeps trying into silence).
    const previous = reg.attempts[reg.attempts.length - 2];
    outcome = isTimedOut({ firstTsNs: last.tsNs, retransmissions: last.retransmissions }, endNs) || previous?.unanswered === true ? "timeout" : "in_progress";
  } else if (last.status >= 200 && last.status < 300) {
    const expiry = last.expiresGranted ?? last.expiresRequested;
    outcome = expiry === 0 ? "unregistered" : "registered";
    reg.expiresGranted = last.expiresGranted;
  } else if ((last.status === 401 || last.status === 407) && !last.authenticated) {
    outcome = endNs - last.lastTsNs < TIMER_F_NS ? "in_progress" : "failed";
  } else if (last.status < 200) {
    outcome = "in_progress";
  } else {
    outcome = "failed";
  }
  reg.outcome = outcome;
  if (reg.expiresGranted === undefined) {
    for (let i = reg.attempts.length - 1; i >= 0; i--) {
      const g = reg.attempts[i].expiresGranted;
      if (g !== undefined) {
        reg.expiresGranted = g;
        break;
      }
    }
  }
}

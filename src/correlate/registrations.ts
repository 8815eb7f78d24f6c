/**
 * Registrations (RFC 3261 §10): every REGISTER for one address-of-record (the To URI) from one
 * client host, over time — challenges, credentials, outcomes, expiry granted, refresh interval,
 * source-port changes (NAT rebinding) and de-registrations. Bounded: attempts beyond the limit are
 * counted, not kept.
 */
import type { Registration, RegistrationAttempt, RegistrationOutcome, Transaction } from "./model.js";
import { isTimedOut, TIMER_F_NS } from "./transactions.js";

const MAX_ATTEMPTS = 64;
const MAX_FRAMES_PER_ATTEMPT = 16;

export interface RegistrationLimits {
  /** Registrations tracked; beyond it new AORs are only counted. */
  maxRegistrations: number;
}

export const DEFAULT_REGISTRATION_LIMITS: RegistrationLimits = { maxRegistrations: 100_000 };

export class RegistrationTracker {
  private nextId = 1;
  private readonly regs = new Map<string, Registration>();
  private readonly attemptOf = new Map<Transaction, RegistrationAttempt>();
  /** REGISTERs of AORs beyond the limit. */
  untracked = 0;

  constructor(private readonly limits: RegistrationLimits = DEFAULT_REGISTRATION_LIMITS) {}

  started(tx: Transaction): void {
    if (tx.method !== "REGISTER") return;
    const aor = tx.toUri ?? tx.fromUri ?? "(no To)";
    const key = `${tx.capture}|${aor}|${tx.client.ip}`;
    let reg = this.regs.get(key);
    if (!reg) {
      if (this.regs.size >= this.limits.maxRegistrations) {
        this.untracked++;
        return;
      }
      reg = {
        id: this.nextId++, capture: tx.capture, aor, user: tx.toUser, domain: tx.toHost, client: tx.client,
        server: tx.server, transport: tx.transport, clientPorts: [], callIds: [], attempts: [], attemptCount: 0,
        authenticatedAttempts: 0, staleChallenges: 0, deregistrations: 0, successes: 0, refreshIntervalsS: [],
        outcome: "in_progress", firstTsNs: tx.firstTsNs, lastTsNs: tx.firstTsNs, userAgent: tx.userAgent,
      };
      this.regs.set(key, reg);
    }
    if (!reg.clientPorts.includes(tx.client.port)) reg.clientPorts.push(tx.client.port);
    if (!reg.callIds.includes(tx.callId) && reg.callIds.length < 16) reg.callIds.push(tx.callId);
    reg.attemptCount++;
    if (tx.credentials) {
      reg.authenticatedAttempts++;
      reg.username ??= tx.credentials.username;
      reg.realm ??= tx.credentials.realm;
    }
    reg.lastTsNs = tx.firstTsNs;
    reg.contact = tx.contact ?? reg.contact;
    const a: RegistrationAttempt = {
      frame: tx.requestFrames[0], tsNs: tx.firstTsNs, cseq: tx.cseq, callId: tx.callId, credentials: tx.credentials,
      requestUri: tx.requestUri, retransmissions: 0, client: tx.client, expiresRequested: tx.expiresRequested,
      contact: tx.contact, viaSentBy: tx.viaSentBy, unanswered: false, frames: [tx.requestFrames[0]], lastTsNs: tx.firstTsNs,
    };
    this.attemptOf.set(tx, a);
    if (reg.attempts.length < MAX_ATTEMPTS) reg.attempts.push(a);
    else this.foldOldest(reg, a);
  }

  answered(tx: Transaction): void {
    const a = this.attemptOf.get(tx);
    const f = tx.final;
    if (!a || !f) return;
    a.responseFrame = f.frame;
    a.status = f.status;
    a.reason = f.reason;
    a.challenge = tx.challenge;
    a.expiresGranted = tx.expiresGranted;
    a.received = tx.received;
    a.rport = tx.rport;
    a.lastTsNs = f.tsNs;
    const reg = this.regOf(tx);
    if (!reg) return;
    reg.lastTsNs = f.tsNs;
    reg.serverAgent ??= tx.serverAgent;
    if (tx.challenge?.realm) reg.realm ??= tx.challenge.realm;
    if (tx.challenge?.stale) reg.staleChallenges++;
    if (f.status >= 200 && f.status < 300) {
      const expiry = tx.expiresGranted ?? tx.expiresRequested;
      if (expiry === 0) reg.deregistrations++;
      else {
        const prev = lastSuccess(reg, a);
        if (prev) reg.refreshIntervalsS.push(Number((a.tsNs - prev.tsNs) / 1_000_000n) / 1000);
        reg.successes++;
      }
    }
  }

  closed(tx: Transaction): void {
    const a = this.attemptOf.get(tx);
    if (!a) return;
    this.attemptOf.delete(tx);
    a.retransmissions = tx.retransmissions;
    a.unanswered = !tx.final;
    const frames = [...tx.requestFrames, ...tx.provisional.map((p) => p.frame)];
    if (tx.final) frames.push(tx.final.frame);
    a.frames = [...new Set(frames)].sort((x, y) => x - y).slice(0, MAX_FRAMES_PER_ATTEMPT);
    if (!tx.final) a.lastTsNs = tx.lastRequestTsNs;
  }

  /** finish decides every registration's outcome at capture end `endNs`. */
  finish(endNs: bigint): Registration[] {
    const out = [...this.regs.values()].sort((a, b) => a.id - b.id);
    for (const reg of out) decideOutcome(reg, endNs);
    return out;
  }

  private regOf(tx: Transaction): Registration | undefined {
    return this.regs.get(`${tx.capture}|${tx.toUri ?? tx.fromUri ?? "(no To)"}|${tx.client.ip}`);
  }

  /** foldOldest keeps the first attempts and a sliding window of the latest ones. */
  private foldOldest(reg: Registration, a: RegistrationAttempt): void {
    reg.attempts.splice(MAX_ATTEMPTS / 2, 1);
    reg.attempts.push(a);
  }
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
  } else if ((last.status === 401 || last.status === 407) && !last.credentials) {
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

/**
 * Correlator: captured messages in, transactions, handshakes, registrations and nonces out.
 * Messages are fed in capture order; timestamps may step back a little (never assumed sorted:
 * timers use the latest time seen).
 */
import type { CapturedMessage } from "../extract/model.js";
import type { SipMessage } from "../sip/message.js";
import { HandshakeTracker, DEFAULT_HANDSHAKE_LIMITS, type HandshakeLimits, type HandshakeStats } from "./handshakes.js";
import type { Handshake, Registration, RegistrationOutcome, Transaction, TransactionStats } from "./model.js";
import { NonceTracker } from "./nonces.js";
import { RegistrationTracker, DEFAULT_REGISTRATION_LIMITS, type RegistrationLimits } from "./registrations.js";
import { TransactionTable, DEFAULT_TRANSACTION_LIMITS, type CloseReason, type TransactionLimits } from "./transactions.js";
import { CLOCK_JUMP_NS } from "../util/time.js";

export interface CorrelationLimits {
  transactions: TransactionLimits;
  handshakes: HandshakeLimits;
  registrations: RegistrationLimits;
}

export const DEFAULT_CORRELATION_LIMITS: CorrelationLimits = {
  transactions: DEFAULT_TRANSACTION_LIMITS,
  handshakes: DEFAULT_HANDSHAKE_LIMITS,
  registrations: DEFAULT_REGISTRATION_LIMITS,
};

/** Correlation is the correlator's result. */
export interface Correlation {
  transactions: TransactionStats;
  registrations: Registration[];
  handshakes: Handshake[];
  handshakeStats: HandshakeStats;
  nonces: NonceTracker;
  /** State dropped to stay within limits (0 in normal captures). */
  folded: { transactions: number; registrations: number; nonces: number };
  /** Outcomes of the registrations folded away (not in `registrations`), for the totals. */
  foldedRegistrationOutcomes: Partial<Record<RegistrationOutcome, number>>;
  /** Capture clock jumps of more than a day, ignored by the timers. */
  clockJumps: number;
}

/** TransactionObserver lets detectors see transactions close with all their facts (bounded, online). */
export type TransactionObserver = (tx: Transaction, reason: CloseReason) => void;

const EXPIRE_EVERY_NS = 1_000_000_000n;

export class Correlator {
  private readonly table: TransactionTable;
  private readonly handshakes: HandshakeTracker;
  private readonly registrations: RegistrationTracker;
  private readonly nonces = new NonceTracker();
  private nowNs: bigint | undefined;
  private nextExpireNs = 0n;
  private lastTsNs: bigint | undefined;
  /** Sum of clock leaps removed from timer time. */
  private skewNs = 0n;
  private clockJumps = 0;

  constructor(
    limits: CorrelationLimits = DEFAULT_CORRELATION_LIMITS,
    private readonly observers: TransactionObserver[] = [],
  ) {
    this.handshakes = new HandshakeTracker(limits.handshakes);
    this.registrations = new RegistrationTracker(limits.registrations);
    this.table = new TransactionTable(
      {
        started: (tx) => {
          this.nonces.used(tx);
          this.handshakes.started(tx);
          this.registrations.started(tx);
        },
        answered: (tx) => {
          if (tx.challenge) this.nonces.issued(tx);
          this.handshakes.answered(tx);
          this.registrations.answered(tx);
        },
        closed: (tx, reason) => {
          this.handshakes.closed(tx);
          this.registrations.closed(tx);
          for (const o of this.observers) o(tx, reason);
        },
      },
      limits.transactions,
    );
  }

  /** add feeds one message. */
  add(m: CapturedMessage): void {
    const msg: SipMessage | null = m.message;
    if (this.lastTsNs !== undefined) {
      const step = m.tsNs - this.lastTsNs;
      if (step > CLOCK_JUMP_NS || step < -CLOCK_JUMP_NS) {
        this.skewNs += step;
        this.clockJumps++;
      }
    }
    this.lastTsNs = m.tsNs;
    // The timer clock is the capture's unless it leapt: then the message's own time is kept (a
    // BigInt subtraction makes a new one, which open transactions would keep beside it).
    const t = this.skewNs === 0n ? m.tsNs : m.tsNs - this.skewNs;
    if (this.nowNs === undefined || t > this.nowNs) this.nowNs = t;
    if (this.nowNs >= this.nextExpireNs) {
      this.table.expire(this.nowNs);
      this.nextExpireNs = this.nowNs + EXPIRE_EVERY_NS;
    }
    if (!msg) return;
    if (msg.kind === "request") this.table.request(m, msg, t);
    else this.table.response(m, msg, t);
  }

  /** finish closes everything; `endNs` is the last frame time of the capture(s). */
  finish(endNs?: bigint): Correlation {
    const end = endNs !== undefined && this.lastTsNs !== undefined && endNs - this.lastTsNs < CLOCK_JUMP_NS ? endNs - this.skewNs : (this.nowNs ?? 0n);
    this.table.finish(end);
    return {
      transactions: this.table.stats,
      registrations: this.registrations.finish(end),
      handshakes: this.handshakes.finish(end),
      handshakeStats: this.handshakes.stats,
      nonces: this.nonces,
      folded: { transactions: this.table.evicted, registrations: this.registrations.untracked, nonces: this.nonces.evicted },
      foldedRegistrationOutcomes: this.registrations.foldedOutcomes,
      clockJumps: this.clockJumps,
    };
  }
}

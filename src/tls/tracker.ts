/**
 * TlsTracker owns the TLS connections of one capture for the extractor: it gives each TCP
 * direction a stream sink, holds the key log (from `--tls-keylog` and pcapng Decryption Secrets
 * Blocks), hands decrypted application data to plaintext sinks the caller chooses (a SIP framer,
 * a WebSocket decoder), and reports each session once it is over.
 *
 * Sessions whose protected records wait for keys are kept past their TCP close until `finish`,
 * because Decryption Secrets Blocks reach the caller only when the whole capture has been read.
 */
import type { TlsIssueFn } from "./issues.js";
import { TlsKeyLog, type KeyLogStats } from "./keylog.js";
import type { TlsSession, TlsSide } from "./model.js";
import { DEFAULT_TLS_LIMITS, TlsConnection, type Endpoint, type PendingBudget, type TlsLimits } from "./session.js";

/** StreamSink is anything that consumes an in-order byte stream (the extractor's StreamConsumer). */
export interface StreamSink {
  push(bytes: Uint8Array, carrierFrame: number, frame: number, tsNs: bigint): void;
  gap(frame: number): void;
  end(frame: number): void;
}

/**
 * PlaintextFactory chooses the sink for `side`'s decrypted data from its first bytes; it may also
 * fill `sinks` for the other side (a WebSocket upgrade makes both sides WebSocket). Returning
 * undefined ignores that side's data (not SIP).
 */
export type PlaintextFactory = (side: TlsSide, first: Uint8Array, sinks: Partial<Record<TlsSide, StreamSink>>) => StreamSink | undefined;

/** TlsTrackerOptions configure a tracker. */
export interface TlsTrackerOptions {
  issue: TlsIssueFn;
  /** Called once per session when it is over (both sides closed, or end of capture). */
  onSession?: (s: TlsSession) => void;
  /** Capture index stamped on sessions. */
  capture?: number;
  limits?: TlsLimits;
  /** Protected bytes all sessions together may hold while waiting for keys (default 16 MiB). */
  pendingBudgetBytes?: number;
  /** Whether a session is worth decrypting (asked at its first protected record); default yes. */
  wantDecryption?: (s: TlsSession) => boolean;
}

interface Tracked {
  conn: TlsConnection;
  sinks: Partial<Record<TlsSide, StreamSink>>;
  chosen: Record<TlsSide, boolean>;
  lastFrame: number;
  closed: boolean;
}

/** TlsTracker: see the module comment. */
export class TlsTracker {
  /** The key log; secrets never leave it except into key derivation. */
  readonly keys = new TlsKeyLog();
  /** Sessions seen so far. */
  sessions = 0;
  private readonly live = new Set<Tracked>();
  private readonly waiting = new Set<Tracked>();
  private readonly budget: PendingBudget;

  constructor(private readonly opts: TlsTrackerOptions) {
    this.budget = { left: opts.pendingBudgetBytes ?? 16 * 1024 * 1024 };
  }

  /** addKeys adds key log text; held records of open and waiting sessions are retried. */
  addKeys(text: string | Uint8Array): KeyLogStats {
    const stats = this.keys.add(text);
    if (stats.accepted > 0) for (const t of [...this.live, ...this.waiting]) t.conn.retry();
    return stats;
  }

  /**
   * open starts a session between `client` and `server` and returns the sinks for the bytes each
   * side sends, and the session model (live: it fills in as bytes arrive). `plaintext` chooses
   * where decrypted data goes.
   */
  open(client: Endpoint, server: Endpoint, ipVersion: 4 | 6, plaintext: PlaintextFactory): Record<TlsSide, StreamSink> & { session: TlsSession } {
    this.sessions++;
    const t: Tracked = { conn: undefined as unknown as TlsConnection, sinks: {}, chosen: { client: false, server: false }, lastFrame: 0, closed: false };
    t.conn = new TlsConnection(client, server, ipVersion, this.opts.capture ?? 0, this.keys, {
      issue: this.opts.issue,
      data: (side, bytes, carrier, f, ts) => {
        if (!t.chosen[side]) {
          t.chosen[side] = true;
          t.sinks[side] ??= plaintext(side, bytes, t.sinks);
        }
        t.sinks[side]?.push(bytes, carrier, f, ts);
      },
      dataGap: (side, f) => t.sinks[side]?.gap(f),
      wantDecryption: this.opts.wantDecryption,
    }, this.budget, this.opts.limits ?? DEFAULT_TLS_LIMITS);
    this.live.add(t);
    const sink = (side: TlsSide): StreamSink => ({
      push: (bytes, carrier, f, ts) => {
        t.lastFrame = f;
        t.conn.push(side, bytes, carrier, f, ts);
      },
      gap: (f) => t.conn.gap(side, f),
      end: (f) => {
        t.conn.end(side);
        // end is said again for both sides when the TCP layer flushes: act on the first time only.
        if (t.conn.ended && this.live.has(t)) this.ended(t, f);
      },
    });
    return { client: sink("client"), server: sink("server"), session: t.conn.session };
  }

  /** finish ends every session (end of capture), after a last attempt to decrypt held records. */
  finish(frame: number): void {
    for (const t of [...this.waiting, ...this.live]) this.close(t, Math.max(frame, t.lastFrame));
  }

  private ended(t: Tracked, frame: number): void {
    this.live.delete(t);
    if (t.conn.waitingForKeys) this.waiting.add(t);
    else this.close(t, frame);
  }

  private close(t: Tracked, frame: number): void {
    if (t.closed) return;
    t.closed = true;
    this.live.delete(t);
    this.waiting.delete(t);
    const s = t.conn.close(frame);
    for (const side of ["client", "server"] as const) t.sinks[side]?.end(frame);
    this.opts.onSession?.(s);
  }
}


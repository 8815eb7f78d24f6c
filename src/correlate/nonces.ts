/**
 * Nonce lifecycle (RFC 7616 §3.3–3.4, §5.5): which challenge issued each nonce, how often and with
 * which nc it was used, and uses after the server had already replaced it — the signature of
 * clients that cache nonces past their life (the usual cause of `stale=true`).
 */
import { KeyRing } from "../util/ring.js";
import { detach } from "../util/strings.js";
import { appended } from "../util/window.js";
import type { NonceRecord, Transaction } from "./model.js";

const MAX_USES = 4;

export class NonceTracker {
  private readonly nonces = new Map<string, NonceRecord>();
  /** Latest nonce issued per client + dialog + server + realm. */
  private readonly current = new Map<string, NonceRecord>();
  /** Nonces forgotten because of the limit. */
  evicted = 0;
  /** Insertion orders of the two maps, which only ever lose their oldest entry. */
  private readonly nonceOrder: KeyRing<string>;
  private readonly scopeOrder: KeyRing<string>;

  /**
   * `maxNonces` nonces are remembered (about 800 bytes each with their dialog's entry), the latest
   * issued: a nonce is used within seconds of its challenge, or reused at the next refresh by
   * clients that cache it.
   */
  constructor(maxNonces = 20_000) {
    this.nonceOrder = new KeyRing(maxNonces);
    this.scopeOrder = new KeyRing(maxNonces);
  }

  /** issued records the nonce of a 401/407 challenge. */
  issued(tx: Transaction): void {
    const c = tx.challenge;
    if (!c?.nonce) return;
    let scope = scopeKey(tx, c.realm);
    const prev = this.current.get(scope);
    if (!prev) {
      // A key built by concatenation is a tree of its pieces; one kept this long is flattened.
      scope = detach(scope);
      // One scope per dialog is one per Call-ID: only the latest `maxNonces` scopes are remembered.
      const forgotten = this.scopeOrder.push(scope);
      if (forgotten !== undefined) this.current.delete(forgotten);
    }
    if (prev && prev.nonce !== c.nonce && prev.replacedAtFrame === undefined) prev.replacedAtFrame = c.frame;
    let rec = this.nonces.get(c.nonce);
    if (!rec) {
      const forgotten = this.nonceOrder.push(c.nonce);
      if (forgotten !== undefined) {
        this.nonces.delete(forgotten);
        this.evicted++;
      }
      rec = {
        nonce: c.nonce, realm: c.realm, issuedFrame: c.frame, issuedTsNs: c.tsNs, stale: c.stale,
        server: tx.server, client: tx.client, uses: [], useCount: 0, usesAfterReplacement: 0, ncRegressions: 0,
        // Declared now, set when a later challenge replaces it: one shape, no out-of-object store.
        replacedAtFrame: undefined,
      };
      this.nonces.set(c.nonce, rec);
    }
    this.current.set(scope, rec);
  }

  /** used records credentials presenting a nonce; returns its record when the nonce was issued in the capture. */
  used(tx: Transaction): NonceRecord | undefined {
    const cr = tx.credentials;
    if (!cr?.nonce) return undefined;
    const rec = this.nonces.get(cr.nonce);
    if (!rec) return undefined;
    // The same text: the credentials keep the record's copy, and their own goes with the transaction.
    cr.nonce = rec.nonce;
    const last = rec.uses[rec.uses.length - 1];
    // RFC 7616 §3.4: nc counts up for each request with the same nonce.
    if (last?.nc && cr.nc && parseInt(cr.nc, 16) <= parseInt(last.nc, 16)) rec.ncRegressions++;
    rec.useCount++;
    if (rec.uses.length < MAX_USES) rec.uses = appended(rec.uses, { frame: tx.requestFrames[0], nc: cr.nc });
    if (rec.replacedAtFrame !== undefined) rec.usesAfterReplacement++;
    return rec;
  }

  /** get returns a nonce's record. */
  get(nonce: string): NonceRecord | undefined {
    return this.nonces.get(nonce);
  }

  /** all returns the records in issue order. */
  all(): NonceRecord[] {
    return [...this.nonces.values()];
  }
}

/**
 * scopeKey: a nonce is replaced by the next challenge to the same client in the same dialog
 * (Call-ID). Servers such as Asterisk keep one nonce per dialog, so parallel dialogs' nonces live
 * side by side and do not replace each other.
 */
function scopeKey(tx: Transaction, realm: string | undefined): string {
  return `${tx.capture}|${tx.client.ip}|${tx.callId}|${tx.server.ip}|${realm ?? ""}`;
}

/**
 * Record decryption for one direction: TLS 1.2 AEAD records (RFC 5246 §6.2.3.3; AES-GCM with an
 * explicit nonce, RFC 5288 §3; ChaCha20-Poly1305 with an XORed nonce, RFC 7905 §2) and TLS 1.3
 * records (RFC 8446 §5.2–5.4: nonce = IV XOR sequence number, AAD = the record header, the real
 * content type at the end of the inner plaintext after zero padding).
 */
import { aeadOpen, TAG_BYTES, xorNonce, type TrafficKeys } from "./crypto.js";

/** Opened is a decrypted record. */
export interface Opened {
  /** Content type: the record's (TLS 1.2) or the inner one (TLS 1.3). */
  type: number;
  plaintext: Uint8Array;
  /** Offset of plaintext byte 0 in the record, header included (for attributing bytes to frames). */
  offset: number;
}

/** GCM in TLS 1.2 puts the 8-byte explicit part of the nonce in front of the ciphertext (RFC 5288 §3). */
const EXPLICIT_NONCE = 8;
const HEADER = 5;

/** RecordCipher holds one direction's keys and sequence number (RFC 5246 §6.1, RFC 8446 §5.3). */
export class RecordCipher {
  /** Sequence number of the next record; reset to 0 on every key change. */
  seq = 0n;

  constructor(
    private keys: TrafficKeys,
    readonly tls13: boolean,
  ) {}

  /** rekey installs new keys (TLS 1.3 handshake → application → KeyUpdate); sequence restarts at 0. */
  rekey(keys: TrafficKeys): void {
    this.keys = keys;
    this.seq = 0n;
  }

  /**
   * open decrypts one record. After lost records the sequence number is unknown: `slack` more
   * numbers are tried (AEAD authentication tells the right one). Returns null when nothing
   * authenticates; the sequence number is then unchanged.
   */
  open(type: number, version: number, fragment: Uint8Array, slack = 0): Opened | null {
    const explicit = !this.tls13 && this.keys.aead !== "chacha20-poly1305";
    const prefix = explicit ? EXPLICIT_NONCE : 0;
    if (fragment.length < prefix + TAG_BYTES) return null;
    for (const s of this.candidates(fragment, explicit, slack)) {
      const out = this.tryOpen(type, version, fragment, prefix, s);
      if (out) {
        this.seq = s + 1n;
        return out;
      }
    }
    return null;
  }

  /** candidates lists sequence numbers to try: the expected one, and after a gap what follows. */
  private candidates(fragment: Uint8Array, explicit: boolean, slack: number): bigint[] {
    const out = [this.seq];
    if (slack <= 0) return out;
    // Most stacks (OpenSSL, NSS, Go) use the sequence number as GCM's explicit nonce: try it first.
    if (explicit) {
      const n = Buffer.from(fragment.buffer, fragment.byteOffset, EXPLICIT_NONCE).readBigUInt64BE(0);
      if (n > this.seq && n <= this.seq + BigInt(slack)) out.push(n);
    }
    for (let i = 1n; i <= BigInt(slack); i++) if (!out.includes(this.seq + i)) out.push(this.seq + i);
    return out;
  }

  private tryOpen(type: number, version: number, fragment: Uint8Array, prefix: number, seq: bigint): Opened | null {
    const k = this.keys;
    if (this.tls13) {
      // AAD is the TLSCiphertext header as sent (RFC 8446 §5.2).
      const aad = Buffer.from([type, version >> 8, version & 0xff, fragment.length >> 8, fragment.length & 0xff]);
      const inner = aeadOpen(k.aead, k.key, xorNonce(k.iv, seq), aad, fragment);
      if (!inner) return null;
      // TLSInnerPlaintext = content || ContentType || zeros (RFC 8446 §5.4).
      let t = inner.length - 1;
      while (t >= 0 && inner[t] === 0) t--;
      if (t < 0) return null;
      return { type: inner[t], plaintext: inner.subarray(0, t), offset: HEADER };
    }
    const plainLen = fragment.length - prefix - TAG_BYTES;
    const aad = Buffer.alloc(13);
    aad.writeBigUInt64BE(seq, 0);
    aad[8] = type;
    aad.writeUInt16BE(version, 9);
    aad.writeUInt16BE(plainLen, 11);
    const nonce = prefix > 0 ? Buffer.concat([k.iv, fragment.subarray(0, prefix)]) : xorNonce(k.iv, seq);
    const plaintext = aeadOpen(k.aead, k.key, nonce, aad, fragment.subarray(prefix));
    return plaintext ? { type, plaintext, offset: HEADER + prefix } : null;
  }
}

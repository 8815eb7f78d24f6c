/**
 * The key schedule and record protection sip401 needs to read TLS with a key log, on node:crypto:
 * the TLS 1.2 PRF and key block (RFC 5246 §5, §6.3), HKDF-Expand-Label (RFC 8446 §7.1, RFC 5869)
 * and AEAD decryption (RFC 5116; AES-GCM RFC 5288, ChaCha20-Poly1305 RFC 7905 / RFC 8439).
 */
import { createDecipheriv, createHmac, type CipherGCMTypes } from "node:crypto";
import type { AeadName, CipherSpec } from "./constants.js";

/** TrafficKeys protect one direction of a connection. */
export interface TrafficKeys {
  aead: AeadName;
  key: Buffer;
  /** 4-byte salt (TLS 1.2 GCM, RFC 5288 §3) or 12-byte IV (TLS 1.2 ChaCha20, all of TLS 1.3). */
  iv: Buffer;
}

/** AEAD tag length: 16 bytes for every algorithm sip401 decrypts. */
export const TAG_BYTES = 16;

function keyBytes(aead: AeadName): number {
  return aead === "aes-128-gcm" ? 16 : 32;
}

function hmac(hash: string, key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const h = createHmac(hash, key);
  for (const p of parts) h.update(p);
  return h.digest();
}

/**
 * tls12Prf is PRF(secret, label, seed) = P_hash(secret, label + seed) (RFC 5246 §5):
 * A(0) = seed', A(i) = HMAC(secret, A(i-1)), output = HMAC(secret, A(1) + seed') + … .
 */
export function tls12Prf(hash: string, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Buffer {
  const labelSeed = Buffer.concat([Buffer.from(label, "latin1"), seed]);
  const out: Buffer[] = [];
  let have = 0;
  let a: Buffer = labelSeed;
  while (have < length) {
    a = hmac(hash, secret, a);
    const block = hmac(hash, secret, a, labelSeed);
    out.push(block);
    have += block.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

/**
 * tls12Keys derives both directions' keys from the master secret: key_block =
 * PRF(master, "key expansion", server_random + client_random), cut into client key, server key,
 * client IV, server IV (RFC 5246 §6.3; AEAD suites have no MAC keys, RFC 5288 §3 a 4-byte salt,
 * RFC 7905 §2 a 12-byte IV).
 */
export function tls12Keys(spec: CipherSpec & { aead: AeadName }, master: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): { client: TrafficKeys; server: TrafficKeys } {
  const k = keyBytes(spec.aead);
  const ivLen = spec.aead === "chacha20-poly1305" ? 12 : 4;
  const block = tls12Prf(spec.hash, master, "key expansion", Buffer.concat([serverRandom, clientRandom]), 2 * k + 2 * ivLen);
  return {
    client: { aead: spec.aead, key: block.subarray(0, k), iv: block.subarray(2 * k, 2 * k + ivLen) },
    server: { aead: spec.aead, key: block.subarray(k, 2 * k), iv: block.subarray(2 * k + ivLen, 2 * k + 2 * ivLen) },
  };
}

/** hkdfExpand is HKDF-Expand(PRK, info, L) (RFC 5869 §2.3): T(i) = HMAC(PRK, T(i-1) | info | i). */
export function hkdfExpand(hash: string, prk: Uint8Array, info: Uint8Array, length: number): Buffer {
  const out: Buffer[] = [];
  let have = 0;
  let t: Buffer = Buffer.alloc(0);
  for (let i = 1; have < length; i++) {
    t = hmac(hash, prk, t, info, Buffer.from([i]));
    out.push(t);
    have += t.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

/**
 * hkdfExpandLabel is HKDF-Expand(secret, HkdfLabel, length) with HkdfLabel = uint16 length,
 * opaque label<7..255> = "tls13 " + label, opaque context<0..255> (RFC 8446 §7.1). node's hkdf
 * always extracts first, so Expand is written out above.
 */
export function hkdfExpandLabel(hash: string, secret: Uint8Array, label: string, context: Uint8Array, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`, "latin1");
  const info = Buffer.concat([Buffer.from([length >> 8, length & 0xff, full.length]), full, Buffer.from([context.length]), context]);
  return hkdfExpand(hash, secret, info, length);
}

/** tls13Keys derives a direction's key and IV from a traffic secret (RFC 8446 §7.3). */
export function tls13Keys(spec: CipherSpec & { aead: AeadName }, secret: Uint8Array): TrafficKeys {
  const empty = new Uint8Array(0);
  return {
    aead: spec.aead,
    key: hkdfExpandLabel(spec.hash, secret, "key", empty, keyBytes(spec.aead)),
    iv: hkdfExpandLabel(spec.hash, secret, "iv", empty, 12),
  };
}

/** tls13NextSecret is application_traffic_secret_N+1 after a KeyUpdate (RFC 8446 §7.2). */
export function tls13NextSecret(hash: string, secret: Uint8Array): Buffer {
  return hkdfExpandLabel(hash, secret, "traffic upd", new Uint8Array(0), hash === "sha384" ? 48 : 32);
}

/** xorNonce is the per-record nonce: the 64-bit sequence number, left-padded, XORed into the IV (RFC 8446 §5.3, RFC 7905 §2). */
export function xorNonce(iv: Uint8Array, seq: bigint): Buffer {
  const n = Buffer.from(iv);
  for (let i = 0; i < 8; i++) n[n.length - 1 - i] ^= Number((seq >> BigInt(8 * i)) & 0xffn);
  return n;
}

/**
 * aeadOpen decrypts and authenticates `sealed` (ciphertext followed by the 16-byte tag). Returns
 * null when authentication fails or the input is too short; it never throws.
 */
export function aeadOpen(aead: AeadName, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Buffer | null {
  if (sealed.length < TAG_BYTES) return null;
  try {
    // ChaCha20-Poly1305 has the same decipher interface as GCM (setAAD, setAuthTag).
    const d = createDecipheriv(aead as CipherGCMTypes, key, nonce, { authTagLength: TAG_BYTES });
    d.setAAD(aad, { plaintextLength: sealed.length - TAG_BYTES });
    d.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const head = d.update(sealed.subarray(0, sealed.length - TAG_BYTES));
    const tail = d.final();
    return tail.length === 0 ? head : Buffer.concat([head, tail]);
  } catch {
    return null;
  }
}

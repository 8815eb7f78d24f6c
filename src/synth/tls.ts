/**
 * TLS 1.2 for synthetic captures: records (RFC 5246 §6.2), the handshake messages a passive
 * reader needs (ClientHello, ServerHello, ServerHelloDone, ClientKeyExchange, Finished), and
 * AES-GCM record protection (RFC 5288) from a chosen master secret, so a fixture can carry SIP
 * over TLS together with the key log line (NSS format) that opens it.
 *
 * Everything is deterministic: randoms and the master secret are inputs, and GCM's explicit
 * nonce is the record sequence number, as OpenSSL, NSS and Go send it. Written from the RFCs
 * with node:crypto, independently of sip401's src/tls.
 */

import { createCipheriv, createHash, createHmac } from "node:crypto";
import { ByteBuilder, concatBytes, toBytes } from "./bytes.js";

/** TLS content types (RFC 5246 §6.2.1). */
export const TLS_CONTENT = { CHANGE_CIPHER_SPEC: 20, ALERT: 21, HANDSHAKE: 22, APPLICATION_DATA: 23 } as const;

/** TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (RFC 5289 §3): AES-128-GCM, PRF with SHA-256. */
export const TLS_ECDHE_RSA_AES128_GCM_SHA256 = 0xc02f;

/** A TLS record: 5-byte header (type, version, length) and the fragment (RFC 5246 §6.2.1). */
export function tlsRecord(type: number, fragment: Uint8Array, version = 0x0303): Uint8Array {
  return new ByteBuilder("be", 5 + fragment.length).u8(type).u16(version).u16(fragment.length).bytes(fragment).finish();
}

/** A handshake message: type, 24-bit length, body (RFC 5246 §7.4). */
export function tlsHandshake(type: number, body: Uint8Array): Uint8Array {
  const len = body.length;
  return new ByteBuilder("be", 4 + len).u8(type).u8(len >> 16).u16(len & 0xffff).bytes(body).finish();
}

/** An extension: type, length, data (RFC 5246 §7.4.1.4). */
function extension(type: number, data: Uint8Array): Uint8Array {
  return new ByteBuilder("be", 4 + data.length).u16(type).u16(data.length).bytes(data).finish();
}

/**
 * A TLS 1.2 ClientHello (RFC 5246 §7.4.1.2) offering `cipherSuites`, with the server_name
 * extension (RFC 6066 §3) when `sni` is given.
 */
export function tlsClientHello(random: Uint8Array, cipherSuites: readonly number[], sni?: string): Uint8Array {
  const b = new ByteBuilder("be", 128).u16(0x0303).bytes(random).u8(0);
  b.u16(cipherSuites.length * 2);
  for (const c of cipherSuites) b.u16(c);
  b.u8(1).u8(0); // compression methods: null only
  const exts: Uint8Array[] = [];
  if (sni !== undefined) {
    const name = toBytes(sni);
    const list = new ByteBuilder("be").u8(0).u16(name.length).bytes(name).finish();
    exts.push(extension(0, new ByteBuilder("be").u16(list.length).bytes(list).finish()));
  }
  // supported_groups (RFC 8422 §5.1.1): x25519 (29), secp256r1 (23); ec_point_formats: uncompressed.
  exts.push(extension(10, Uint8Array.of(0, 4, 0, 29, 0, 23)), extension(11, Uint8Array.of(1, 0)));
  const all = concatBytes(exts);
  b.u16(all.length).bytes(all);
  return tlsHandshake(1, b.finish());
}

/** A TLS 1.2 ServerHello (RFC 5246 §7.4.1.3) choosing `cipherSuite`, with an empty session id. */
export function tlsServerHello(random: Uint8Array, cipherSuite: number): Uint8Array {
  const body = new ByteBuilder("be", 48).u16(0x0303).bytes(random).u8(0).u16(cipherSuite).u8(0).u16(0).finish();
  return tlsHandshake(2, body);
}

/** ServerHelloDone (RFC 5246 §7.4.5): empty. */
export function tlsServerHelloDone(): Uint8Array {
  return tlsHandshake(14, new Uint8Array(0));
}

/** ClientKeyExchange with an ECDHE public key (RFC 8422 §5.7): 1-byte length, point. */
export function tlsClientKeyExchange(publicKey: Uint8Array): Uint8Array {
  return tlsHandshake(16, concatBytes([Uint8Array.of(publicKey.length), publicKey]));
}

/** P_SHA256 of the TLS 1.2 PRF (RFC 5246 §5). */
function prf(secret: Uint8Array, label: string, seed: Uint8Array, length: number): Buffer {
  const labelSeed = Buffer.concat([Buffer.from(label, "latin1"), seed]);
  const out: Buffer[] = [];
  let a: Buffer = labelSeed;
  for (let have = 0; have < length; ) {
    a = createHmac("sha256", secret).update(a).digest();
    const block = createHmac("sha256", secret).update(a).update(labelSeed).digest();
    out.push(block);
    have += block.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

/** Which end of the connection writes a record. */
export type TlsWriter = "client" | "server";

/**
 * Tls12GcmSession protects records of one TLS 1.2 AES-128-GCM connection: keys from the
 * master secret (RFC 5246 §6.3 key block: client key, server key, client salt, server salt),
 * per-direction sequence numbers starting at 0 after ChangeCipherSpec (§6.1), nonce = 4-byte
 * salt + 8-byte explicit part, AAD = seq | type | version | plaintext length (RFC 5288 §3,
 * RFC 5246 §6.2.3.3).
 */
export class Tls12GcmSession {
  private readonly keys: Record<TlsWriter, { key: Buffer; salt: Buffer }>;
  private readonly seq: Record<TlsWriter, bigint> = { client: 0n, server: 0n };

  constructor(
    private readonly master: Uint8Array,
    readonly clientRandom: Uint8Array,
    serverRandom: Uint8Array,
  ) {
    const block = prf(master, "key expansion", concatBytes([serverRandom, clientRandom]), 2 * 16 + 2 * 4);
    this.keys = {
      client: { key: block.subarray(0, 16), salt: block.subarray(32, 36) },
      server: { key: block.subarray(16, 32), salt: block.subarray(36, 40) },
    };
  }

  /** The NSS key log line of this session: `CLIENT_RANDOM <random> <master secret>`. */
  keyLogLine(): string {
    return `CLIENT_RANDOM ${Buffer.from(this.clientRandom).toString("hex")} ${Buffer.from(this.master).toString("hex")}\n`;
  }

  /**
   * finished is the Finished handshake message of `writer` (RFC 5246 §7.4.9): verify_data =
   * PRF(master, "client finished" | "server finished", SHA-256(handshake messages so far))[0..11].
   */
  finished(writer: TlsWriter, transcript: readonly Uint8Array[]): Uint8Array {
    const hash = createHash("sha256");
    for (const m of transcript) hash.update(m);
    return tlsHandshake(20, prf(this.master, `${writer} finished`, hash.digest(), 12));
  }

  /** seal protects `plaintext` as the next record of `writer` and returns the whole record. */
  seal(writer: TlsWriter, type: number, plaintext: Uint8Array | string): Uint8Array {
    const data = toBytes(plaintext);
    const seq = this.seq[writer]++;
    const explicit = new ByteBuilder("be", 8).u64(seq).finish();
    const aad = new ByteBuilder("be", 13).u64(seq).u8(type).u16(0x0303).u16(data.length).finish();
    const k = this.keys[writer];
    const c = createCipheriv("aes-128-gcm", k.key, Buffer.concat([k.salt, explicit]));
    c.setAAD(aad);
    const body = Buffer.concat([c.update(data), c.final()]);
    return tlsRecord(type, concatBytes([explicit, body, c.getAuthTag()]));
  }
}

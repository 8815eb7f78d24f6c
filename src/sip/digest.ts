/**
 * Digest computation (RFC 7616 §3.4, RFC 2617 §3.2.2, RFC 8760 for SIP) with node:crypto, so a
 * known password or HA1 can verify a captured response and tell a wrong password from an altered
 * digest-uri, nonce or body.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Credentials } from "./auth.js";

/** DigestAlgorithm is one algorithm of the RFC 7616 §6.1 registry (RFC 8760 §2 for SIP). */
export type DigestAlgorithm = "MD5" | "MD5-sess" | "SHA-256" | "SHA-256-sess" | "SHA-512-256" | "SHA-512-256-sess";

/** NODE_HASH maps the base of an algorithm to node's hash name; SHA-512-256 is SHA-512/256 (FIPS 180-4). */
const NODE_HASH: Record<string, string> = { md5: "md5", "sha-256": "sha256", "sha-512-256": "sha512-256" };

/** ALGORITHMS indexes the registry by lower-cased name, since the token is case-insensitive. */
const ALGORITHMS = new Map<string, DigestAlgorithm>(
  (["MD5", "MD5-sess", "SHA-256", "SHA-256-sess", "SHA-512-256", "SHA-512-256-sess"] as const).map((a) => [a.toLowerCase(), a]),
);

/**
 * parseDigestAlgorithm normalises an `algorithm` parameter. Absent means MD5 (RFC 7616 §3.3);
 * an unknown algorithm (e.g. AKAv1-MD5, RFC 3310) yields undefined.
 */
export function parseDigestAlgorithm(raw: string | undefined): DigestAlgorithm | undefined {
  if (raw === undefined || raw === "") return "MD5";
  return ALGORITHMS.get(raw.toLowerCase());
}

/** isSession reports the `-sess` variants, whose HA1 also covers nonce and cnonce. */
function isSession(alg: DigestAlgorithm): boolean {
  return alg.endsWith("-sess");
}

/** digestHash returns the lower-case hex hash H(data) of the algorithm (strings hashed as UTF-8). */
export function digestHash(algorithm: DigestAlgorithm, data: string | Uint8Array): string {
  const base = algorithm.toLowerCase().replace(/-sess$/, "");
  return createHash(NODE_HASH[base]).update(data).digest("hex");
}

/** DigestInput is everything a digest response is computed from. */
export interface DigestInput {
  /** Algorithm token; absent means MD5. Unknown algorithms make the computation throw a RangeError. */
  algorithm?: string;
  /** Username (the real one, also when userhash is used). */
  username: string;
  /** Realm of the challenge. */
  realm: string;
  /** Cleartext password; either this or `ha1`. */
  password?: string;
  /** Precomputed H(username:realm:password) in hex (what registrars often store). */
  ha1?: string;
  /** Request method (for ACK/CANCEL the method of the request being acknowledged, RFC 3261 §22.1). */
  method: string;
  /** digest-uri exactly as in the credentials. */
  uri: string;
  /** Server nonce. */
  nonce: string;
  /** Client nonce (required with qop and -sess). */
  cnonce?: string;
  /** Nonce count (8 hex digits) with qop. */
  nc?: string;
  /** `auth`, `auth-int`, or absent for RFC 2069 compatibility. */
  qop?: string;
  /** Message body for qop=auth-int (H(entity-body), RFC 7616 §3.4.3); empty when absent. */
  body?: Uint8Array;
}

/** algorithmOf resolves the input's algorithm or throws: computing with an unknown one is a caller bug. */
function algorithmOf(input: { algorithm?: string }): DigestAlgorithm {
  const alg = parseDigestAlgorithm(input.algorithm);
  if (alg === undefined) throw new RangeError(`unsupported digest algorithm ${input.algorithm}`);
  return alg;
}

/**
 * computeHA1 returns A1's hash (RFC 7616 §3.4.2): H(username:realm:password), and for -sess
 * H(H(username:realm:password):nonce:cnonce). A supplied `ha1` stands for the inner hash.
 */
export function computeHA1(input: DigestInput): string {
  const alg = algorithmOf(input);
  const base = input.ha1?.toLowerCase() ?? digestHash(alg, `${input.username}:${input.realm}:${input.password ?? ""}`);
  return isSession(alg) ? digestHash(alg, `${base}:${input.nonce}:${input.cnonce ?? ""}`) : base;
}

/**
 * computeHA2 returns A2's hash (RFC 7616 §3.4.3): H(method:uri), and for auth-int
 * H(method:uri:H(body)).
 */
export function computeHA2(input: DigestInput): string {
  const alg = algorithmOf(input);
  if (input.qop?.toLowerCase() === "auth-int") {
    return digestHash(alg, `${input.method}:${input.uri}:${digestHash(alg, input.body ?? new Uint8Array(0))}`);
  }
  return digestHash(alg, `${input.method}:${input.uri}`);
}

/**
 * computeDigestResponse returns the request-digest (RFC 7616 §3.4.1): with qop
 * H(HA1:nonce:nc:cnonce:qop:HA2), without qop (RFC 2069 / RFC 2617 compatibility)
 * H(HA1:nonce:HA2). Throws RangeError for an unknown algorithm.
 */
export function computeDigestResponse(input: DigestInput): string {
  const alg = algorithmOf(input);
  const ha1 = computeHA1(input);
  const ha2 = computeHA2(input);
  if (input.qop === undefined || input.qop === "") return digestHash(alg, `${ha1}:${input.nonce}:${ha2}`);
  return digestHash(alg, `${ha1}:${input.nonce}:${input.nc ?? ""}:${input.cnonce ?? ""}:${input.qop}:${ha2}`);
}

/** computeUserhash returns H(username:realm), the hashed username of RFC 7616 §3.4.4. */
export function computeUserhash(username: string, realm: string, algorithm?: string): string {
  return digestHash(algorithmOf({ algorithm }), `${username}:${realm}`);
}

/** DigestSecret is what is known about the user: a password or an HA1. */
export interface DigestSecret {
  /** Cleartext password. */
  password?: string;
  /** Precomputed H(username:realm:password), hex. */
  ha1?: string;
  /** The real username; required when the credentials use userhash (RFC 7616 §3.4.4). */
  username?: string;
}

/** DigestVerification is the outcome of checking captured credentials against a secret. */
export interface DigestVerification {
  /** True when the captured response equals the one computed from the secret. */
  ok: boolean;
  /** Why the check could not be done (missing parameter, unknown algorithm, ...). */
  reason?: string;
  /** The response computed from the secret, when it could be computed. */
  expected?: string;
}

/**
 * verifyDigest recomputes the response of captured credentials from a known secret. `method` is
 * the request's method (CSeq method for ACK/CANCEL); `body` is needed for qop=auth-int.
 */
export function verifyDigest(credentials: Credentials, method: string, secret: DigestSecret, body?: Uint8Array): DigestVerification {
  const alg = parseDigestAlgorithm(credentials.algorithm);
  if (alg === undefined) return { ok: false, reason: `unsupported algorithm ${credentials.algorithm}` };
  const { realm, nonce, uri, response } = credentials;
  if (realm === undefined || nonce === undefined || uri === undefined || response === undefined || credentials.username === undefined) {
    return { ok: false, reason: "credentials lack one of username, realm, nonce, uri, response" };
  }
  if (secret.password === undefined && secret.ha1 === undefined) return { ok: false, reason: "no password or HA1 given" };
  let username = credentials.username;
  if (credentials.userhash === true) {
    if (secret.username === undefined) return { ok: false, reason: "userhash credentials need the real username" };
    if (computeUserhash(secret.username, realm, alg) !== credentials.username.toLowerCase()) {
      return { ok: false, reason: "userhash does not match the given username" };
    }
    username = secret.username;
  }
  if (credentials.qop !== undefined && (credentials.cnonce === undefined || credentials.nc === undefined)) {
    return { ok: false, reason: "qop without cnonce or nc" };
  }
  const expected = computeDigestResponse({
    algorithm: alg, username, realm, password: secret.password, ha1: secret.ha1, method, uri, nonce,
    cnonce: credentials.cnonce, nc: credentials.nc, qop: credentials.qop, body,
  });
  const got = Buffer.from(response.toLowerCase(), "latin1");
  const want = Buffer.from(expected, "latin1");
  return { ok: got.length === want.length && timingSafeEqual(got, want), expected };
}

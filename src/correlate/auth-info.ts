/**
 * Compact views of digest challenges and credentials taken from parsed messages (RFC 7616 §3.3,
 * §3.4; RFC 8760 for several challenges in one response).
 */
import type { SipMessage } from "../sip/message.js";
import { equalsLower, Lexicon } from "../sip/text.js";
import { detach, ListPool, StringPool } from "../util/strings.js";
import type { ChallengeInfo, CredentialsInfo } from "./model.js";

/** For callers without a pool of their own (the transaction table has one). */
const SHARED = new StringPool(1024);
/**
 * StringPool slots (util/strings.ts) of challenge and credentials fields, above those of
 * transactions.ts. A challenge's realm and opaque come back in the credentials that answer it,
 * so both share a slot.
 */
const SLOT = { realm: 16, opaque: 17, username: 18, uri: 19, qop: 20, nc: 21 } as const;

/** Qop and algorithm lists: immutable values, one pool for every table. */
const LISTS = new ListPool();

/** challengeOf returns the preferred digest challenge of a 401/407 (the first, RFC 8760 §2.4 orders by preference). */
export function challengeOf(m: SipMessage, frame: number, tsNs: bigint, pool: StringPool = SHARED): ChallengeInfo | undefined {
  const header = m.status === 407 ? "Proxy-Authenticate" : "WWW-Authenticate";
  // Digest challenges of the header the status calls for; of any header when it has none.
  const challenges = m.challenges;
  let matching = 0;
  for (const c of challenges) if (c.header === header && isDigest(c.scheme)) matching++;
  const offered: string[] = [];
  let c: (typeof challenges)[number] | undefined;
  for (const x of challenges) {
    if (!isDigest(x.scheme) || (matching > 0 && x.header !== header)) continue;
    c ??= x;
    const algorithm = normalizeAlgorithm(x.algorithm);
    if (!offered.includes(algorithm)) offered.push(algorithm);
  }
  if (!c) return undefined;
  return {
    status: m.status ?? 0,
    frame,
    tsNs,
    realm: pool.get(c.realm, SLOT.realm),
    nonce: detach(c.nonce),
    algorithm: offered[0],
    qop: LISTS.get(c.qop),
    stale: c.stale === true,
    opaque: pool.get(c.opaque, SLOT.opaque),
    algorithmsOffered: LISTS.get(offered),
  };
}

/** credentialsOf returns the digest credentials of a request, preferring the header matching `proxy`. */
export function credentialsOf(m: SipMessage, pool: StringPool = SHARED): CredentialsInfo | undefined {
  // An Authorization without a response (3GPP TS 24.229 §5.1.1.2: the first IMS REGISTER names
  // the private identity that way) is not an answer to a challenge.
  const c = m.credentials.find((x) => isDigest(x.scheme) && x.response);
  if (!c) return undefined;
  return {
    header: c.header,
    username: pool.get(c.username, SLOT.username),
    realm: pool.get(c.realm, SLOT.realm),
    nonce: detach(c.nonce),
    uri: pool.get(c.uri, SLOT.uri),
    response: detach(c.response),
    algorithm: normalizeAlgorithm(c.algorithm),
    qop: pool.get(c.qop, SLOT.qop),
    // Short, but repeated by every first answer to a challenge ("00000001"): one copy, not one each.
    nc: pool.get(c.nc, SLOT.nc),
    cnonce: detach(c.cnonce),
    opaque: pool.get(c.opaque, SLOT.opaque),
    userhash: c.userhash === true,
  };
}

/** isDigest: the Digest scheme (case-insensitive, RFC 7235 §2.1), or none written (taken as Digest). */
function isDigest(scheme: string): boolean {
  return scheme === "" || equalsLower(scheme, "digest");
}

/**
 * ALGORITHMS are the digest algorithms of RFC 7616 §6.1 and RFC 8760, upper-cased: a known token
 * in any case gives this one string, where toUpperCase makes a new copy for every challenge and
 * credentials kept (44,000 copies of "MD5" in the correlation of the 128 MiB benchmark).
 */
const ALGORITHMS = new Lexicon(["md5", "md5-sess", "sha-256", "sha-256-sess", "sha-512-256", "sha-512-256-sess"].map((w) => [w, w.toUpperCase()] as const));

/** normalizeAlgorithm upper-cases an algorithm token; absent means MD5 (RFC 7616 §3.3). */
export function normalizeAlgorithm(a: string | undefined): string {
  return a ? (ALGORITHMS.find(a, 0, a.length) ?? a.toUpperCase()) : "MD5";
}

/**
 * Compact views of digest challenges and credentials taken from parsed messages (RFC 7616 §3.3,
 * §3.4; RFC 8760 for several challenges in one response).
 */
import type { SipMessage } from "../sip/message.js";
import { detach, StringPool } from "../util/strings.js";
import type { ChallengeInfo, CredentialsInfo } from "./model.js";

/** For callers without a pool of their own (the transaction table has one). */
const SHARED = new StringPool(1024);

/** challengeOf returns the preferred digest challenge of a 401/407 (the first, RFC 8760 §2.4 orders by preference). */
export function challengeOf(m: SipMessage, frame: number, tsNs: bigint, pool: StringPool = SHARED): ChallengeInfo | undefined {
  const header = m.status === 407 ? "Proxy-Authenticate" : "WWW-Authenticate";
  const all = m.challenges.filter((c) => c.scheme.toLowerCase() === "digest" || c.scheme === "");
  const mine = all.filter((c) => c.header === header);
  const list = mine.length > 0 ? mine : all;
  const c = list[0];
  if (!c) return undefined;
  return {
    status: m.status ?? 0,
    frame,
    tsNs,
    realm: pool.get(c.realm),
    nonce: detach(c.nonce),
    algorithm: normalizeAlgorithm(c.algorithm),
    qop: c.qop,
    stale: c.stale === true,
    opaque: pool.get(c.opaque),
    algorithmsOffered: [...new Set(list.map((x) => normalizeAlgorithm(x.algorithm)))],
  };
}

/** credentialsOf returns the digest credentials of a request, preferring the header matching `proxy`. */
export function credentialsOf(m: SipMessage, pool: StringPool = SHARED): CredentialsInfo | undefined {
  // An Authorization without a response (3GPP TS 24.229 §5.1.1.2: the first IMS REGISTER names
  // the private identity that way) is not an answer to a challenge.
  const creds = m.credentials.filter((c) => (c.scheme.toLowerCase() === "digest" || c.scheme === "") && c.response);
  if (creds.length === 0) return undefined;
  const c = creds[0];
  return {
    header: c.header,
    username: pool.get(c.username),
    realm: pool.get(c.realm),
    nonce: detach(c.nonce),
    uri: pool.get(c.uri),
    response: detach(c.response),
    algorithm: normalizeAlgorithm(c.algorithm),
    qop: pool.get(c.qop),
    nc: detach(c.nc),
    cnonce: detach(c.cnonce),
    opaque: pool.get(c.opaque),
    userhash: c.userhash === true,
  };
}

/** normalizeAlgorithm upper-cases an algorithm token; absent means MD5 (RFC 7616 §3.3). */
export function normalizeAlgorithm(a: string | undefined): string {
  return a ? a.toUpperCase() : "MD5";
}

/**
 * Authentication headers: challenges (WWW-Authenticate, Proxy-Authenticate) and credentials
 * (Authorization, Proxy-Authorization) per RFC 3261 §22 / §25.1, RFC 7616 §3.3-3.4 and RFC 8760.
 * Tolerant of unquoted values, empty list items, odd spacing and several challenges per header.
 */
import type { Issue } from "../util/issues.js";
import { addIssue } from "./issues.js";
import { bytesEqualLower, clip, DEDUP_LIMIT, equalsLower, isAscii, isTokenChar, isWs, Lexicon, paramName, Params, readQuoted, skipWs, trimEndIndex, utf8 } from "./text.js";

/** AuthHeaderName names the four headers this module parses. */
export type AuthHeaderName = "WWW-Authenticate" | "Proxy-Authenticate" | "Authorization" | "Proxy-Authorization";

/** AuthEntry holds what challenges and credentials share. */
export interface AuthEntry {
  /** The header the entry came from. */
  header: AuthHeaderName;
  /** Auth scheme as written (`Digest`, `Basic`, ...); "" when parameters came without one. */
  scheme: string;
  /** Every parameter, names lower-cased, values unquoted and decoded as UTF-8. */
  params: Params;
  /** Parameters that were sent quoted (lower-cased names). */
  quoted: string[];
  /** token68 payload of non-parameter schemes (e.g. Basic credentials). */
  token68?: string;
  /** Byte offset of the header value in the message. */
  offset: number;
}

/** Challenge is one WWW-Authenticate / Proxy-Authenticate challenge (RFC 7616 §3.3). */
export interface Challenge extends AuthEntry {
  /** Protection space. */
  realm?: string;
  /** Server nonce. */
  nonce?: string;
  /** Opaque value the client must echo. */
  opaque?: string;
  /** `algorithm` as written (MD5, MD5-sess, SHA-256, SHA-256-sess, SHA-512-256, SHA-512-256-sess, ...); absent means MD5. */
  algorithm?: string;
  /** qop options offered (`auth`, `auth-int`); empty for RFC 2069 challenges. */
  qop: string[];
  /** `stale=true`: the nonce expired but the credentials were right (RFC 7616 §3.3). */
  stale?: boolean;
  /** `domain` URIs (space-separated list), empty when absent. */
  domain: string[];
  /** `charset` (RFC 7616: only UTF-8 is defined). */
  charset?: string;
  /** `userhash=true`: the server supports hashed usernames (RFC 7616 §3.4.4). */
  userhash?: boolean;
}

/** Credentials is one Authorization / Proxy-Authorization value (RFC 7616 §3.4). */
export interface Credentials extends AuthEntry {
  /** Username, or its hash when `userhash` is true. */
  username?: string;
  /** Realm the credentials are for. */
  realm?: string;
  /** Nonce echoed from the challenge. */
  nonce?: string;
  /** digest-uri: the request URI the response was computed over. */
  uri?: string;
  /** Request digest (hex). */
  response?: string;
  /** Algorithm as written; absent means MD5. */
  algorithm?: string;
  /** Client nonce (required with qop). */
  cnonce?: string;
  /** Opaque echoed from the challenge. */
  opaque?: string;
  /** Chosen qop (`auth` or `auth-int`). */
  qop?: string;
  /** Nonce count, 8 hex digits. */
  nc?: string;
  /** True when `username` is the RFC 7616 §3.4.4 userhash. */
  userhash?: boolean;
}

/** AuthKind selects the grammar: challenge or credentials. */
type AuthKind = "challenge" | "credentials";

/**
 * QUOTED lists parameters the grammar requires quoted; TOKENS those it requires unquoted
 * (RFC 3261 §25.1 `digest-cln`/`dig-resp`, RFC 7616 §3.3-3.4).
 */
const QUOTED: Record<AuthKind, ReadonlySet<string>> = {
  challenge: new Set(["realm", "domain", "nonce", "opaque", "qop"]),
  credentials: new Set(["username", "realm", "nonce", "uri", "response", "cnonce", "opaque"]),
};
const TOKENS: Record<AuthKind, ReadonlySet<string>> = {
  challenge: new Set(["stale", "algorithm", "charset", "userhash"]),
  credentials: new Set(["algorithm", "qop", "nc", "userhash"]),
};

/** SCHEMES are auth schemes recognised when they stand alone as a list element. */
const SCHEMES = new Set(["digest", "basic", "bearer", "negotiate", "ntlm", "kerberos"]);

/** TOKEN68 matches a token68 payload (RFC 7235 §2.1). */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/** tokenEnd returns the end index of the token run at i. */
function tokenEnd(s: string, i: number): number {
  while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
  return i;
}

/** nextComma returns the index of the next list comma at or after i (outside quotes), or s.length. */
function nextComma(s: string, i: number): number {
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 44) return i;
    if (c === 34) i = readQuoted(s, i).end;
    else i++;
  }
  return n;
}

/**
 * parseAuthEntries reads one header value in a single pass. A token not followed by `=` starts
 * a new entry (its scheme), so one header may carry several challenges, as HTTP allows (RFC 7235
 * §4.1); `name=value` pairs are parameters of the current entry. Empty list elements are skipped
 * (RFC 7230 §7), a missing comma between parameters is reported and tolerated.
 */
function parseAuthEntries(value: string, header: AuthHeaderName, kind: AuthKind, issues: Issue[], offset: number): AuthEntry[] {
  const out: AuthEntry[] = [];
  const n = value.length;
  const ascii = isAscii(value); // one check for the whole value instead of one per parameter
  let cur: AuthEntry | undefined;
  let digest = false;
  let justScheme = false;
  let afterComma = true;
  let lastName = "";
  let i = 0;
  while (i < n) {
    const c = value.charCodeAt(i);
    if (c === 44) {
      afterComma = true;
      i++;
      continue;
    }
    if (isWs(c)) {
      i++;
      continue;
    }
    if (justScheme && !digest && cur !== undefined) {
      const e = nextComma(value, i);
      const rest = value.slice(i, trimEndIndex(value, i, e));
      if (TOKEN68.test(rest)) {
        cur.token68 = rest;
        i = e;
        justScheme = false;
        continue;
      }
    }
    justScheme = false;
    const ts = i;
    i = tokenEnd(value, i);
    if (i === ts) {
      addIssue(issues, "bad_auth_header", `${header}: unexpected "${clip(value.slice(ts), 20)}"`, offset + ts);
      i = nextComma(value, ts + 1);
      continue;
    }
    const tok = value.slice(ts, i);
    const j = skipWs(value, i);
    if (j < n && value.charCodeAt(j) === 61) {
      if (cur === undefined) {
        addIssue(issues, "bad_auth_header", `${header}: parameters without an auth scheme`, offset + ts);
        cur = { header, scheme: "", params: new Params(), quoted: [], offset };
        out.push(cur);
      }
      let k = skipWs(value, j + 1);
      let v: string;
      const quoted = k < n && value.charCodeAt(k) === 34;
      if (quoted) {
        const q = readQuoted(value, k);
        if (!q.terminated) addIssue(issues, "unterminated_quote", `${header}: ${tok} value is not closed`, offset + k);
        v = q.value;
        k = q.end;
      } else {
        const e = nextComma(value, k);
        v = value.slice(k, trimEndIndex(value, k, e));
        k = e;
      }
      i = skipWs(value, k);
      if (i < n && value.charCodeAt(i) !== 44) {
        addIssue(issues, "bad_auth_header", `${header}: no comma after the ${tok} parameter`, offset + i);
      }
      lastName = storeParam(cur, paramName(value, ts, ts + tok.length), ascii ? v : utf8(v), quoted, digest, kind, issues, offset + ts);
      afterComma = false;
      continue;
    }
    const lower = tok.toLowerCase();
    if (cur === undefined || SCHEMES.has(lower) || (j < n && value.charCodeAt(j) !== 44)) {
      cur = { header, scheme: tok, params: new Params(), quoted: [], offset };
      out.push(cur);
      digest = lower === "digest";
      justScheme = true;
      lastName = "";
    } else if (lastName === "qop" && afterComma) {
      // Tolerate an unquoted qop list `qop=auth,auth-int` that the commas cut apart.
      cur.params.replace("qop", `${cur.params.get("qop") ?? ""},${tok}`);
    } else {
      addIssue(issues, "bad_auth_header", `${header}: stray token "${clip(tok)}"`, offset + ts);
    }
    afterComma = false;
    i = j;
  }
  if (out.length === 0) addIssue(issues, "bad_auth_header", `${header} is empty`, offset);
  return out;
}

/** storeParam records one parameter (value already UTF-8 decoded) in the entry and checks its quoting; returns the name. */
function storeParam(
  entry: AuthEntry,
  name: string,
  value: string,
  quoted: boolean,
  digest: boolean,
  kind: AuthKind,
  issues: Issue[],
  at: number,
): string {
  if (entry.params.size < DEDUP_LIMIT && entry.params.has(name)) {
    addIssue(issues, "duplicate_auth_param", `${entry.header}: ${name} appears twice`, at);
    return name;
  }
  entry.params.add(name, value);
  if (quoted) entry.quoted.push(name);
  if (digest) {
    if (!quoted && QUOTED[kind].has(name)) {
      addIssue(issues, "unquoted_auth_param", `${entry.header}: ${name}=${clip(value, 40)} must be a quoted string`, at);
    } else if (quoted && TOKENS[kind].has(name)) {
      addIssue(issues, "quoted_auth_param", `${entry.header}: ${name}="${clip(value, 40)}" must not be quoted`, at);
    }
  }
  return name;
}

/** flag parses a `true`/`false` token case-insensitively; undefined when absent or other. */
function flag(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  return equalsLower(v, "true") ? true : equalsLower(v, "false") ? false : undefined;
}

/**
 * DIGEST_FIELDS are the parameters with a typed Challenge / Credentials field or a quoting rule.
 * Both readers leave their values in VALUES, at the index of the name here, for typeChallenge /
 * typeCredentials: the generic one through Params.get, the fast one while scanning.
 */
const DIGEST_FIELDS = [
  "realm", "nonce", "opaque", "algorithm", "charset", "stale", "userhash", "qop", "domain", "username", "uri", "response",
  "cnonce", "nc",
] as const;
const REALM = 0;
const NONCE = 1;
const OPAQUE = 2;
const ALGORITHM = 3;
const CHARSET = 4;
const STALE = 5;
const USERHASH = 6;
const QOP = 7;
const DOMAIN = 8;
const USERNAME = 9;
const URI = 10;
const RESPONSE = 11;
const CNONCE = 12;
const NC = 13;
const VALUES: (string | undefined)[] = DIGEST_FIELDS.map(() => undefined);

/** valuesOf fills VALUES from a parsed entry's parameters (the generic reader's way) and returns it. */
function valuesOf(p: Params): (string | undefined)[] {
  for (let k = 0; k < DIGEST_FIELDS.length; k++) VALUES[k] = p.get(DIGEST_FIELDS[k]);
  return VALUES;
}

/**
 * parseChallenges parses a WWW-Authenticate / Proxy-Authenticate value into one or more
 * challenges. `offset` is the value's byte offset in the message.
 */
export function parseChallenges(value: string, header: AuthHeaderName, issues: Issue[], offset: number): Challenge[] {
  // Entries are extended in place into Challenge / Credentials (object spread is slow in V8).
  return parseAuthEntries(value, header, "challenge", issues, offset).map((e) => typeChallenge(e, valuesOf(e.params), issues, offset));
}

/**
 * typeChallenge extends an entry in place into a Challenge: typed copies of its parameters,
 * whose values `v` holds by DIGEST_FIELDS index.
 */
function typeChallenge(e: AuthEntry, v: (string | undefined)[], issues: Issue[], offset: number): Challenge {
  const c = e as Challenge;
  c.qop = splitTokens(v[QOP], ",");
  c.domain = splitTokens(v[DOMAIN], " ");
  // Named stores, in the order of the Challenge fields, keep objects sparse and shapes few.
  if (v[REALM] !== undefined) c.realm = v[REALM];
  if (v[NONCE] !== undefined) c.nonce = v[NONCE];
  if (v[OPAQUE] !== undefined) c.opaque = v[OPAQUE];
  if (v[ALGORITHM] !== undefined) c.algorithm = v[ALGORITHM];
  if (v[CHARSET] !== undefined) c.charset = v[CHARSET];
  const stale = flag(v[STALE]);
  if (stale !== undefined) c.stale = stale;
  const userhash = flag(v[USERHASH]);
  if (userhash !== undefined) c.userhash = userhash;
  if (equalsLower(e.scheme, "digest") && v[NONCE] === undefined) {
    addIssue(issues, "bad_auth_header", `${e.header}: Digest challenge without nonce`, offset);
  }
  return c;
}

/**
 * parseCredentials parses an Authorization / Proxy-Authorization value. Several credentials in
 * one header are tolerated the same way as several challenges.
 */
export function parseCredentials(value: string, header: AuthHeaderName, issues: Issue[], offset: number): Credentials[] {
  return parseAuthEntries(value, header, "credentials", issues, offset).map((e) => typeCredentials(e, valuesOf(e.params)));
}

/** typeCredentials extends an entry in place into Credentials; `v` as for typeChallenge. */
function typeCredentials(e: AuthEntry, v: (string | undefined)[]): Credentials {
  const c = e as Credentials;
  if (v[USERNAME] !== undefined) c.username = v[USERNAME];
  if (v[REALM] !== undefined) c.realm = v[REALM];
  if (v[NONCE] !== undefined) c.nonce = v[NONCE];
  if (v[URI] !== undefined) c.uri = v[URI];
  if (v[RESPONSE] !== undefined) c.response = v[RESPONSE];
  if (v[ALGORITHM] !== undefined) c.algorithm = v[ALGORITHM];
  if (v[CNONCE] !== undefined) c.cnonce = v[CNONCE];
  if (v[OPAQUE] !== undefined) c.opaque = v[OPAQUE];
  if (v[QOP] !== undefined) c.qop = v[QOP];
  if (v[NC] !== undefined) c.nc = v[NC];
  const userhash = flag(v[USERHASH]);
  if (userhash !== undefined) c.userhash = userhash;
  return c;
}

/**
 * challengesAt / credentialsAt parse the auth header value at b[a, e) of the message bytes (`t`
 * their latin1 text, `raw` = t.slice(a, e), a its byte offset) like parseChallenges /
 * parseCredentials(raw, header, issues, a), with a byte scanner for the one shape real traffic
 * uses: `Digest name=value, name="value", ...` in ASCII, no quoted-pairs, no LWS around `=` or
 * before `,`, every parameter quoted as RFC 7616 requires, none repeated. Anything else goes to
 * the generic reader, so results and issues are the same in every case.
 */
export function challengesAt(b: Uint8Array, t: string, a: number, e: number, raw: string, header: AuthHeaderName, issues: Issue[]): Challenge[] {
  const entry = digestFast(b, t, a, e, header, CHALLENGE);
  return entry === undefined ? parseChallenges(raw, header, issues, a) : [typeChallenge(entry, VALUES, issues, a)];
}

/** credentialsAt: see challengesAt. */
export function credentialsAt(b: Uint8Array, t: string, a: number, e: number, raw: string, header: AuthHeaderName, issues: Issue[]): Credentials[] {
  const entry = digestFast(b, t, a, e, header, CREDENTIALS);
  return entry === undefined ? parseCredentials(raw, header, issues, a) : [typeCredentials(entry, VALUES)];
}

/**
 * The fast path's kinds, CHALLENGE or CREDENTIALS, are the shifts of their two rule bits in
 * DigestName.rules; the rules are MUST_QUOTE and MUST_NOT_QUOTE (QUOTED / TOKENS above, from
 * RFC 7616 §3.3 for challenges and §3.4 for credentials).
 */
const CHALLENGE = 0;
const CREDENTIALS = 2;
const MUST_QUOTE = 1;
const MUST_NOT_QUOTE = 2;

/** DigestName is a DIGEST_FIELDS name as the fast path meets it on the wire. */
interface DigestName {
  /** The lower-case name (an interned constant). */
  name: string;
  /** Index in DIGEST_FIELDS and VALUES; 1 << field is its bit in the repeat check. */
  field: number;
  /** MUST_QUOTE / MUST_NOT_QUOTE shifted by CHALLENGE, and by CREDENTIALS (from QUOTED / TOKENS). */
  rules: number;
}

/** DIGEST_NAMES matches the DIGEST_FIELDS names in the message bytes, any case, without a string. */
const DIGEST_NAMES = new Lexicon<DigestName>(
  DIGEST_FIELDS.map((name, field) => {
    const rule = (kind: AuthKind) => (QUOTED[kind].has(name) ? MUST_QUOTE : TOKENS[kind].has(name) ? MUST_NOT_QUOTE : 0);
    return [name, { name, field, rules: (rule("challenge") << CHALLENGE) | (rule("credentials") << CREDENTIALS) }] as const;
  }),
);

/** KV and QUOTED_NAMES collect the fast path's parameters before they are copied right-sized. */
const KV: string[] = [];
const QUOTED_NAMES: string[] = [];

/** DIGEST is the scheme as nearly everyone writes it, shared rather than sliced per header. */
const DIGEST = "Digest";

/**
 * Where digestFast's scan of a parameter value stops, one table load per byte (1 = stop): a
 * quoted value at DQUOTE, a token value at ","; both at a quoted-pair's backslash and at bytes
 * >= 0x80 (UTF-8 decoding could change them), a token also at DQUOTE and whitespace. A stop at
 * anything but the value's own end sends the value to the generic reader.
 */
const QUOTED_VALUE_STOP = new Uint8Array(256);
const TOKEN_VALUE_STOP = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const generic = c === 92 || c >= 0x80;
  QUOTED_VALUE_STOP[c] = generic || c === 34 ? 1 : 0;
  TOKEN_VALUE_STOP[c] = generic || c === 34 || c === 44 || isWs(c) ? 1 : 0;
}

/**
 * digestFast is the fast path of challengesAt / credentialsAt (`kind` CHALLENGE or CREDENTIALS):
 * the entry, with VALUES filled for typing; undefined means "take the generic reader". Each byte
 * of the value is looked at once, and the checks that send a value to the generic reader (a
 * quoted-pair, a byte >= 0x80 that UTF-8 decoding could change) are made in that pass: values
 * are short, and for short runs a loop beats calls to the engine's string search.
 */
function digestFast(b: Uint8Array, t: string, a: number, e: number, header: AuthHeaderName, kind: number): AuthEntry | undefined {
  if (e - a < 8 || b[a + 6] !== 32 || !bytesEqualLower(b, a, "digest")) return undefined;
  for (let k = 0; k < VALUES.length; k++) VALUES[k] = undefined;
  let pairs = 0;
  let quotedCount = 0;
  let seen = 0;
  let i = a + 7;
  while (i < e && isWs(b[i])) i++;
  while (i < e) {
    const ns = i;
    while (i < e && isTokenChar(b[i])) i++;
    if (i === ns || i >= e || b[i] !== 61) return undefined;
    const ne = i;
    const quoted = ++i < e && b[i] === 34;
    const vs = quoted ? ++i : i;
    const stops = quoted ? QUOTED_VALUE_STOP : TOKEN_VALUE_STOP;
    while (i < e && stops[b[i]] === 0) i++;
    if (quoted ? i >= e || b[i] !== 34 : i < e && b[i] !== 44) return undefined;
    const value = t.slice(vs, i);
    if (quoted) i++;
    // The issues storeParam would raise: quoting against RFC 7616 §3.3-3.4, a repeated name.
    const known = DIGEST_NAMES.findBytes(b, ns, ne);
    let name: string;
    if (known !== undefined) {
      if (((known.rules >> kind) & 3) === (quoted ? MUST_NOT_QUOTE : MUST_QUOTE) || (seen & (1 << known.field)) !== 0) return undefined;
      seen |= 1 << known.field;
      VALUES[known.field] = value;
      name = known.name;
    } else {
      // Not a DIGEST_FIELDS name, so it can only repeat another such name.
      name = paramName(t, ns, ne);
      for (let k = 0; k < 2 * pairs; k += 2) if (KV[k] === name) return undefined;
    }
    if (pairs >= DEDUP_LIMIT) return undefined;
    KV[2 * pairs] = name;
    KV[2 * pairs + 1] = value;
    pairs++;
    if (quoted) QUOTED_NAMES[quotedCount++] = name;
    if (i < e) {
      if (b[i] !== 44) return undefined;
      i++;
      while (i < e && isWs(b[i])) i++;
      if (i >= e) return undefined; // a trailing comma: generic path
    }
  }
  if (pairs === 0) return undefined;
  const scheme = t.startsWith(DIGEST, a) ? DIGEST : t.slice(a, a + 6);
  return { header, scheme, params: Params.fromPairs(KV.slice(0, 2 * pairs)), quoted: QUOTED_NAMES.slice(0, quotedCount), offset: a };
}

/** splitTokens splits a list value at `sep` (and whitespace), dropping empty parts. */
function splitTokens(v: string | undefined, sep: string): string[] {
  if (v === undefined) return [];
  if (v.indexOf(sep) < 0) {
    // One part (qop="auth", the usual case): what the general form below gives, without its arrays.
    const x = v.trim();
    return x.length > 0 ? [x] : [];
  }
  return v
    .split(sep)
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
}

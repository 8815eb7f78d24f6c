/**
 * Header-name knowledge: canonical spellings, compact forms (RFC 3261 §7.3.3 and the extension
 * RFCs), which headers are comma-separated lists and which may appear only once.
 */
import { Lexicon } from "./text.js";

/** CANONICAL lists header names as conventionally spelled; lookups use their lower-cased form. */
const CANONICAL = [
  "Accept", "Accept-Contact", "Accept-Encoding", "Accept-Language", "Alert-Info", "Allow", "Allow-Events",
  "Authentication-Info", "Authorization", "Call-ID", "Call-Info", "Contact", "Content-Disposition",
  "Content-Encoding", "Content-Language", "Content-Length", "Content-Type", "CSeq", "Date", "Error-Info",
  "Event", "Expires", "From", "Identity", "Identity-Info", "In-Reply-To", "Max-Forwards", "MIME-Version",
  "Min-Expires", "Min-SE", "Organization", "P-Asserted-Identity", "Path", "Priority", "Proxy-Authenticate",
  "Proxy-Authorization", "Proxy-Require", "Reason", "Record-Route", "Refer-To", "Referred-By",
  "Reject-Contact", "Reply-To", "Request-Disposition", "Require", "Retry-After", "Route", "RSeq", "RAck",
  "Server", "Service-Route", "Session-Expires", "Subject", "Subscription-State", "Supported", "Timestamp",
  "To", "Unsupported", "User-Agent", "Via", "Warning", "WWW-Authenticate",
] as const;

/**
 * intern returns the engine's shared copy of `s` (object keys are interned), so that header keys
 * compare by identity like the string literals the accessors look them up with: every typed
 * accessor compares its key with each header line's.
 */
function intern(s: string): string {
  return Object.keys({ [s]: 0 })[0];
}

/** DISPLAY maps a lower-cased header name (interned) to its conventional spelling. */
const DISPLAY = new Map<string, string>(CANONICAL.map((n) => [intern(n.toLowerCase()), n]));

/**
 * COMPACT maps compact forms to lower-cased full names: RFC 3261 §7.3.3 (i m f t v l c k s e),
 * RFC 3265 (o u), RFC 3515 (r), RFC 3892 (b), RFC 4028 (x), RFC 3841 (a j d), RFC 4474 (y n).
 */
const COMPACT: Record<string, string> = {
  i: "call-id", m: "contact", f: "from", t: "to", v: "via", l: "content-length", c: "content-type",
  k: "supported", s: "subject", e: "content-encoding", o: "event", u: "allow-events", r: "refer-to",
  b: "referred-by", x: "session-expires", a: "accept-contact", j: "reject-contact", d: "request-disposition",
  y: "identity", n: "identity-info",
};

/**
 * LIST_HEADERS are the headers whose grammar is `#element` (RFC 3261 §7.3.1 / §20), so a value
 * may be split at commas. Headers whose values contain commas of their own (WWW-Authenticate,
 * Authorization, Date, User-Agent, Call-ID, From, To, unknown extensions...) are not listed.
 */
const LIST_HEADERS = new Set([
  "accept", "accept-contact", "accept-encoding", "accept-language", "alert-info", "allow", "allow-events",
  "call-info", "contact", "content-encoding", "content-language", "error-info", "in-reply-to", "path",
  "p-asserted-identity", "proxy-require", "reason", "record-route", "reject-contact", "request-disposition",
  "require", "route", "service-route", "supported", "unsupported", "via", "warning",
]);

/** SINGLETONS are headers RFC 3261 §20 allows once per message; a repeat is `duplicate_header`. */
export const SINGLETONS: readonly string[] = [
  "call-id", "cseq", "from", "to", "content-length", "content-type", "max-forwards", "expires",
];

/**
 * TRACKED maps the headers the parser records in its presence mask (HeaderIndex.present) to their
 * bits: the once-only ones (repeat checks), Via (required), and the list and auth headers the
 * typed accessors read, which then skip the search for a header the message lacks.
 */
const TRACKED: ReadonlyMap<string, number> = new Map(
  [...SINGLETONS, "via", "contact", "www-authenticate", "proxy-authenticate", "authorization", "proxy-authorization"].map((k, i) => [k, 1 << i]),
);

/** trackedBit returns the TRACKED bit of a key, 0 when untracked. */
export function trackedBit(key: string): number {
  return TRACKED.get(key) ?? 0;
}

/**
 * knownHeaderLexicon builds a Lexicon matching every known header spelling (full or compact,
 * any case, read in place without making a string) to `value(key)`.
 */
export function knownHeaderLexicon<T>(value: (key: string) => T): Lexicon<T> {
  const spellings: [string, string][] = [...[...DISPLAY.keys()].map((k): [string, string] => [k, k]), ...Object.entries(COMPACT)];
  return new Lexicon(spellings.map(([spelling, key]) => [spelling, value(key)] as const));
}

/** NAME_CACHE memoises raw-name -> key for the spellings seen on the wire (bounded). */
const NAME_CACHE = new Map<string, string>();
const NAME_CACHE_MAX = 4096;

/**
 * headerKey turns a header name as written (any case, compact or full) into the lower-cased full
 * name used as lookup key. Field names are case-insensitive (RFC 3261 §7.3.1).
 */
export function headerKey(name: string): string {
  const hit = NAME_CACHE.get(name);
  if (hit !== undefined) return hit;
  const lower = name.toLowerCase();
  const key = (lower.length === 1 ? COMPACT[lower] : undefined) ?? intern(lower);
  if (NAME_CACHE.size < NAME_CACHE_MAX) NAME_CACHE.set(name, key);
  return key;
}

/** headerDisplayName returns the conventional spelling of a header key (`call-id` -> `Call-ID`). */
export function headerDisplayName(key: string): string {
  return DISPLAY.get(key) ?? key;
}

/** isListHeader reports whether values of the header (by key) may be split at commas. */
export function isListHeader(key: string): boolean {
  return LIST_HEADERS.has(key);
}

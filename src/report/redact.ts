/**
 * `--redact`: replaces identities in a report with stable pseudonyms so it can be shared outside
 * the company — user names, hosts (IP addresses, domains, realms), Call-IDs and nonces. The same
 * value gets the same pseudonym everywhere (`user-1`, `host-2`, `call-1`, `nonce-3`), numbered in
 * order of first appearance in the report, so redacting is deterministic and a reader can still
 * follow "the same user from two addresses". Ports, frame numbers, methods, status codes and times
 * are kept: they are what the diagnosis rests on. Digest responses never reach the model.
 *
 * It works in two passes over a copy: structured fields (subject, AOR, client, callIds, …) are
 * replaced by kind and define the pseudonyms; then free text (titles, explanations, evidence,
 * filters, labels, issue details) has every known value replaced, and any IP address not yet
 * known gets a new host pseudonym.
 */
import type { Report, ReportAttempt } from "./model.js";

type Kind = "user" | "host" | "call" | "nonce";
/** How a field is redacted: as one kind of identity, as an address or URI built of them, or as free text. */
type FieldKind = Kind | "endpoint" | "uri" | "text";

// Shortest visible part of an abbreviated value ("abcd1234…", "abcd…wxyz") trusted to name one value.
const MIN_ABBREVIATION = 6;
const ELLIPSIS = /…|\.\.\./;
// An abbreviated token in free text: visible start, ellipsis, optional visible end.
const ABBREVIATED = /(?<![\w+/=.-])([\w+/=-]{4,})(?:…|\.\.\.)([\w+/=-]*)/g;
// IPv4, or IPv6 with "::" or all eight groups (so clock times and MAC addresses do not match).
const IPV4 = String.raw`(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)`;
const IPV6 = String.raw`(?<![\w:.])(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){0,6}(?:[0-9A-Fa-f]{1,4})?::(?:[0-9A-Fa-f]{1,4}:){0,6}[0-9A-Fa-f]{0,4})(?![\w:])`;
const IP = new RegExp(`${IPV6}|${IPV4}`, "g");
const URI = /^(sips?:|tel:)(?:([^@]*)@)?(\[[^\]]*\]|[^:;?>]*)(.*)$/i;

/**
 * Words that are user names for some (scanners try them all) but also plain English in sip401's
 * own sentences, or URI schemes: in free text they are replaced only where they are plainly an
 * identity (see Redactor.compile). Structured fields are always replaced.
 */
export const COMMON_WORDS: ReadonlySet<string> = new Set(
  ("sip sips tel user users username test testing admin administrator root guest info support sales office phone phones " +
    "operator reception voip voice service server client account default demo system manager pbx home work fax mobile")
    .split(" "),
);

/**
 * abbreviates says whether `short` ("abcd1234…" or "abcd…wxyz") is an abbreviation of `full`:
 * the visible parts are its start and end, and long enough to trust.
 */
function abbreviates(short: string, full: string): boolean {
  const parts = short.split(ELLIPSIS);
  if (parts.length !== 2 || ELLIPSIS.test(full)) return false;
  const [head, tail] = parts;
  return head.length + tail.length >= MIN_ABBREVIATION && full.length > head.length + tail.length && full.startsWith(head) && full.endsWith(tail);
}

/** escapeRegExp quotes a literal for use in a RegExp. */
function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}

/** Pseudonyms hands out one pseudonym per (kind, value), numbered per kind in order of request. */
class Pseudonyms {
  private readonly byKind = new Map<Kind, Map<string, string>>();
  /** Every original spelling that maps to a pseudonym, for the free-text pass. */
  readonly known = new Map<string, string>();

  of(kind: Kind, value: string): string {
    let map = this.byKind.get(kind);
    if (!map) this.byKind.set(kind, (map = new Map()));
    let name = map.get(value);
    if (name === undefined) {
      name = `${kind}-${map.size + 1}`;
      map.set(value, name);
    }
    if (value !== "" && !this.known.has(value)) this.known.set(value, name);
    return name;
  }

  /**
   * nonce maps a nonce; an abbreviated one ("abcd1234…", "abcd…wxyz") and the full nonce share one
   * pseudonym, whichever comes first.
   */
  nonce(value: string): string {
    for (const [seen, name] of this.byKind.get("nonce") ?? []) {
      if (seen === value || abbreviates(value, seen) || abbreviates(seen, value)) {
        this.known.set(value, name);
        return name;
      }
    }
    return this.of("nonce", value);
  }

  /** expand finds the pseudonym of the known value an abbreviated token stands for, if any. */
  expand(token: string): string | undefined {
    for (const [value, name] of this.known) if (abbreviates(token, value)) return name;
    return undefined;
  }
}

/** Redactor rewrites one report copy. */
class Redactor {
  readonly names = new Pseudonyms();
  private pattern: RegExp | undefined;
  // Number of known values the pattern was built from; a new value means a rebuild.
  private patternSize = -1;

  // Each mapper takes one value; an empty string stays empty.
  private user(v: string): string {
    return v === "" ? v : this.names.of("user", v);
  }

  private host(v: string): string {
    return v === "" ? v : this.names.of("host", v.startsWith("[") && v.endsWith("]") ? v.slice(1, -1) : v);
  }

  call(v: string): string {
    return v === "" ? v : this.names.of("call", v);
  }

  private nonce(v: string): string {
    return v === "" ? v : this.names.nonce(v);
  }

  /** endpoint maps "ip:port", "[v6]:port" or a bare address, keeping the port. */
  endpoint(v: string): string {
    const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(v);
    if (v6) return `${this.host(v6[1])}${v6[2] !== undefined ? `:${v6[2]}` : ""}`;
    const v4 = /^([^:]+):(\d+)$/.exec(v);
    if (v4) return `${this.host(v4[1])}:${v4[2]}`;
    return this.host(v);
  }

  /** uri maps the user and host of a SIP/tel URI; parameters go through the free-text pass. */
  private uri(v: string): string {
    const m = URI.exec(v);
    if (!m) return v;
    const user = m[2] !== undefined ? `${this.user(m[2])}@` : "";
    return `${m[1]}${user}${this.host(m[3])}${m[4]}`;
  }

  /** text replaces every known value in free text, and any unknown IP address with a new host. */
  text(v: string): string {
    const pattern = this.compile();
    // Known values first, so a Call-ID is replaced whole before the address inside it is seen.
    const known = pattern ? v.replace(pattern, (m) => this.names.known.get(m) ?? m) : v;
    // Then abbreviations of known values (a nonce shown as "abcd1234…wxyz"), then unknown addresses.
    const expanded = known.replace(ABBREVIATED, (m) => this.names.expand(m) ?? m);
    return expanded.replace(IP, (ip) => this.host(ip));
  }

  /**
   * compile builds one alternation of every known value, longest first, so one pass replaces a
   * Call-ID before the address inside it and never rewrites a pseudonym. A value must stand alone
   * (not inside a longer word). Values that could as well be ordinary text — all digits (an
   * extension like 1000 vs. a frame number) or a common word (a scanner trying "phone", "sip",
   * "user") — only count where they are plainly an identity: in quotes, before "@", or after
   * "user"/"username"; so counts, URIs and prose survive.
   */
  private compile(): RegExp | undefined {
    if (this.patternSize === this.names.known.size) return this.pattern;
    this.patternSize = this.names.known.size;
    const values = [...this.names.known.keys()].filter((k) => !/^(?:user|host|call|nonce)-\d+$/.test(k)).sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
    if (values.length === 0) return (this.pattern = undefined);
    const ambiguous = (k: string): boolean => /^\d+$/.test(k) || COMMON_WORDS.has(k.toLowerCase());
    const plain = values.filter((k) => !ambiguous(k)).map(escapeRegExp);
    const contextual = values.filter(ambiguous).map(escapeRegExp).join("|");
    const parts: string[] = [];
    if (plain.length > 0) parts.push(`(?<![\\w.-])(?:${plain.join("|")})(?![\\w-]|\\.\\w)`);
    if (contextual !== "") {
      parts.push(
        `(?<=["'])(?:${contextual})(?=["'])`,
        `(?<![\\w.-])(?:${contextual})(?=@)`,
        `(?<=\\buser(?:name)?[ =])(?:${contextual})(?![\\w-])`,
      );
    }
    this.pattern = new RegExp(parts.join("|"), "g");
    return this.pattern;
  }

  /**
   * fields replaces the named string fields of an object, each as the given kind, in the order
   * listed (which fixes the numbering). Absent fields stay absent.
   */
  fields<T extends object>(o: T, kinds: { [K in keyof T]?: FieldKind }): void {
    const rec = o as Record<string, unknown>;
    for (const [key, kind] of Object.entries(kinds) as [string, FieldKind][]) {
      const v = rec[key];
      if (typeof v === "string") rec[key] = this.as(kind, v);
    }
  }

  /** texts runs the free-text pass over the named string fields of an object. */
  texts<T extends object>(o: T, keys: (keyof T & string)[]): void {
    this.fields(o, Object.fromEntries(keys.map((k) => [k, "text"])) as { [K in keyof T]?: FieldKind });
  }

  private as(kind: FieldKind, v: string): string {
    switch (kind) {
      case "user":
        return this.user(v);
      case "host":
        return this.host(v);
      case "endpoint":
        return this.endpoint(v);
      case "uri":
        return this.uri(v);
      case "call":
        return this.call(v);
      case "nonce":
        return this.nonce(v);
      case "text":
        return this.text(v);
    }
  }

  /** exchange maps what registrations and handshakes share: who talked, as whom, in which dialogs. */
  exchange(e: { client: string; server: string; username?: string; realm?: string; callIds: string[]; attemptDetails: ReportAttempt[] }): void {
    this.fields(e, { client: "endpoint", server: "endpoint", username: "user", realm: "host" });
    e.callIds = e.callIds.map((c) => this.call(c));
    for (const a of e.attemptDetails) {
      this.fields(a, { callId: "call" });
      if (a.credentials) this.fields(a.credentials, { username: "user", realm: "host", nonce: "nonce", cnonce: "nonce", uri: "uri" });
      this.fields(a, { requestUri: "uri" });
      if (a.challenge) this.fields(a.challenge, { realm: "host", nonce: "nonce" });
    }
  }
}

/**
 * redactReport returns a copy of the report with identities replaced by pseudonyms and
 * `redacted: true`. The input is not modified. A report that is already redacted is returned as
 * a copy unchanged (its values are pseudonyms already).
 */
export function redactReport(report: Report): Report {
  const r = structuredClone(report);
  if (r.redacted) return r;
  const x = new Redactor();

  // Pass 1: structured fields, in report order, define the pseudonyms.
  for (const f of r.findings) x.fields(f.subject, { user: "user", aor: "uri", realm: "host", client: "endpoint", server: "endpoint", callId: "call" });
  for (const g of r.registrations) {
    x.fields(g, { aor: "uri", user: "user" });
    x.exchange(g);
  }
  for (const h of r.handshakes) {
    x.fields(h, { fromUri: "uri" });
    x.exchange(h);
  }
  for (const n of r.nonces) x.fields(n, { nonce: "nonce", realm: "host", server: "endpoint", client: "endpoint" });
  for (const l of r.ladders) {
    l.callId = x.call(l.callId);
    l.endpoints = l.endpoints.map((e) => x.endpoint(e));
    for (const s of l.steps) x.fields(s, { from: "endpoint", to: "endpoint" });
  }

  // Pass 2: free text, which may mention any of the above (and addresses of its own).
  for (const c of r.captures) {
    for (const i of c.issues) for (const s of i.samples) x.texts(s, ["detail"]);
    if (c.damage) x.texts(c.damage, ["reason"]);
  }
  for (const f of r.findings) {
    x.texts(f, ["title", "explanation", "filter"]);
    f.fix = f.fix.map((s) => x.text(s));
    for (const e of f.evidence) x.texts(e, ["text"]);
  }
  const attemptTexts = (a: ReportAttempt): void => {
    x.texts(a, ["reason", "requestUri"]);
    if (a.credentials) x.texts(a.credentials, ["uri"]);
  };
  for (const g of r.registrations) {
    x.texts(g, ["aor", "reason", "userAgent", "serverAgent"]);
    g.attemptDetails.forEach(attemptTexts);
  }
  for (const h of r.handshakes) {
    x.texts(h, ["fromUri"]);
    h.attemptDetails.forEach(attemptTexts);
  }
  for (const l of r.ladders) for (const s of l.steps) x.texts(s, ["label"]);
  r.redacted = true;
  return r;
}

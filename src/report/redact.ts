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

// Shortest abbreviated nonce prefix trusted to name one nonce.
const MIN_NONCE_PREFIX = 6;
const ELLIPSIS = /(?:…|\.\.\.)$/;
// IPv4, or IPv6 with "::" or all eight groups (so clock times and MAC addresses do not match).
const IPV4 = String.raw`(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)`;
const IPV6 = String.raw`(?<![\w:.])(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){0,6}(?:[0-9A-Fa-f]{1,4})?::(?:[0-9A-Fa-f]{1,4}:){0,6}[0-9A-Fa-f]{0,4})(?![\w:])`;
const IP = new RegExp(`${IPV6}|${IPV4}`, "g");
const URI = /^(sips?:|tel:)(?:([^@]*)@)?(\[[^\]]*\]|[^:;?>]*)(.*)$/i;

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

  /** nonce maps a nonce; an abbreviated one ("abcd1234…") shares the pseudonym of the nonce it abbreviates. */
  nonce(value: string): string {
    const prefix = value.replace(ELLIPSIS, "");
    const abbreviated = prefix !== value && prefix.length >= MIN_NONCE_PREFIX;
    const map = this.byKind.get("nonce") ?? new Map<string, string>();
    for (const [full, name] of map) {
      if ((abbreviated && full.startsWith(prefix)) || (full !== prefix && prefix.startsWith(full) && full.length >= MIN_NONCE_PREFIX)) {
        this.known.set(value, name);
        if (abbreviated) this.known.set(prefix, name);
        return name;
      }
    }
    const name = this.of("nonce", prefix);
    this.known.set(value, name);
    return name;
  }
}

/** Redactor rewrites one report copy. */
class Redactor {
  readonly names = new Pseudonyms();
  private pattern: RegExp | undefined;
  // Number of known values the pattern was built from; a new value means a rebuild.
  private patternSize = -1;

  user(v: string | undefined): string | undefined {
    return v === undefined || v === "" ? v : this.names.of("user", v);
  }

  host(v: string | undefined): string | undefined {
    return v === undefined || v === "" ? v : this.names.of("host", v.startsWith("[") && v.endsWith("]") ? v.slice(1, -1) : v);
  }

  call(v: string): string {
    return this.names.of("call", v);
  }

  nonce(v: string | undefined): string | undefined {
    return v === undefined || v === "" ? v : this.names.nonce(v);
  }

  /** endpoint maps "ip:port", "[v6]:port" or a bare address, keeping the port. */
  endpoint(v: string): string;
  endpoint(v: string | undefined): string | undefined;
  endpoint(v: string | undefined): string | undefined {
    if (v === undefined || v === "") return v;
    const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(v);
    if (v6) return `${this.host(v6[1])}${v6[2] !== undefined ? `:${v6[2]}` : ""}`;
    const v4 = /^([^:]+):(\d+)$/.exec(v);
    if (v4) return `${this.host(v4[1])}:${v4[2]}`;
    return this.host(v);
  }

  /** uri maps the user and host of a SIP/tel URI; parameters go through the free-text pass. */
  uri(v: string): string;
  uri(v: string | undefined): string | undefined;
  uri(v: string | undefined): string | undefined {
    if (v === undefined || v === "") return v;
    const m = URI.exec(v);
    if (!m) return v;
    const user = m[2] !== undefined ? `${this.user(m[2])}@` : "";
    return `${m[1]}${user}${this.host(m[3])}${m[4]}`;
  }

  /** text replaces every known value in free text, and any unknown IP address with a new host. */
  text(v: string): string;
  text(v: string | undefined): string | undefined;
  text(v: string | undefined): string | undefined {
    if (v === undefined || v === "") return v;
    const pattern = this.compile();
    // Known values first, so a Call-ID is replaced whole before the address inside it is seen.
    const known = pattern ? v.replace(pattern, (m) => this.names.known.get(m) ?? m) : v;
    return known.replace(IP, (ip) => this.host(ip) ?? ip);
  }

  /**
   * compile builds one alternation of every known value, longest first, so one pass replaces a
   * Call-ID before the address inside it and never rewrites a pseudonym. A value must stand alone
   * (not inside a longer word); an all-digit user name (an extension like 1000) only counts before
   * "@" or in quotes, so frame numbers and counts survive.
   */
  private compile(): RegExp | undefined {
    if (this.patternSize === this.names.known.size) return this.pattern;
    this.patternSize = this.names.known.size;
    const values = [...this.names.known.keys()].filter((k) => !/^(?:user|host|call|nonce)-\d+$/.test(k)).sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
    if (values.length === 0) return (this.pattern = undefined);
    const plain = values.filter((k) => !/^\d+$/.test(k)).map(escapeRegExp);
    const digits = values.filter((k) => /^\d+$/.test(k)).map(escapeRegExp);
    const parts: string[] = [];
    if (plain.length > 0) parts.push(`(?<![\\w.-])(?:${plain.join("|")})(?![\\w-]|\\.\\w)`);
    if (digits.length > 0) parts.push(`(?<=")(?:${digits.join("|")})(?=")`, `(?<![\\w.-])(?:${digits.join("|")})(?=@)`);
    this.pattern = new RegExp(parts.join("|"), "g");
    return this.pattern;
  }

  attempt(a: ReportAttempt): void {
    a.callId = this.call(a.callId);
    if (a.credentials) {
      const c = a.credentials;
      c.username = this.user(c.username);
      c.realm = this.host(c.realm);
      c.nonce = this.nonce(c.nonce);
      c.cnonce = this.nonce(c.cnonce);
      c.uri = this.uri(c.uri);
    }
    a.requestUri = this.uri(a.requestUri);
    if (a.challenge) {
      a.challenge.realm = this.host(a.challenge.realm);
      a.challenge.nonce = this.nonce(a.challenge.nonce);
    }
  }
}

/** dropUndefined removes keys whose value became undefined, so the JSON stays as the model says. */
function dropUndefined<T extends object>(o: T): T {
  for (const key of Object.keys(o) as (keyof T)[]) if (o[key] === undefined) delete o[key];
  return o;
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
  for (const f of r.findings) {
    const s = f.subject;
    s.user = x.user(s.user);
    s.aor = x.uri(s.aor);
    s.realm = x.host(s.realm);
    s.client = x.endpoint(s.client);
    s.server = x.endpoint(s.server);
    if (s.callId !== undefined) s.callId = x.call(s.callId);
    dropUndefined(s);
  }
  for (const g of r.registrations) {
    g.aor = x.uri(g.aor);
    g.user = x.user(g.user);
    g.username = x.user(g.username);
    g.realm = x.host(g.realm);
    g.client = x.endpoint(g.client);
    g.server = x.endpoint(g.server);
    g.callIds = g.callIds.map((c) => x.call(c));
    for (const a of g.attemptDetails) x.attempt(a);
  }
  for (const h of r.handshakes) {
    h.client = x.endpoint(h.client);
    h.server = x.endpoint(h.server);
    h.fromUri = x.uri(h.fromUri);
    h.username = x.user(h.username);
    h.realm = x.host(h.realm);
    h.callIds = h.callIds.map((c) => x.call(c));
    for (const a of h.attemptDetails) x.attempt(a);
  }
  for (const l of r.ladders) {
    l.callId = x.call(l.callId);
    l.endpoints = l.endpoints.map((e) => x.endpoint(e));
    for (const s of l.steps) {
      s.from = x.endpoint(s.from);
      s.to = x.endpoint(s.to);
    }
  }

  // Pass 2: free text, which may mention any of the above (and addresses of its own).
  for (const c of r.captures) {
    for (const i of c.issues) for (const s of i.samples) s.detail = x.text(s.detail);
    if (c.damage) c.damage.reason = x.text(c.damage.reason);
  }
  for (const f of r.findings) {
    f.title = x.text(f.title);
    f.explanation = x.text(f.explanation);
    f.filter = x.text(f.filter);
    f.fix = f.fix.map((s) => x.text(s));
    for (const e of f.evidence) e.text = x.text(e.text);
  }
  const attemptText = (a: ReportAttempt): void => {
    a.reason = x.text(a.reason);
    if (a.requestUri !== undefined) a.requestUri = x.text(a.requestUri);
    if (a.credentials?.uri !== undefined) a.credentials.uri = x.text(a.credentials.uri);
    dropUndefined(a);
    if (a.credentials) dropUndefined(a.credentials);
    if (a.challenge) dropUndefined(a.challenge);
  };
  for (const g of r.registrations) {
    g.aor = x.text(g.aor);
    g.reason = x.text(g.reason);
    g.userAgent = x.text(g.userAgent);
    g.serverAgent = x.text(g.serverAgent);
    g.attemptDetails.forEach(attemptText);
    dropUndefined(g);
  }
  for (const h of r.handshakes) {
    if (h.fromUri !== undefined) h.fromUri = x.text(h.fromUri);
    h.attemptDetails.forEach(attemptText);
    dropUndefined(h);
  }
  for (const l of r.ladders) for (const s of l.steps) s.label = x.text(s.label);
  r.redacted = true;
  return r;
}

/**
 * The SIP message model: start line, an index of header lines over the latin1 text of the header
 * section, and typed accessors that parse a header on first use and cache the result.
 * Ownership: `bytes` and `body` are views of the parsed input; copy the input if it is reused.
 */
import type { Issue } from "../util/issues.js";
import { contactAt, nameAddrAt, parseContact, parseNameAddr, type Contact, type NameAddr } from "./address.js";
import { challengesAt, credentialsAt, parseChallenges, parseCredentials, type AuthHeaderName, type Challenge, type Credentials } from "./auth.js";
import { cseqAt, parseCSeq, parseReason, parseRetryAfter, parseWarning, type CSeq, type Reason, type RetryAfter, type Warning } from "./fields.js";
import { headerDisplayName, headerKey, isListHeader, trackedBit } from "./headers.js";
import { addIssue } from "./issues.js";
import { parseSdp, type Sdp } from "./sdp.js";
import { clip, readNumber, skipWs, splitList, trimEndIndex, utf8 } from "./text.js";
import { parseUri, type SipUri } from "./uri.js";
import { parseVia, viaAt, type Via } from "./via.js";

/** HeaderField is one header line as found, for listing and display. */
export interface HeaderField {
  /** Field name exactly as written (compact forms not expanded). */
  name: string;
  /** Lower-cased full name (`v` -> `via`), the lookup key. */
  key: string;
  /** Value, trimmed and unfolded (latin1). */
  value: string;
  /** Byte offset of the value in the message. */
  offset: number;
}

/** ValueAt is one header value (or list element) with its byte offset in the message. */
export interface ValueAt {
  /** The text, trimmed and unfolded. */
  text: string;
  /** Byte offset in the message. */
  offset: number;
}

/** StartLine is the decoded request or status line, as the parser hands it to the model. */
export interface StartLine {
  /** `request` or `response`. */
  kind: "request" | "response";
  /** SIP-Version as written ("" when missing). */
  version: string;
  /** Request method as written. */
  method?: string;
  /** Request method upper-cased (the parser knows it already; derived from `method` when absent). */
  methodUpper?: string;
  /** Request-URI text. */
  requestUri?: string;
  /** Byte offset of the Request-URI. */
  requestUriOffset?: number;
  /** Status code. */
  status?: number;
  /** Reason phrase, UTF-8 decoded. */
  reason?: string;
}

/**
 * HeaderIndex is the parser's one-pass index of the header section plus the body bounds
 * (internal to src/sip; exported so the parser can build messages).
 */
export interface HeaderIndex {
  /** latin1 text of the message from byte 0 up to (at least) the end of the header section. */
  text: string;
  /** Header keys, one per header line. */
  keys: string[];
  /** Four numbers per header: name start, value start, value end, folded (0/1). */
  pos: number[];
  /** The whole message. */
  bytes: Uint8Array;
  /** Where the body starts (bytes.length when there is none). */
  bodyOffset: number;
  /** Declared Content-Length, when valid. */
  contentLength?: number;
  /** TRACKED bits (headers.ts) of the headers present; absent means unknown (all looked up). */
  present?: number;
  /** The issue list shared with the parse result. */
  issues: Issue[];
  /**
   * True to parse CSeq, Via, From, To, Contact, Route, Record-Route and the auth headers with the
   * generic tolerant readers only, skipping their fast scanners (for differential tests; results
   * are the same).
   */
  generic?: boolean;
}

/**
 * FastReader parses one unfolded header value at bytes[a, e) (`text` the latin1 text of the
 * header section, `raw` = text.slice(a, e)) exactly as the generic reader would parse `raw`.
 */
type FastReader<T> = (bytes: Uint8Array, text: string, a: number, e: number, raw: string, issues: Issue[]) => T | undefined;

/** UNSET marks a lazy field not computed yet (undefined is a valid computed value). */
const UNSET: unique symbol = Symbol("unset");
type Lazy<T> = T | typeof UNSET;

/** TRACKED bits of the headers the typed accessors look up, so a missing one costs no search. */
const CALL_ID = trackedBit("call-id");
const CSEQ = trackedBit("cseq");
const VIA = trackedBit("via");
const FROM = trackedBit("from");
const TO = trackedBit("to");
const CONTACT = trackedBit("contact");
const EXPIRES = trackedBit("expires");
const MAX_FORWARDS = trackedBit("max-forwards");
const WWW_AUTHENTICATE = trackedBit("www-authenticate");
const PROXY_AUTHENTICATE = trackedBit("proxy-authenticate");
const AUTHORIZATION = trackedBit("authorization");
const PROXY_AUTHORIZATION = trackedBit("proxy-authorization");

/** FOLD matches a line break plus the LWS around it, which unfolding turns into one SP (RFC 3261 §7.3.1). */
const FOLD = /[ \t]*\r?\n[ \t]*/g;

/** SipMessage is one parsed SIP request or response. */
export class SipMessage {
  /** `request` or `response`. */
  readonly kind: "request" | "response";
  /** SIP-Version as written (`SIP/2.0`). */
  readonly version: string;
  /** Request method as on the wire (requests only). Methods are case-sensitive (RFC 3261 §7.1). */
  readonly method?: string;
  /** Request method upper-cased, for tolerant comparison (`register` -> `REGISTER`). */
  readonly methodUpper?: string;
  /** Raw Request-URI text (requests only); see `uri` for the parsed form. */
  readonly requestUri?: string;
  /** Status code (responses only); may lie outside 100..699 when flagged `bad_start_line`. */
  readonly status?: number;
  /** Reason phrase decoded as UTF-8 (responses only); "" when empty. */
  readonly reason?: string;
  /** The whole message as parsed (a view, not a copy). */
  readonly bytes: Uint8Array;
  /** Byte offset of the body in `bytes`. */
  readonly bodyOffset: number;
  /** Declared Content-Length, when present and well-formed. */
  readonly contentLength?: number;
  /**
   * Issues found so far. The same array as the parse result's `issues`: typed accessors append
   * what they find on first use; `parseAll()` runs every accessor.
   */
  readonly issues: Issue[];

  private readonly text: string;
  private readonly keys: string[];
  private readonly pos: number[];
  private readonly requestUriOffset: number;
  /** HeaderIndex.present: TRACKED bits of the headers present (all set when unknown). */
  private readonly present: number;
  /** True when the fast byte scanners are off (ParseOptions.generic). */
  private readonly generic: boolean;
  private _uri: Lazy<SipUri | undefined> = UNSET;
  private _callId: Lazy<string | undefined> = UNSET;
  private _cseq: Lazy<CSeq | undefined> = UNSET;
  private _via: Lazy<Via[]> = UNSET;
  private _from: Lazy<NameAddr | undefined> = UNSET;
  private _to: Lazy<NameAddr | undefined> = UNSET;
  private _contacts: Lazy<Contact[]> = UNSET;
  private _expires: Lazy<number | undefined> = UNSET;
  private _maxForwards: Lazy<number | undefined> = UNSET;
  private _minExpires: Lazy<number | undefined> = UNSET;
  private _retryAfter: Lazy<RetryAfter | undefined> = UNSET;
  private _warnings: Lazy<Warning[]> = UNSET;
  private _reasons: Lazy<Reason[]> = UNSET;
  private _route: Lazy<NameAddr[]> = UNSET;
  private _recordRoute: Lazy<NameAddr[]> = UNSET;
  private _challenges: Lazy<Challenge[]> = UNSET;
  private _credentials: Lazy<Credentials[]> = UNSET;
  private _sdp: Lazy<Sdp | undefined> = UNSET;
  private _body: Uint8Array | undefined = undefined;

  /** Builds the model from the parser's start line and index; use `parseSip` rather than this. */
  constructor(line: StartLine, init: HeaderIndex) {
    this.kind = line.kind;
    this.version = line.version;
    this.method = line.method;
    this.methodUpper = line.methodUpper ?? line.method?.toUpperCase();
    this.requestUri = line.requestUri;
    this.requestUriOffset = line.requestUriOffset ?? 0;
    this.status = line.status;
    this.reason = line.reason;
    this.text = init.text;
    this.keys = init.keys;
    this.pos = init.pos;
    this.bytes = init.bytes;
    this.bodyOffset = init.bodyOffset;
    this.contentLength = init.contentLength;
    this.issues = init.issues;
    this.generic = init.generic === true;
    this.present = init.present ?? -1;
  }

  /**
   * Body: every byte after the blank line (a view). Compare with `contentLength`. Made on first
   * use: a view costs an object per message, and most bodies are never read.
   */
  get body(): Uint8Array {
    return (this._body ??= this.bytes.subarray(this.bodyOffset));
  }

  /** Number of body bytes actually present (compare with the declared `contentLength`). */
  get bodyLength(): number {
    return this.bytes.length - this.bodyOffset;
  }

  // ---- raw header access -------------------------------------------------------------------

  /** Number of header lines indexed. */
  get headerCount(): number {
    return this.keys.length;
  }

  /**
   * value returns header i's value (which starts at `s`), trimmed and unfolded. Not cached: the
   * typed accessors cache what they make of it, and a slice is cheaper than a cache to keep.
   */
  private value(i: number, s = this.valueOffset(i)): string {
    const v = this.text.slice(s, this.valueEnd(i, s));
    return this.pos[i * 4 + 3] === 1 ? v.replace(FOLD, " ") : v;
  }

  /** valueOffset returns the byte offset of header i's trimmed value. */
  private valueOffset(i: number): number {
    return skipWs(this.text, this.pos[i * 4 + 1], this.pos[i * 4 + 2]);
  }

  /** valueEnd returns the end offset of header i's trimmed value, which starts at `start`. */
  private valueEnd(i: number, start: number): number {
    return trimEndIndex(this.text, start, this.pos[i * 4 + 2]);
  }

  /** absent reports a header known to be missing: its TRACKED bit (0 when untracked) is not present. */
  private absent(bit: number): boolean {
    return (this.present & bit) !== bit;
  }

  /** firstIndex returns the index of the first header with the key (TRACKED bit `bit`, or 0), or -1. */
  private firstIndex(key: string, bit = 0): number {
    if (this.absent(bit)) return -1;
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) return i;
    return -1;
  }

  /**
   * header returns the first value of a header, case-insensitively, compact forms expanded
   * (`header("Call-ID")` also finds `i:`). Values are trimmed and unfolded, one char per byte
   * (latin1); the typed accessors decode UTF-8 where the grammar allows it. Undefined if absent.
   */
  header(name: string): string | undefined {
    const i = this.firstIndex(headerKey(name));
    return i < 0 ? undefined : this.value(i);
  }

  /** hasHeader reports whether the header is present (any form). */
  hasHeader(name: string): boolean {
    return this.firstIndex(headerKey(name)) >= 0;
  }

  /**
   * headerValues returns every value of a header in order. For list headers (Via, Contact,
   * Route, Record-Route, Supported, Allow, ...) comma-separated values are split; for others
   * (WWW-Authenticate, Authorization, Date, unknown extensions, ...) each line is one value.
   */
  headerValues(name: string): string[] {
    return this.valuesAt(headerKey(name)).map((v) => v.text);
  }

  /** valuesAt is headerValues by key, with the byte offset of each value; empty list items are dropped. */
  valuesAt(key: string): ValueAt[] {
    const out: ValueAt[] = [];
    const split = isListHeader(key);
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] !== key) continue;
      const off = this.valueOffset(i);
      const v = this.value(i, off);
      if (!split || v.indexOf(",") < 0) {
        out.push({ text: v, offset: off });
        continue;
      }
      for (const item of splitList(v)) if (item.text.length > 0) out.push({ text: item.text, offset: off + item.start });
    }
    return out;
  }

  /** headerList returns every header line in order, for display. */
  headerList(): HeaderField[] {
    return this.keys.map((key, i) => ({
      name: this.text.slice(this.pos[i * 4], trimEndIndex(this.text, this.pos[i * 4], this.pos[i * 4 + 1] - 1)),
      key,
      value: this.value(i),
      offset: this.valueOffset(i),
    }));
  }

  /** single returns the first value of a key with its offset, or undefined. */
  private single(key: string): ValueAt | undefined {
    const i = this.firstIndex(key);
    return i < 0 ? undefined : { text: this.value(i), offset: this.valueOffset(i) };
  }

  /**
   * listOf parses every element of a list header with `parse`, reporting empty elements
   * (`Via: a,,b`) as `empty_list_item` (RFC 3261 §7.3.1 has no empty elements).
   */
  private listOf<T>(key: string, bit: number, parse: (text: string, issues: Issue[], offset: number) => T | undefined, fast?: FastReader<T>): T[] {
    const out: T[] = [];
    if (this.absent(bit)) return out;
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] !== key) continue;
      const off = this.valueOffset(i);
      const v = this.value(i, off);
      if (fast !== undefined && this.pos[i * 4 + 3] === 0 && v.length > 0 && v.indexOf(",") < 0) {
        // One unfolded element: v is exactly text[off, off + v.length), so the byte scanner applies.
        const r = fast(this.bytes, this.text, off, off + v.length, v, this.issues);
        if (r !== undefined) out.push(r);
        continue;
      }
      if (v.indexOf(",") < 0 && v.length > 0) {
        // One element (the usual case): no list to split or allocate.
        const r = parse(v, this.issues, off);
        if (r !== undefined) out.push(r);
        continue;
      }
      const items = v.indexOf(",") < 0 ? [{ text: v, start: 0 }] : splitList(v);
      for (const item of items) {
        if (item.text.length === 0) {
          addIssue(this.issues, "empty_list_item", `${headerDisplayName(key)} has an empty element`, off + item.start);
          continue;
        }
        const r = parse(item.text, this.issues, off + item.start);
        if (r !== undefined) out.push(r);
      }
    }
    return out;
  }

  /** numberOf parses a numeric single-valued header, clamped to max. */
  private numberOf(key: string, bit: number, max: number): number | undefined {
    const i = this.firstIndex(key, bit);
    return i < 0 ? undefined : readNumber(this.value(i), headerDisplayName(key), max, this.issues, this.valueOffset(i));
  }

  // ---- typed accessors -----------------------------------------------------------------------

  /**
   * The Request-URI parsed (requests only). A URI in `<...>` (RFC 4475 ltgtruri) or one carrying
   * `?headers` (forbidden by RFC 3261 §19.1.1, RFC 4475 escruri) is reported as `bad_uri`.
   */
  get uri(): SipUri | undefined {
    if (this._uri !== UNSET) return this._uri;
    let raw = this.requestUri;
    let off = this.requestUriOffset;
    if (raw === undefined || raw.length === 0) return (this._uri = undefined);
    if (raw.startsWith("<")) {
      addIssue(this.issues, "bad_uri", `Request-URI "${clip(raw)}" must not be enclosed in <>`, off);
      raw = raw.slice(1, raw.endsWith(">") ? -1 : undefined);
      off += 1;
    }
    const uri = parseUri(raw, this.issues, off);
    if (uri.kind === "sip" && uri.headers.size > 0) {
      addIssue(this.issues, "bad_uri", `Request-URI "${clip(raw)}" carries URI headers (RFC 3261 §19.1.1)`, off);
    }
    return (this._uri = uri);
  }

  /** Call-ID (compact `i`), trimmed. */
  get callId(): string | undefined {
    if (this._callId !== UNSET) return this._callId;
    const i = this.firstIndex("call-id", CALL_ID);
    return (this._callId = i < 0 ? undefined : this.value(i));
  }

  /** CSeq number and method; a method differing from the request's is `cseq_method_mismatch`. */
  get cseq(): CSeq | undefined {
    if (this._cseq !== UNSET) return this._cseq;
    const i = this.firstIndex("cseq", CSEQ);
    if (i < 0) return (this._cseq = undefined);
    const offset = this.valueOffset(i);
    const c =
      this.generic || this.pos[i * 4 + 3] !== 0
        ? parseCSeq(this.value(i, offset), this.issues, offset)
        : cseqAt(this.bytes, this.text, offset, this.valueEnd(i, offset), this.method, this.issues);
    if (c !== undefined && this.kind === "request" && c.method !== this.method) {
      addIssue(this.issues, "cseq_method_mismatch", `CSeq method ${clip(c.method)} differs from request method ${clip(this.method ?? "")}`, offset);
    }
    return (this._cseq = c);
  }

  /** The whole Via stack, top (most recent hop) first, across Via lines and comma lists. */
  get via(): Via[] {
    if (this._via !== UNSET) return this._via;
    return (this._via = this.listOf("via", VIA, parseVia, this.generic ? undefined : viaAt));
  }

  /** The top Via: the hop that sent the message (responses travel back along it). */
  get topVia(): Via | undefined {
    return this.via[0];
  }

  /** From (compact `f`). */
  get from(): NameAddr | undefined {
    if (this._from !== UNSET) return this._from;
    return (this._from = this.addressOf("from", FROM));
  }

  /** To (compact `t`). */
  get to(): NameAddr | undefined {
    if (this._to !== UNSET) return this._to;
    return (this._to = this.addressOf("to", TO));
  }

  /** addressOf parses the first value of a single name-addr header (From, To). */
  private addressOf(key: string, bit: number): NameAddr | undefined {
    const i = this.firstIndex(key, bit);
    if (i < 0) return undefined;
    const off = this.valueOffset(i);
    const v = this.value(i, off);
    if (this.generic || this.pos[i * 4 + 3] !== 0 || v.length === 0) return parseNameAddr(v, this.issues, off);
    return nameAddrAt(this.bytes, this.text, off, off + v.length, v, this.issues);
  }

  /** Contact values (compact `m`) in order, `*` included. */
  get contacts(): Contact[] {
    if (this._contacts !== UNSET) return this._contacts;
    return (this._contacts = this.listOf("contact", CONTACT, parseContact, this.generic ? undefined : contactAt));
  }

  /** Expires header in seconds (RFC 3261 §20.19), clamped to 2**32-1. */
  get expires(): number | undefined {
    if (this._expires !== UNSET) return this._expires;
    return (this._expires = this.numberOf("expires", EXPIRES, 0xffffffff));
  }

  /** Max-Forwards (RFC 3261 §20.22: 0..255). */
  get maxForwards(): number | undefined {
    if (this._maxForwards !== UNSET) return this._maxForwards;
    return (this._maxForwards = this.numberOf("max-forwards", MAX_FORWARDS, 255));
  }

  /** Min-Expires in seconds (RFC 3261 §20.23, sent with 423 Interval Too Brief). */
  get minExpires(): number | undefined {
    if (this._minExpires !== UNSET) return this._minExpires;
    return (this._minExpires = this.numberOf("min-expires", 0, 0xffffffff));
  }

  /** Retry-After (RFC 3261 §20.33). */
  get retryAfter(): RetryAfter | undefined {
    if (this._retryAfter !== UNSET) return this._retryAfter;
    const v = this.single("retry-after");
    return (this._retryAfter = v === undefined ? undefined : parseRetryAfter(v.text, this.issues, v.offset));
  }

  /** User-Agent, decoded as UTF-8. */
  get userAgent(): string | undefined {
    const v = this.single("user-agent");
    return v === undefined ? undefined : utf8(v.text);
  }

  /** Server, decoded as UTF-8. */
  get server(): string | undefined {
    const v = this.single("server");
    return v === undefined ? undefined : utf8(v.text);
  }

  /** Warning values (RFC 3261 §20.43). */
  get warnings(): Warning[] {
    if (this._warnings !== UNSET) return this._warnings;
    return (this._warnings = this.listOf("warning", 0, parseWarning));
  }

  /** Reason values (RFC 3326). */
  get reasons(): Reason[] {
    if (this._reasons !== UNSET) return this._reasons;
    return (this._reasons = this.listOf("reason", 0, parseReason));
  }

  /** Route set (RFC 3261 §20.34), in order. */
  get route(): NameAddr[] {
    if (this._route !== UNSET) return this._route;
    return (this._route = this.listOf("route", 0, parseNameAddr, this.generic ? undefined : nameAddrAt));
  }

  /** Record-Route (RFC 3261 §20.30), in order. */
  get recordRoute(): NameAddr[] {
    if (this._recordRoute !== UNSET) return this._recordRoute;
    return (this._recordRoute = this.listOf("record-route", 0, parseNameAddr, this.generic ? undefined : nameAddrAt));
  }

  /** Supported option tags (compact `k`). */
  get supported(): string[] {
    return this.headerValues("supported");
  }

  /**
   * Every challenge of the message, WWW-Authenticate lines first then Proxy-Authenticate, in
   * order; one header may carry several (e.g. SHA-256 and MD5, RFC 8760 §2.4).
   */
  get challenges(): Challenge[] {
    if (this._challenges !== UNSET) return this._challenges;
    return (this._challenges = this.authOf("www-authenticate", WWW_AUTHENTICATE, "proxy-authenticate", PROXY_AUTHENTICATE, parseChallenges, challengesAt));
  }

  /** Every credentials value: Authorization lines first, then Proxy-Authorization. */
  get credentials(): Credentials[] {
    if (this._credentials !== UNSET) return this._credentials;
    return (this._credentials = this.authOf("authorization", AUTHORIZATION, "proxy-authorization", PROXY_AUTHORIZATION, parseCredentials, credentialsAt));
  }

  /** authOf parses the auth headers of two keys (with their TRACKED bits) with the given parser. */
  private authOf<T>(
    first: string,
    firstBit: number,
    second: string,
    secondBit: number,
    parse: (value: string, header: AuthHeaderName, issues: Issue[], offset: number) => T[],
    fast: (b: Uint8Array, t: string, a: number, e: number, raw: string, header: AuthHeaderName, issues: Issue[]) => T[],
  ): T[] {
    let out: T[] | undefined;
    for (let k = 0; k < 2; k++) {
      const key = k === 0 ? first : second;
      if (this.absent(k === 0 ? firstBit : secondBit)) continue;
      for (let i = 0; i < this.keys.length; i++) {
        if (this.keys[i] !== key) continue;
        const off = this.valueOffset(i);
        const v = this.value(i, off);
        const header = headerDisplayName(key) as AuthHeaderName;
        const got =
          this.generic || this.pos[i * 4 + 3] !== 0 || v.length === 0
            ? parse(v, header, this.issues, off)
            : fast(this.bytes, this.text, off, off + v.length, v, header, this.issues);
        if (out === undefined) out = got;
        else for (const x of got) out.push(x);
      }
    }
    return out ?? [];
  }

  /** Content-Type value as written (compact `c`). */
  get contentType(): string | undefined {
    return this.header("content-type");
  }

  /** Media type of the body, lower-cased without parameters (`application/sdp`). */
  get mediaType(): string | undefined {
    const ct = this.contentType;
    if (ct === undefined) return undefined;
    const semi = ct.indexOf(";");
    return (semi < 0 ? ct : ct.slice(0, semi)).trim().toLowerCase();
  }

  /** The SDP body (RFC 4566) when Content-Type is application/sdp and there is a body. */
  get sdp(): Sdp | undefined {
    if (this._sdp !== UNSET) return this._sdp;
    if (this.mediaType !== "application/sdp" || this.bodyLength === 0) return (this._sdp = undefined);
    return (this._sdp = parseSdp(this.body, this.issues, this.bodyOffset));
  }

  /**
   * parseAll runs every typed accessor, so `issues` holds everything the parser can find, and
   * returns it.
   */
  parseAll(): Issue[] {
    void [this.uri, this.cseq, this.via, this.from, this.to, this.contacts, this.expires, this.maxForwards];
    void [this.minExpires, this.retryAfter, this.warnings, this.reasons, this.route, this.recordRoute];
    void [this.challenges, this.credentials, this.sdp];
    return this.issues;
  }
}

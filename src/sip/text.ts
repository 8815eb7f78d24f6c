/**
 * Lexing helpers shared by the SIP header parsers: character classes, whitespace, quoted strings,
 * comma lists and `;name=value` parameters (RFC 3261 §25.1 basic rules), plus UTF-8 / %-decoding.
 */
import type { Issue } from "../util/issues.js";
import { addIssue, type SipIssueCode } from "./issues.js";

/** TOKEN marks the bytes allowed in an RFC 3261 §25.1 `token`: alphanum and `-.!%*_+\`'~`. */
const TOKEN = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  TOKEN[c] = alnum || "-.!%*_+`'~".includes(String.fromCharCode(c)) ? 1 : 0;
}

/** isTokenChar reports whether the char code may appear in a `token`. */
export function isTokenChar(c: number): boolean {
  return c < 256 && TOKEN[c] === 1;
}

/** isToken reports whether `s` is a non-empty `token`. */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenChar(s.charCodeAt(i))) return false;
  return true;
}

/**
 * isWs reports LWS characters. CR and LF count too: values are unfolded before typed parsing,
 * but a stray CR inside a line must not stop a tolerant scan.
 */
export function isWs(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}

/** skipWs returns the first index at or after `i` (and before `end`) that is not whitespace. */
export function skipWs(s: string, i: number, end = s.length): number {
  while (i < end && isWs(s.charCodeAt(i))) i++;
  return i;
}

/** trimEndIndex returns the index just past the last non-whitespace char of s[start, end). */
export function trimEndIndex(s: string, start: number, end: number): number {
  while (end > start && isWs(s.charCodeAt(end - 1))) end--;
  return end;
}

/** QuotedString is the result of reading one RFC 3261 `quoted-string`. */
export interface QuotedString {
  /** Content with quoted-pairs (`\x`) resolved. */
  value: string;
  /** Index just past the closing quote (or the end of input when unterminated). */
  end: number;
  /** False when the input ended before the closing quote. */
  terminated: boolean;
}

/**
 * readQuoted reads a quoted-string whose opening `"` is at `start`. Backslash escapes the next
 * char (RFC 3261 §25.1 quoted-pair); an unterminated string runs to `end`.
 */
export function readQuoted(s: string, start: number, end = s.length): QuotedString {
  let i = start + 1;
  let value = "";
  let chunk = i;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 34) return { value: value + s.slice(chunk, i), end: i + 1, terminated: true };
    if (c === 92 && i + 1 < end) {
      value += s.slice(chunk, i);
      chunk = i + 1;
      i += 2;
      continue;
    }
    i++;
  }
  return { value: value + s.slice(chunk, end), end, terminated: false };
}

/** ListItem is one element of a comma-separated header value. */
export interface ListItem {
  /** Element text, trimmed. */
  text: string;
  /** Index of the element's first char in the value it was cut from. */
  start: number;
}

/**
 * splitList cuts a header value at the commas that separate list elements (RFC 3261 §7.3.1),
 * ignoring commas inside quoted strings and (when `angles`) inside `<...>` URIs. Empty elements
 * are kept (as "") so callers can report them.
 */
export function splitList(s: string, angles = true): ListItem[] {
  const out: ListItem[] = [];
  let from = 0;
  let i = 0;
  const n = s.length;
  while (i <= n) {
    const c = i < n ? s.charCodeAt(i) : 44;
    if (c === 34) {
      i = readQuotedEnd(s, i, n);
      continue;
    }
    if (c === 60 && angles) {
      const close = s.indexOf(">", i + 1);
      i = close < 0 ? n : close + 1;
      continue;
    }
    if (c === 44) {
      const a = skipWs(s, from, i);
      out.push({ text: s.slice(a, trimEndIndex(s, a, i)), start: a });
      from = i + 1;
    }
    i++;
  }
  return out;
}

/** readQuotedEnd returns the index just past the quoted string starting at `start`. */
function readQuotedEnd(s: string, start: number, end: number): number {
  for (let i = start + 1; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 34) return i + 1;
    if (c === 92) i++;
  }
  return end;
}

/** lowerCode lower-cases an ASCII letter code, leaving every other code unchanged. */
function lowerCode(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/**
 * Lexicon finds known words case-insensitively inside a string without slicing it: a bucket table
 * keyed by length and first/last char, then a char-by-char check. Matching returns the word's
 * value (an interned constant), which makes the Map and Set lookups that follow cheap.
 */
export class Lexicon<T = string> {
  /** Per slot: flat [word, value, word, value, ...]. */
  private readonly buckets: ((string | T)[] | undefined)[] = new Array(1024);

  /** Builds the table from [lower-cased word, value] pairs. */
  constructor(entries: Iterable<readonly [string, T]>) {
    for (const [word, value] of entries) {
      const h = Lexicon.slot(word.length, word.charCodeAt(0), word.charCodeAt(word.length - 1));
      (this.buckets[h] ??= []).push(word, value);
    }
  }

  /** slot mixes length, first and last char (lower-cased) into a bucket index. */
  private static slot(len: number, first: number, last: number): number {
    return (len * 131 + lowerCode(first) * 7 + lowerCode(last)) & 1023;
  }

  /**
   * findBytes is `find` over latin1 bytes b[start, end) (one byte per char, so the same words
   * match): the parser reads header names straight from the message, which is cheaper than
   * charCodeAt on the decoded text.
   */
  findBytes(b: Uint8Array, start: number, end: number): T | undefined {
    const len = end - start;
    if (len <= 0) return undefined;
    const bucket = this.buckets[Lexicon.slot(len, b[start], b[end - 1])];
    if (bucket === undefined) return undefined;
    for (let k = 0; k < bucket.length; k += 2) {
      const word = bucket[k] as string;
      if (word.length === len && bytesEqualLower(b, start, word)) return bucket[k + 1] as T;
    }
    return undefined;
  }

  /** find returns the value of the word equal (ignoring ASCII case) to s[start, end), or undefined. */
  find(s: string, start: number, end: number): T | undefined {
    const len = end - start;
    if (len <= 0) return undefined;
    const bucket = this.buckets[Lexicon.slot(len, s.charCodeAt(start), s.charCodeAt(end - 1))];
    if (bucket === undefined) return undefined;
    for (let b = 0; b < bucket.length; b += 2) {
      const word = bucket[b] as string;
      if (word.length !== len) continue;
      let k = 0;
      while (k < len && lowerCode(s.charCodeAt(start + k)) === word.charCodeAt(k)) k++;
      if (k === len) return bucket[b + 1] as T;
    }
    return undefined;
  }
}

/** PARAM_NAMES are the parameter names of SIP URIs, Via, name-addr and digest auth that get interned. */
const PARAM_NAMES = new Lexicon(
  [
    "branch", "received", "rport", "maddr", "ttl", "tag", "transport", "lr", "user", "method", "expires", "q",
    "ob", "gr", "sip.instance", "reg-id", "ftag", "cause", "text", "duration", "phone-context", "alias",
    "realm", "nonce", "opaque", "algorithm", "qop", "stale", "domain", "charset", "userhash", "username",
    "uri", "response", "cnonce", "nc",
  ].map((w) => [w, w] as const),
);

/**
 * paramName returns the lower-cased name s[start, end): an interned constant for known names,
 * a new string otherwise.
 */
export function paramName(s: string, start: number, end: number): string {
  return PARAM_NAMES.find(s, start, end) ?? s.slice(start, end).toLowerCase();
}

/** DEDUP_LIMIT is how many parameters Params checks for duplicates (real values have a handful). */
export const DEDUP_LIMIT = 32;

/**
 * Params holds parameters in order of appearance: lower-cased names (parameter names compare
 * case-insensitively, RFC 3261 §19.1.4 / §20) to values, "" for a parameter without value.
 * A flat array rather than a Map or object: SIP values carry a handful of parameters, a linear
 * scan over interned names beats hashing, and wire names never become object keys.
 *
 * A Params may be lazy (`Params.lazy`): it keeps the text span the parameters were written in
 * and runs `readParams` over it on first use. Most parameters are never read (URI parameters,
 * Via extensions), so the hot path does not build names and values nobody asks for; the parser
 * has already checked the span (issues are raised eagerly, never on materialisation). State is in
 * ES private fields and the class is iterable, so deep equality (vitest `toEqual`) compares
 * parameters by content, whether materialised or not.
 */
export class Params {
  /** Flat [name, value, name, value, ...]; undefined until the first parameter. */
  #kv: string[] | undefined = undefined;
  /** Source text of a lazy Params (undefined once materialised or when not lazy). */
  #src: string | undefined = undefined;
  /** Span of `#src` holding `*( SEMI generic-param )`. */
  #start = 0;
  #end = 0;

  /** lazy returns a Params that reads `*( SEMI generic-param )` from s[start, end) on first use. */
  static lazy(s: string, start: number, end: number): Params {
    const p = new Params();
    if (start < end) {
      p.#src = s;
      p.#start = start;
      p.#end = end;
    }
    return p;
  }

  /** fromPairs wraps a flat [name, value, ...] array of distinct lower-case names (taken, not copied); for the parsers. */
  static fromPairs(kv: string[]): Params {
    const p = new Params();
    if (kv.length > 0) p.#kv = kv;
    return p;
  }

  /** pairs materialises a lazy Params and returns the flat pair array (undefined when empty). */
  #pairs(): string[] | undefined {
    const src = this.#src;
    if (src !== undefined) {
      this.#src = undefined;
      readParams(src, this.#start, this.#end, this);
    }
    return this.#kv;
  }

  /** get returns the value of the first parameter with this lower-case name. */
  get(name: string): string | undefined {
    const kv = this.#pairs();
    if (kv !== undefined) for (let i = 0; i < kv.length; i += 2) if (kv[i] === name) return kv[i + 1];
    return undefined;
  }

  /** has reports whether a parameter with this lower-case name is present. */
  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** size is the number of parameters. */
  get size(): number {
    const kv = this.#pairs();
    return kv === undefined ? 0 : kv.length / 2;
  }

  /** entries lists [name, value] pairs in order. */
  entries(): [string, string][] {
    const out: [string, string][] = [];
    const kv = this.#pairs() ?? [];
    for (let i = 0; i < kv.length; i += 2) out.push([kv[i], kv[i + 1]]);
    return out;
  }

  /** Iterating yields the [name, value] pairs in order (deep equality compares through it). */
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries()[Symbol.iterator]();
  }

  /** toJSON renders the parameters as a plain object, for JSON output. */
  toJSON(): Record<string, string> {
    const o = Object.create(null) as Record<string, string>;
    for (const [k, v] of this.entries()) o[k] = v;
    return o;
  }

  /**
   * add appends a parameter unless the name is already present (the first wins); for the
   * parsers. Past DEDUP_LIMIT parameters the duplicate check is skipped so hostile inputs with
   * thousands of parameters stay linear (`get` still returns the first).
   */
  add(name: string, value: string): void {
    const kv = this.#pairs();
    if (kv === undefined) this.#kv = [name, value];
    else if (kv.length >= 2 * DEDUP_LIMIT || !this.has(name)) kv.push(name, value);
  }

  /** replace sets the value of a present parameter (or adds it); for the parsers. */
  replace(name: string, value: string): void {
    const kv = this.#pairs();
    if (kv !== undefined) {
      for (let i = 0; i < kv.length; i += 2) {
        if (kv[i] === name) {
          kv[i + 1] = value;
          return;
        }
      }
    }
    this.add(name, value);
  }
}

/** MAX_FAST_PARAMS bounds the parameters scanParams indexes; longer lists take the generic path. */
const MAX_FAST_PARAMS = 16;
/** PSCAN is scanParams' result: per parameter name start, name end, value start, value end (-1, -1 without "="). */
const PSCAN = new Int32Array(4 * MAX_FAST_PARAMS);

/**
 * Where scanParams' loops stop (1 = stop), one table load per byte: a name at ";", "=", LWS or a
 * control (every byte up to SP); a token value at ";", LWS or a control; a quoted-string (RFC 3261
 * §25.1) at DQUOTE or a quoted-pair's backslash (QUOTED_STOP, also address.ts's for display names).
 */
const NAME_STOP = new Uint8Array(256);
const VALUE_STOP = new Uint8Array(256);
export const QUOTED_STOP = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  VALUE_STOP[c] = c === 59 || c <= 32 ? 1 : 0;
  NAME_STOP[c] = VALUE_STOP[c] === 1 || c === 61 ? 1 : 0;
  QUOTED_STOP[c] = c === 34 || c === 92 ? 1 : 0;
}

/**
 * scanParams is the fast path of readParams for the common, clean spelling `;name=value;name`
 * with no LWS, no empty parameter (RFC 3261 §25.1 generic-param), and quoted values only without
 * quoted-pairs (`;+sip.instance="<urn:uuid:...>"`, RFC 5626 §4.1, which most phones put in their
 * Contact). It reads the message bytes b[i, end) (latin1: byte offsets are string indexes),
 * indexes the parameters into PSCAN and returns how many there are, or -1 when the span holds
 * anything else (then the caller takes the tolerant generic path, which also raises the issues).
 * On success readParams over the same span would return true and find the same parameters: a
 * quoted value is what lies between its quotes, as readQuoted gives it.
 */
export function scanParams(b: Uint8Array, i: number, end: number): number {
  let count = 0;
  while (i < end) {
    if (b[i] !== 59 || count === MAX_FAST_PARAMS) return -1;
    const nameStart = ++i;
    // LWS and controls (every byte up to SP) end the clean spelling: they go to the generic reader.
    while (i < end && NAME_STOP[b[i]] === 0) i++;
    if (i === nameStart) return -1;
    const nameEnd = i;
    let vStart = -1;
    let vEnd = -1;
    if (i < end) {
      if (b[i] === 61) {
        vStart = ++i;
        if (i < end && b[i] === 34) {
          // quoted-string: any byte but DQUOTE, and no backslash (a quoted-pair is readQuoted's to resolve).
          vStart = ++i;
          while (i < end && QUOTED_STOP[b[i]] === 0) i++;
          if (i >= end || b[i] !== 34) return -1; // unterminated, or a quoted-pair
          vEnd = i++;
        } else {
          while (i < end && VALUE_STOP[b[i]] === 0) i++;
          vEnd = i;
        }
      }
      if (i < end && b[i] !== 59) return -1;
    }
    const k = count++ * 4;
    PSCAN[k] = nameStart;
    PSCAN[k + 1] = nameEnd;
    PSCAN[k + 2] = vStart;
    PSCAN[k + 3] = vEnd;
  }
  return count;
}

/**
 * scannedParam returns the value (sliced from `t`, the latin1 text of `b`) of the first parameter
 * of the last scanParams whose name equals `name` ignoring ASCII case; "" when it has no value,
 * undefined when absent: what `Params.get` would return after readParams (first one wins).
 */
export function scannedParam(b: Uint8Array, t: string, count: number, name: string): string | undefined {
  const len = name.length;
  for (let k = 0; k < count * 4; k += 4) {
    const ns = PSCAN[k];
    if (PSCAN[k + 1] - ns === len && bytesEqualLower(b, ns, name)) return PSCAN[k + 2] < 0 ? "" : t.slice(PSCAN[k + 2], PSCAN[k + 3]);
  }
  return undefined;
}

/** bytesEqualLower reports whether b[at, at + word.length) equals the lower-case ASCII `word`, ignoring ASCII case. */
export function bytesEqualLower(b: Uint8Array, at: number, word: string): boolean {
  for (let j = 0; j < word.length; j++) if (lowerCode(b[at + j]) !== word.charCodeAt(j)) return false;
  return true;
}

/** equalsLower reports whether `s` equals the lower-case ASCII `word`, ignoring ASCII case (no lower-cased copy). */
export function equalsLower(s: string, word: string): boolean {
  if (s.length !== word.length) return false;
  for (let j = 0; j < word.length; j++) if (lowerCode(s.charCodeAt(j)) !== word.charCodeAt(j)) return false;
  return true;
}

/**
 * readParams reads `*( SEMI generic-param )` (RFC 3261 §25.1) from s[i, end), tolerating LWS
 * around `;` and `=` and empty parameters. Values may be tokens, hosts or quoted strings. Names
 * are lower-cased (parameter names compare case-insensitively, §19.1.4 / §20); the first of
 * repeated names wins. Returns false when something other than a parameter was met (the caller
 * decides what issue that is).
 */
export function readParams(s: string, i: number, end: number, bag: Params): boolean {
  let clean = true;
  while (i < end) {
    i = skipWs(s, i, end);
    if (i >= end) break;
    if (s.charCodeAt(i) !== 59) {
      clean = false;
      i = skipTo(s, i, end, 59);
      continue;
    }
    i = skipWs(s, i + 1, end);
    const nameStart = i;
    while (i < end && !isWs(s.charCodeAt(i)) && s.charCodeAt(i) !== 61 && s.charCodeAt(i) !== 59) i++;
    const name = paramName(s, nameStart, i);
    i = skipWs(s, i, end);
    if (name.length === 0) {
      clean = false;
      if (i < end && s.charCodeAt(i) === 61) i = skipTo(s, i, end, 59);
      continue;
    }
    if (i < end && s.charCodeAt(i) === 61) {
      i = skipWs(s, i + 1, end);
      if (i < end && s.charCodeAt(i) === 34) {
        const q = readQuoted(s, i, end);
        bag.add(name, q.value);
        if (!q.terminated) clean = false;
        i = q.end;
      } else {
        const vStart = i;
        while (i < end && s.charCodeAt(i) !== 59 && !isWs(s.charCodeAt(i))) i++;
        bag.add(name, s.slice(vStart, i));
      }
    } else {
      bag.add(name, "");
    }
  }
  return clean;
}

/** skipTo returns the index of the next `code` char in s[i, end), or `end`. */
function skipTo(s: string, i: number, end: number, code: number): number {
  while (i < end && s.charCodeAt(i) !== code) i++;
  return i;
}

/** NON_ASCII detects latin1-decoded bytes >= 0x80 that may form UTF-8 sequences. */
const NON_ASCII = /[\u0080-\u00ff]/;

/** isAscii reports a string without bytes >= 0x80 (then it needs no UTF-8 re-decoding). */
export function isAscii(s: string): boolean {
  return !NON_ASCII.test(s);
}

/**
 * utf8 re-decodes a string that was decoded as latin1 (one char per byte) as UTF-8. Pure ASCII,
 * the common case, is returned unchanged without copying. Invalid sequences become U+FFFD.
 */
export function utf8(latin1: string): string {
  if (!NON_ASCII.test(latin1)) return latin1;
  return Buffer.from(latin1, "latin1").toString("utf8");
}

/** isHex reports a hexadecimal digit char code. */
function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/**
 * percentDecode resolves `%HH` escapes (RFC 3261 §25.1 `escaped`) and decodes the bytes as
 * UTF-8, never recursively (RFC 3986 §2.4). Returns undefined when a `%` is not followed by two
 * hex digits, so the caller can report it; the raw text stays available to it.
 */
export function percentDecode(s: string): string | undefined {
  if (s.indexOf("%") < 0) return utf8(s);
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37) {
      if (i + 2 >= s.length || !isHex(s.charCodeAt(i + 1)) || !isHex(s.charCodeAt(i + 2))) return undefined;
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(c & 0xff);
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/**
 * parseDecimal parses a run of ASCII digits (leading zeros allowed, as RFC 4475 §3.1.1.1
 * exercises). Returns undefined for empty input or any other char.
 */
export function parseDecimal(s: string): number | undefined {
  if (s.length === 0) return undefined;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return n;
}

/**
 * decimalIn reads s[start, end) as a run of ASCII digits: its value, or undefined when the run is
 * empty or holds anything else. Summing digits is exact up to 15 of them; longer runs take
 * Number's rounding of the text.
 */
export function decimalIn(s: string, start: number, end: number): number | undefined {
  if (start >= end) return undefined;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return end - start <= 15 ? n : Number(s.slice(start, end));
}

/**
 * readNumber parses an integer field value (`1*DIGIT` possibly followed by a comment or
 * parameters the caller allows) and reports `bad_number` when it is not all digits or exceeds
 * `max`, in which case the value is clamped to `max` (RFC 3261 §20.19 treats an Expires above
 * 2**32-1 as 2**32-1).
 */
export function readNumber(
  text: string,
  field: string,
  max: number,
  issues: Issue[],
  offset: number,
  code: SipIssueCode = "bad_number",
): number | undefined {
  let end = 0;
  while (end < text.length && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57) end++;
  if (end === 0) {
    addIssue(issues, code, `${field} value "${clip(text)}" is not a number`, offset);
    return undefined;
  }
  const n = parseDecimal(text.slice(0, end)) as number;
  if (end < text.length) addIssue(issues, code, `${field} value "${clip(text)}" has trailing characters`, offset);
  if (n > max) {
    addIssue(issues, code, `${field} value ${clip(text.slice(0, end))} exceeds ${max}`, offset);
    return max;
  }
  return n;
}

/** clip shortens a value quoted in an issue detail so huge inputs do not bloat reports. */
export function clip(s: string, max = 60): string {
  return s.length <= max ? s : `${s.slice(0, max)}…(${s.length} chars)`;
}

/**
 * Strings that outlive the message they were read from. The SIP parser hands out values as slices
 * of the message's header text, and V8 represents a slice of 13 or more characters as a view that
 * keeps the whole parent text alive. A record that lives on — a lingering transaction, a
 * registration attempt, a nonce, a ladder step — would pin ~0.5 KB of text per value it keeps, so
 * records that outlive their message store copies made here instead.
 */

/** V8 copies slices shorter than this (SlicedString::kMinLength); they never pin a parent. */
const MIN_SLICE = 13;

/**
 * detach returns `s` as a string that keeps no other string alive. Concatenating and slicing
 * again flattens into a fresh buffer of the value's own size: the parent text is not referenced.
 */
export function detach(s: string): string;
export function detach(s: string | undefined): string | undefined;
export function detach(s: string | undefined): string | undefined {
  return s === undefined || s.length < MIN_SLICE ? s : (" " + s).slice(1);
}

/** How many recent values a StringPool compares before hashing. */
const RECENT = 8;

/**
 * StringPool shares one detached copy of values that repeat (realms, URIs, user agents, addresses):
 * thousands of records then cost one string each, not one copy each. Bounded: it starts over when
 * full, which only costs later copies.
 */
export class StringPool {
  private readonly pool = new Map<string, string>();
  /**
   * The last values returned, checked before the map: consecutive messages mostly repeat them
   * (one realm, one registrar, one user agent), and comparing a few strings is cheaper than
   * hashing one that was just sliced out of a message.
   */
  private readonly recent: string[] = new Array<string>(RECENT).fill("");
  private next = 0;

  constructor(private readonly max = 65_536) {}

  get(s: string): string;
  get(s: string | undefined): string | undefined;
  get(s: string | undefined): string | undefined {
    if (s === undefined || s.length < MIN_SLICE) return s;
    const recent = this.recent;
    for (let i = 0; i < RECENT; i++) if (recent[i] === s) return recent[i];
    let own = this.pool.get(s);
    if (own === undefined) {
      if (this.pool.size >= this.max) this.pool.clear();
      own = detach(s);
      this.pool.set(own, own);
    }
    recent[this.next] = own;
    this.next = (this.next + 1) % RECENT;
    return own;
  }
}

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

/**
 * StringPool shares one detached copy of values that repeat (realms, URIs, user agents, addresses):
 * thousands of records then cost one string each, not one copy each. Bounded: it starts over when
 * full, which only costs later copies.
 */
export class StringPool {
  private readonly pool = new Map<string, string>();

  constructor(private readonly max = 65_536) {}

  get(s: string): string;
  get(s: string | undefined): string | undefined;
  get(s: string | undefined): string | undefined {
    if (s === undefined || s.length < MIN_SLICE) return s;
    const hit = this.pool.get(s);
    if (hit !== undefined) return hit;
    if (this.pool.size >= this.max) this.pool.clear();
    const own = detach(s);
    this.pool.set(own, own);
    return own;
  }
}

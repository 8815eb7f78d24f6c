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
 * Scratch bytes for detach. Reading text back from bytes makes a new flat string of exactly its
 * own size. The older trick, concatenating and slicing again, also freed the parent but left a
 * 32-byte slice header over a copy one character longer: 12 MB of the live heap in the middle of
 * the 1 GB benchmark, one per value kept.
 */
const SCRATCH = Buffer.allocUnsafe(4096);
const latin1Write = Buffer.prototype.latin1Write as (this: Buffer, s: string, offset: number) => number;
const latin1Slice = Buffer.prototype.latin1Slice as (this: Buffer, start: number, end: number) => string;

/** detach returns `s` as a string that keeps no other string alive. */
export function detach(s: string): string;
export function detach(s: string | undefined): string | undefined;
export function detach(s: string | undefined): string | undefined {
  if (s === undefined || s.length < MIN_SLICE) return s;
  if (s.length <= SCRATCH.length) {
    const copy = latin1Slice.call(SCRATCH, 0, latin1Write.call(SCRATCH, s, 0));
    // Captured text is read as Latin-1, so this is the rule; other text takes the route below.
    if (copy === s) return copy;
  }
  return (" " + s).slice(1);
}

/** Slots of a StringPool: 0 (no particular field) and 1 .. POOL_SLOTS - 1. */
export const POOL_SLOTS = 32;

/**
 * StringPool shares one detached copy of values that repeat (realms, URIs, user agents, addresses,
 * user names, reason phrases): thousands of records then cost one string each, not one copy
 * each. Bounded: it starts over when full, which only costs later copies.
 *
 * A caller may name the field a value is for (`slot`, a small number of its own choosing): the
 * last value returned for that slot is compared before the map is asked. Consecutive messages
 * mostly repeat a field (one registrar URI, one realm, one user agent), and comparing with one
 * string is cheaper than hashing one just sliced out of a message. A ring of the last 8 values of
 * any field, the previous scheme, never hit: a transaction alone pools about 12 values. Slots only
 * decide what is compared first, so two callers sharing one never get a wrong value.
 */
export class StringPool {
  private readonly pool = new Map<string, string>();
  /** The last value returned per slot. */
  private readonly last: string[] = new Array<string>(POOL_SLOTS).fill("");

  constructor(private readonly max = 65_536) {}

  get(s: string, slot?: number): string;
  get(s: string | undefined, slot?: number): string | undefined;
  get(s: string | undefined, slot = 0): string | undefined {
    if (s === undefined) return s;
    const last = this.last[slot];
    if (last === s) return last;
    let own = this.pool.get(s);
    if (own === undefined) {
      if (this.pool.size >= this.max) this.pool.clear();
      // A short value is a copy already and pins nothing, but is pooled all the same: thousands
      // of records keeping "Unauthorized", "auth" or one user name would each keep a copy
      // (4 MB of the live heap on the 1 GiB benchmark).
      own = s.length < MIN_SLICE ? s : detach(s);
      this.pool.set(own, own);
    }
    this.last[slot] = own;
    return own;
  }
}

/**
 * ListPool shares one frozen copy of short string lists that repeat (the qop options and the
 * algorithms of a challenge: thousands of challenges offer the same one or two). A list built
 * by push holds room for 17 entries, ~180 bytes; one shared copy per distinct list saved 8 MB in
 * the middle of the 1 GB benchmark. Bounded like StringPool.
 */
export class ListPool {
  private readonly pool = new Map<string, readonly string[]>();

  constructor(private readonly max = 1024) {}

  get(list: readonly string[]): readonly string[] {
    // A line break cannot occur inside a header's tokens: joined by one, different lists differ.
    const key = list.length === 1 ? list[0] : list.join("\n");
    let own = this.pool.get(key);
    if (own === undefined || own.length !== list.length) {
      if (this.pool.size >= this.max) this.pool.clear();
      own = Object.freeze(list.map((x) => detach(x)));
      this.pool.set(detach(key), own);
    }
    return own;
  }
}


import { extended } from "./window.js";

/** Keys up to which a ring is kept at its exact size. */
const EXACT_KEYS = 16;

/**
 * KeyRing remembers the latest `max` keys pushed, oldest first, in a fixed ring: a bounded map or
 * set evicts the key it hands back. Finding the oldest key with `map.keys().next()` instead costs
 * O(map size) under churn, as V8's ordered hash tables keep deleted entries as holes until they
 * rehash and iteration walks them (see util/oldest.ts, which also handles keys deleted early).
 */
export class KeyRing<K> {
  private ring: K[] = [];
  private next = 0;

  constructor(private readonly max: number) {}

  /** push records a key; when the ring is full it forgets the oldest one and returns it. */
  push(key: K): K | undefined {
    if (this.max <= 0) return key;
    if (this.ring.length < this.max) {
      // Thousands of rings hold a few keys each (one per recorded flow): see util/window.ts.
      this.ring = extended(this.ring, [key], EXACT_KEYS);
      return undefined;
    }
    const oldest = this.ring[this.next];
    this.ring[this.next] = key;
    this.next = (this.next + 1) % this.max;
    return oldest;
  }

  /** has reports whether the key is among the latest `max` pushed (a linear scan: rings are small or rarely asked). */
  has(key: K): boolean {
    return this.ring.includes(key);
  }

  /** size is how many keys the ring holds (at most `max`). */
  get size(): number {
    return this.ring.length;
  }
}

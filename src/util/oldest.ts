/**
 * Slots a record starts with, grown by doubling: an analysis holds six records, and a scan worker
 * makes them for every file, most of which fill a few dozen.
 */
const INITIAL_SLOTS = 64;

/**
 * OldestFirst remembers the order in which entries were added to a Map, to find the oldest one
 * still present in O(1) amortised time. Each entry is recorded with its key and a stamp (a
 * creation number, or a last-use counter for least-recently-used order); an entry re-added with
 * a new stamp is only found at its newest position.
 *
 * `map.keys().next()` looks O(1) but is not under churn: V8's ordered hash tables leave deleted
 * entries in place until the next rehash, and iteration walks over them, so evicting the oldest
 * entry of a full table that keeps deleting and adding costs O(table size) per eviction. A
 * flood of a million new Call-IDs against a 200,000-entry transaction table took six minutes
 * that way.
 *
 * The record holds keys and numbers only, never the values: a record of values would keep every
 * deleted entry's object alive until the next compaction (up to twice the map's size of finished
 * transactions and handshakes, measured at about 100 MB on a 256 MB capture).
 *
 * The record is one buffer reused in place, not arrays grown by push and cut by slice: the
 * tables it serves churn through an entry per message, and every new array outlived a few
 * young-generation collections before it was dropped, so each was copied into the old
 * generation only to die there (bench/gc.mjs: 1,161 MB promoted on the 1 GiB benchmark before,
 * 991 MB after).
 */
export class OldestFirst<K, V> {
  /** Recorded keys at [head, tail); slots outside it are cleared so no key stays reachable. */
  private keys: (K | undefined)[] = new Array<K | undefined>(INITIAL_SLOTS).fill(undefined);
  /** Stamps of the recorded keys: numbers (frame numbers, ids, counters) below 2^53, exact in a double. */
  private stamps = new Float64Array(INITIAL_SLOTS);
  private head = 0;
  private tail = 0;

  /** `stampOf` must give a different number to a different value stored under the same key. */
  constructor(private readonly stampOf: (v: V) => number) {}

  private live(map: ReadonlyMap<K, V>, i: number): V | undefined {
    const v = map.get(this.keys[i] as K);
    return v !== undefined && this.stampOf(v) === this.stamps[i] ? v : undefined;
  }

  /** added records that `key` was just set to `value` in `map`. */
  added(map: ReadonlyMap<K, V>, key: K, value: V): void {
    if (this.tail === this.keys.length) this.makeRoom(map);
    this.keys[this.tail] = key;
    this.stamps[this.tail] = this.stampOf(value);
    this.tail++;
  }

  /**
   * oldest returns the oldest entry of `map` that is still the value recorded for its key;
   * entries deleted or replaced since are skipped and forgotten.
   */
  oldest(map: ReadonlyMap<K, V>): V | undefined {
    while (this.head < this.tail) {
      const v = this.live(map, this.head);
      if (v !== undefined) return v;
      this.keys[this.head++] = undefined;
    }
    return undefined;
  }

  /**
   * makeRoom runs when the buffer is full: the entries still live move to its front, in order,
   * and the buffer doubles only when they fill more than half of it. Live entries are at most one
   * per key of the map (see newestOnly), so the buffer stays within about twice the map's largest
   * size, and each entry is moved O(1) times on average.
   */
  private makeRoom(map: ReadonlyMap<K, V>): void {
    let n = 0;
    for (let i = this.head; i < this.tail; i++) {
      if (this.live(map, i) === undefined) continue;
      this.keys[n] = this.keys[i];
      this.stamps[n] = this.stamps[i];
      n++;
    }
    if (n > map.size) n = this.newestOnly(n);
    this.keys.fill(undefined, n, this.tail);
    this.head = 0;
    this.tail = n;
    if (2 * n <= this.keys.length) return;
    const size = 2 * this.keys.length;
    const keys = new Array<K | undefined>(size).fill(undefined);
    for (let i = 0; i < n; i++) keys[i] = this.keys[i];
    const stamps = new Float64Array(size);
    stamps.set(this.stamps.subarray(0, n));
    this.keys = keys;
    this.stamps = stamps;
  }

  /**
   * newestOnly keeps, of the n live entries at the front, the newest of each key, in order, and
   * returns how many remain. More live entries than keys happen only when a key was set back to a
   * value it held before (a Call-ID bound again to its handshake): each such entry is live again,
   * and a key rebound back and forth would otherwise grow the buffer without end.
   */
  private newestOnly(n: number): number {
    const seen = new Set<K>();
    let kept = 0;
    // From the newest down, packed at the top of [0, n); then moved down in first-seen order.
    for (let i = n - 1; i >= 0; i--) {
      const key = this.keys[i] as K;
      if (seen.has(key)) continue;
      seen.add(key);
      kept++;
      this.keys[n - kept] = key;
      this.stamps[n - kept] = this.stamps[i];
    }
    for (let i = 0; i < kept; i++) {
      this.keys[i] = this.keys[n - kept + i];
      this.stamps[i] = this.stamps[n - kept + i];
    }
    return kept;
  }
}

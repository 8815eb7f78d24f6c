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
 */
export class OldestFirst<K, V> {
  private keys: K[] = [];
  private stamps: number[] = [];
  private head = 0;

  /** `stampOf` must give a different number to a different value stored under the same key. */
  constructor(private readonly stampOf: (v: V) => number) {}

  private live(map: ReadonlyMap<K, V>, i: number): V | undefined {
    const v = map.get(this.keys[i]);
    return v !== undefined && this.stampOf(v) === this.stamps[i] ? v : undefined;
  }

  /** added records that `key` was just set to `value` in `map`. */
  added(map: ReadonlyMap<K, V>, key: K, value: V): void {
    this.keys.push(key);
    this.stamps.push(this.stampOf(value));
    this.compact(map);
  }

  /**
   * oldest returns the oldest entry of `map` that is still the value recorded for its key;
   * entries deleted or replaced since are skipped and forgotten.
   */
  oldest(map: ReadonlyMap<K, V>): V | undefined {
    while (this.head < this.keys.length) {
      const v = this.live(map, this.head);
      if (v !== undefined) return v;
      this.head++;
    }
    return undefined;
  }

  /**
   * compact keeps the record small: the skipped prefix is cut once it is half of it, and entries
   * no longer in the map are filtered out once they outnumber the map (so the record stays within
   * about twice the map's size). Both are amortised O(1) per added entry.
   */
  private compact(map: ReadonlyMap<K, V>): void {
    if (this.head > 1024 && this.head * 2 > this.keys.length) {
      this.keys = this.keys.slice(this.head);
      this.stamps = this.stamps.slice(this.head);
      this.head = 0;
    }
    if (this.keys.length - this.head > 2 * map.size + 1024) {
      const keys: K[] = [];
      const stamps: number[] = [];
      for (let i = this.head; i < this.keys.length; i++) {
        if (this.live(map, i) === undefined) continue;
        keys.push(this.keys[i]);
        stamps.push(this.stamps[i]);
      }
      this.keys = keys;
      this.stamps = stamps;
      this.head = 0;
    }
  }
}

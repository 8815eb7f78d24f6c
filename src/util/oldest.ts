/**
 * OldestFirst remembers the order in which entries were added to a Map, to find the oldest one
 * still present in O(1) amortised time. With `stampOf`, an entry re-added with a newer stamp (a
 * least-recently-used refresh) is only found at its newest position.
 *
 * `map.keys().next()` looks O(1) but is not under churn: V8's ordered hash tables leave deleted
 * entries in place until the next rehash, and iteration walks over them, so evicting the oldest
 * entry of a full table that keeps deleting and adding costs O(table size) per eviction. A
 * flood of a million new Call-IDs against a 200,000-entry transaction table took six minutes
 * that way.
 */
export class OldestFirst<K, V> {
  private keys: K[] = [];
  private values: V[] = [];
  private stamps: number[] = [];
  private head = 0;

  constructor(private readonly stampOf?: (v: V) => number) {}

  private live(map: ReadonlyMap<K, V>, i: number): boolean {
    const v = this.values[i];
    return map.get(this.keys[i]) === v && (this.stampOf === undefined || this.stampOf(v) === this.stamps[i]);
  }

  /** added records that `key` was just set to `value` in `map`. */
  added(map: ReadonlyMap<K, V>, key: K, value: V): void {
    this.keys.push(key);
    this.values.push(value);
    this.stamps.push(this.stampOf?.(value) ?? 0);
    this.compact(map);
  }

  /**
   * oldest returns the oldest entry of `map` that is still the value recorded for its key;
   * entries deleted or replaced since are skipped and forgotten.
   */
  oldest(map: ReadonlyMap<K, V>): V | undefined {
    while (this.head < this.keys.length) {
      if (this.live(map, this.head)) return this.values[this.head];
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
      this.values = this.values.slice(this.head);
      this.stamps = this.stamps.slice(this.head);
      this.head = 0;
    }
    if (this.keys.length - this.head > 2 * map.size + 1024) {
      const keys: K[] = [];
      const values: V[] = [];
      const stamps: number[] = [];
      for (let i = this.head; i < this.keys.length; i++) {
        if (!this.live(map, i)) continue;
        keys.push(this.keys[i]);
        values.push(this.values[i]);
        stamps.push(this.stamps[i]);
      }
      this.keys = keys;
      this.values = values;
      this.stamps = stamps;
      this.head = 0;
    }
  }
}

/**
 * Bounded lists that keep what a reader of a long history needs: its beginning (how it started)
 * and its latest entries (how it ended), with the middle counted, not kept. A phone refreshing its
 * registration for a day makes thousands of attempts; the first challenge and the last failure
 * are the evidence, the thousand successes between them are a number.
 */

/**
 * pushWindowed appends `item` to `list`, keeping at most `max` entries: the first `head` and the
 * latest `max - head`. Returns true when an entry of the middle was dropped to make room.
 */
export function pushWindowed<T>(list: T[], item: T, head: number, max: number): boolean {
  if (list.length < max) {
    list.push(item);
    return false;
  }
  // Remove the oldest entry of the tail part; O(max), and max is small.
  list.splice(head, 1);
  list.push(item);
  return true;
}

/**
 * appended returns `list` with `item` added, as a new array of exactly that size: for the short
 * lists thousands of records each keep (a cycle's keys, a nonce's uses). An array grown by push
 * takes room for 17 entries at its first push, ~180 bytes, where these lists hold one or two.
 */
export function appended<T>(list: readonly T[], item: T): T[] {
  return [...list, item];
}

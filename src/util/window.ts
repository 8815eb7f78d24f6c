/**
 * Bounded lists that keep what a reader of a long history needs: its beginning (how it started)
 * and its latest entries (how it ended), with the middle counted, not kept. A phone refreshing its
 * registration for a day makes thousands of attempts; the first challenge and the last failure
 * are the evidence, the thousand successes between them are a number.
 */

/**
 * windowed returns `list` with `item` appended, keeping at most `max` entries: the first `head`
 * and the latest `max - head`. Below `max` the result is a new array of exactly its size (see
 * appended); at `max` the oldest entry of the tail part is removed from `list` itself, which then
 * keeps its size.
 */
export function windowed<T>(list: T[], item: T, head: number, max: number): T[] {
  if (list.length < max) return appended(list, item);
  // Remove the oldest entry of the tail part; O(max), and max is small.
  list.splice(head, 1);
  list.push(item);
  return list;
}

/**
 * appended returns `list` with `item` added, as a new array of exactly that size: for the short
 * lists thousands of records each keep (a cycle's keys, a nonce's uses, a registration's
 * attempts). An array grown by push takes room for 17 entries at its first push, 152 bytes of
 * elements where these lists hold one or two. So does a spread `[...list, item]` in V8 11 (Node
 * 20): measured 187–224 bytes per list of 1–4 entries against 58–81 with concat
 * (test/util/window.test.ts measures it on the heap of a child process).
 */
export function appended<T>(list: readonly T[], item: T): T[] {
  return list.concat([item]);
}

/**
 * extended returns `list` with `items` added: while `list` holds fewer than `exactUpTo` entries,
 * as a new array of exactly that size (see appended); from there on by push, in place. For lists
 * most of which stay short (a recorded flow's steps, a flow's retransmission ring) but some grow
 * long, where copying on every addition would cost more than the room push reserves.
 */
export function extended<T>(list: T[], items: readonly T[], exactUpTo: number): T[] {
  if (list.length < exactUpTo) return list.concat(items);
  list.push(...items);
  return list;
}

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OldestFirst } from "../../src/util/oldest.js";

/** Op is one step of a table's life: set a key to a new value, delete it, or ask for the oldest. */
type Op = { kind: "set"; key: number } | { kind: "delete"; key: number } | { kind: "oldest" };

/** Internals is the record's buffer and its live window [head, tail). */
interface Internals {
  keys: unknown[];
  head: number;
  tail: number;
}

/** buffer reads the record's buffer, to check that it is reused rather than reallocated. */
function buffer<V>(order: OldestFirst<string, V>): unknown[] {
  return (order as unknown as Internals).keys;
}

describe("OldestFirst", () => {
  it("answers like a list of every (key, stamp) ever added, for any sequence of sets, deletes and lookups", () => {
    // Few keys: heavy churn through a small buffer; many: the buffer has to grow.
    const ops = fc.integer({ min: 40, max: 3_000 }).chain((keys) => {
      const key = fc.integer({ min: 0, max: keys });
      const op: fc.Arbitrary<Op> = fc.oneof(
        { weight: 5, arbitrary: key.map((k): Op => ({ kind: "set", key: k })) },
        { weight: 3, arbitrary: key.map((k): Op => ({ kind: "delete", key: k })) },
        { weight: 2, arbitrary: fc.constant<Op>({ kind: "oldest" }) },
      );
      return fc.array(op, { minLength: 2_000, maxLength: 8_000 });
    });
    fc.assert(
      fc.property(ops, (list) => {
        const map = new Map<string, { stamp: number }>();
        const order = new OldestFirst<string, { stamp: number }>((v) => v.stamp);
        // The reference: every record ever added; the oldest live one wins. A record that is not
        // live never becomes live again (stamps are never reused), so the search can start past it.
        const all: { key: string; stamp: number }[] = [];
        let first = 0;
        let clock = 0;
        for (const o of list) {
          if (o.kind === "set") {
            const v = { stamp: ++clock };
            map.set(`k${o.key}`, v);
            order.added(map, `k${o.key}`, v);
            all.push({ key: `k${o.key}`, stamp: v.stamp });
          } else if (o.kind === "delete") {
            map.delete(`k${o.key}`);
          } else {
            while (first < all.length && map.get(all[first].key)?.stamp !== all[first].stamp) first++;
            const want = all[first];
            expect(order.oldest(map)).toBe(want === undefined ? undefined : map.get(want.key));
          }
        }
      }),
      // Shrinking chained lists of thousands of steps takes minutes: report the first failure as found.
      { numRuns: 40, endOnFailure: true },
    );
  });

  it("keeps one buffer under churn: a full table replacing an entry per message allocates no new record", () => {
    const map = new Map<string, { stamp: number; key: string }>();
    const order = new OldestFirst<string, { stamp: number; key: string }>((v) => v.stamp);
    let clock = 0;
    const add = (key: string): void => {
      const v = { stamp: ++clock, key };
      map.set(key, v);
      order.added(map, key, v);
    };
    // A table of 3,000 entries kept full: each new entry evicts the oldest (a transaction table).
    const churn = (from: number, to: number): void => {
      for (let i = from; i < to; i++) {
        map.delete((order.oldest(map) as { key: string }).key);
        add(`k${i}`);
      }
    };
    for (let i = 0; i < 3_000; i++) add(`k${i}`);
    churn(3_000, 10_000);
    const settled = buffer(order);
    churn(10_000, 40_000);
    // Grown to hold about twice the table, then reused (the older record sliced and filtered
    // itself into new arrays every few thousand entries).
    expect(buffer(order)).toBe(settled);
    expect(buffer(order).length).toBeLessThanOrEqual(8_192);
    // Slots outside the window are cleared: no forgotten key stays reachable from the record.
    const { keys, head, tail } = order as unknown as Internals;
    expect(keys.some((k, i) => (i < head || i >= tail) && k !== undefined)).toBe(false);
  });

  it("stays bounded when a key is set back and forth between two values (a Call-ID rebound between handshakes)", () => {
    const a = { id: 1 };
    const b = { id: 2 };
    const first = { id: 3 };
    const map = new Map<string, { id: number }>([["first", first]]);
    const order = new OldestFirst<string, { id: number }>((v) => v.id);
    order.added(map, "first", first);
    for (let i = 0; i < 100_000; i++) {
      const v = i % 2 === 0 ? a : b;
      map.set("call", v);
      order.added(map, "call", v);
    }
    // Every entry made with `a` is live again whenever the key holds `a`: only the newest counts.
    expect(buffer(order).length).toBeLessThanOrEqual(2_048);
    expect(order.oldest(map)).toBe(first);
    map.delete("first");
    expect(order.oldest(map)).toBe(b);
  });
});

/**
 * util/window.ts: bounded lists of exact size. What matters is memory, so the size test measures
 * the heap of a child process (the whole point of `appended` is the bytes a kept list costs).
 */
import { describe, expect, it } from "vitest";
import { appended, extended, windowed } from "../../src/util/window.js";
import { bytesPerItem } from "../helpers/heap.js";

describe("windowed", () => {
  it("keeps the first `head` entries and the latest ones, up to `max`", () => {
    let list: number[] = [];
    for (let i = 1; i <= 10; i++) list = windowed(list, i, 2, 6);
    expect(list).toEqual([1, 2, 7, 8, 9, 10]);
  });

  it("returns a new list below the limit and reuses the full one at it", () => {
    const one = windowed([], "a", 1, 2);
    const two = windowed(one, "b", 1, 2);
    expect(one).toEqual(["a"]);
    expect(two).not.toBe(one);
    expect(windowed(two, "c", 1, 2)).toBe(two);
    expect(two).toEqual(["a", "c"]);
  });
});

describe("appended", () => {
  it("adds one entry, arrays included, without changing the list", () => {
    const list: unknown[] = [1];
    expect(appended(list, [2, 3])).toEqual([1, [2, 3]]);
    expect(list).toEqual([1]);
  });

  it("makes lists of their own size: lists of 1 to 4 entries cost under 100 bytes each", () => {
    // A list grown by push, or made by spreading ([...list, x]), takes room for 17 entries:
    // 187–224 bytes each in Node 20, where an exact one takes 58–81.
    for (const n of [1, 2, 4]) {
      const make = `(mod, i) => mod.appended(Array.from({ length: ${n - 1} }, (_, k) => k), i)`;
      expect(bytesPerItem("util/window.js", make)).toBeLessThan(100);
    }
  });
});

describe("extended", () => {
  it("copies while the list is short and pushes in place from `exactUpTo` on, keeping every item in order", () => {
    const short = [1, 2];
    const longer = extended(short, [3, 4], 4);
    expect(longer).not.toBe(short);
    expect(short).toEqual([1, 2]);
    expect(longer).toEqual([1, 2, 3, 4]);
    expect(extended(longer, [5, 6], 4)).toBe(longer);
    expect(longer).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

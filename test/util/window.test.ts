/**
 * util/window.ts: bounded lists of exact size. What matters is memory, so the size test measures
 * the heap of a child process (the whole point of `appended` is the bytes a kept list costs).
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { appended, windowed } from "../../src/util/window.js";
import { REPO } from "../helpers/corpus.js";

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

  it("makes lists of their own size: 100,000 lists of 1 to 4 entries cost under 100 bytes each", () => {
    // A list grown by push, or made by spreading ([...list, x]), takes room for 17 entries:
    // 187–224 bytes each in Node 20, where an exact one takes 58–81.
    const script = `
      const { appended } = await import(${JSON.stringify(`${REPO}/dist/util/window.js`)});
      const out = [];
      for (const n of [1, 2, 4]) {
        const base = Array.from({ length: n - 1 }, (_, i) => ({ i }));
        globalThis.kept = new Array(100000).fill(0);
        gc(); gc();
        const before = process.memoryUsage().heapUsed;
        for (let i = 0; i < kept.length; i++) kept[i] = appended(base, i);
        gc(); gc();
        out.push((process.memoryUsage().heapUsed - before) / kept.length);
      }
      console.log(JSON.stringify(out));
    `;
    const perList: number[] = JSON.parse(execFileSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", script], { encoding: "utf8" }));
    expect(perList).toHaveLength(3);
    for (const bytes of perList) expect(bytes).toBeLessThan(100);
  });
});

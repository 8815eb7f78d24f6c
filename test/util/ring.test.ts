import { describe, expect, it } from "vitest";
import { KeyRing } from "../../src/util/ring.js";
import { bytesPerItem } from "../helpers/heap.js";

describe("KeyRing", () => {
  it("hands back the oldest key once full, in the order they came, for ever", () => {
    const ring = new KeyRing<string>(3);
    expect(["a", "b", "c"].map((k) => ring.push(k))).toEqual([undefined, undefined, undefined]);
    expect(["d", "e", "f", "g", "h", "i", "j"].map((k) => ring.push(k))).toEqual(["a", "b", "c", "d", "e", "f", "g"]);
  });

  it("remembers nothing with room for nothing", () => {
    const ring = new KeyRing<number>(0);
    expect([1, 2].map((k) => ring.push(k))).toEqual([1, 2]);
    expect(ring.has(1)).toBe(false);
    expect(ring.size).toBe(0);
  });

  it("knows the keys it holds: the latest `max` pushed", () => {
    const ring = new KeyRing<number>(3);
    for (const k of [1, 2, 3, 4]) ring.push(k);
    expect([1, 2, 3, 4].map((k) => ring.has(k))).toEqual([false, true, true, true]);
    expect(ring.size).toBe(3);
  });

  it("keeps its order past the size up to which it grows exactly", () => {
    const ring = new KeyRing<number>(40);
    const out = Array.from({ length: 100 }, (_, k) => ring.push(k));
    expect(out.slice(0, 40).every((x) => x === undefined)).toBe(true);
    expect(out.slice(40)).toEqual(Array.from({ length: 60 }, (_, k) => k));
    expect(ring.size).toBe(40);
  });

  it("costs little holding a few keys: one per recorded flow, thousands are kept", () => {
    // Grown by push, the three keys below would take room for 17 (about 220 bytes a ring).
    const make = "(mod, i) => { const r = new mod.KeyRing(64); r.push(i); r.push(i + 0.5); r.push(i + 0.25); return r; }";
    expect(bytesPerItem("util/ring.js", make, 20_000)).toBeLessThan(150);
  });
});

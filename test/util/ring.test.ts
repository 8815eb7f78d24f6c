import { describe, expect, it } from "vitest";
import { KeyRing } from "../../src/util/ring.js";

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
});

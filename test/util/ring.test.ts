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
  });
});

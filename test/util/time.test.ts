/** formatIsoNs keeps the last second's text: interleaved seconds must still each print their own. */
import { describe, expect, it } from "vitest";
import { formatIsoNs } from "../../src/util/time.js";

describe("formatIsoNs", () => {
  it("prints nanoseconds, clamps out-of-range years, and never reuses another second's text", () => {
    const t = 1_764_000_000_123_456_789n;
    expect(formatIsoNs(t)).toBe("2025-11-24T16:00:00.123456789Z");
    expect(formatIsoNs(t + 5n)).toBe("2025-11-24T16:00:00.123456794Z");
    expect(formatIsoNs(t + 1_000_000_000n)).toBe("2025-11-24T16:00:01.123456789Z");
    expect(formatIsoNs(t)).toBe("2025-11-24T16:00:00.123456789Z");
    expect(formatIsoNs(-1n)).toBe("1969-12-31T23:59:59.999999999Z");
    expect(formatIsoNs(2n ** 63n - 1n)).toBe("2262-04-11T23:47:16.854775807Z");
    expect(formatIsoNs(10n ** 30n)).toBe("9999-12-31T23:59:59.999999999Z");
    for (let i = 0; i < 50; i++) {
      const ns = BigInt(Math.floor(Math.random() * 4e9)) * 1_000_000_000n + BigInt(i * 7919);
      const ms = new Date(Number(ns / 1_000_000_000n) * 1000).toISOString().slice(0, 19);
      expect(formatIsoNs(ns)).toBe(`${ms}.${(ns % 1_000_000_000n).toString().padStart(9, "0")}Z`);
    }
  });
});

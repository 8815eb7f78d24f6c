/** Colour decision and helper: precedence of flag, FORCE_COLOR, NO_COLOR, TERM and TTY. */
import { describe, expect, test } from "vitest";
import { colorEnabled, makeColors } from "../../src/report/color.js";

describe("colorEnabled", () => {
  test("a terminal gets colour, a pipe does not", () => {
    expect(colorEnabled({ isTTY: true, env: {} })).toBe(true);
    expect(colorEnabled({ isTTY: false, env: {} })).toBe(false);
    expect(colorEnabled({ isTTY: undefined, env: {} })).toBe(false);
  });

  test("NO_COLOR (non-empty) turns colour off on a terminal; empty NO_COLOR is ignored", () => {
    expect(colorEnabled({ isTTY: true, env: { NO_COLOR: "1" } })).toBe(false);
    expect(colorEnabled({ isTTY: true, env: { NO_COLOR: "" } })).toBe(true);
  });

  test("FORCE_COLOR forces colour into a pipe, and beats NO_COLOR; FORCE_COLOR=0 forbids it", () => {
    expect(colorEnabled({ isTTY: false, env: { FORCE_COLOR: "1" } })).toBe(true);
    expect(colorEnabled({ isTTY: false, env: { FORCE_COLOR: "" } })).toBe(true);
    expect(colorEnabled({ isTTY: false, env: { FORCE_COLOR: "1", NO_COLOR: "1" } })).toBe(true);
    expect(colorEnabled({ isTTY: true, env: { FORCE_COLOR: "0" } })).toBe(false);
    expect(colorEnabled({ isTTY: true, env: { FORCE_COLOR: "false" } })).toBe(false);
  });

  test("TERM=dumb turns colour off", () => {
    expect(colorEnabled({ isTTY: true, env: { TERM: "dumb" } })).toBe(false);
  });

  test("--color / --no-color beat everything", () => {
    expect(colorEnabled({ isTTY: true, env: { FORCE_COLOR: "1" }, flag: false })).toBe(false);
    expect(colorEnabled({ isTTY: false, env: { NO_COLOR: "1", TERM: "dumb" }, flag: true })).toBe(true);
  });
});

describe("makeColors", () => {
  test("disabled: every helper returns its input unchanged", () => {
    const c = makeColors(false);
    for (const f of [c.bold, c.dim, c.red, c.green, c.yellow, c.blue, c.cyan]) expect(f("x")).toBe("x");
    expect(c.severity("error", "x")).toBe("x");
    expect(c.outcome("failed", "x")).toBe("x");
  });

  test("enabled: SGR codes that close only what they open", () => {
    const c = makeColors(true);
    expect(c.red("x")).toBe("\x1b[31mx\x1b[39m");
    expect(c.bold("x")).toBe("\x1b[1mx\x1b[22m");
    expect(c.severity("error", "x")).toBe("\x1b[1m\x1b[31mx\x1b[39m\x1b[22m");
    expect(c.outcome("registered", "x")).toBe("\x1b[32mx\x1b[39m");
    expect(c.red("")).toBe("");
  });
});

/**
 * `--color=WHEN` (src/cli/color.ts): the spelling of grep, ls and git, rewritten to yargs' boolean
 * form before parsing; the CLI tests check it end to end.
 */
import { describe, expect, it } from "vitest";
import { colorWhenArgs } from "../../src/cli/color.js";
import { UsageError } from "../../src/cli/errors.js";

describe("colorWhenArgs", () => {
  it("maps always / never / auto (any case) to --color, --no-color and nothing", () => {
    expect(colorWhenArgs(["analyze", "a.pcap", "--color=always"])).toEqual(["analyze", "a.pcap", "--color"]);
    expect(colorWhenArgs(["analyze", "--color=NEVER", "a.pcap"])).toEqual(["analyze", "--no-color", "a.pcap"]);
    expect(colorWhenArgs(["analyze", "--color=auto", "a.pcap"])).toEqual(["analyze", "a.pcap"]);
    expect(colorWhenArgs(["--color=yes", "--color=no", "--color=tty"])).toEqual(["--color", "--no-color"]);
  });

  it("leaves the boolean spellings, other options and everything after -- alone", () => {
    const args = ["analyze", "--color", "--no-color", "--color=true", "--color=false", "--colour=x", "-o", "--color=always.html"];
    expect(colorWhenArgs(["scan", "--", "--color=never"])).toEqual(["scan", "--", "--color=never"]);
    expect(() => colorWhenArgs(args)).toThrow(UsageError);
    expect(colorWhenArgs(args.slice(0, 6))).toEqual(args.slice(0, 6));
  });

  it("refuses an unknown value with a one-line message, names of Object.prototype included", () => {
    expect(() => colorWhenArgs(["--color=sometimes"])).toThrow("--color=sometimes: expected always, never or auto");
    expect(() => colorWhenArgs(["--color=constructor"])).toThrow(UsageError);
    expect(() => colorWhenArgs(["--color="])).toThrow(UsageError);
  });
});

/**
 * The --include/--exclude glob matcher: name patterns, path patterns, `**`, classes, braces, escapes.
 */
import { describe, expect, it } from "vitest";
import { compileGlob } from "../../src/batch/glob.js";

const match = (pattern: string, path: string): boolean => compileGlob(pattern).matches(path);

describe("compileGlob", () => {
  it("a pattern without / matches the file name at any depth", () => {
    expect(match("*.pcap", "a.pcap")).toBe(true);
    expect(match("*.pcap", "x/y/a.pcap")).toBe(true);
    expect(match("*.pcap", "x/y/a.pcapng")).toBe(false);
    expect(match("a?.pcap", "dir/ab.pcap")).toBe(true);
    expect(match("a?.pcap", "dir/abc.pcap")).toBe(false);
  });

  it("a pattern with / matches the whole relative path; * stays within a segment", () => {
    expect(match("2024/*.pcap", "2024/a.pcap")).toBe(true);
    expect(match("2024/*.pcap", "2024/05/a.pcap")).toBe(false);
    expect(match("./2024/*.pcap", "2024/a.pcap")).toBe(true);
    expect(match("*/a.pcap", "x/a.pcap")).toBe(true);
    expect(match("*/a.pcap", "a.pcap")).toBe(false);
    // A trailing slash names a directory at any depth, as in .gitignore.
    expect(match("tmp/", "x/tmp")).toBe(true);
    expect(match("x/tmp/", "x/tmp")).toBe(true);
  });

  it("** matches zero or more segments", () => {
    expect(match("**/a.pcap", "a.pcap")).toBe(true);
    expect(match("**/a.pcap", "x/y/a.pcap")).toBe(true);
    expect(match("cust/**", "cust/x/y.pcap")).toBe(true);
    expect(match("cust/**", "other/x.pcap")).toBe(false);
    expect(match("cust/**/day-*.pcap", "cust/day-1.pcap")).toBe(true);
    expect(match("cust/**/day-*.pcap", "cust/2024/05/day-1.pcap")).toBe(true);
  });

  it("classes, negated classes, braces and escapes", () => {
    expect(match("trace[0-9].pcap", "trace7.pcap")).toBe(true);
    expect(match("trace[!0-9].pcap", "trace7.pcap")).toBe(false);
    expect(match("trace[^0-9].pcap", "tracex.pcap")).toBe(true);
    expect(match("*.{pcap,pcapng}{,.gz}", "a.pcapng.gz")).toBe(true);
    expect(match("*.{pcap,pcapng}{,.gz}", "a.pcap")).toBe(true);
    expect(match("*.{pcap,pcapng}{,.gz}", "a.cap")).toBe(false);
    expect(match("{a,b{c,d}}.pcap", "bd.pcap")).toBe(true);
    expect(match("\\*.pcap", "*.pcap")).toBe(true);
    expect(match("\\*.pcap", "x.pcap")).toBe(false);
    // Unclosed brackets and braces are literal characters, as in shells.
    expect(match("a[b.pcap", "a[b.pcap")).toBe(true);
    expect(match("a{b.pcap", "a{b.pcap")).toBe(true);
  });

  it("regular-expression characters in names are literal", () => {
    expect(match("a+b (1).pcap", "a+b (1).pcap")).toBe(true);
    expect(match("a.pcap", "axpcap")).toBe(false);
    expect(match("$x^.pcap", "$x^.pcap")).toBe(true);
  });
});

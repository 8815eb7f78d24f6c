/**
 * Shared helpers of the report tests: paths, ANSI stripping, and a walker that replaces every
 * user-controlled string of a report (everything but enumerations) — the strings a hostile SIP
 * peer could choose.
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Report } from "../../src/report/model.js";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Keys whose string values are enumerations chosen by sip401, not by the network. */
const ENUM_KEYS = new Set(["severity", "outcome", "format", "kind", "worst", "verified", "name"]);

/** ANSI escape sequences (CSI). */
// eslint-disable-next-line no-control-regex
export const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

export function stripAnsi(s: string): string {
  return s.replace(ANSI, "");
}

/**
 * withStrings returns a copy of the report whose user-controlled strings are replaced, in walk
 * order, by `next()` (codes of findings and ladders included: they are plain strings in the model).
 */
export function withStrings(report: Report, next: () => string): Report {
  const walk = (v: unknown, key: string): unknown => {
    if (typeof v === "string") return ENUM_KEYS.has(key) ? v : next();
    if (Array.isArray(v)) return v.map((x) => walk(x, key));
    if (v !== null && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x, k);
      return out;
    }
    return v;
  };
  const copy = walk(report, "") as Report;
  // The tool name is fixed by the model; keep the copy a valid Report.
  copy.tool = { ...report.tool };
  copy.captures = copy.captures.map((c, i) => ({ ...c, name: report.captures[i].name }));
  return copy;
}

/** cycle returns a `next()` that hands out the given strings in turn, forever. */
export function cycle(values: readonly string[]): () => string {
  let i = 0;
  return () => values[i++ % values.length];
}

/** Strings a hostile peer might put in headers. */
export const HOSTILE = [
  "<script>alert(1)</script>",
  '"><img src=x onerror=alert(1)>',
  "a|b|c",
  "`code` ``x``",
  "# heading",
  "- list",
  "1. one",
  "*bold* _it_ [link](http://evil.example/) ![img](x)",
  "@everyone ping",
  "semi;colon#hash%%comment",
  "line\nbreak\r\nand\ttab",
  "\x1b[31mred\x1b[0m\x07bell",
  "\u202eevil-rtl",
  "</svg><script>x</script>",
  "&amp; &lt; &#60;",
  "```\nfence",
  "$x^2$ math",
  "sip:alice@example.test;transport=tcp>",
  "中文中文中文中文中文中文中文中文中文中文",
  "x".repeat(300),
];

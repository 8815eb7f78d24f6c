/** Stable JSON: fixed key order, 2-space indent, trailing newline, identical bytes on every run. */
import { describe, expect, test } from "vitest";
import { renderJson } from "../../src/report/json.js";
import type { Report } from "../../src/report/model.js";
import { REPORT_TYPES } from "../../src/report/schema.js";
import { sampleReport } from "./fixtures/sample-report.js";

/** shuffleKeys rebuilds every object with its keys in reverse order (same content). */
function shuffleKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shuffleKeys);
  if (v === null || typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).reverse()) out[k] = shuffleKeys((v as Record<string, unknown>)[k]);
  return out;
}

describe("renderJson", () => {
  test("round-trips the model exactly", () => {
    const r = sampleReport();
    expect(JSON.parse(renderJson(r))).toEqual(r);
  });

  test("2-space indent and one trailing newline", () => {
    const out = renderJson(sampleReport());
    expect(out.endsWith("}\n")).toBe(true);
    expect(out.endsWith("\n\n")).toBe(false);
    expect(out.split("\n")[1]).toBe('  "schemaVersion": 1,');
  });

  test("the key order does not depend on how the objects were built", () => {
    const r = sampleReport();
    expect(renderJson(shuffleKeys(r) as Report)).toBe(renderJson(r));
  });

  test("keys follow the model's order; free-form count objects are sorted", () => {
    const r = sampleReport();
    r.captures[0].transports = { UDP: 3, TCP: 2, SCTP: 1 };
    const parsed = JSON.parse(renderJson(r)) as Report;
    expect(Object.keys(parsed)).toEqual(Object.keys(REPORT_TYPES.Report));
    expect(Object.keys(parsed.findings[0])).toEqual(Object.keys(REPORT_TYPES.Finding));
    expect(Object.keys(parsed.captures[0].transports)).toEqual(["SCTP", "TCP", "UDP"]);
  });

  test("absent optional fields are left out, unknown fields kept (sorted) rather than lost", () => {
    const r = sampleReport() as Report & { extra?: unknown };
    delete r.captures[0].start;
    r.extra = { b: 1, a: 2 };
    const out = renderJson(r);
    expect(out).not.toContain('"start"');
    expect(out).not.toContain("null");
    expect(out).toContain('"extra": {\n    "a": 2,\n    "b": 1\n  }');
  });

  test("two runs give identical bytes", () => {
    expect(renderJson(sampleReport())).toBe(renderJson(sampleReport()));
  });
});

/** The renderer front door: formats, dispatch, --output extension inference, purity. */
import { afterEach, describe, expect, test, vi } from "vitest";
import { REPORT_EXTENSIONS, REPORT_FORMATS, formatFromPath, renderHtml, renderJson, renderMarkdown, renderReport, renderTable } from "../../src/report/index.js";
import { sampleReport } from "./fixtures/sample-report.js";

describe("formatFromPath", () => {
  test.each([
    ["report.json", "json"],
    ["out/Report.JSON", "json"],
    ["ticket.md", "markdown"],
    ["ticket.markdown", "markdown"],
    ["a.b/report.html", "html"],
    ["C:\\reports\\x.HTM", "html"],
    ["plain.txt", "table"],
  ])("%s → %s", (path, format) => {
    expect(formatFromPath(path)).toBe(format);
  });

  test.each(["report", "report.pdf", ".json", "dir.json/report", "-"])("%s → undefined", (path) => {
    expect(formatFromPath(path)).toBeUndefined();
  });

  test("every format has an extension that maps back to it", () => {
    for (const f of REPORT_FORMATS) expect(formatFromPath(`x.${REPORT_EXTENSIONS[f]}`)).toBe(f);
  });
});

describe("renderReport", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  test("table is the default format and the list is what --format accepts", () => {
    expect(REPORT_FORMATS).toEqual(["table", "json", "markdown", "html"]);
  });

  test("dispatches to the renderer of each format", () => {
    const r = sampleReport();
    expect(renderReport(r, "table", { width: 90, color: true })).toBe(renderTable(r, { width: 90, color: true }));
    expect(renderReport(r, "json")).toBe(renderJson(r));
    expect(renderReport(r, "markdown", { width: 60 })).toBe(renderMarkdown(r));
    expect(renderReport(r, "html")).toBe(renderHtml(r));
  });

  test("only the table depends on width and colour", () => {
    const r = sampleReport();
    for (const f of ["json", "markdown", "html"] as const) {
      expect(renderReport(r, f, { width: 60, color: true })).toBe(renderReport(r, f, { width: 200, color: false }));
      expect(renderReport(r, f, { color: true })).not.toMatch(/\x1b/);
    }
  });

  test("output does not depend on the clock or the environment", () => {
    const r = sampleReport();
    const before = REPORT_FORMATS.map((f) => renderReport(r, f, { width: 100 }));
    vi.useFakeTimers();
    vi.setSystemTime(new Date("1999-12-31T23:59:59Z"));
    const env = { ...process.env };
    process.env.NO_COLOR = "1";
    process.env.COLUMNS = "33";
    process.env.TZ = "Pacific/Kiritimati";
    try {
      expect(REPORT_FORMATS.map((f) => renderReport(r, f, { width: 100 }))).toEqual(before);
    } finally {
      process.env = env;
    }
  });
});

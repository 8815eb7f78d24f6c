/**
 * Property tests: whatever strings a peer puts in the user-controlled fields, every renderer
 * returns text without throwing; HTML never carries a `<script` (or any tag) from the input;
 * the terminal formats never carry an escape code from it; the table keeps to its width.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { REPORT_FORMATS, renderFlow, renderReport, redactReport } from "../../src/report/index.js";
import { renderSvgLadder } from "../../src/report/svg-ladder.js";
import { width } from "../../src/report/text.js";
import { sampleReport } from "./fixtures/sample-report.js";
import { cycle, stripAnsi, withStrings } from "./helpers.js";

/** Any code points, with a bias towards the characters that mean something to a renderer. */
const nasty = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: fc.constantFrom(..."<>&\"'`|#;*_[]()!@$~\\\n\r\t\x1b\x00\u202e-=+.:/ aZ9中"), maxLength: 40 }),
  fc.constantFrom("<script>alert(1)</script>", "<ScRiPt src=//x>", "</svg><script>", "```", "<!--", "]]>"),
);

const strings = fc.array(nasty, { minLength: 1, maxLength: 30 });
const RUNS = { numRuns: 150 };

describe("renderers on arbitrary strings", () => {
  test("never throw, always end with a newline", () => {
    fc.assert(
      fc.property(strings, fc.integer({ min: 20, max: 220 }), fc.boolean(), (values, w, color) => {
        const r = withStrings(sampleReport(), cycle(values));
        for (const format of REPORT_FORMATS) expect(renderReport(r, format, { width: w, color }).endsWith("\n")).toBe(true);
        for (const l of r.ladders) {
          expect(renderFlow(l, { width: w, color }).endsWith("\n")).toBe(true);
          renderSvgLadder(l);
        }
        renderReport(redactReport(r), "json");
      }),
      RUNS,
    );
  });

  test("HTML never contains a tag from the input", () => {
    fc.assert(
      fc.property(strings, (values) => {
        const html = renderReport(withStrings(sampleReport(), cycle(values)), "html");
        expect(html).not.toMatch(/<script/i);
        // Every tag in the page is one the renderer writes.
        const tags = new Set([...html.matchAll(/<\/?([A-Za-z][\w-]*)/g)].map((m) => m[1].toLowerCase()));
        const allowed = ["html", "head", "meta", "title", "style", "body", "main", "header", "h1", "h2", "h3", "h4", "p", "section", "article", "span", "code", "ul", "ol", "li", "dl", "dt", "dd", "div", "table", "thead", "tbody", "tr", "th", "td", "strong", "br", "figure", "figcaption", "svg", "line", "rect", "text", "g", "path", "footer"];
        for (const t of tags) expect(allowed, t).toContain(t);
      }),
      RUNS,
    );
  });

  test("table and flow carry no escape code from the input; colour codes only when asked", () => {
    fc.assert(
      fc.property(strings, (values) => {
        const r = withStrings(sampleReport(), cycle(values));
        expect(renderReport(r, "table", { width: 100, color: false })).not.toMatch(/\x1b/);
        expect(stripAnsi(renderReport(r, "table", { width: 100, color: true }))).not.toMatch(/\x1b/);
        for (const l of r.ladders) expect(renderFlow(l, { color: false })).not.toMatch(/\x1b/);
      }),
      RUNS,
    );
  });

  test("the table keeps to its width for any printable ASCII", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "grapheme-ascii", maxLength: 60 }), { minLength: 1, maxLength: 30 }), fc.integer({ min: 40, max: 200 }), (values, w) => {
        const out = renderReport(withStrings(sampleReport(), cycle(values)), "table", { width: w });
        for (const line of out.split("\n")) expect(width(line)).toBeLessThanOrEqual(w);
      }),
      RUNS,
    );
  });
});

/**
 * Reports meant for reading (table, Markdown) list the rows that need attention and a few findings
 * of each kind of a big report, say what they left out, and list everything with ALL / `--all`.
 */
import { describe, expect, test } from "vitest";
import type { Finding } from "../../src/detect/model.js";
import { renderReport } from "../../src/report/index.js";
import { renderMarkdown } from "../../src/report/markdown.js";
import type { Report, ReportHandshake, ReportRegistration } from "../../src/report/model.js";
import { ALL, foldedText, pickFindings, pickRows, READING_LIMITS } from "../../src/report/reading.js";
import { renderTable } from "../../src/report/table.js";
import { sampleReport } from "./fixtures/sample-report.js";

/**
 * bigReport is a busy registrar's report: 200 registrations of which every 20th failed (10), 80
 * INVITE handshakes of which 3 failed, and 12 bad_credentials errors, 300 digest_uri_mismatch
 * warnings and 2 infos, interleaved as detectors emit them; 30 ladders.
 */
function bigReport(): Report {
  const r = sampleReport();
  const [regOk, regFailed] = [r.registrations.find((g) => g.outcome === "registered")!, r.registrations.find((g) => g.outcome === "failed")!];
  r.registrations = Array.from({ length: 200 }, (_, i): ReportRegistration => {
    const base = i % 20 === 7 ? regFailed : regOk;
    return { ...base, id: i + 1, aor: `sip:user-${String(i).padStart(3, "0")}@example.test`, user: `user-${i}` };
  });
  const hs = r.handshakes[0];
  r.handshakes = Array.from({ length: 80 }, (_, i): ReportHandshake => ({ ...hs, id: i + 1, method: "INVITE", fromUri: `sip:caller-${String(i).padStart(2, "0")}@example.test`, outcome: i % 30 === 29 || i === 3 ? "rechallenged" : "success" }));
  const [bad, mismatch, info] = r.findings;
  const findings: Finding[] = [];
  for (let i = 0; i < 300; i++) {
    findings.push({ ...mismatch, code: "digest_uri_mismatch", title: `mismatch ${i}`, subject: { ...mismatch.subject, aor: `sip:user-${String(i).padStart(3, "0")}@example.test` } });
    if (i % 25 === 0) findings.push({ ...bad, title: `bad ${i}`, subject: { ...bad.subject, aor: `sip:bad-${String(i).padStart(3, "0")}@example.test` } });
    if (i === 10 || i === 200) findings.push({ ...info, title: `info ${i}` });
  }
  r.findings = findings;
  r.ladders = Array.from({ length: 30 }, (_, i) => ({ ...r.ladders[0], callId: `ladder-${i}@example.test` }));
  return r;
}

const count = (text: string, re: RegExp): number => (text.match(re) ?? []).length;

describe("pickRows", () => {
  const rows = Array.from({ length: 10 }, (_, i) => i);
  test("a short list is shown whole", () => {
    expect(pickRows(rows, 10, () => false)).toEqual({ shown: rows, omitted: 0, omittedUrgent: 0 });
  });
  test("urgent rows first, then the others, each in list order; shown in list order", () => {
    expect(pickRows(rows, 4, (x) => x === 7 || x === 9)).toEqual({ shown: [0, 1, 7, 9], omitted: 6, omittedUrgent: 0 });
  });
  test("more urgent rows than room: the first urgent ones, and how many urgent ones were left out", () => {
    expect(pickRows(rows, 3, (x) => x % 2 === 1)).toEqual({ shown: [1, 3, 5], omitted: 7, omittedUrgent: 2 });
  });
});

describe("pickFindings", () => {
  test("the first findings of each code are kept in order; the rest are summed up per code", () => {
    const r = bigReport();
    const { shown, folded } = pickFindings(r.findings, 5);
    expect(shown.map((f) => f.title)).toEqual(["mismatch 0", "bad 0", "mismatch 1", "mismatch 2", "mismatch 3", "mismatch 4", "info 10", "bad 25", "bad 50", "bad 75", "bad 100", "info 200"]);
    expect(folded).toEqual([
      { code: "digest_uri_mismatch", severity: "warning", count: 295, subjects: ["sip:user-005@example.test", "sip:user-006@example.test", "sip:user-007@example.test"] },
      { code: "bad_credentials", severity: "error", count: 7, subjects: ["sip:bad-125@example.test", "sip:bad-150@example.test", "sip:bad-175@example.test"] },
    ]);
    expect(foldedText(folded[1])).toBe("7 more bad_credentials findings (error): sip:bad-125@example.test, sip:bad-150@example.test, sip:bad-175@example.test, …");
  });
  test("one left out, named in full", () => {
    const f = sampleReport().findings[0];
    const { folded } = pickFindings([f, f], 1);
    expect(foldedText(folded[0])).toBe("1 more bad_credentials finding (error): sip:alice@example.test");
  });
});

describe("table and Markdown of a big report", () => {
  const r = bigReport();

  test("the table lists 50 registrations, every failed one among them, and says what it left out", () => {
    const out = renderTable(r, { width: 160 });
    const regSection = out.slice(out.indexOf("Registrations (200)"), out.indexOf("Other authentication handshakes"));
    expect(count(regSection, /sip:user-\d{3}@example\.test/g)).toBe(50);
    for (let i = 7; i < 200; i += 20) expect(regSection).toContain(`sip:user-${String(i).padStart(3, "0")}@example.test`);
    expect(regSection).toContain("50 of 200 registrations shown, failed and timed-out ones first; 150 left out.");
    const hsSection = out.slice(out.indexOf("Other authentication handshakes (80)"), out.indexOf("Findings ("));
    expect(count(hsSection, /sip:caller-\d\d@example\.test/g)).toBe(50);
    for (const i of [3, 29, 59]) expect(hsSection).toContain(`sip:caller-${String(i).padStart(2, "0")}@example.test`);
    expect(hsSection).toContain("50 of 80 handshakes shown");
  });

  test("the table details 5 findings of each kind and sums up the rest", () => {
    const out = renderTable(r, { width: 160 });
    expect(out).toContain("Findings (314)");
    expect(count(out, /^\[\d+\] /gm)).toBe(12);
    expect(out).toContain("12 of 314 findings listed, the first 5 of each kind.");
    expect(out).toContain("- 295 more digest_uri_mismatch findings (warning): sip:user-005@example.test");
    expect(out).toContain("- 7 more bad_credentials findings (error): sip:bad-125@example.test");
    // Bounded: the whole report would be thousands of lines.
    expect(out.split("\n").length).toBeLessThan(700);
  });

  test("ALL (--all) lists everything, with no note", () => {
    const out = renderTable(r, { width: 160, limits: ALL });
    expect(count(out, /^\[\d+\] /gm)).toBe(314);
    expect(out).not.toContain("left out");
    expect(out).not.toContain("more digest_uri_mismatch");
    expect(renderReport(r, "table", { width: 160, all: true })).toBe(out);
    expect(renderReport(r, "table", { width: 160 })).toBe(renderTable(r, { width: 160, limits: READING_LIMITS }));
  });

  test("Markdown lists the same selection, and everything with ALL", () => {
    const md = renderMarkdown(r);
    expect(count(md, /^### \d+\. /gm)).toBe(12);
    expect(md).toContain("- 295 more digest\\_uri\\_mismatch findings (warning)");
    const regTable = md.slice(md.indexOf("## Registrations (200)"), md.indexOf("## Other authentication"));
    expect(count(regTable, /^\| `sip:user-\d{3}@example\.test`/gm)).toBe(50);
    expect(regTable).toContain("50 of 200 registrations shown");
    const all = renderMarkdown(r, { limits: ALL });
    expect(count(all, /^### \d+\. /gm)).toBe(314);
    expect(count(all, /^\| `sip:user-\d{3}@example\.test`/gm)).toBe(200);
    expect(renderReport(r, "markdown", { all: true })).toBe(all);
    expect(count(md, /^### Ladder \d+: /gm)).toBe(10);
    expect(md).toContain("10 of 30 ladders are drawn below.");
    expect(count(all, /^### Ladder \d+: /gm)).toBe(30);
  });

  test("JSON and HTML keep everything", () => {
    expect(JSON.parse(renderReport(r, "json")).findings).toHaveLength(314);
    expect(count(renderReport(r, "html"), /sip:user-\d{3}@example\.test/g)).toBeGreaterThanOrEqual(200);
  });

  test("a report within the limits renders as before: nothing left out, no note", () => {
    const small = sampleReport();
    expect(renderTable(small, { width: 120 })).toBe(renderTable(small, { width: 120, limits: ALL }));
    expect(renderMarkdown(small)).toBe(renderMarkdown(small, { limits: ALL }));
  });
});

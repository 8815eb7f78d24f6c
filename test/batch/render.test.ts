/**
 * The scan summary renderers and the progress line: one line per file, hostile file names escaped
 * in every format, a progress line that fits its width.
 */
import { describe, expect, it } from "vitest";
import { progressLine } from "../../src/batch/progress.js";
import { errorRow, rowOf, summarize } from "../../src/batch/summary.js";
import { renderScanHtml, renderScanMarkdown, renderScanTable } from "../../src/report/scan.js";
import { width as textWidth } from "../../src/report/text.js";
import { labReport } from "../helpers/analyze.js";

const HOSTILE = "archive/<img src=x onerror=alert(1)>|`x`.pcap";

async function summary() {
  const rows = [
    rowOf({ path: "archive/bad_password_udp.pcap", rel: "bad_password_udp.pcap", size: 4682 }, await labReport(["bad_password_udp"])),
    rowOf({ path: HOSTILE, rel: "x.pcap", size: 2198 }, await labReport(["ok_register_udp"])),
    errorRow({ path: "archive/empty.pcap", rel: "empty.pcap", size: 0 }, { code: "not_a_capture", message: "not a pcap or pcapng capture (empty file)" }),
  ];
  return summarize(rows, "test");
}

describe("scan renderers", () => {
  it("table: totals, then one line per file with numbers and the top finding or the error", async () => {
    const text = renderScanTable(await summary(), { width: 200 });
    expect(text).toMatch(/^sip401 test — scan of 3 files\nFiles\s+2 analysed, 1 error \(1 not a capture\)\n/);
    expect(text).toMatch(/\narchive\/bad_password_udp\.pcap\s+8\s+8\s+0\/1\s+1\/0\/0\s+ERROR bad_credentials: /);
    expect(text).toMatch(/\narchive\/empty\.pcap\s+—\s+—\s+—\s+—\s+ERROR not a capture: not a pcap or pcapng capture \(empty file\)\n/);
    expect(text).toContain("Users failing most");
    expect(text).not.toMatch(/\x1b\[/);
  });

  it("table on a narrow terminal cuts the top finding, never the path", async () => {
    const lines = renderScanTable(await summary(), { width: 60 }).split("\n");
    const bad = lines.find((l) => l.startsWith("archive/bad_password_udp.pcap"));
    expect(bad).toMatch(/…$/);
    expect(lines.some((l) => l.startsWith(HOSTILE))).toBe(true);
  });

  it("HTML and Markdown escape file names", async () => {
    const s = await summary();
    const html = renderScanHtml(s);
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(html).toContain(`content="default-src 'none'`);
    const md = renderScanMarkdown(s);
    const hostileRow = md.split("\n").find((l) => l.includes("onerror"));
    // The `|` in the name is escaped so it cannot split the table row; the backticks get a longer fence.
    expect(hostileRow).toContain("\\|");
    expect(hostileRow?.split(/(?<!\\)\|/).length).toBe(8);
  });
});

describe("progressLine", () => {
  it("files done/total, MB/s, ETA from bytes, and the current file", () => {
    const line = progressLine({ done: 50, total: 200, doneBytes: 50e6, totalBytes: 200e6, elapsedMs: 10_000, current: "day1/cust/a.pcap" }, 100);
    expect(line).toBe("[#####---------------] 50/200 files  5.0 MB/s  ETA 0:30  day1/cust/a.pcap");
  });

  it("fits the width, keeping the file name of a long path", () => {
    const path = `${"very-long-folder/".repeat(10)}trace-0042.pcap`;
    const line = progressLine({ done: 1, total: 3, doneBytes: 1, totalBytes: 3, elapsedMs: 1, current: path }, 80);
    expect(textWidth(line)).toBeLessThanOrEqual(79);
    expect(line).toMatch(/…\/trace-0042\.pcap$/);
    expect(progressLine({ done: 0, total: 3, doneBytes: 0, totalBytes: 3, elapsedMs: 0 }, 80)).toContain("ETA --:--");
  });
});

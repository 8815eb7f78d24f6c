/**
 * The scan summary model: rows from reports, totals from rows, and the property issue 11's merge
 * relies on — the summary depends only on the set of rows, and rows survive the NDJSON round trip.
 */
import { describe, expect, it } from "vitest";
import { errorRow, rowFails, rowFromRecord, rowOf, scanRecord, summarize, type ScanRow } from "../../src/batch/summary.js";
import { renderScan, renderScanJson } from "../../src/report/scan.js";
import { REPORT_FORMATS } from "../../src/report/index.js";
import { labReport } from "../helpers/analyze.js";

const NAMES = ["bad_password_udp", "ok_register_udp", "scanner", "unknown_user", "invite_407", "register_timeout"];

async function rows(): Promise<ScanRow[]> {
  const out: ScanRow[] = [];
  for (const n of NAMES) out.push(rowOf({ path: `lab/${n}.pcap`, rel: `${n}.pcap`, size: 1000 }, await labReport([n])));
  out.push(errorRow({ path: "lab/empty.pcap", rel: "empty.pcap", size: 0 }, { code: "not_a_capture", message: "not a pcap or pcapng capture (empty file)" }));
  return out;
}

describe("rowOf", () => {
  it("condenses a report: counts, worst, top finding, codes, failing users, servers", async () => {
    const [bad] = await rows();
    expect(bad).toMatchObject({
      path: "lab/bad_password_udp.pcap", status: "ok", format: "pcap", gzip: false, frames: 8, sipMessages: 8,
      registrations: { total: 1, ok: 0, failed: 1 }, findings: { error: 1, warning: 0, info: 0 }, worst: "error",
      top: { code: "bad_credentials", severity: "error" },
      codes: [{ code: "bad_credentials", severity: "error", count: 1 }],
      failingUsers: [{ user: "sip:alice@example.test", failures: 1 }],
      servers: [{ server: "203.0.113.10:5060", flows: 1, failed: 1 }],
    });
    expect(Object.values(bad).includes(undefined)).toBe(false);
  });

  it("a scanner capture lists its many users, the most failing first, capped", async () => {
    const scanner = (await rows())[2];
    expect(scanner.failingUsers.length).toBeGreaterThan(20);
    expect(scanner.failingUsers.length).toBeLessThanOrEqual(100);
    const counts = scanner.failingUsers.map((u) => u.failures);
    expect([...counts].sort((a, b) => b - a)).toEqual(counts);
  });
});

describe("summarize", () => {
  it("totals across files", async () => {
    const s = summarize(await rows(), "test");
    expect(s.totals).toMatchObject({ files: 7, analysed: 6, errors: 1, errorsByCode: { not_a_capture: 1, unreadable: 0, crashed: 0 }, worst: "error" });
    expect(s.totals.byCode[0].severity).toBe("error");
    expect(s.totals.failingUsers[0]).toMatchObject({ user: "sip:alice@example.test" });
    expect(s.totals.failingUsers[0].files).toBeGreaterThanOrEqual(2);
    expect(s.rows.map((r) => r.path)).toEqual([...s.rows.map((r) => r.path)].sort());
  });

  it("depends only on the set of rows: any order gives the same bytes in every format", async () => {
    const base = await rows();
    const shuffled = [base[3], base[6], base[0], base[5], base[1], base[4], base[2]];
    for (const format of REPORT_FORMATS) {
      expect(renderScan(summarize(shuffled, "test"), format)).toBe(renderScan(summarize(base, "test"), format));
    }
  });

  it("rows survive the NDJSON record round trip, so a merge of records reproduces the summary", async () => {
    const base = await rows();
    const lines = base.map((r, i) => scanRecord(r, i % 2 === 0 ? { schemaVersion: 1 } : undefined));
    for (const l of lines) expect(JSON.parse(l)).toMatchObject({ kind: "sip401-scan-row", version: 1 });
    const back = lines.reverse().map(rowFromRecord);
    expect(renderScanJson(summarize(back, "test"))).toBe(renderScanJson(summarize(base, "test")));
    expect(() => rowFromRecord('{"frame":4}')).toThrow(/not a sip401 scan record/);
    expect(() => rowFromRecord(JSON.stringify({ kind: "sip401-scan-row", version: 99, path: "x", status: "ok" }))).toThrow(/version/);
  });

  it("--fail-on: findings at or above the threshold, and error rows unless none", async () => {
    const [bad, ok, , , , , broken] = await rows();
    expect(rowFails(bad, "error")).toBe(true);
    expect(rowFails(ok, "info")).toBe(false);
    expect(rowFails(broken, "error")).toBe(true);
    expect(rowFails(broken, "none")).toBe(false);
    expect(rowFails(bad, "none")).toBe(false);
  });
});

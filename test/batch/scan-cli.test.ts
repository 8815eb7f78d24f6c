/**
 * `sip401 scan` as a user meets it, on an archive built in a temporary directory (test/batch/tree.ts):
 * every capture reported, every bad file an error row, exit codes, identical output for any
 * --jobs, NDJSON records that parse and merge back into the summary, --output. Runs the built CLI
 * (`npm test` builds first), so the worker threads load dist/batch/worker.js as in production.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { rowFromRecord, summarize, type ScanSummary } from "../../src/batch/summary.js";
import { renderScanJson } from "../../src/report/scan.js";
import { labCapture, REPO } from "../helpers/corpus.js";
import { makeArchive } from "./tree.js";

const BIN = join(REPO, "bin/sip401.js");
const archive = makeArchive();
afterAll(() => rmSync(archive.root, { recursive: true, force: true }));

function scan(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, "scan", ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, cwd: REPO });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const rel = (path: string): string => path.slice(archive.root.length + 1);

describe("sip401 scan", () => {
  const json = scan([archive.root, "-f", "json", "-j", "2"]);
  const summary = JSON.parse(json.stdout) as ScanSummary;

  it("reports every capture of the tree, sorted by path, and skips what is not a capture", () => {
    expect(summary.kind).toBe("sip401-scan-summary");
    expect(summary.rows.map((r) => rel(r.path))).toEqual(archive.rows);
    expect(json.stderr).toContain(`skipped ${archive.skipped.length} files that are not captures`);
    const byRel = Object.fromEntries(summary.rows.map((r) => [rel(r.path), r]));
    expect(byRel["lab/bad_password_udp.pcap"]).toMatchObject({ status: "ok", frames: 8, top: { code: "bad_credentials" } });
    expect(byRel["lab/nested/unknown_user.pcap.gz"]).toMatchObject({ status: "ok", gzip: true, top: { code: "unknown_user" } });
    expect(byRel["generated/rotated/trace.pcap1"]).toMatchObject({ status: "ok", top: { code: "stale_nonce" } });
    expect(byRel["generated/rotated/trace-part2"]).toMatchObject({ status: "ok", gzip: true, sipMessages: 4 });
    expect(byRel["lab/nested/deeper/ok_register_tcp.pcap"]).toMatchObject({ status: "ok", worst: "none", registrations: { ok: 1, failed: 0 } });
  });

  it("every bad file is an error row with the one-line reason analyze would print", () => {
    const errors = Object.fromEntries(summary.rows.filter((r) => r.status === "error").map((r) => [rel(r.path), r.error?.code]));
    expect(errors).toEqual(archive.errors);
    const reason = (r: string): string | undefined => summary.rows.find((x) => rel(x.path) === r)?.error?.message;
    expect(reason("bad/empty.pcap")).toBe("not a pcap or pcapng capture (empty file)");
    expect(reason("bad/notes.pcap")).toMatch(/^not a pcap or pcapng capture \(starts with 74 68 69 73/);
    expect(reason("bad/dangling.pcap")).toBe("no such file");
    expect(summary.totals.errors).toBe(Object.keys(archive.errors).length);
  });

  it.skipIf(archive.unreadableIsReadable)("a file without read permission is an error row (skipped when running as root: chmod 000 does not stop root)", () => {
    expect(summary.rows.find((r) => rel(r.path) === "bad/secret.pcap")?.error).toEqual({ code: "unreadable", message: "permission denied" });
  });

  it("a truncated or corrupt capture is analysed up to the damage, and its row says so", () => {
    const truncated = summary.rows.find((r) => rel(r.path) === "bad/truncated.pcap");
    expect(truncated).toMatchObject({ status: "ok", frames: 10, damage: { kind: "truncated", afterFrame: 10 } });
    expect(truncated?.top?.code).toBe("bad_credentials");
    expect(summary.rows.find((r) => rel(r.path) === "bad/corrupt.pcap")).toMatchObject({ status: "ok", frames: 0, damage: { kind: "corrupt", byteOffset: 24 } });
    expect(summary.totals.damaged).toBe(archive.damaged.length);
    const table = scan([archive.root]);
    expect(table.stdout).toMatch(/bad\/truncated\.pcap\s+10\s+4\s+0\/1\s+1\/0\/0\s+damaged: truncated at byte 2846 after frame 10; ERROR bad_credentials/);
    expect(table.stdout).toMatch(/bad\/empty\.pcap\s+—\s+—\s+—\s+—\s+ERROR not a capture: not a pcap or pcapng capture \(empty file\)/);
  });

  it("--jobs 1 and --jobs 2 give identical output in every summary format", () => {
    for (const format of ["table", "json", "markdown", "html"]) {
      const one = scan([archive.root, "-f", format, "-j", "1"]);
      const two = scan([archive.root, "-f", format, "-j", "2"]);
      expect(one.code).toBe(1);
      expect(two.stdout).toBe(one.stdout);
    }
  });

  it("ndjson: one record per capture that parses, carries its report, and merges back into the same summary", () => {
    const one = scan([archive.root, "-f", "ndjson", "-j", "1"]);
    const two = scan([archive.root, "-f", "ndjson", "-j", "2"]);
    const lines = two.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(archive.rows.length);
    const records = lines.map((l) => JSON.parse(l));
    for (const r of records) {
      expect(r.kind).toBe("sip401-scan-row");
      if (r.status === "ok") expect(r.report.schemaVersion).toBe(1);
      else expect(r.report).toBeUndefined();
    }
    // Completion order may differ between runs; the set of records does not. With one worker it is file order.
    expect([...lines].sort()).toEqual([...one.stdout.trimEnd().split("\n")].sort());
    expect(one.stdout.trimEnd().split("\n").map((l) => rel(JSON.parse(l).path))).toEqual(archive.rows);
    expect(renderScanJson(summarize(lines.map(rowFromRecord), summary.tool.version))).toBe(json.stdout);
  });

  it("exit codes: 1 for findings or error rows, 0 with --fail-on none or a clean archive, 2 for usage errors", () => {
    expect(json.code).toBe(1);
    expect(scan([archive.root, "--fail-on", "none"]).code).toBe(0);
    expect(scan([join(archive.root, "lab/nested/deeper")]).code).toBe(0);
    // An error row fails even when no finding reaches the threshold.
    expect(scan([join(archive.root, "lab/nested/deeper"), join(archive.root, "bad/empty.pcap")]).code).toBe(1);
    expect(scan([join(archive.root, "lab/nested/deeper"), "--fail-on", "info", "--include", "*.pcap"]).code).toBe(0);
    const missing = scan([join(archive.root, "nope")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`sip401: ${join(archive.root, "nope")}: no such file or directory\n`);
    for (const args of [[archive.root, "--jobs", "0"], [archive.root, "--format", "xml"], [], ["-"], [archive.root, "--timeout", "-1"]]) {
      const r = scan(args);
      // The message names the failure when this ever breaks (stderr holds the one-line reason).
      expect(r.code, `scan ${args.join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stdout).toBe("");
    }
  });

  it("--output writes the summary or the records atomically, nothing on stdout; no progress bar off a terminal", () => {
    expect(scan([archive.root, "-o", join(archive.root, "summary.json")]).stdout).toBe("");
    const written = scan([archive.root, "--exclude", "summary.json", "-o", join(archive.root, "scan.ndjson")]);
    expect(written.stdout).toBe("");
    expect(written.stderr).not.toContain("\r");
    const records = readFileSync(join(archive.root, "scan.ndjson"), "utf8").trimEnd().split("\n");
    expect(records.map((l) => rel(rowFromRecord(l).path)).sort()).toEqual(archive.rows);
    expect(JSON.parse(readFileSync(join(archive.root, "summary.json"), "utf8"))).toEqual(summary);
    expect(readdirSync(archive.root).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("the --max-* limits of analyze reach every worker; bad values are usage errors", () => {
    const failing = (args: string[]): number[] =>
      (JSON.parse(scan([labCapture("scanner"), labCapture("bad_password_udp"), "-f", "json", ...args]).stdout) as ScanSummary).rows.map((r) => r.failingUsers.length);
    expect(failing([])).toEqual([1, 31]);
    // Registrations beyond the limit are folded into the counts: the per-user list of the scanner capture shrinks.
    expect(failing(["--max-registrations", "2", "--max-message-kb", "64", "--max-tcp-streams", "100", "--max-record-mb", "8", "--max-transactions", "1000"])).toEqual([1, 2]);
    const bad = scan([labCapture("scanner"), "--max-message-kb", "0"]);
    expect(bad).toEqual({ code: 2, stdout: "", stderr: "sip401: --max-message-kb must be a positive integer\n" });
  });

  it("--redact masks identities in rows; paths stay", () => {
    const r = JSON.parse(scan([labCapture("bad_password_udp"), "-f", "json", "--redact"]).stdout) as ScanSummary;
    expect(r.rows[0].path).toBe(labCapture("bad_password_udp"));
    expect(JSON.stringify(r)).not.toContain("alice");
    expect(JSON.stringify(r)).not.toContain("203.0.113.10");
  });
});

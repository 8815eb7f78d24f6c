/**
 * The scan summary model: one row per file and totals across the archive. Pure data, plain JSON
 * (no Map, no bigint), built in a fixed key order.
 *
 * The design rule that makes sharding possible (issue 11): the summary is a function of the rows
 * alone — `summarize(rows)` — and a row is a function of one file's report alone. Each NDJSON
 * record carries its whole row (`scanRecord`), so `rowFromRecord` over the records of every shard
 * gives back the rows, and `summarize` gives the same summary, byte for byte, as a one-machine
 * scan: rows are re-sorted by path, nothing depends on timing, worker count or completion order.
 * Rows keep lists, never objects keyed by data (a JSON object key like "1000" would move to the
 * front on parsing and change the bytes).
 */
import { NotACaptureError } from "../capture/parser.js";
import { describeInputReason } from "../cli/errors.js";
import { SEVERITIES, severityRank, type Finding, type Severity } from "../detect/model.js";
import type { Report, ReportCapture } from "../report/model.js";

/** Why a file has no analysis: not a capture at all, cannot be read, its worker died (out of memory), or it ran past --timeout. */
export type ScanErrorCode = "not_a_capture" | "unreadable" | "crashed" | "timed_out";

/** Every error code, in the order totals list them. */
export const SCAN_ERROR_CODES: readonly ScanErrorCode[] = ["not_a_capture", "unreadable", "crashed", "timed_out"];

/** ScanError is the reason of an error row. */
export interface ScanError {
  code: ScanErrorCode;
  /** One line, as `sip401 analyze` would print it after the file name. */
  message: string;
}

/** ScanRow is one file of the scan. */
export interface ScanRow {
  /** Path as shown (the root as given joined with `rel`); rows are ordered by it. */
  path: string;
  /** Path relative to the scanned root, `/`-separated (the stable key for sharding). */
  rel: string;
  /** Bytes on disk. */
  size: number;
  status: "ok" | "error";
  /** Why the file could not be analysed (status "error"). */
  error?: ScanError;
  format?: ReportCapture["format"];
  gzip?: boolean;
  /** First and last frame time, ISO-8601 UTC. */
  start?: string;
  end?: string;
  frames: number;
  sipMessages: number;
  /** ok = registered; failed = failed or timed out; total includes in-progress and de-registrations. */
  registrations: { total: number; ok: number; failed: number };
  findings: Record<Severity, number>;
  worst: Severity | "none";
  /** The most severe finding (the first of that severity in report order). */
  top?: { code: string; severity: Severity; title: string };
  /** Findings per code and severity, by code. */
  codes: { code: string; severity: Severity; count: number }[];
  /** Users (AOR, or From URI for non-REGISTER handshakes) with failed registrations or authentications; the most failing first, at most MAX_ROW_LIST. */
  failingUsers: { user: string; failures: number }[];
  /** Registrars and proxies seen answering registrations or challenges: flows = registrations plus non-REGISTER handshakes; failed = those that failed. At most MAX_ROW_LIST, the busiest first. */
  servers: { server: string; flows: number; failed: number }[];
  /** Where a damaged capture stopped; everything before was analysed. */
  damage?: NonNullable<ReportCapture["damage"]>;
}

/** ScanTotals are the archive-wide numbers. */
export interface ScanTotals {
  files: number;
  analysed: number;
  errors: number;
  /** Error rows by code (every code present, in SCAN_ERROR_CODES order). */
  errorsByCode: Record<ScanErrorCode, number>;
  /** Captures read only up to damage (truncated or corrupt). */
  damaged: number;
  bytes: number;
  frames: number;
  sipMessages: number;
  registrations: { total: number; ok: number; failed: number };
  findings: Record<Severity, number>;
  /** Files with at least one finding of each severity. */
  filesWithFindings: Record<Severity, number>;
  /** Worst severity in the archive; error rows count as "error" (see `rowFails`). */
  worst: Severity | "none";
  /** Findings by code: most severe first, then the most frequent. */
  byCode: { code: string; severity: Severity; findings: number; files: number }[];
  /** Users failing most (at most MAX_TOTAL_LIST); `failingUsersTotal` counts them all. */
  failingUsers: { user: string; failures: number; files: number }[];
  failingUsersTotal: number;
  /** Servers involved, the busiest first (at most MAX_TOTAL_LIST); `serversTotal` counts them all. */
  servers: { server: string; files: number; flows: number; failed: number }[];
  serversTotal: number;
}

/** ScanSummary is what `scan --format json` prints and what the other summary formats render. */
export interface ScanSummary {
  kind: typeof SUMMARY_KIND;
  version: typeof SCAN_SCHEMA_VERSION;
  tool: { name: "sip401"; version: string };
  totals: ScanTotals;
  rows: ScanRow[];
}

/** `kind` of the summary document (`scan -f json`). */
export const SUMMARY_KIND = "sip401-scan-summary";
/** `kind` of each NDJSON record, so a merge can refuse lines that are not scan records. */
export const RECORD_KIND = "sip401-scan-row";
/** Version of the row, record and summary shapes; bumped on any change a merge must know about. */
export const SCAN_SCHEMA_VERSION = 1;

/** Per-row cap of the user and server lists (a scanner capture can try thousands of users). */
export const MAX_ROW_LIST = 100;
/** Cap of the archive-wide user and server lists. */
export const MAX_TOTAL_LIST = 50;

const REGISTRATION_FAILED = new Set(["failed", "timeout"]);
/** Handshake outcomes that mean authentication did not work ("stale" is a normal re-challenge). */
const HANDSHAKE_FAILED = new Set(["rechallenged", "forbidden", "not_found", "no_response", "no_retry"]);

/** byCodeUnits orders strings by UTF-16 code units: identical on every machine and locale. */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** scanErrorOf classifies an exception from reading a file. */
export function scanErrorOf(err: unknown): ScanError {
  return { code: err instanceof NotACaptureError ? "not_a_capture" : "unreadable", message: describeInputReason(err) };
}

/** FileFacts are what discovery knows about a file. */
export interface FileFacts {
  path: string;
  rel: string;
  size: number;
}

/** zeroSeverities is a fresh count per severity, in SEVERITIES order. */
function zeroSeverities(): Record<Severity, number> {
  return { error: 0, warning: 0, info: 0 };
}

/** counted turns a tally into a list sorted by count (descending) then key, capped. */
function counted(tally: Map<string, number>, max: number): [string, number][] {
  return [...tally].sort((a, b) => b[1] - a[1] || byCodeUnits(a[0], b[0])).slice(0, max);
}

/** topFinding is the first finding of the highest severity. */
function topFinding(findings: readonly Finding[]): Finding | undefined {
  let top: Finding | undefined;
  for (const f of findings) if (!top || severityRank(f.severity) > severityRank(top.severity)) top = f;
  return top;
}

/** rowOf condenses one file's report (a single capture) into its row. */
export function rowOf(file: FileFacts, report: Report): ScanRow {
  const cap = report.captures[0];
  const reg = report.summary.registrations;
  const codes = new Map<string, { code: string; severity: Severity; count: number }>();
  for (const f of report.findings) {
    const key = `${f.code}\u0000${f.severity}`;
    const c = codes.get(key) ?? { code: f.code, severity: f.severity, count: 0 };
    c.count++;
    codes.set(key, c);
  }
  const users = new Map<string, number>();
  const servers = new Map<string, { flows: number; failed: number }>();
  const flow = (user: string | undefined, server: string, failed: boolean): void => {
    const s = servers.get(server) ?? { flows: 0, failed: 0 };
    s.flows++;
    if (failed) s.failed++;
    servers.set(server, s);
    if (failed && user !== undefined) users.set(user, (users.get(user) ?? 0) + 1);
  };
  for (const r of report.registrations) flow(r.aor, r.server, REGISTRATION_FAILED.has(r.outcome));
  // REGISTER handshakes are the registrations above; other methods (INVITE/407, …) add to them.
  for (const h of report.handshakes) if (h.method !== "REGISTER") flow(h.fromUri ?? h.username, h.server, HANDSHAKE_FAILED.has(h.outcome));
  const top = topFinding(report.findings);
  const row: ScanRow = {
    path: file.path,
    rel: file.rel,
    size: file.size,
    status: "ok",
    format: cap?.format,
    gzip: cap?.gzip,
    start: cap?.start,
    end: cap?.end,
    frames: cap?.frames ?? 0,
    sipMessages: report.summary.sipMessages,
    registrations: { total: reg.total, ok: reg.registered, failed: reg.failed + reg.timeout },
    findings: { error: report.summary.findings.error, warning: report.summary.findings.warning, info: report.summary.findings.info },
    worst: report.summary.worst,
    top: top ? { code: top.code, severity: top.severity, title: top.title } : undefined,
    codes: [...codes.values()].sort((a, b) => byCodeUnits(a.code, b.code) || severityRank(b.severity) - severityRank(a.severity)),
    failingUsers: counted(users, MAX_ROW_LIST).map(([user, failures]) => ({ user, failures })),
    servers: [...servers]
      .sort((a, b) => b[1].flows - a[1].flows || byCodeUnits(a[0], b[0]))
      .slice(0, MAX_ROW_LIST)
      .map(([server, s]) => ({ server, flows: s.flows, failed: s.failed })),
    damage: cap?.damage,
  };
  return dropUndefined(row);
}

/** errorRow is the row of a file that could not be analysed. */
export function errorRow(file: FileFacts, error: ScanError): ScanRow {
  return {
    path: file.path,
    rel: file.rel,
    size: file.size,
    status: "error",
    error: { code: error.code, message: error.message },
    frames: 0,
    sipMessages: 0,
    registrations: { total: 0, ok: 0, failed: 0 },
    findings: zeroSeverities(),
    worst: "none",
    codes: [],
    failingUsers: [],
    servers: [],
  };
}

/** dropUndefined removes absent optional fields, so a row looks the same before and after a JSON round trip. */
function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/**
 * rowFails applies `--fail-on` to one row: a finding at or above the threshold, or an error row
 * (a file that could not be analysed counts as an error-severity failure). "none" never fails.
 */
export function rowFails(row: ScanRow, failOn: Severity | "none"): boolean {
  if (failOn === "none") return false;
  if (row.status === "error") return true;
  const threshold = severityRank(failOn);
  return SEVERITIES.some((s) => severityRank(s) >= threshold && row.findings[s] > 0);
}

/** summarize builds the summary from rows in any order: rows are sorted by path, totals derived from them only. */
export function summarize(rows: readonly ScanRow[], version: string): ScanSummary {
  const sorted = [...rows].sort((a, b) => byCodeUnits(a.path, b.path) || byCodeUnits(a.rel, b.rel));
  const errorsByCode = Object.fromEntries(SCAN_ERROR_CODES.map((c) => [c, 0])) as Record<ScanErrorCode, number>;
  const findings = zeroSeverities();
  const filesWithFindings = zeroSeverities();
  const registrations = { total: 0, ok: 0, failed: 0 };
  const codes = new Map<string, { code: string; severity: Severity; findings: number; files: number }>();
  const users = new Map<string, { failures: number; files: number }>();
  const servers = new Map<string, { files: number; flows: number; failed: number }>();
  let bytes = 0;
  let frames = 0;
  let sipMessages = 0;
  let damaged = 0;
  let worst: Severity | "none" = "none";
  for (const r of sorted) {
    bytes += r.size;
    frames += r.frames;
    sipMessages += r.sipMessages;
    if (r.error) errorsByCode[r.error.code]++;
    if (r.damage) damaged++;
    registrations.total += r.registrations.total;
    registrations.ok += r.registrations.ok;
    registrations.failed += r.registrations.failed;
    for (const s of SEVERITIES) {
      findings[s] += r.findings[s];
      if (r.findings[s] > 0) filesWithFindings[s]++;
    }
    const rowWorst: Severity | "none" = r.status === "error" ? "error" : r.worst;
    if (rowWorst !== "none" && (worst === "none" || severityRank(rowWorst) > severityRank(worst))) worst = rowWorst;
    for (const c of r.codes) {
      const key = `${c.code}\u0000${c.severity}`;
      const t = codes.get(key) ?? { code: c.code, severity: c.severity, findings: 0, files: 0 };
      t.findings += c.count;
      t.files++;
      codes.set(key, t);
    }
    for (const u of r.failingUsers) {
      const t = users.get(u.user) ?? { failures: 0, files: 0 };
      t.failures += u.failures;
      t.files++;
      users.set(u.user, t);
    }
    for (const s of r.servers) {
      const t = servers.get(s.server) ?? { files: 0, flows: 0, failed: 0 };
      t.files++;
      t.flows += s.flows;
      t.failed += s.failed;
      servers.set(s.server, t);
    }
  }
  const errors = sorted.filter((r) => r.status === "error").length;
  const totals: ScanTotals = {
    files: sorted.length,
    analysed: sorted.length - errors,
    errors,
    errorsByCode,
    damaged,
    bytes,
    frames,
    sipMessages,
    registrations,
    findings,
    filesWithFindings,
    worst,
    byCode: [...codes.values()].sort(
      (a, b) => severityRank(b.severity) - severityRank(a.severity) || b.findings - a.findings || byCodeUnits(a.code, b.code),
    ),
    failingUsers: [...users]
      .sort((a, b) => b[1].failures - a[1].failures || b[1].files - a[1].files || byCodeUnits(a[0], b[0]))
      .slice(0, MAX_TOTAL_LIST)
      .map(([user, t]) => ({ user, failures: t.failures, files: t.files })),
    failingUsersTotal: users.size,
    servers: [...servers]
      .sort((a, b) => b[1].flows - a[1].flows || b[1].files - a[1].files || byCodeUnits(a[0], b[0]))
      .slice(0, MAX_TOTAL_LIST)
      .map(([server, t]) => ({ server, files: t.files, flows: t.flows, failed: t.failed })),
    serversTotal: servers.size,
  };
  return { kind: SUMMARY_KIND, version: SCAN_SCHEMA_VERSION, tool: { name: "sip401", version }, totals, rows: sorted };
}

/**
 * scanRecord is one NDJSON line (without the newline): the row's fields at the top level, so log
 * pipelines filter on `.path`, `.worst`, `.top.code` directly, then the file's whole report
 * (absent for error rows) for everything else.
 */
export function scanRecord(row: ScanRow, report?: unknown): string {
  return JSON.stringify({ kind: RECORD_KIND, version: SCAN_SCHEMA_VERSION, ...row, report });
}

/** rowFromRecord reads a row back from a `scanRecord` line; throws on lines that are not scan records of this version. */
export function rowFromRecord(line: string): ScanRow {
  return rowFromObject(JSON.parse(line));
}

/** rowFromObject is rowFromRecord for a line already parsed (a merge parses each line once). */
export function rowFromObject(record: unknown): ScanRow {
  const { kind, version, report: _report, ...row } = (record ?? {}) as { kind?: unknown; version?: unknown; report?: unknown } & ScanRow;
  if (kind !== RECORD_KIND) throw new Error(`not a sip401 scan record (kind ${JSON.stringify(kind)})`);
  if (version !== SCAN_SCHEMA_VERSION) throw new Error(`scan record version ${JSON.stringify(version)} is not ${SCAN_SCHEMA_VERSION}`);
  if (typeof row.path !== "string" || typeof row.rel !== "string" || (row.status !== "ok" && row.status !== "error")) throw new Error("scan record without path, rel or status");
  return row;
}

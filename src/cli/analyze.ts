/**
 * `sip401 analyze`: diagnose one capture, or several capture points of the same traffic
 * (`lan.pcap wan.pcap`), and render the report. Exit code: 0 when no finding reaches --fail-on,
 * 1 when one does, 2 for usage or input errors.
 */
import { analyze, type AnalyzeInput, type AnalyzeOptions } from "../analyze/index.js";
import type { CredentialStore } from "../detect/credentials.js";
import { severityRank, type Severity } from "../detect/model.js";
import type { Report } from "../report/model.js";
import { colorEnabled } from "../report/color.js";
import { formatFromPath, redactReport, renderReport, REPORT_FORMATS, type ReportFormat } from "../report/index.js";
import { renderJsonChunks } from "../report/json.js";
import { EXIT_FINDINGS, EXIT_OK, UsageError } from "./errors.js";

export const FAIL_ON = ["error", "warning", "info", "none"] as const;
export type FailOn = (typeof FAIL_ON)[number];

export interface AnalyzeCliOptions {
  inputs: AnalyzeInput[];
  format?: ReportFormat;
  output?: string;
  failOn: FailOn;
  redact: boolean;
  color?: boolean;
  /** `--all`: list everything in the table and Markdown reports. */
  all?: boolean;
  credentials?: CredentialStore;
  /** TLS key log contents. */
  tlsKeylog?: string;
  /** `--max-*` limits (src/cli/limits.ts). */
  extract?: AnalyzeOptions["extract"];
  correlation?: AnalyzeOptions["correlation"];
  /** Terminal facts, passed in by the caller (only src/cli/index.ts reads process). */
  isTTY: boolean | undefined;
  columns: number | undefined;
  env: Readonly<Record<string, string | undefined>>;
  ready?: () => Promise<void> | undefined;
}

/** exitCodeFor applies --fail-on to the findings. */
export function exitCodeFor(report: Report, failOn: FailOn): number {
  if (failOn === "none") return EXIT_OK;
  const threshold = severityRank(failOn as Severity);
  return report.findings.some((f) => severityRank(f.severity) >= threshold) ? EXIT_FINDINGS : EXIT_OK;
}

/** chooseFormat: --format wins; else the --output extension; else the table. */
export function chooseFormat(format: ReportFormat | undefined, output: string | undefined): ReportFormat {
  if (format) return format;
  if (output) {
    const f = formatFromPath(output);
    if (!f) throw new UsageError(`cannot tell the format of ${output} from its extension; add --format (${REPORT_FORMATS.join(", ")})`);
    return f;
  }
  return "table";
}

/**
 * runAnalyze builds and renders the report; returns the text, in pieces, and the exit code. JSON
 * comes as it is rendered, one registration or finding at a time, so a report of thousands of
 * registrations is never held whole as text (its pieces are the same bytes as renderJson).
 */
export async function runAnalyze(o: AnalyzeCliOptions): Promise<{ chunks: Iterable<string>; code: number; report: Report }> {
  const format = chooseFormat(o.format, o.output);
  let report = await analyze(o.inputs, { credentials: o.credentials, ready: o.ready, tlsKeylog: o.tlsKeylog, extract: o.extract, correlation: o.correlation });
  if (o.redact) report = redactReport(report);
  // Colour only for a table on a terminal (never in files or pipes unless forced).
  const color = format === "table" && !o.output && colorEnabled({ isTTY: o.isTTY, env: o.env, flag: o.color });
  const width = o.output || !o.isTTY ? 100 : Math.max(60, o.columns ?? 80);
  const chunks = format === "json" ? renderJsonChunks(report) : [renderReport(report, format, { width, color, all: o.all })];
  return { chunks, code: exitCodeFor(report, o.failOn), report };
}

/**
 * `sip401 merge FILE...`: the archive summary of a scan run as shards (`scan --shard K/N` on many
 * machines), identical byte for byte to what one `sip401 scan` of the whole archive prints in the
 * same format. Refuses, in one line, any set of files that is not exactly one complete scan
 * (src/batch/merge.ts). Exit codes as for scan: 0, 1 when a row reaches --fail-on, 2 when the
 * files cannot be merged.
 */
import type { Argv } from "yargs";
import { VERSION } from "../analyze/index.js";
import { mergeScanOutputs, readScanOutput } from "../batch/merge.js";
import { rowFails, summarize, type ScanSummary } from "../batch/summary.js";
import { REPORT_FORMATS, type ReportFormat } from "../report/index.js";
import { chooseFormat, FAIL_ON, type FailOn } from "./analyze.js";
import { EXIT_FINDINGS, EXIT_OK, UsageError } from "./errors.js";
import { writeSummary, type SummaryTarget } from "./scan.js";
import { colorHelp } from "./color.js";
import { withExamples } from "./examples.js";

/** mergeOptions declares the command's arguments (registered in index.ts). */
export function mergeOptions<T>(y: Argv<T>) {
  const y2 = y
    .positional("files", { type: "string", array: true, demandOption: true, describe: "NDJSON files written by sip401 scan --shard (or one plain scan -f ndjson)" })
    .option("format", { alias: "f", choices: REPORT_FORMATS, describe: "Summary format (default: table, or from --output's extension)" })
    .option("output", { alias: "o", type: "string", describe: "Write the summary to FILE (atomically; - is stdout)" })
    .option("fail-on", { choices: FAIL_ON, default: "error" as FailOn, describe: "Exit 1 when a finding of this severity or worse exists, or a file could not be analysed" })
    .option("color", { type: "boolean", describe: colorHelp("table") });
  return withExamples(y2, [
    ["$0 merge out/shard-*.ndjson", "the summary table of all shards"],
    ["$0 merge out/shard-*.ndjson -o archive.html", "the same as an HTML file"],
  ]);
}

/** MergeCliOptions are the parsed arguments plus what the CLI knows about its terminal. */
export interface MergeCliOptions extends SummaryTarget {
  files: string[];
  format?: ReportFormat;
  failOn: FailOn;
}

/** runMerge reads, checks and merges the files, writes the summary and returns the exit code. */
export async function runMerge(o: MergeCliOptions): Promise<{ code: number; summary: ScanSummary }> {
  if (o.files.length === 0 || o.files.includes("-")) throw new UsageError("merge needs the NDJSON files written by sip401 scan --shard (standard input is not read)");
  const format = chooseFormat(o.format, o.output);
  // One file at a time: a shard file holds whole reports, only its rows are kept.
  const outputs = [];
  for (const name of o.files) outputs.push(await readScanOutput(name));
  const { rows, version } = mergeScanOutputs(outputs, VERSION);
  const summary = summarize(rows, version);
  await writeSummary(summary, format, o);
  return { code: rows.some((r) => rowFails(r, o.failOn)) ? EXIT_FINDINGS : EXIT_OK, summary };
}

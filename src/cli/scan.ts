/**
 * `sip401 scan PATH...`: analyse every capture under files and directories, each on its own, on a
 * pool of worker threads, and print one summary (table, JSON, Markdown, HTML) or one NDJSON record
 * per capture.
 *
 * Exit codes: 0 when nothing reaches `--fail-on`; 1 when a finding does, or when a file could not
 * be analysed at all (not a capture, unreadable, worker crashed or timed out: an error row counts
 * as an error-severity failure, so `--fail-on none` is the only way to ignore it); 2 for usage
 * errors, including a PATH that does not exist. A truncated capture is analysed up to the damage and does
 * not by itself change the exit code (as with `analyze`).
 *
 * Order: the summary formats list files sorted by path, identical for any `--jobs`. NDJSON is
 * written in completion order, one line as soon as each file is done (what a log pipeline wants,
 * and memory stays flat: a reorder buffer behind one huge file would hold every later report);
 * each record carries its `path`, so `sort` or `jq -s 'sort_by(.path)'` restores file order, and
 * with `--jobs 1` completion order is file order.
 */
import { readFile } from "node:fs/promises";
import { totalmem } from "node:os";
import type { Argv } from "yargs";
import { VERSION } from "../analyze/index.js";
import { discover } from "../batch/discover.js";
import { defaultJobs, defaultWorkerHeapMb, ScanInterrupted, scanFiles } from "../batch/pool.js";
import { ProgressBar, type ProgressOutput } from "../batch/progress.js";
import { parseShard, SHARD_ENV_VARS, shardFromEnv, shardHeader, type Shard } from "../batch/shard.js";
import { rowFails, summarize, type ScanRow, type ScanSummary } from "../batch/summary.js";
import type { WorkerConfig } from "../batch/worker.js";
import { colorEnabled } from "../report/color.js";
import { REPORT_FORMATS, type ReportFormat } from "../report/index.js";
import { renderScan } from "../report/scan.js";
import { chooseFormat, FAIL_ON, type FailOn } from "./analyze.js";
import { loadCredentials } from "./credentials.js";
import { EXIT_FINDINGS, EXIT_OK, UsageError } from "./errors.js";
import { correlationLimits, correlationOptions, extractLimits, limitOptions, type LimitArgs } from "./limits.js";
import { LineWriter } from "./output.js";
import { checkWritable, openAtomic, writeAtomic, type AtomicFile } from "./write.js";
import { withExamples } from "./examples.js";
import { colorHelp } from "./color.js";

/** The values of `scan --format`: the report formats plus one record per capture. */
export const SCAN_FORMATS = [...REPORT_FORMATS, "ndjson"] as const;
/** ScanFormat is one value of `scan --format`. */
export type ScanFormat = (typeof SCAN_FORMATS)[number];

/** scanOptions declares the command's arguments (registered in index.ts). */
export function scanOptions<T>(y: Argv<T>) {
  const y2 = correlationOptions(limitOptions(y))
    .positional("paths", { type: "string", array: true, demandOption: true, describe: "Capture files and directories (searched recursively)" })
    .option("format", { alias: "f", choices: SCAN_FORMATS, describe: "Output: a summary (table, json, markdown, html) or one JSON record per capture (ndjson); default table, or from --output's extension" })
    .option("output", { alias: "o", type: "string", describe: "Write to FILE (atomically; - is stdout; .ndjson/.jsonl means ndjson; with a shard, {shard} and {shards} in FILE become K and N)" })
    .option("jobs", { alias: "j", type: "number", default: defaultJobs(), defaultDescription: "CPU count", describe: "Files analysed in parallel (worker threads)" })
    .option("worker-memory", { type: "number", defaultDescription: "3/4 of RAM (or of the container limit) ÷ jobs, 512–16384", describe: "Heap cap per worker in MiB; a file needing more becomes a 'crashed' row" })
    .option("timeout", { type: "number", describe: "Seconds one file may take before its analysis is stopped (a 'timed_out' row); default: no limit" })
    .option("include", { type: "string", array: true, nargs: 1, default: [] as string[], describe: "Only files matching this glob (name, or path below PATH when it has a /); repeatable" })
    .option("exclude", { type: "string", array: true, nargs: 1, default: [] as string[], describe: "Leave out files and directories matching this glob; repeatable" })
    .option("fail-on", { choices: FAIL_ON, default: "error" as FailOn, describe: "Exit 1 when a finding of this severity or worse exists, or a file could not be analysed" })
    .option("credentials", { type: "string", describe: "File of user:password, user@realm:password or user:realm:HA1 lines, to verify captured digests" })
    .option("insecure-credentials", { type: "boolean", default: false, describe: "Accept a credentials file readable by everyone" })
    .option("tls-keylog", { type: "string", describe: "SSLKEYLOGFILE-format key log for SIP over TLS, used for every file" })
    .option("redact", { type: "boolean", default: false, describe: "Mask user names, addresses, nonces and Call-IDs (file paths are kept)" })
    .option("progress", { type: "boolean", default: true, describe: "Progress bar on stderr when it is a terminal (--no-progress to hide)" })
    .option("color", { type: "boolean", describe: colorHelp("table") })
    .option("shard", { type: "string", describe: "Scan only shard K of N (K from 0), by a stable hash of each file's path below PATH; writes NDJSON with a shard header for `sip401 merge`" })
    .option("shard-from-env", { type: "boolean", default: false, describe: `Take K from ${SHARD_ENV_VARS.join(", ")} (the first set) and N from --shard-count` })
    .option("shard-count", { type: "number", describe: "N for --shard-from-env: the number of array tasks" })
    .option("array-base", { type: "number", default: 0, describe: "First index of the batch array (1 for a Slurm --array=1-N); subtracted from the variable" });
  return withExamples(y2, [
    ["$0 scan /srv/captures", "summary table of every capture below the folder"],
    ["$0 scan /srv/captures -f ndjson > scan.ndjson", "one JSON record per capture, as each finishes"],
    ["$0 scan day1 day2 --include '*.pcap.gz' -o scan.html", "an HTML summary of the gzip captures"],
    ["$0 scan /archive --shard-from-env --shard-count 16 \\\n  --fail-on none -o '/out/shard-{shard}.ndjson'", "one task of a 16-way batch array (Kubernetes, Slurm, AWS Batch)"],
    ["$0 merge /out/shard-*.ndjson", "then the summary of the whole archive"],
  ]);
}

/** ScanCliOptions are the parsed arguments plus what the CLI knows about its terminal. */
export interface ScanCliOptions {
  paths: string[];
  format?: ScanFormat;
  output?: string;
  jobs: number;
  /** Heap cap per worker in MiB (default: defaultWorkerHeapMb). */
  workerMemory?: number;
  /** Seconds per file (default: no limit). */
  timeout?: number;
  include: string[];
  exclude: string[];
  failOn: FailOn;
  credentials?: string;
  insecureCredentials: boolean;
  /** TLS key log contents. */
  tlsKeylog?: string;
  redact: boolean;
  progress: boolean;
  color?: boolean;
  /** `--shard K/N`. */
  shard?: string;
  /** `--shard-from-env` with `--shard-count` and `--array-base`. */
  shardFromEnv?: boolean;
  shardCount?: number;
  arrayBase?: number;
  /** The `--max-*` options (src/cli/limits.ts), applied to every file. */
  limits?: LimitArgs;
  /** Aborted on Ctrl-C / SIGTERM (interruptOnSignals): the scan stops, writes nothing more, and returns 128 + the signal number. */
  signal?: AbortSignal;
  /** Where results go when there is no --output. */
  stdout: LineWriter;
  stdoutIsTTY: boolean | undefined;
  columns: number | undefined;
  /** Diagnostics and the progress bar. */
  stderr: ProgressOutput & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * usableMemory is the memory this process may use: the machine's, or the container's limit when
 * lower (cgroup `memory.max`, via process.constrainedMemory; it reports 2^64 when unlimited). In a
 * Kubernetes pod os.totalmem() is the node's memory, and heap caps sized from it would let the
 * kernel kill the pod instead of turning one greedy capture into a `crashed` row.
 */
export function usableMemory(): number {
  const limit = process.constrainedMemory?.() ?? 0;
  return limit > 0 ? Math.min(limit, totalmem()) : totalmem();
}

/** Table width for files and pipes: wide enough that no line is cut. */
const WHOLE_LINES = 1000;

/** chooseScanFormat: --format wins; an --output ending in .ndjson/.jsonl means ndjson; a shard without either writes ndjson (what merge reads); else as for analyze. */
export function chooseScanFormat(format: ScanFormat | undefined, output: string | undefined, sharded = false): ScanFormat {
  if (format) return format;
  if (output && /\.(ndjson|jsonl)$/i.test(output)) return "ndjson";
  if (sharded && output === undefined) return "ndjson";
  return chooseFormat(undefined, output);
}

/**
 * shardOutput fills `{shard}` (K) and `{shards}` (N) in --output. Batch engines do not all expand
 * variables in a command (AWS Batch does not, Kubernetes only `$(VAR)`), and with --array-base
 * the engine's index is not the shard number: the placeholder names the file by the real shard.
 */
export function shardOutput(output: string | undefined, shard: Shard | undefined): string | undefined {
  if (output === undefined || !/\{shards?\}/.test(output)) return output;
  if (!shard) throw new UsageError(`--output ${output}: {shard} and {shards} are filled in only with --shard or --shard-from-env`);
  return output.replaceAll("{shards}", String(shard.count)).replaceAll("{shard}", String(shard.index));
}

/** chooseShard resolves --shard / --shard-from-env (usage errors before any work). */
export function chooseShard(o: Pick<ScanCliOptions, "shard" | "shardFromEnv" | "shardCount" | "arrayBase" | "env">): Shard | undefined {
  if (o.shard !== undefined && o.shardFromEnv) throw new UsageError("give --shard K/N or --shard-from-env, not both");
  if (o.shard !== undefined) return parseShard(o.shard);
  if (o.shardFromEnv) return shardFromEnv(o.env, o.shardCount, o.arrayBase ?? 0);
  if (o.shardCount !== undefined) throw new UsageError("--shard-count goes with --shard-from-env (or give --shard K/N)");
  return undefined;
}

/** workerConfig checks and loads what every worker needs (bad credentials are a usage error before any work). */
async function workerConfig(o: ScanCliOptions, records: boolean): Promise<WorkerConfig> {
  const config: WorkerConfig = { redact: o.redact, records };
  // Checked here (a bad value is a usage error before any work); sent to every worker as plain numbers.
  const extract = extractLimits(o.limits ?? {});
  const correlation = correlationLimits(o.limits ?? {});
  if (Object.keys(extract).length > 0) config.extract = extract;
  if (Object.keys(correlation).length > 0) config.correlation = correlation;
  if (o.credentials !== undefined) {
    await loadCredentials({ file: o.credentials, insecure: o.insecureCredentials });
    config.credentials = await readFile(o.credentials, "utf8");
  }
  if (o.tlsKeylog !== undefined) config.tlsKeylog = o.tlsKeylog;
  return config;
}

/** runScan runs the scan, writes its output and returns the exit code and the summary (none when interrupted). */
export async function runScan(options: ScanCliOptions): Promise<{ code: number; summary?: ScanSummary }> {
  // yargs turns a lone "-" into nothing; scan reads files only (stdin is `analyze -`).
  if (options.paths.length === 0 || options.paths.includes("-")) throw new UsageError("scan needs files or directories (for standard input use `sip401 analyze -`)");
  const shard = chooseShard(options);
  const o = { ...options, output: shardOutput(options.output, shard) };
  const format = chooseScanFormat(o.format, o.output, shard !== undefined);
  if (!Number.isInteger(o.jobs) || o.jobs < 1) throw new UsageError(`--jobs must be a whole number ≥ 1 (got ${o.jobs})`);
  if (o.workerMemory !== undefined && !(o.workerMemory >= 16)) throw new UsageError(`--worker-memory must be at least 16 (MiB; got ${o.workerMemory})`);
  if (o.timeout !== undefined && !(o.timeout > 0)) throw new UsageError(`--timeout must be a number of seconds > 0 (got ${o.timeout})`);
  const config = await workerConfig(o, format === "ndjson");
  if (o.output !== undefined) await checkWritable(o.output);
  const found = await discover(o.paths, { include: o.include, exclude: o.exclude, shard });
  if (found.missing.length > 0) throw new UsageError(`${found.missing[0]}: no such file or directory`);
  if (found.skipped > 0) o.stderr.write(`sip401: skipped ${found.skipped === 1 ? "1 file that is not a capture" : `${found.skipped} files that are not captures`}\n`);
  // An empty shard is normal (a small archive cut into many shards); an empty scan is worth a word.
  if (found.files.length === 0 && !shard) o.stderr.write(`sip401: no captures found in ${o.paths.join(", ")}\n`);

  // NDJSON streams to stdout or to a temporary file renamed into place at the end.
  let file: AtomicFile | undefined;
  let records: LineWriter | undefined;
  if (format === "ndjson") {
    file = o.output !== undefined ? openAtomic(o.output) : undefined;
    records = file ? new LineWriter(file.stream) : o.stdout;
    // The header goes first, also for a shard without files: merge names a missing shard by it,
    // and knows how many records a complete shard holds.
    if (shard) {
      records.line(shardHeader(shard, found.files.length, { paths: o.paths, include: o.include, exclude: o.exclude, redact: o.redact }, VERSION));
      await records.flush();
    }
  }
  // With records going to the same terminal, the records are the progress.
  const showProgress = o.progress && o.stderr.isTTY === true && !(records === o.stdout && o.stdoutIsTTY);
  const bar = showProgress ? new ProgressBar(o.stderr, found.files.length, found.files.reduce((n, f) => n + f.size, 0)) : undefined;
  let rows: ScanRow[];
  try {
    rows = await scanFiles(found.files, {
      jobs: o.jobs,
      workerHeapMb: o.workerMemory ?? defaultWorkerHeapMb(Math.max(1, Math.min(o.jobs, found.files.length)), usableMemory()),
      timeoutS: o.timeout,
      signal: o.signal,
      config,
      onStart: (f) => bar?.start(f.path),
      onResult: async (outcome, f) => {
        bar?.finish(f.path, f.size);
        if (records && outcome.record !== undefined) {
          records.line(outcome.record);
          // One line at a time, as each file finishes: a log shipper sees it at once.
          await records.flush();
        }
      },
    });
  } catch (err) {
    await file?.abort();
    bar?.clear();
    if (err instanceof ScanInterrupted) {
      // No summary of a partial scan: it would read as a whole archive. Records already streamed stay.
      o.stderr.write(`sip401: scan interrupted (${err.signalName}); ${err.done} of ${found.files.length} files done, ${file ? `${o.output} not written` : format === "ndjson" ? "the records above are all there is" : "no summary written"}\n`);
      return { code: err.exitCode };
    }
    throw err;
  }
  bar?.clear();
  const summary = summarize(rows, VERSION);
  const code = rows.some((r) => rowFails(r, o.failOn)) ? EXIT_FINDINGS : EXIT_OK;
  if (file) await file.commit();
  if (format !== "ndjson") await writeSummary(summary, format, o);
  return { code, summary };
}

/** SummaryTarget is where a summary goes and what is known about it (scan and merge). */
export type SummaryTarget = Pick<ScanCliOptions, "output" | "stdoutIsTTY" | "columns" | "color" | "env" | "stdout">;

/** writeSummary renders the summary to --output or stdout (`sip401 merge` prints through it too, so both give the same bytes). */
export async function writeSummary(summary: ScanSummary, format: ReportFormat, o: SummaryTarget): Promise<void> {
  const color = format === "table" && !o.output && colorEnabled({ isTTY: o.stdoutIsTTY, env: o.env, flag: o.color });
  // On a terminal the top finding is cut to the width; files and pipes get whole lines (for grep).
  const width = o.output || !o.stdoutIsTTY ? WHOLE_LINES : Math.max(60, o.columns ?? 80);
  const text = renderScan(summary, format, { width, color });
  if (o.output) await writeAtomic(o.output, text);
  else {
    o.stdout.line(text.replace(/\n$/, ""));
    await o.stdout.flush();
  }
}

/** Exit codes of a run stopped by a signal: 128 + its number, as shells report it. */
const SIGNAL_EXIT: Readonly<Record<"SIGINT" | "SIGTERM", number>> = { SIGINT: 130, SIGTERM: 143 };

/** Interrupt is the scan's handling of Ctrl-C and SIGTERM (see interruptOnSignals). */
export interface Interrupt {
  /** Aborted by the first signal, with a ScanInterrupted as the reason. */
  signal: AbortSignal;
  /** Stops listening (the scan is over). */
  dispose(): void;
  /** After an interrupted scan has cleaned up: ends the process by the signal that stopped it. */
  finish(): void;
}

/**
 * interruptOnSignals turns Ctrl-C and SIGTERM (what `kubectl delete`, Slurm's `scancel` and a
 * container stop send) into an abort of the scan: the pool is shut down, the progress line
 * cleared, a temporary output file removed; then `finish` ends the process by that same signal,
 * as a program that catches SIGINT to clean up should: a shell script or loop running the scan
 * then stops too, where an exit(130) lets it go on with its next command. It also ends the
 * process where an exit cannot: exit waits for the I/O threads, and one blocked for good (a FIFO
 * with no writer, a hung network mount) held the process after its last message. A second
 * signal ends the process at once, for an operator who does not want to wait.
 */
export function interruptOnSignals(): Interrupt {
  const controller = new AbortController();
  const handlers = (Object.keys(SIGNAL_EXIT) as (keyof typeof SIGNAL_EXIT)[]).map((name) => {
    const handler = (): void => {
      if (controller.signal.aborted) dieBy(name);
      controller.abort(new ScanInterrupted(name, SIGNAL_EXIT[name]));
    };
    process.on(name, handler);
    return [name, handler] as const;
  });
  const dispose = (): void => {
    for (const [name, handler] of handlers) process.off(name, handler);
  };
  const dieBy = (name: keyof typeof SIGNAL_EXIT): void => {
    dispose();
    // With no listener left the signal has its default action: the process ends by it, as the
    // shell reports with 128 + its number. Where that does nothing (PID 1 of a container ignores
    // signals it has no handler for), the exit code says the same.
    process.kill(process.pid, name);
    process.exit(SIGNAL_EXIT[name]);
  };
  return {
    signal: controller.signal,
    dispose,
    finish: () => {
      const reason: unknown = controller.signal.reason;
      if (reason instanceof ScanInterrupted) dieBy(reason.signalName as keyof typeof SIGNAL_EXIT);
    },
  };
}

/**
 * The worker side of `sip401 scan`: analyse one file and condense it into its row (and, for
 * `--format ndjson`, its record). Runs in a piscina worker thread; the pool loads the compiled
 * `dist/batch/worker.js`. Only the small row (and the record string) crosses back to the main
 * thread, never the report objects, so the main thread's memory grows with the number of files,
 * not with what they contain.
 */
import { createReadStream } from "node:fs";
import { workerData } from "node:worker_threads";
import { analyze, type AnalyzeOptions } from "../analyze/index.js";
import { CredentialStore } from "../detect/credentials.js";
import { redactReport, renderJson } from "../report/index.js";
import { errorRow, rowOf, scanErrorOf, scanRecord, type FileFacts, type ScanRow } from "./summary.js";

/** WorkerConfig is the same for every file of a scan (sent once per worker as `workerData`). */
export interface WorkerConfig {
  /** Mask identities in rows and records (`--redact`). */
  redact: boolean;
  /** Text of a credentials file, already checked by the CLI; parsed once per worker. */
  credentials?: string;
  /** TLS key log text. */
  tlsKeylog?: string;
  /** Also build the NDJSON record (row plus the whole report). */
  records: boolean;
  /** `--max-*` extraction limits (plain numbers: workerData is structured-cloned). */
  extract?: AnalyzeOptions["extract"];
  /** `--max-transactions`, `--max-registrations`. */
  correlation?: AnalyzeOptions["correlation"];
}

/** ScanOutcome is what one file gives back. */
export interface ScanOutcome {
  row: ScanRow;
  /** The NDJSON line (no newline), when records were asked for. */
  record?: string;
}

/** Read buffer bounds: the capture reader's own chunk size, and a floor that keeps big files fast. */
const MAX_READ_BYTES = 1 << 20;
const MIN_READ_BYTES = 64 * 1024;

/** scanOne analyses one file. It never throws: a file that cannot be analysed becomes an error row. */
export async function scanOne(file: FileFacts, config: WorkerConfig, credentials?: CredentialStore): Promise<ScanOutcome> {
  // Given a path, the capture reader reads 1 MiB chunks: for an archive of small files that is a
  // fresh 1 MiB buffer per file, and the garbage collection it causes doubled the CPU time per
  // file (bench/scan.mjs). The file's size is known from discovery, so read in chunks that fit.
  const stream = createReadStream(file.path, { highWaterMark: Math.min(MAX_READ_BYTES, Math.max(MIN_READ_BYTES, file.size)) });
  let report;
  try {
    // A row reads the summary and findings; only a record carries the ladders.
    report = await analyze([{ input: stream, name: file.path }], {
      credentials, tlsKeylog: config.tlsKeylog, extract: config.extract, correlation: config.correlation, ladders: config.records,
    });
  } catch (err) {
    const row = errorRow(file, scanErrorOf(err));
    return config.records ? { row, record: scanRecord(row) } : { row };
  } finally {
    // The reader stops at damage without draining the stream: close the file here, not at GC.
    stream.destroy();
  }
  if (config.redact) report = redactReport(report);
  const row = rowOf(file, report);
  // renderJson fixes the report's key order (schema order), so records are stable byte for byte.
  return config.records ? { row, record: scanRecord(row, JSON.parse(renderJson(report))) } : { row };
}

/** The configuration this worker thread was started with (undefined when imported outside a pool). */
const config = workerData as WorkerConfig | undefined;
const store = config?.credentials !== undefined ? CredentialStore.parse(config.credentials).store : undefined;

/** The piscina task: one file. */
export default function task(file: FileFacts): Promise<ScanOutcome> {
  return scanOne(file, config ?? { redact: false, records: false }, store);
}

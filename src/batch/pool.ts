/**
 * The worker pool of `sip401 scan`: piscina worker threads, each analysing one file at a time.
 *
 * The main thread hands out files itself, at most one per worker in flight, rather than queueing
 * every file in piscina at once: that way a file "started" is really being read (the progress
 * bar's current file is true), results arrive in a bounded trickle, and a slow consumer of
 * streamed records (`onResult` is awaited) holds back new work instead of piling up results.
 * Rows are returned in the order of `files`, whatever order workers finish in.
 *
 * Memory: each worker streams its file, and V8's heap per worker is capped (`workerHeapMb`), so
 * all workers together stay within the machine whatever the files hold; a file whose analysis
 * needs more kills only its own worker — it becomes a `crashed` error row, piscina starts a fresh
 * thread and the scan goes on.
 */
import { availableParallelism, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import type { ScanFile } from "./discover.js";
import { errorRow, scanRecord, type ScanErrorCode, type ScanRow } from "./summary.js";
import type { ScanOutcome, WorkerConfig } from "./worker.js";

/** Bounds of the default heap cap per worker, in MiB. */
const MIN_WORKER_HEAP_MB = 512;
const MAX_WORKER_HEAP_MB = 16_384;

/**
 * defaultWorkerHeapMb shares three quarters of the machine's memory between the workers (the rest
 * is for the main thread, the OS and the file cache), within [512 MiB, 16 GiB]. Analysis state
 * grows with what a capture holds (users, dialogs, nonces), not with its bytes alone: a 1 GB
 * capture of 5000 busy phones needs over 1 GiB, so a fixed small cap would fail real files.
 */
export function defaultWorkerHeapMb(jobs: number, totalBytes = totalmem()): number {
  const share = Math.floor((0.75 * totalBytes) / (1 << 20) / Math.max(1, jobs));
  return Math.min(MAX_WORKER_HEAP_MB, Math.max(MIN_WORKER_HEAP_MB, share));
}

/** defaultJobs is the default `--jobs`: the CPUs this process may use. */
export function defaultJobs(): number {
  return availableParallelism();
}

/** PoolOptions configure one scan. */
export interface PoolOptions {
  /** Worker threads (at least 1). */
  jobs: number;
  config: WorkerConfig;
  /** Called when a file is handed to a worker. */
  onStart?: (file: ScanFile, index: number) => void;
  /** Called as each file finishes, in completion order; awaited, so it can apply back-pressure. */
  onResult?: (outcome: ScanOutcome, file: ScanFile, index: number) => void | Promise<void>;
  /** The compiled worker module (default: worker-entry.cjs beside this file, which loads dist/batch/worker.js). */
  workerFile?: string;
  /** Heap cap (old generation) per worker in MiB (default: defaultWorkerHeapMb). */
  workerHeapMb?: number;
  /** Time one file may take, in seconds; its worker is stopped after that (default: no limit). */
  timeoutS?: number;
  /**
   * Stops the scan (Ctrl-C, SIGTERM): no new file is started, files in flight are abandoned (their
   * workers terminated), and scanFiles rejects with the signal's reason — a ScanInterrupted, or
   * one made from whatever the reason was.
   */
  signal?: AbortSignal;
}

/** ScanInterrupted is how scanFiles ends when its signal aborts. */
export class ScanInterrupted extends Error {
  /** Files finished before the stop (set by scanFiles). */
  done = 0;
  constructor(
    readonly signalName: string,
    readonly exitCode: number,
  ) {
    super(`scan interrupted (${signalName})`);
  }
}

/** interruption is the error scanFiles ends with when `signal` aborted. */
function interruption(signal: AbortSignal, done: number): ScanInterrupted {
  const e = signal.reason instanceof ScanInterrupted ? signal.reason : new ScanInterrupted(String(signal.reason ?? "aborted"), 130);
  e.done = done;
  return e;
}

/** scanFiles analyses every file on a pool of worker threads and returns the rows in the order of `files`. */
export async function scanFiles(files: readonly ScanFile[], opts: PoolOptions): Promise<ScanRow[]> {
  const jobs = Math.max(1, Math.min(Math.floor(opts.jobs), Math.max(1, files.length)));
  const rows = new Array<ScanRow>(files.length);
  if (files.length === 0) return rows;
  const pool = new Piscina<ScanFile, ScanOutcome>({
    filename: opts.workerFile ?? fileURLToPath(new URL("./worker-entry.cjs", import.meta.url)),
    minThreads: jobs,
    maxThreads: jobs,
    workerData: opts.config,
    resourceLimits: { maxOldGenerationSizeMb: opts.workerHeapMb ?? defaultWorkerHeapMb(jobs) },
  });
  let next = 0;
  let done = 0;
  const signal = opts.signal;
  const lane = async (): Promise<void> => {
    while (next < files.length && !signal?.aborted) {
      const index = next++;
      const file = files[index];
      opts.onStart?.(file, index);
      const outcome = file.error ? failed(file, file.error.code, file.error.message, opts.config) : await runOne(pool, file, opts);
      // A file abandoned by the stop is not a result (it would read as "crashed").
      if (signal?.aborted) break;
      rows[index] = outcome.row;
      done++;
      await opts.onResult?.(outcome, file, index);
    }
  };
  try {
    await Promise.all(Array.from({ length: jobs }, lane));
  } finally {
    // Terminates the worker threads, also those still busy with an abandoned file.
    await pool.destroy();
  }
  if (signal?.aborted) throw interruption(signal, done);
  return rows;
}

/**
 * runOne runs one file on the pool. A worker that dies (out of memory, internal error) gives a
 * `crashed` row; one still busy after the timeout is terminated (piscina replaces it) and gives a
 * `timed_out` row — an analysis bug that loops must not hang an archive scan.
 */
async function runOne(pool: Piscina<ScanFile, ScanOutcome>, file: ScanFile, opts: PoolOptions): Promise<ScanOutcome> {
  const timeout = opts.timeoutS !== undefined && opts.timeoutS > 0 ? AbortSignal.timeout(opts.timeoutS * 1000) : undefined;
  const signals = [timeout, opts.signal].filter((s): s is AbortSignal => s !== undefined);
  const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  try {
    // Only the facts cross to the worker (a ScanFile without error is exactly that).
    return await pool.run({ path: file.path, rel: file.rel, size: file.size }, signal ? { signal } : {});
  } catch (err) {
    if (timeout?.aborted) return failed(file, "timed_out", `analysis stopped after ${opts.timeoutS} s (--timeout)`, opts.config);
    return failed(file, "crashed", `analysis stopped: ${err instanceof Error ? err.message : String(err)}`, opts.config);
  }
}

/** failed is the outcome of a file that has no analysis. */
function failed(file: ScanFile, code: ScanErrorCode, message: string, config: WorkerConfig): ScanOutcome {
  const row = errorRow(file, { code, message });
  return config.records ? { row, record: scanRecord(row) } : { row };
}

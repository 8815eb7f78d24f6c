/**
 * The V8 heap schedule of the commands that analyse a capture in this process (only src/cli
 * sets process-wide flags).
 */
import { setFlagsFromString } from "node:v8";

/**
 * HEAP_GROWING_PERCENT bounds how far V8 lets the heap grow past what survived the last full
 * collection (by default it may roughly double it). Analysis keeps transactions for 32 s
 * (Timer J), so every one of them lives long enough to reach the old generation and dies there:
 * thousands per second of garbage that a lazily scheduled collection lets pile up. Measured on
 * the synthetic 1 GB capture of 5,000 phones (bench/make-capture.mjs): peak RSS about 880 MiB by
 * default and 430–470 MiB at 30 % (docs/performance.md), for 5–20 % more wall time; the collector
 * marks concurrently on another core, so CPU time grows more than that. 20 % saved no more.
 * bench/stage.mjs applies it too, so its stages are measured as the CLI runs them.
 * Only for the commands that analyse one capture in this process: scan's workers each have a
 * heap limit of their own (batch/pool.ts), and there the bound only cost CPU the other worker
 * needs (an archive of 2 MB captures scanned 12–22 % slower with it in paired runs, --jobs 1 and 2).
 */
const HEAP_GROWING_PERCENT = 30;

/** boundHeapGrowth applies HEAP_GROWING_PERCENT unless `node --heap-growing-percent=N` chose otherwise (0 is V8's own schedule). */
export function boundHeapGrowth(): void {
  if (!process.execArgv.some((a) => a.startsWith("--heap-growing-percent"))) setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}

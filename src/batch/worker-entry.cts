/**
 * The file piscina starts each worker thread with. piscina loads it with require(), and Node
 * (20.19 and later) would load an ES module that way synchronously: a worker stopped during that
 * load — Ctrl-C just as a scan starts, on a busy machine — aborted the whole process with a V8
 * fatal error ("v8::Module::IsGraphAsync must be used on an instantiated module") and a native
 * stack trace. This CommonJS entry loads the worker's ES module (worker.ts) with import()
 * instead, which a stop interrupts cleanly.
 */
import type { FileFacts } from "./summary.js";
import type { ScanOutcome } from "./worker.js";

let task: ((file: FileFacts) => Promise<ScanOutcome>) | undefined;

export = async function run(file: FileFacts): Promise<ScanOutcome> {
  task ??= (await import("./worker.js")).default;
  return task(file);
};

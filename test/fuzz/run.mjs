#!/usr/bin/env node
/**
 * Whole-pipeline fuzzer (issue 9): mutates the captures in fixtures/lab, fixtures/generated and
 * fixtures/regressions (src/synth/mutate.ts: byte-level and pcap/pcapng-aware mutations) and
 * runs `analyze` plus a report renderer on each, in a worker thread so a hang can be stopped.
 *
 *   npm run fuzz -- --seconds N [--seed S] [--timeout-ms 5000] [--max-heap-growth-mb 64]
 *                   [--save-dir fixtures/regressions] [--no-save] [--quiet]
 *
 * Fails (exit 1) on any exception other than "not a capture", any input taking longer than the
 * timeout, a worker running out of memory, or heap growth across iterations beyond the bound
 * (measured after a forced GC, so it is retained memory, not garbage). Each failing input is
 * saved under the save directory as `<kind>-<sha1>.<ext>` with a `.json` describing how it was
 * made; test/fuzz/regressions.test.ts replays every file there.
 *
 * Runs on the build (dist/): `npm run fuzz` builds first.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { isMainThread, parentPort, Worker } from "node:worker_threads";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const CAPTURE = /\.(pcap|pcapng|cap|dmp)(\.gz)?$/;

// ---------------------------------------------------------------------------------------------
// Main thread: corpus, mutation, time and memory accounting, crash files.

function parseArgs(argv) {
  const o = { seconds: 60, seed: Date.now() % 1_000_000, timeoutMs: 5000, maxHeapGrowthMb: 64, saveDir: join(ROOT, "fixtures/regressions"), save: true, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === "--seconds") o.seconds = Number(next());
    else if (a === "--seed") o.seed = Number(next());
    else if (a === "--timeout-ms") o.timeoutMs = Number(next());
    else if (a === "--max-heap-growth-mb") o.maxHeapGrowthMb = Number(next());
    else if (a === "--save-dir") o.saveDir = resolve(next());
    else if (a === "--no-save") o.save = false;
    else if (a === "--quiet") o.quiet = true;
    else throw new Error(`unknown option ${a}`);
  }
  if (!(o.seconds > 0) || !Number.isInteger(o.seed)) throw new Error("--seconds must be > 0 and --seed an integer");
  return o;
}

function loadCorpus() {
  const files = [];
  for (const dir of ["fixtures/lab", "fixtures/generated", "fixtures/regressions"]) {
    let names = [];
    try {
      names = readdirSync(join(ROOT, dir)).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      if (!CAPTURE.test(name) && !(dir.endsWith("regressions") && /\.(bin)$/.test(name))) continue;
      let bytes = readFileSync(join(ROOT, dir, name));
      // Mutating compressed bytes mostly tests zlib; decompress and fuzz the capture itself.
      if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
      files.push({ name: `${dir}/${name}`, bytes: new Uint8Array(bytes) });
    }
  }
  return files;
}

/** A worker with a request/response channel; `run` rejects on timeout after terminating it. */
class Runner {
  constructor() {
    this.spawn();
  }

  spawn() {
    const w = new Worker(fileURLToPath(import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: 1024 } });
    this.worker = w;
    this.pending = null;
    // Events of a replaced worker (terminated after a hang, dead after an error) are ignored.
    const settle = (m) => {
      if (this.worker !== w) return;
      const p = this.pending;
      this.pending = null;
      p?.resolve(m);
    };
    w.on("message", settle);
    w.on("error", (err) => settle({ ok: false, kind: "worker-error", error: `${err.code ?? err.name}: ${err.message}`, stack: err.stack }));
    w.on("exit", (code) => settle({ ok: false, kind: "worker-exit", error: `worker exited with code ${code}` }));
  }

  run(job, timeoutMs) {
    return new Promise((resolvePromise) => {
      const timer = setTimeout(() => {
        this.pending = null;
        void this.worker.terminate();
        this.spawn();
        resolvePromise({ ok: false, kind: "hang", error: `no result after ${timeoutMs} ms` });
      }, timeoutMs);
      this.pending = {
        resolve: (m) => {
          clearTimeout(timer);
          if (!m.ok && m.kind !== "crash") this.spawn();
          resolvePromise(m);
        },
      };
      this.worker.postMessage(job);
    });
  }

  async close() {
    await this.worker.terminate();
  }
}

function extOf(bytes) {
  const be = (bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3];
  if (be === 0x0a0d0d0a) return "pcapng";
  if ([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1].includes(be >>> 0)) return "pcap";
  return "bin";
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const S = await import(join(ROOT, "dist/synth/index.js"));
  const corpus = loadCorpus();
  if (corpus.length === 0) throw new Error("no captures found under fixtures/");
  const keylog = readFileSync(join(ROOT, "fixtures/lab/tls_expired_cert.keys"), "utf8");
  const rng = new S.SeededRandom(opts.seed);
  const runner = new Runner();
  const log = (s) => {
    if (!opts.quiet) process.stdout.write(`${s}\n`);
  };
  log(`fuzz: ${corpus.length} seed captures, seed ${opts.seed}, ${opts.seconds} s, timeout ${opts.timeoutMs} ms per input`);

  const start = Date.now();
  const deadline = start + opts.seconds * 1000;
  const failures = new Map(); // signature -> { kind, error, file, count }
  const heap = [];
  let iterations = 0;
  let notCapture = 0;
  let slowest = { ms: 0, source: "" };
  while (Date.now() < deadline) {
    const seed = corpus[rng.int(corpus.length)];
    const donor = corpus[rng.int(corpus.length)].bytes;
    const { bytes, ops } = S.mutate(seed.bytes, rng, donor);
    const job = {
      bytes,
      chunk: 1 + rng.int(rng.int(4) === 0 ? 64 : 65536),
      keylog: rng.int(3) === 0 ? keylog : undefined,
      password: rng.int(3) === 0 ? "fuzz-password" : undefined,
      format: ["table", "json", "markdown", "html"][rng.int(4)],
      measure: iterations % 20 === 19,
    };
    const r = await runner.run(job, opts.timeoutMs);
    iterations++;
    if (r.ok) {
      if (r.notCapture) notCapture++;
      if (r.heapUsed !== undefined) heap.push({ at: iterations, mb: r.heapUsed / 1048576 });
      if (r.ms > slowest.ms) slowest = { ms: r.ms, source: `${seed.name} [${ops.join(", ")}]` };
      continue;
    }
    const signature = `${r.kind}: ${(r.error ?? "").split("\n")[0]} @ ${topFrame(r.stack)}`;
    const seen = failures.get(signature);
    if (seen) {
      seen.count++;
      continue;
    }
    const hash = createHash("sha1").update(bytes).digest("hex").slice(0, 12);
    let file;
    if (opts.save) {
      mkdirSync(opts.saveDir, { recursive: true });
      file = join(opts.saveDir, `${r.kind}-${hash}.${extOf(bytes)}`);
      writeFileSync(file, bytes);
      const meta = { kind: r.kind, error: r.error, stack: (r.stack ?? "").replaceAll(ROOT, ""), seed: opts.seed, iteration: iterations, source: seed.name, ops, job: { ...job, bytes: undefined, keylog: job.keylog ? "lab key log" : undefined } };
      writeFileSync(`${file}.json`, `${JSON.stringify(meta, null, 2)}\n`);
    }
    failures.set(signature, { kind: r.kind, error: r.error, file, count: 1 });
    log(`FAIL ${signature}${file ? `\n  saved ${file}` : ""}\n  from ${seed.name} [${ops.join(", ")}]`);
  }
  await runner.close();

  const seconds = (Date.now() - start) / 1000;
  // Retained heap: the lowest of the last samples against the lowest early sample after warm-up.
  const warm = heap.filter((h) => h.at > 100);
  let growthMb = 0;
  if (warm.length >= 6) {
    const early = Math.min(...warm.slice(0, 3).map((h) => h.mb));
    const late = Math.min(...warm.slice(-3).map((h) => h.mb));
    growthMb = late - early;
    if (growthMb > opts.maxHeapGrowthMb) failures.set("heap", { kind: "heap-growth", error: `retained heap grew ${growthMb.toFixed(1)} MB (limit ${opts.maxHeapGrowthMb})`, count: 1 });
  }
  const summary = {
    seed: opts.seed,
    seconds: Number(seconds.toFixed(1)),
    iterations,
    perSecond: Number((iterations / seconds).toFixed(1)),
    notCapture,
    slowestMs: slowest.ms,
    slowestInput: slowest.source,
    heapMb: heap.length > 0 ? { first: Number(heap[0].mb.toFixed(1)), last: Number(heap[heap.length - 1].mb.toFixed(1)), growth: Number(growthMb.toFixed(1)) } : undefined,
    failures: [...failures.values()],
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  process.exitCode = failures.size > 0 ? 1 : 0;
}

function topFrame(stack) {
  const line = (stack ?? "").split("\n").find((l) => /\/(src|dist)\//.test(l));
  return line ? line.trim().replace(/^at /, "").replace(ROOT, "") : "?";
}

// ---------------------------------------------------------------------------------------------
// Worker: one input at a time through the whole pipeline.

async function worker() {
  const { analyze } = await import(join(ROOT, "dist/analyze/index.js"));
  const { renderReport } = await import(join(ROOT, "dist/report/index.js"));
  const { CredentialStore } = await import(join(ROOT, "dist/detect/credentials.js"));
  const v8 = await import("node:v8");
  const vm = await import("node:vm");
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc");
  parentPort.on("message", async (job) => {
    const t0 = performance.now();
    const bytes = job.bytes;
    async function* chunks() {
      for (let at = 0; at < bytes.length; at += job.chunk) yield bytes.subarray(at, at + job.chunk);
    }
    let credentials;
    if (job.password) {
      credentials = new CredentialStore();
      credentials.add({ user: "*", password: job.password });
    }
    try {
      const report = await analyze([{ input: chunks(), name: "fuzz" }], { tlsKeylog: job.keylog, credentials });
      renderReport(report, job.format, { width: 100, color: false });
      JSON.stringify(report);
      const out = { ok: true, ms: performance.now() - t0 };
      if (job.measure) {
        gc();
        out.heapUsed = process.memoryUsage().heapUsed;
      }
      parentPort.postMessage(out);
    } catch (err) {
      if (err?.name === "NotACaptureError") {
        parentPort.postMessage({ ok: true, notCapture: true, ms: performance.now() - t0 });
        return;
      }
      parentPort.postMessage({ ok: false, kind: "crash", error: String(err?.message ?? err), stack: String(err?.stack ?? "") });
    }
  });
}

// Dispatch last: the classes and functions above must be initialised before main() runs.
if (isMainThread) await main();
else await worker();

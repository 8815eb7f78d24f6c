// The garbage collector's account of one `sip401 analyze FILE --format json`: what survives the
// young generation, how many full collections that causes, and the collector's time on the main
// thread and on V8's helper threads; and whether the kept state grows with the capture: the heap
// left after each full collection, by fifth of the run, and the process's peak RSS.
// Run after `npx tsc -p tsconfig.json`: `node bench/gc.mjs FILE [--dist DIR] [--repeat N] [-- OPTIONS]`
// (OPTIONS go to `analyze`, e.g. `-- --max-transactions 2500`).
//
// Why these numbers: analysis keeps records (transactions for Timer J, registrations, handshakes,
// ladder flows) long enough that everything they hold outlives two scavenges and is copied into
// the old generation, where it later dies. What is promoted per SIP message therefore decides how
// often the old generation fills and is marked, and V8 marks it concurrently on another core. That
// helper-thread work is why one analysis keeps about 1.3 cores busy, which bounds what a second
// job can add on two cores (issue 7). Wall time on a shared machine varies by tens of percent
// between identical runs; the promoted bytes and the number of collections depend mostly on the
// code and the capture. They still move by about ±10 % between runs of one build (when a scavenge
// comes depends on JIT and collector timing), so run a few (--repeat) and compare ranges.
//
//   --dist DIR   the build to run (default this checkout's dist/, e.g. a `git worktree`'s dist/)
//   --repeat N   runs, each in a fresh process (default 1); every run is printed
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const all = process.argv.slice(2);
const dashes = all.indexOf("--");
const args = dashes < 0 ? all : all.slice(0, dashes);
/** Options passed on to `analyze`. */
const extra = dashes < 0 ? [] : all.slice(dashes + 1);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const file = args.find((a, i) => !a.startsWith("--") && (i === 0 || !args[i - 1].startsWith("--")));
if (file === undefined || !existsSync(file)) {
  console.error("usage: node bench/gc.mjs FILE [--dist DIR] [--repeat N] [-- ANALYZE OPTIONS]");
  process.exit(2);
}
const dist = resolve(opt("dist", fileURLToPath(new URL("../dist", import.meta.url))));
const repeat = Number(opt("repeat", 1));

/** field reads one `name=value` number of a --trace-gc-nvp line (0 when absent). */
function field(line, name) {
  const m = line.match(new RegExp(` ${name.replace(/\./g, "\\.")}=([0-9.]+)`));
  return m ? Number(m[1]) : 0;
}

/** Helper-thread phases of the collector, as --trace-gc-nvp names them (milliseconds). */
const BACKGROUND = ["background.scavenge.parallel", "background.mark", "background.sweep", "background.evacuate.copy", "background.evacuate.update_pointers", "background.unmapper"];

/**
 * fifths gives the largest heap left after a full collection in each fifth of the run's full
 * collections: state bounded by limits shows a flat line once the tables have filled (the first
 * fifth is the filling), state that grows with the capture a rising one. The largest rather than
 * the mean: single values move by a few MB with when a collection comes between evictions.
 */
function fifths(after) {
  if (after.length < 5) return after.map((x) => x.toFixed(0)).join(" ");
  const out = [];
  for (let k = 0; k < 5; k++) out.push(Math.max(...after.slice(Math.floor((k * after.length) / 5), Math.floor(((k + 1) * after.length) / 5))));
  return out.map((x) => x.toFixed(0)).join(" ");
}

/** once runs the analysis with the collector's trace and sums it. */
function once() {
  // The report goes to a file, so stdout holds the trace alone; the report's first
  // "sipMessages" (the capture's, near its start) gives the number of SIP messages.
  const dir = mkdtempSync(join(tmpdir(), "sip401-gc-"));
  const out = join(dir, "report.json");
  const usage = join(dir, "usage.json");
  const script = `import { main } from ${JSON.stringify(pathToFileURL(join(dist, "cli/index.js")).href)}; main(process.argv.slice(1));`;
  try {
    const r = spawnSync(process.execPath, ["--trace-gc-nvp", "--import", new URL("./usage.mjs", import.meta.url).href, "--input-type=module", "-e", script, "--", "analyze", file, "--format", "json", "--fail-on", "none", "-o", out, ...extra], {
      encoding: "utf8",
      maxBuffer: 1 << 28,
      env: { ...process.env, SIP401_BENCH_USAGE: usage },
    });
    if (r.status !== 0) throw new Error(`analyze failed (${r.status}): ${r.stderr.trim().split("\n").pop()}`);
    const sum = { scavenges: 0, full: 0, promotedMB: 0, mainMs: 0, backgroundMs: 0 };
    /** Heap size after each full collection (MB): what was still reachable, the kept state. */
    const after = [];
    for (const line of r.stdout.split("\n")) {
      const kind = line.match(/ gc=(\w+)/)?.[1];
      if (kind === undefined) continue;
      if (kind === "s") sum.scavenges++;
      else {
        sum.full++;
        after.push(field(line, "total_size_after") / 1e6);
      }
      sum.promotedMB += field(line, "promoted") / 1e6;
      sum.mainMs += field(line, "pause") + field(line, "incremental.steps_took");
      for (const b of BACKGROUND) sum.backgroundMs += field(line, b);
    }
    const head = Buffer.alloc(65536);
    const fd = openSync(out, "r");
    const got = readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
    const messages = Number(head.toString("latin1", 0, got).match(/"sipMessages":\s*(\d+)/)?.[1] ?? NaN);
    const { maxRssKB } = JSON.parse(readFileSync(usage, "utf8"));
    return { ...sum, messages, after, peakRssMiB: maxRssKB / 1024 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`gc account of sip401 analyze ${[file, ...extra].join(" ")} (build ${dist}); node ${process.version}`);
for (let k = 0; k < repeat; k++) {
  const s = once();
  const perMsg = Number.isFinite(s.messages) ? `${((s.promotedMB * 1e6) / s.messages).toFixed(0)} B/msg` : "? B/msg";
  console.log(
    `promoted ${s.promotedMB.toFixed(1)} MB (${perMsg} of ${s.messages} SIP messages), ${s.scavenges} scavenges, ${s.full} full collections, ` +
      `collector ${s.mainMs.toFixed(0)} ms on the main thread + ${s.backgroundMs.toFixed(0)} ms on helper threads`,
  );
  console.log(`  heap after full collections, largest per fifth of the run: ${fifths(s.after)} MB; peak RSS ${s.peakRssMiB.toFixed(1)} MiB`);
}

// Benchmark of `sip401 scan`: the same archive of 200 small captures scanned with --jobs 1 and
// --jobs 2, giving the parallel speed-up and files/s.
// Run after `npx tsc -p tsconfig.json`: `node bench/scan.mjs [--files 200] [--rounds 5] [--kb 256]`.
//
// Two archives, because per-file cost decides what parallelism can give:
// - "lab": copies of fixtures/lab (2–60 kB, the lab's real REGISTER/INVITE traffic). Each file
//   takes about a millisecond, so this measures files/s on many tiny captures, where the fixed
//   costs (node and worker start-up, each worker warming up its JIT) weigh most.
// - "synth": captures of about --kb kB written by bench/make-capture.mjs (50 phones registering,
//   calling, some with wrong passwords), the size of a typical per-incident capture; 8 seeds,
//   copied round-robin. Here the work dominates and the speed-up shows.
// Two measurements per archive:
// - "engine": discover + scanFiles in this process (worker start-up included, node start-up not).
//   CPU time is that of the whole process (all threads): parallelism = cpu / wall, so a machine
//   busy with other work shows up as parallelism below the job count.
// - "cli": `node bin/sip401.js scan DIR -f json` end to end, what a user waits for.
// - "warm": the same worker (dist/batch/worker-entry.cjs, as scan starts it) on a pool that has
//   already analysed the archive once, timed on a second pass: the steady state of a long archive
//   scan. Each worker thread is its own V8 isolate and warms its JIT up on its own — the first ~40
//   files of a fresh worker run 2–4× slower — so on a 3-second benchmark two workers pay that
//   warm-up twice, which a scan of hours does not notice. "warm-up" is the extra CPU of the first
//   pass per worker. The per-core figures of docs/archive-scale.md come from the warm --jobs 1 line.
// Job counts alternate round by round so a change in machine load hits both alike; medians are shown.
import { spawnSync } from "node:child_process";
import { Piscina } from "piscina";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { discover } from "../dist/batch/discover.js";
import { scanFiles } from "../dist/batch/pool.js";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const FILES = opt("files", 200);
const ROUNDS = opt("rounds", 5);
const KB = opt("kb", 256);
const SEEDS = 8;
const repo = fileURLToPath(new URL("..", import.meta.url));
const bin = join(repo, "bin/sip401.js");
const work = mkdtempSync(join(tmpdir(), "sip401-bench-scan-"));

/** fill copies `sources` round-robin into a new folder of FILES files; returns the folder and its bytes. */
function fill(folder, name, sources) {
  const dir = join(work, folder);
  mkdirSync(dir);
  for (let i = 0; i < FILES; i++) {
    const src = sources[i % sources.length];
    copyFileSync(src, join(dir, `${String(i).padStart(4, "0")}-${src.slice(src.lastIndexOf("/") + 1)}`));
  }
  return { name, dir, bytes: readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0) };
}

/** synthSources writes SEEDS captures with bench/make-capture.mjs, or returns undefined when it is absent. */
async function synthSources() {
  let makeCapture;
  try {
    ({ makeCapture } = await import("./make-capture.mjs"));
  } catch {
    return undefined;
  }
  const out = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    const file = join(work, `synth-${seed}.pcap`);
    await makeCapture({ out: file, size: KB * 1024, users: 50, seed });
    out.push(file);
  }
  return out;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** engine times discover + scanFiles in this process; returns wall and CPU seconds. */
async function engine(dir, jobs) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const found = await discover([dir]);
  const rows = await scanFiles(found.files, { jobs, config: { redact: false, records: false } });
  const cu = process.cpuUsage(c0);
  if (rows.length !== FILES || rows.some((r) => r.status !== "ok")) throw new Error(`${dir} did not scan cleanly`);
  return { wall: (performance.now() - t0) / 1000, cpu: (cu.user + cu.system) / 1e6 };
}

/** warm times a second pass over the archive on a pool that made a first one; returns both passes' wall and CPU seconds. */
async function warm(dir, jobs) {
  const files = (await discover([dir])).files.map(({ path, rel, size }) => ({ path, rel, size }));
  const pool = new Piscina({ filename: join(repo, "dist/batch/worker-entry.cjs"), minThreads: jobs, maxThreads: jobs, workerData: { redact: false, records: false } });
  const pass = async () => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    let next = 0;
    const lane = async () => {
      while (next < files.length) await pool.run(files[next++]);
    };
    await Promise.all(Array.from({ length: jobs }, lane));
    const cu = process.cpuUsage(c0);
    return { wall: (performance.now() - t0) / 1000, cpu: (cu.user + cu.system) / 1e6 };
  };
  try {
    const first = await pass();
    return { first, second: await pass() };
  } finally {
    await pool.destroy();
  }
}

/** cli times the command end to end. */
function cli(dir, jobs) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, "scan", dir, "-f", "json", "-j", String(jobs), "--fail-on", "none"], { stdio: ["ignore", "ignore", "pipe"] });
  if (r.status !== 0) throw new Error(`scan failed: ${r.stderr}`);
  return (performance.now() - t0) / 1000;
}

/** measure runs one archive and prints its lines. */
async function measure({ name, dir, bytes }) {
  await engine(dir, 1); // warm the file cache, untimed
  const res = { 1: { engine: [], cli: [], warm: [] }, 2: { engine: [], cli: [], warm: [] } };
  for (let round = 0; round < ROUNDS; round++) {
    for (const jobs of [1, 2]) {
      res[jobs].engine.push(await engine(dir, jobs));
      res[jobs].cli.push(cli(dir, jobs));
      res[jobs].warm.push(await warm(dir, jobs));
    }
  }
  console.log(`\n${name}: ${FILES} files, ${(bytes / 1e6).toFixed(2)} MB`);
  const line = (label, wall, extra = "") =>
    console.log(`  ${label.padEnd(16)} ${wall.toFixed(3).padStart(7)} s  ${(FILES / wall).toFixed(0).padStart(6)} files/s  ${(bytes / 1e6 / wall).toFixed(2).padStart(6)} MB/s${extra}`);
  for (const jobs of [1, 2]) {
    const wall = median(res[jobs].engine.map((x) => x.wall));
    const cpu = median(res[jobs].engine.map((x) => x.cpu));
    line(`engine --jobs ${jobs}`, wall, `  cpu ${cpu.toFixed(3)} s, parallelism ${(cpu / wall).toFixed(2)}`);
  }
  for (const jobs of [1, 2]) line(`cli --jobs ${jobs}`, median(res[jobs].cli));
  for (const jobs of [1, 2]) {
    const w = res[jobs].warm;
    const wall = median(w.map((x) => x.second.wall));
    const cpu = median(w.map((x) => x.second.cpu));
    const warmup = median(w.map((x) => (x.first.cpu - x.second.cpu) / jobs));
    line(`warm --jobs ${jobs}`, wall, `  cpu ${cpu.toFixed(3)} s, parallelism ${(cpu / wall).toFixed(2)}; warm-up ${warmup.toFixed(2)} s CPU per worker`);
  }
  const ratio = (kind, pick) => median(res[1][kind].map(pick)) / median(res[2][kind].map(pick));
  console.log(
    `  speed-up --jobs 2 / --jobs 1: engine ${ratio("engine", (x) => x.wall).toFixed(2)}×, cli ${ratio("cli", (x) => x).toFixed(2)}×, warm ${ratio("warm", (x) => x.second.wall).toFixed(2)}×` +
      ` (CPU per file, warm: --jobs 2 / --jobs 1 = ${(median(res[2].warm.map((x) => x.second.cpu)) / median(res[1].warm.map((x) => x.second.cpu))).toFixed(2)})`,
  );
  const one = median(res[1].warm.map((x) => x.second.cpu));
  console.log(`  per core, warm: ${(FILES / one).toFixed(0)} files/s, ${(bytes / 1e6 / one).toFixed(1)} MB/s (CPU time of --jobs 1)`);
}

try {
  console.log(`sip401 scan benchmark: median of ${ROUNDS} rounds; ${availableParallelism()} CPUs, load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  const lab = join(repo, "fixtures/lab");
  const labFiles = readdirSync(lab).filter((f) => f.endsWith(".pcap")).sort().map((f) => join(lab, f));
  const synth = await synthSources();
  if (synth) await measure(fill("synth", `synth (~${KB} kB captures from bench/make-capture.mjs)`, synth));
  else console.log("\nsynth: skipped (bench/make-capture.mjs not found)");
  await measure(fill("lab", "lab (copies of fixtures/lab)", labFiles));
  console.log(`\nload average at the end: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

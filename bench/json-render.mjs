// Times the JSON renderer on the report of a real capture, in the process that analysed it (so the
// heap holds what the CLI's does when it renders). Needs `npm run build` first.
//
//   node --expose-gc bench/json-render.mjs CAPTURE [RUNS]
//
// Prints one JSON line per run: wall and CPU milliseconds, MB allocated while rendering (heap
// growth plus what each GC freed, from v8.GCProfiler), GC milliseconds and the output's bytes.
// Run 1 is the CLI's case (the renderer not yet compiled); later runs show the steady state. Each
// chunk is measured with Buffer.byteLength, which flattens and encodes it as writing it out does.
import { GCProfiler } from "node:v8";
import { PerformanceObserver } from "node:perf_hooks";
import { analyze } from "../dist/analyze/index.js";
import { renderJsonChunks } from "../dist/report/json.js";

const [file, runsArg = "5"] = process.argv.slice(2);
if (!file) {
  console.error("usage: node --expose-gc bench/json-render.mjs CAPTURE [RUNS]");
  process.exit(2);
}
const report = await analyze([{ input: file, name: file }]);

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ["gc"] });
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

for (let run = 1; run <= Number(runsArg); run++) {
  globalThis.gc?.();
  await settle();
  const gcBefore = gcMs;
  const profiler = new GCProfiler();
  profiler.start();
  const heapBefore = process.memoryUsage().heapUsed;
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  let bytes = 0;
  for (const chunk of renderJsonChunks(report)) bytes += Buffer.byteLength(chunk);
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuBefore);
  const heapAfter = process.memoryUsage().heapUsed;
  // Allocated = growth between collections + whatever each collection found already there.
  let allocated = 0;
  let used = heapBefore;
  for (const s of profiler.stop().statistics) {
    allocated += s.beforeGC.heapStatistics.usedHeapSize - used;
    used = s.afterGC.heapStatistics.usedHeapSize;
  }
  allocated += heapAfter - used;
  await settle(); // let the GC entries of this run arrive
  const round = (x) => Math.round(x);
  console.log(
    JSON.stringify({ run, wallMs: round(wallMs), cpuMs: round((cpu.user + cpu.system) / 1000), allocatedMB: round(allocated / 1e6), gcMs: round(gcMs - gcBefore), bytes }),
  );
}

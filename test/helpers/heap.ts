/**
 * Heap measurements for memory tests: run in a child process (its own heap, `gc` exposed), so
 * what the test runner holds does not blur them.
 */
import { execFileSync } from "node:child_process";
import { REPO } from "./corpus.js";

/**
 * bytesPerItem imports `module` (a path under dist/, e.g. "util/window.js") as `mod`, then runs
 * `make(mod, i)` (the source of a function expression) for i < count, keeping every result, and
 * returns the heap it grew by per result, after full collections.
 */
export function bytesPerItem(module: string, make: string, count = 100_000): number {
  const script = `
    const mod = await import(${JSON.stringify(`${REPO}/dist/${module}`)});
    const make = ${make};
    globalThis.kept = new Array(${count}).fill(0);
    gc(); gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < kept.length; i++) kept[i] = make(mod, i);
    gc(); gc();
    console.log((process.memoryUsage().heapUsed - before) / kept.length);
  `;
  return Number(execFileSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", script], { encoding: "utf8" }));
}

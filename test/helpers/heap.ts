/**
 * Heap measurements for memory tests: run in a child process (its own heap, `gc` exposed), so
 * what the test runner holds does not blur them.
 */
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
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

/**
 * stringCopies runs `script` (module code that may `await import` from dist/ through `DIST`, a
 * string of the folder's path, and must keep what it builds reachable from globalThis), then
 * counts the strings in a heap snapshot whose text is one of `texts` (the search's own copy of
 * each text not counted).
 */
export function stringCopies(script: string, texts: string[]): Record<string, number> {
  const wrapped = `
    const DIST = ${JSON.stringify(`${REPO}/dist`)};
    ${script}
    const v8 = await import("node:v8");
    const { readFileSync, rmSync } = await import("node:fs");
    const file = v8.writeHeapSnapshot(${JSON.stringify(`${tmpdir()}/sip401-copies-`)} + process.pid + ".heapsnapshot");
    const snap = JSON.parse(readFileSync(file, "utf8"));
    rmSync(file);
    const f = snap.snapshot.meta.node_fields, types = snap.snapshot.meta.node_types[0];
    const want = new Set(${JSON.stringify(texts)});
    const counts = Object.fromEntries([...want].map((t) => [t, 0]));
    for (let i = 0; i < snap.nodes.length; i += f.length) {
      const type = types[snap.nodes[i + f.indexOf("type")]];
      const name = snap.strings[snap.nodes[i + f.indexOf("name")]];
      if ((type === "string" || type === "sliced string") && want.has(name)) counts[name]++;
    }
    for (const t of want) counts[t]--;
    console.log(JSON.stringify(counts));
  `;
  return JSON.parse(execFileSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", wrapped], { encoding: "utf8" }));
}

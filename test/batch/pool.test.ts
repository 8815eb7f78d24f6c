/**
 * The worker pool: results in file order whatever the completion order, at most --jobs files in
 * flight, and a worker that dies (out of heap, exits) costs one `crashed` row, not the scan. Uses a
 * stand-in worker (fixtures/test-worker.cjs) so timing and failures are under the test's control.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultWorkerHeapMb, scanFiles } from "../../src/batch/pool.js";

const WORKER = join(import.meta.dirname, "fixtures/test-worker.cjs");
const file = (path: string) => ({ path, rel: path, size: 10 });
const config = { redact: false, records: false };

describe("scanFiles", () => {
  it("returns rows in file order while results arrive in completion order", async () => {
    const files = ["a-delay-120", "b-delay-0", "c-delay-60", "d-delay-0", "e-delay-30"].map(file);
    const started: string[] = [];
    const finished: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const rows = await scanFiles(files, {
      jobs: 2,
      config,
      workerFile: WORKER,
      onStart: (f) => {
        started.push(f.path);
        maxInFlight = Math.max(maxInFlight, ++inFlight);
      },
      onResult: (o) => {
        inFlight--;
        finished.push(o.row.path);
      },
    });
    expect(rows.map((r) => r.path)).toEqual(files.map((f) => f.path));
    expect(started).toEqual(files.map((f) => f.path));
    expect(finished).not.toEqual(files.map((f) => f.path));
    expect(maxInFlight).toBe(2);
  });

  it("a worker that runs out of heap or exits gives a crashed row; the other files are analysed", async () => {
    const files = ["1-ok", "2-oom", "3-ok", "4-exit", "5-ok"].map(file);
    const rows = await scanFiles(files, { jobs: 2, config, workerFile: WORKER, workerHeapMb: 32 });
    expect(rows.map((r) => r.status)).toEqual(["ok", "error", "ok", "error", "ok"]);
    expect(rows[1].error).toMatchObject({ code: "crashed" });
    expect(rows[1].error?.message).toMatch(/^analysis stopped: .*memory/);
    expect(rows[3].error).toMatchObject({ code: "crashed" });
  });

  it("a file that runs past the timeout gives a timed_out row; its worker is replaced", async () => {
    const files = ["1-loop", "2-ok", "3-delay-10"].map(file);
    const rows = await scanFiles(files, { jobs: 1, config, workerFile: WORKER, timeoutS: 0.5 });
    expect(rows.map((r) => r.status)).toEqual(["error", "ok", "ok"]);
    expect(rows[0].error).toEqual({ code: "timed_out", message: "analysis stopped after 0.5 s (--timeout)" });
  });

  it("files that failed in discovery become error rows without a worker", async () => {
    const rows = await scanFiles([{ ...file("dir"), error: { code: "unreadable" as const, message: "permission denied" } }], { jobs: 4, config, workerFile: WORKER });
    expect(rows[0]).toMatchObject({ path: "dir", status: "error", error: { code: "unreadable", message: "permission denied" } });
  });

  it("the default heap cap shares three quarters of memory between workers, within bounds", () => {
    const gib = 1 << 30;
    expect(defaultWorkerHeapMb(2, 24 * gib)).toBe(9216);
    expect(defaultWorkerHeapMb(64, 128 * gib)).toBe(1536);
    expect(defaultWorkerHeapMb(64, 8 * gib)).toBe(512);
    expect(defaultWorkerHeapMb(1, 256 * gib)).toBe(16_384);
  });
});

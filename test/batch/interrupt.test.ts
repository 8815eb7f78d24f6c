/**
 * Stopping a scan (issue 7): Ctrl-C or SIGTERM (what `kubectl delete`, `scancel` and `docker stop`
 * send) shuts the worker pool down, clears the progress line, leaves no temporary output file,
 * prints one line and ends by that signal (the shell reports 128 + its number), so a shell loop
 * running scans stops too — no stack trace, no process left behind.
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ScanInterrupted, scanFiles } from "../../src/batch/pool.js";
import { labCapture, REPO } from "../helpers/corpus.js";

const BIN = join(REPO, "bin/sip401.js");
const WORKER = join(import.meta.dirname, "fixtures/test-worker.cjs");
const config = { redact: false, records: false };

/** An archive that takes seconds to scan: copies of the lab's busiest capture. */
const root = mkdtempSync(join(tmpdir(), "sip401-interrupt-"));
const FILES = 400;
mkdirSync(join(root, "in"));
for (let i = 0; i < FILES; i++) copyFileSync(labCapture("scanner"), join(root, "in", `scan-${String(i).padStart(3, "0")}.pcap`));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("scanFiles with an abort signal", () => {
  it("stops handing out files, abandons the ones in flight (their workers terminated) and rejects with the interruption", async () => {
    const controller = new AbortController();
    const files = ["1-ok", "2-loop", "3-delay-50", "4-ok", "5-ok"].map((path) => ({ path, rel: path, size: 1 }));
    const results: string[] = [];
    const t0 = performance.now();
    const run = scanFiles(files, {
      jobs: 2,
      config,
      workerFile: WORKER,
      signal: controller.signal,
      onResult: (o) => {
        results.push(o.row.path);
        // After the first result, as a Ctrl-C would come while "2-loop" never finishes.
        if (results.length === 1) controller.abort(new ScanInterrupted("SIGINT", 130));
      },
    });
    const err = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ScanInterrupted);
    expect(err).toMatchObject({ signalName: "SIGINT", exitCode: 130, done: 1 });
    expect(results).toEqual(["1-ok"]);
    // The looping file's worker was terminated rather than waited for.
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});

/** scanChild starts a scan and resolves with its exit, after `signal` was sent once `ready` said so. */
function interruptedScan(args: string[], signal: NodeJS.Signals, ready: (stdout: string) => boolean): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; afterSignalMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "scan", ...args], { cwd: REPO });
    let stdout = "";
    let stderr = "";
    let sentAt = 0;
    const poll = setInterval(() => {
      if (sentAt === 0 && ready(stdout)) {
        sentAt = performance.now();
        child.kill(signal);
      }
    }, 10);
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code, by) => {
      clearInterval(poll);
      resolve({ code, signal: by, stderr, afterSignalMs: sentAt === 0 ? -1 : performance.now() - sentAt });
    });
  });
}

describe("sip401 scan interrupted", () => {
  it("SIGINT: ends by SIGINT, one line on stderr, no stack; records already written stay", async () => {
    const r = await interruptedScan([join(root, "in"), "-f", "ndjson", "-j", "2"], "SIGINT", (out) => out.includes("\n"));
    expect([r.code, r.signal], r.stderr).toEqual([null, "SIGINT"]);
    expect(r.stderr).toMatch(new RegExp(`^sip401: scan interrupted \\(SIGINT\\); \\d+ of ${FILES} files done, the records above are all there is\\n$`));
    expect(r.afterSignalMs).toBeGreaterThan(0);
    expect(r.afterSignalMs).toBeLessThan(5000);
  });

  it("SIGTERM with --output: ends by SIGTERM, the temporary file is removed, the target never appears", async () => {
    const outDir = join(root, "out");
    mkdirSync(outDir);
    const r = await interruptedScan([join(root, "in"), "-o", join(outDir, "shard.ndjson"), "-j", "2"], "SIGTERM", () => readdirSync(outDir).some((f) => f.endsWith(".tmp")));
    expect([r.code, r.signal], r.stderr).toEqual([null, "SIGTERM"]);
    expect(r.stderr).toMatch(/^sip401: scan interrupted \(SIGTERM\); \d+ of \d+ files done, .*shard\.ndjson not written\n$/);
    expect(readdirSync(outDir)).toEqual([]);
  });

  // Ctrl-C reaches every process of the terminal's foreground group: the shell running a script
  // too. bash then stops the script only if the program it waited for died of the signal; after
  // an exit(130), which is what sip401 did, it took the program for having handled it and went
  // on: a loop over folders moved to the next scan on every Ctrl-C.
  it("Ctrl-C stops a shell script that runs the scan, not only the scan", async () => {
    const out = await new Promise<string>((resolve, reject) => {
      const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} scan ${JSON.stringify(join(root, "in"))} -j 2 -f ndjson; echo "AFTER THE SCAN"`;
      // Its own process group, as a terminal's foreground job, so the signal can go to all of it.
      const child = spawn("bash", ["-c", cmd], { cwd: REPO, detached: true });
      let text = "";
      let sent = false;
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        text += d;
        if (!sent && text.includes("\n")) {
          sent = true;
          process.kill(-(child.pid as number), "SIGINT");
        }
      });
      child.on("error", reject);
      child.on("close", () => resolve(text));
    });
    expect(out).toContain('"kind":"sip401-scan-row"');
    expect(out).not.toContain("AFTER THE SCAN");
  });

  // `script` (util-linux) gives the scan a real terminal, so the progress bar is drawn and Ctrl-C
  // is a real ^C typed into it (the terminal sends SIGINT to the foreground process).
  const hasScript = spawnSync("script", ["--version"]).status === 0 && existsSync("/bin/bash");
  it.skipIf(!hasScript)("Ctrl-C on a terminal clears the progress line before the last message (skipped without util-linux `script` and bash)", async () => {
    const typed = await new Promise<string>((resolve, reject) => {
      const cmd = `trap 'echo INTERRUPTED' INT; ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} scan ${JSON.stringify(join(root, "in"))} -j 2 -f json; echo "EXIT=$?"`;
      // `script` runs cmd with $SHELL (bash; dash, the /bin/sh of a CI image, handles the SIGINT
      // the terminal sends the whole foreground group differently). sip401 ends by that SIGINT,
      // so a shell running it stops as well, as after any program interrupted by Ctrl-C: the trap
      // lets this one go on to print the status, 128 + 2.
      const child = spawn("script", ["-qec", cmd, "/dev/null"], { cwd: REPO, env: { ...process.env, SHELL: "/bin/bash", COLUMNS: "100" } });
      let text = "";
      let typedCtrlC = false;
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        text += d;
        // Ctrl-C once the bar shows files done. stdin stays open until the shell has printed the
        // exit status: `script` may end the session as soon as its stdin reaches EOF, which cut
        // the EXIT= line off on a slower CI machine.
        if (!typedCtrlC && /\] [1-9]\d*\/\d+ files/.test(text)) {
          typedCtrlC = true;
          child.stdin.write("\x03");
        }
        if (/EXIT=\d+/.test(text) && !child.stdin.writableEnded) child.stdin.end();
      });
      child.on("error", reject);
      child.on("close", () => resolve(text));
    });
    expect(typed).toMatch(/\r\x1b\[Ksip401: scan interrupted \(SIGINT\); \d+ of \d+ files done, no summary written\r?\n(INTERRUPTED\r?\n)?EXIT=130/);
    expect(typed).not.toContain("    at ");
  });
});

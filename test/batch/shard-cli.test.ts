/**
 * Issue 11 end to end with the built CLI and real child processes: a 60-capture archive scanned
 * once, and as 4 shards (by `--shard K/N` and by the batch engines' environment variables, several
 * processes at once as the pods of an Indexed Job would run), then `merge` → the same bytes as the
 * single scan in every summary format; every file in exactly one shard; a missing shard, a
 * truncated shard and bad flags fail in one line with the right exit code.
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHARD_ENV_VARS } from "../../src/batch/shard.js";
import { REPO } from "../helpers/corpus.js";
import { makeArchive60 } from "./archive60.js";

const BIN = join(REPO, "bin/sip401.js");
const FORMATS = ["table", "json", "markdown", "html"] as const;
const archive = makeArchive60();
const out = join(archive.root, "..", `${archive.root.slice(archive.root.lastIndexOf("/") + 1)}-out`);
afterAll(() => {
  rmSync(archive.root, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
});

/** The environment without any batch-engine index (the suite itself may run inside a batch job). */
const BASE_ENV: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1" };
for (const v of SHARD_ENV_VARS) delete BASE_ENV[v];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** sip401 runs the CLI as a child process (asynchronously, so several run at once like pods). */
function sip401(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...BASE_ENV, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const SHARDS = [0, 1, 2, 3];
const shardFile = (k: number, sub = "flag"): string => join(out, sub, `shard-${k}.ndjson`);
let single: Record<(typeof FORMATS)[number], Run>;
let plain: Run;

beforeAll(async () => {
  for (const sub of ["flag", "k8s", "other"]) mkdirSync(join(out, sub), { recursive: true });
  // One worker thread per process: several processes share the machine, as pods share a node.
  const runs = await Promise.all([
    ...FORMATS.map((f) => sip401(["scan", archive.root, "-f", f, "-j", "1"])),
    sip401(["scan", archive.root, "-f", "ndjson", "-j", "1"]),
    ...SHARDS.map((k) => sip401(["scan", archive.root, "--shard", `${k}/4`, "-o", shardFile(k), "-j", "1", "--fail-on", "none"])),
  ]);
  single = Object.fromEntries(FORMATS.map((f, i) => [f, runs[i]])) as typeof single;
  plain = runs[FORMATS.length];
  for (const r of runs.slice(FORMATS.length + 1)) expect(r, r.stderr).toMatchObject({ code: 0, stdout: "" });
}, 120_000);

describe("scan --shard K/N + merge", () => {
  it("every file lands in exactly one shard, and each shard says which it is", () => {
    const seen: string[] = [];
    for (const k of SHARDS) {
      const [header, ...records] = readFileSync(shardFile(k), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l));
      expect(header).toMatchObject({ kind: "sip401-scan-shard", shard: k, shards: 4, files: records.length, scan: { paths: [archive.root] } });
      for (const r of records) expect(r.kind).toBe("sip401-scan-row");
      seen.push(...records.map((r) => r.rel as string));
    }
    expect(seen.sort()).toEqual(archive.rels);
    // A stable, even-enough split: no shard is empty or holds most of the archive.
    for (const k of SHARDS) expect(readFileSync(shardFile(k), "utf8").trimEnd().split("\n").length - 1).toBeGreaterThan(5);
  });

  it("merge prints the single scan's bytes in every summary format, and its exit code", async () => {
    const merged = await Promise.all(FORMATS.map((f) => sip401(["merge", ...SHARDS.map((k) => shardFile(k)), "-f", f])));
    FORMATS.forEach((f, i) => {
      expect(single[f].code, single[f].stderr).toBe(1);
      expect(merged[i].stdout.length).toBeGreaterThan(1000);
      expect(merged[i].stdout, f).toBe(single[f].stdout);
      expect(merged[i].code, merged[i].stderr).toBe(1);
      expect(merged[i].stderr).toBe("");
    });
    const none = await sip401(["merge", ...SHARDS.map((k) => shardFile(k)), "--fail-on", "none", "-o", join(out, "archive.md")]);
    expect(none).toMatchObject({ code: 0, stdout: "" });
    expect(readFileSync(join(out, "archive.md"), "utf8")).toBe(single.markdown.stdout);
  });

  it("a plain scan -f ndjson (no shard) merges into the same summary", async () => {
    writeFileSync(join(out, "other", "plain.ndjson"), plain.stdout);
    expect((await sip401(["merge", join(out, "other", "plain.ndjson"), "-f", "json"])).stdout).toBe(single.json.stdout);
  });

  it("a missing or truncated shard fails in one line naming it, exit 2", async () => {
    const missing = await sip401(["merge", shardFile(0), shardFile(1), shardFile(3)]);
    expect(missing).toEqual({ code: 2, stdout: "", stderr: "sip401: missing shard 2 of 4 (given: 0, 1, 3; shards are numbered 0 to 3)\n" });
    const cut = join(out, "other", "shard-2.ndjson");
    writeFileSync(cut, readFileSync(shardFile(2), "utf8").slice(0, -100));
    const truncated = await sip401(["merge", shardFile(0), shardFile(1), cut, shardFile(3)]);
    expect(truncated.code).toBe(2);
    expect(truncated.stderr).toMatch(new RegExp(`^sip401: ${cut}: truncated — line \\d+ has no end \\(was the scan stopped while writing\\?\\)\\n$`));
    const notOurs = await sip401(["merge", join(REPO, "fixtures/lab/bad_password_udp.pcap")]);
    expect(notOurs.code).toBe(2);
    expect(notOurs.stderr).toMatch(/^sip401: .*bad_password_udp\.pcap: line 1 is not JSON — not the NDJSON output of sip401 scan\n$/);
  });

  it("an empty shard still writes its header, and merge needs it", async () => {
    // One file cut into 3 shards: two of them are empty.
    const root = join(archive.root, "cust-0/bad");
    const parts = await Promise.all([0, 1, 2].map((k) => sip401(["scan", root, "--shard", `${k}/3`, "--fail-on", "none"])));
    const headers = parts.map((p) => p.stdout.trimEnd().split("\n"));
    expect(headers.map((h) => h.length).sort()).toEqual([1, 1, 2]);
    parts.forEach((p, k) => writeFileSync(join(out, "other", `small-${k}.ndjson`), p.stdout));
    const files = [0, 1, 2].map((k) => join(out, "other", `small-${k}.ndjson`));
    const whole = await sip401(["scan", root, "-f", "json"]);
    expect((await sip401(["merge", ...files, "-f", "json"])).stdout).toBe(whole.stdout);
    const empty = headers.findIndex((h) => h.length === 1);
    const r = await sip401(["merge", ...files.filter((_, k) => k !== empty)]);
    expect(r.stderr).toMatch(new RegExp(`^sip401: missing shard ${empty} of 3 `));
  });
});

describe("the Kubernetes / Slurm / AWS Batch flow, by environment variables", () => {
  it("JOB_COMPLETION_INDEX=k for each pod gives the same shards as --shard k/4; merge gives the single scan", async () => {
    const pods = await Promise.all(
      SHARDS.map((k) =>
        sip401(["scan", archive.root, "--shard-from-env", "--shard-count", "4", "-o", shardFile(k, "k8s"), "-j", "1", "--fail-on", "none"], { JOB_COMPLETION_INDEX: String(k) }),
      ),
    );
    for (const p of pods) expect(p, p.stderr).toMatchObject({ code: 0, stdout: "" });
    // One worker thread writes records in file order: the shard files are byte-identical.
    for (const k of SHARDS) expect(readFileSync(shardFile(k, "k8s"), "utf8")).toBe(readFileSync(shardFile(k), "utf8"));
    const merged = await sip401(["merge", ...SHARDS.map((k) => shardFile(k, "k8s"))]);
    expect(merged.stdout).toBe(single.table.stdout);
  });

  it("Slurm (--array=1-4 with --array-base 1) and AWS Batch indices pick the same shards; {shard} in --output names the file by the shard", async () => {
    const [slurm, aws] = await Promise.all([
      sip401(["scan", archive.root, "--shard-from-env", "--shard-count", "4", "--array-base", "1", "-j", "1", "--fail-on", "none"], { SLURM_ARRAY_TASK_ID: "3" }),
      // AWS Batch does not expand variables in a command: the placeholder does it.
      sip401(["scan", archive.root, "--shard-from-env", "--shard-count", "4", "-j", "1", "--fail-on", "none", "-o", join(out, "other", "aws-{shard}-of-{shards}.ndjson")], { AWS_BATCH_JOB_ARRAY_INDEX: "1" }),
    ]);
    expect(slurm.stdout).toBe(readFileSync(shardFile(2), "utf8"));
    expect(aws).toMatchObject({ code: 0, stdout: "" });
    expect(readFileSync(join(out, "other", "aws-1-of-4.ndjson"), "utf8")).toBe(readFileSync(shardFile(1), "utf8"));
  });

  it("a missing variable, an index ≥ N or contradictory flags are one-line usage errors, exit 2", async () => {
    const cases: [string[], Record<string, string>, string][] = [
      [["--shard-from-env", "--shard-count", "4"], { JOB_COMPLETION_INDEX: "4" }, "sip401: JOB_COMPLETION_INDEX is 4, but shards are numbered 0 to 3 (of 4)\n"],
      [["--shard-from-env", "--shard-count", "4"], {}, "sip401: --shard-from-env: none of JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID, AWS_BATCH_JOB_ARRAY_INDEX is set\n"],
      [["--shard-from-env"], { JOB_COMPLETION_INDEX: "0" }, "sip401: --shard-from-env needs --shard-count N (the number of array tasks)\n"],
      [["--shard", "4/4"], {}, "sip401: --shard K is 4, but shards are numbered 0 to 3 (of 4)\n"],
      [["--shard", "1/4", "--shard-from-env", "--shard-count", "4"], { JOB_COMPLETION_INDEX: "1" }, "sip401: give --shard K/N or --shard-from-env, not both\n"],
      [["--shard-count", "4"], {}, "sip401: --shard-count goes with --shard-from-env (or give --shard K/N)\n"],
      [["-o", "shard-{shard}.ndjson"], {}, "sip401: --output shard-{shard}.ndjson: {shard} and {shards} are filled in only with --shard or --shard-from-env\n"],
    ];
    const runs = await Promise.all(cases.map(([args, env]) => sip401(["scan", archive.root, ...args], env)));
    runs.forEach((r, i) => expect(r, cases[i][0].join(" ")).toEqual({ code: 2, stdout: "", stderr: cases[i][2] }));
  });
});

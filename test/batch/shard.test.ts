/**
 * Sharding and merging without analysis: the partition function (pinned, so a change of hash that
 * would split old and new shards differently is caught), `--shard` / `--shard-from-env` parsing,
 * and every way `merge` must refuse a set of files — on shard files written here from rows.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { mergeScanOutputs, readScanOutput } from "../../src/batch/merge.js";
import { parseShard, shardFromEnv, shardHeader, shardOf, type ScanIdentity, type Shard } from "../../src/batch/shard.js";
import { errorRow, scanRecord } from "../../src/batch/summary.js";

const dir = mkdtempSync(join(tmpdir(), "sip401-merge-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("shardOf", () => {
  it("is pinned: SHA-1 of the UTF-8 relative path, first 48 bits big-endian, mod N", () => {
    // Computed once and written down: the same values come from
    // python3 -c 'import hashlib;print(int.from_bytes(hashlib.sha1("a.pcap".encode()).digest()[:6],"big")%4)'
    const pinned: [string, number[]][] = [
      ["cust-0/2026-11-01/00-alg_kernel_lan.pcap", [0, 0, 0, 0, 12, 524]],
      ["cust-1/2026-11-02/01-alg_kernel_wan.pcap", [0, 2, 2, 1, 10, 906]],
      ["a.pcap", [0, 2, 0, 1, 12, 804]],
      ["x/y/z.pcap.gz", [1, 2, 3, 5, 15, 463]],
      ["ünïcödé/ß.pcap", [0, 1, 2, 3, 2, 42]],
      ["cust-0/bad/empty.pcap", [0, 2, 2, 2, 6, 982]],
    ];
    for (const [rel, shards] of pinned) expect([2, 3, 4, 7, 16, 1000].map((n) => shardOf(rel, n)), rel).toEqual(shards);
  });

  it("spreads files evenly enough that no shard idles", () => {
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 8000; i++) counts[shardOf(`site-${i % 37}/2026-11-${i % 30}/trace-${i}.pcap`, 8)]++;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(120);
  });
});

describe("--shard and --shard-from-env", () => {
  it("--shard K/N counts K from 0", () => {
    expect(parseShard("0/4")).toEqual({ index: 0, count: 4 });
    expect(parseShard(" 3 / 4 ")).toEqual({ index: 3, count: 4 });
    expect(() => parseShard("4/4")).toThrow("--shard K is 4, but shards are numbered 0 to 3 (of 4)");
    expect(() => parseShard("1/0")).toThrow(/--shard N must be a whole number from 1/);
    expect(() => parseShard("1-4")).toThrow(/--shard takes K\/N/);
  });

  it("reads the first batch-engine variable set; Slurm arrays from 1 take --array-base 1", () => {
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: "2" }, 4, 0)).toEqual({ index: 2, count: 4, variable: "JOB_COMPLETION_INDEX" });
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: "4" }, 4, 1)).toEqual({ index: 3, count: 4, variable: "SLURM_ARRAY_TASK_ID" });
    expect(shardFromEnv({ AWS_BATCH_JOB_ARRAY_INDEX: "0", SLURM_ARRAY_TASK_ID: "" }, 2, 0)).toMatchObject({ index: 0, variable: "AWS_BATCH_JOB_ARRAY_INDEX" });
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: "1", SLURM_ARRAY_TASK_ID: "3" }, 4, 0)).toMatchObject({ index: 1, variable: "JOB_COMPLETION_INDEX" });
    expect(() => shardFromEnv({}, 4, 0)).toThrow("--shard-from-env: none of JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID, AWS_BATCH_JOB_ARRAY_INDEX is set");
    expect(() => shardFromEnv({ JOB_COMPLETION_INDEX: "4" }, 4, 0)).toThrow("JOB_COMPLETION_INDEX is 4, but shards are numbered 0 to 3 (of 4)");
    expect(() => shardFromEnv({ SLURM_ARRAY_TASK_ID: "0" }, 4, 1)).toThrow("SLURM_ARRAY_TASK_ID=0 is below --array-base 1");
    expect(() => shardFromEnv({ JOB_COMPLETION_INDEX: "x1" }, 4, 0)).toThrow('JOB_COMPLETION_INDEX="x1" is not a whole number');
    expect(() => shardFromEnv({ JOB_COMPLETION_INDEX: "1" }, undefined, 0)).toThrow("--shard-from-env needs --shard-count N");
  });
});

/** A fake archive: rel paths spread over shards by the real partition function. */
const RELS = Array.from({ length: 24 }, (_, i) => `day-${i % 3}/trace-${i}.pcap`);
const SCAN: ScanIdentity = { paths: ["/archive"], include: [], exclude: [], redact: false };

/** writeShard writes shard `s` of the fake archive the way scan does; returns the file name. */
function writeShard(s: Shard, opts: { name?: string; scan?: typeof SCAN; version?: string; edit?: (text: string) => string } = {}): string {
  const rows = RELS.filter((rel) => shardOf(rel, s.count) === s.index).map((rel) => errorRow({ path: `/archive/${rel}`, rel, size: 0 }, { code: "not_a_capture", message: "x" }));
  const text = [shardHeader(s, rows.length, opts.scan ?? SCAN, opts.version ?? "0.1.0"), ...rows.map((r) => scanRecord(r))].join("\n") + "\n";
  const name = join(dir, opts.name ?? `shard-${s.index}-of-${s.count}.ndjson`);
  writeFileSync(name, opts.edit ? opts.edit(text) : text);
  return name;
}

/** mergeFiles runs the merge steps on files; returns the rows' rels or throws the one-line reason. */
async function mergeFiles(names: string[]): Promise<string[]> {
  const outputs = [];
  for (const n of names) outputs.push(await readScanOutput(n));
  return mergeScanOutputs(outputs, "0.1.0").rows.map((r) => r.rel);
}

describe("merge refuses anything but one complete scan", () => {
  const four = [0, 1, 2, 3].map((index) => writeShard({ index, count: 4 }));

  it("all shards: every file exactly once", async () => {
    expect((await mergeFiles(four)).sort()).toEqual([...RELS].sort());
    // Order of the arguments does not matter.
    expect((await mergeFiles([...four].reverse())).sort()).toEqual([...RELS].sort());
  });

  it("a missing shard is named, also when several are", async () => {
    await expect(mergeFiles([four[0], four[1], four[3]])).rejects.toThrow("missing shard 2 of 4 (given: 0, 1, 3; shards are numbered 0 to 3)");
    await expect(mergeFiles([four[1]])).rejects.toThrow("missing shards 0, 2, 3 of 4 (given: 1;");
  });

  it("a duplicate shard, shards of different counts, of different scans or versions", async () => {
    const copy = writeShard({ index: 1, count: 4 }, { name: "copy-of-1.ndjson" });
    await expect(mergeFiles([...four, copy])).rejects.toThrow(`duplicate shard 1 of 4: ${four[1]} and ${copy}`);
    const third = writeShard({ index: 0, count: 3 });
    await expect(mergeFiles([...four, third])).rejects.toThrow(`shards of different shard counts: ${four[0]} (shard 0 of 4), ${third} (shard 0 of 3)`);
    const other = writeShard({ index: 3, count: 4 }, { name: "other-scan.ndjson", scan: { ...SCAN, exclude: ["*.gz"] } });
    await expect(mergeFiles([four[0], four[1], four[2], other])).rejects.toThrow(`shards of different scans: ${four[0]} has exclude [], ${other} has exclude ["*.gz"]`);
    const newer = writeShard({ index: 3, count: 4 }, { name: "newer.ndjson", version: "0.2.0" });
    await expect(mergeFiles([four[0], four[1], four[2], newer])).rejects.toThrow("shards written by different sip401 versions");
  });

  it("a truncated last line, a shard cut at a line boundary, a record in the wrong shard", async () => {
    const cut = writeShard({ index: 2, count: 4 }, { name: "cut.ndjson", edit: (t) => t.slice(0, -20) });
    await expect(mergeFiles([four[0], four[1], cut, four[3]])).rejects.toThrow(/cut\.ndjson: truncated — line \d+ has no end/);
    const short = writeShard({ index: 2, count: 4 }, { name: "short.ndjson", edit: (t) => t.split("\n").slice(0, -2).join("\n") + "\n" });
    await expect(mergeFiles([four[0], four[1], short, four[3]])).rejects.toThrow(/short\.ndjson: shard 2 of 4 is incomplete: its header announces (\d+) captures, the file holds \d+/);
    const moved = writeShard({ index: 2, count: 4 }, { name: "moved.ndjson", edit: (t) => t.replace(/"shard":2/, '"shard":1') });
    await expect(readScanOutput(moved)).rejects.toThrow(/moved\.ndjson: line 2: day-\d\/trace-\d+\.pcap belongs to shard 2, not to shard 1 of 4/);
  });

  it("files that are not sip401 scan NDJSON", async () => {
    const cases: [string, string, string | RegExp][] = [
      ["empty.ndjson", "", "empty.ndjson: empty file — not the NDJSON output of sip401 scan"],
      ["summary.json", '{\n  "kind": "sip401-scan-summary"\n}\n', "summary.json: line 1 is not JSON — not the NDJSON output of sip401 scan"],
      ["other.ndjson", '{"frame":4,"method":"REGISTER"}\n', "other.ndjson: line 1 is not a sip401 scan record (no kind field) — not the NDJSON output of sip401 scan"],
      ["compact.json", '{"kind":"sip401-scan-summary"}\n', 'compact.json: line 1 is not a sip401 scan record (kind "sip401-scan-summary") — not the NDJSON output of sip401 scan'],
      ["joined.ndjson", `${shardHeader({ index: 0, count: 1 }, 0, SCAN, "0.1.0")}\n${shardHeader({ index: 0, count: 1 }, 0, SCAN, "0.1.0")}\n`, "joined.ndjson: a second shard header at line 2"],
      ["v2.ndjson", `${shardHeader({ index: 0, count: 1 }, 0, SCAN, "0.1.0").replace('"version":1', '"version":2')}\n`, "v2.ndjson: shard header version 2, this sip401 reads 1"],
    ];
    for (const [name, text, message] of cases) {
      writeFileSync(join(dir, name), text);
      await expect(readScanOutput(join(dir, name)), name).rejects.toThrow(message);
    }
    await expect(readScanOutput(join(dir, "nope.ndjson"))).rejects.toThrow("nope.ndjson: no such file");
  });

  it("shards and a whole (unsharded) scan do not mix; whole scans of different folders merge unless a file repeats", async () => {
    const rowLine = (rel: string): string => scanRecord(errorRow({ path: `/archive/${rel}`, rel, size: 0 }, { code: "not_a_capture", message: "x" }));
    const a = join(dir, "whole-a.ndjson");
    const b = join(dir, "whole-b.ndjson");
    writeFileSync(a, `${rowLine("a.pcap")}\n${rowLine("b.pcap")}\n`);
    writeFileSync(b, `${rowLine("c.pcap")}\n`);
    expect(await mergeFiles([a, b])).toEqual(["a.pcap", "b.pcap", "c.pcap"]);
    await expect(mergeFiles([...four, a])).rejects.toThrow(`cannot merge shards with a whole scan: ${four[0]} (shard 0 of 4), ${a} (a whole scan, no --shard)`);
    await expect(mergeFiles([a, a])).rejects.toThrow(`/archive/a.pcap is in ${a} twice`);
  });
});

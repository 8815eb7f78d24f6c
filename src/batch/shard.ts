/**
 * Sharding `sip401 scan` across machines (issue 11): a deterministic partition of the discovered
 * files, so that N independent workers of a batch engine (Kubernetes Indexed Job, Slurm array,
 * AWS Batch array, GNU parallel) each scan their part without talking to each other, and
 * `sip401 merge` proves their outputs cover the archive exactly once.
 *
 * The partition key is a file's path relative to the scanned root (`ScanFile.rel`, `/`-separated),
 * never the absolute path: pods mount the archive at different places, and a relative key lets a
 * laptop re-run one shard of a cluster job. The function is
 *
 *     shard(rel, N) = (first 6 bytes of SHA-1(UTF-8 bytes of rel), read big-endian) mod N
 *
 * SHA-1 (FIPS 180-4) is used only as a well-spread, universally available hash — not for
 * security. 48 bits stay exact in a JavaScript number, so the result is the same on every
 * machine, Node version and language (`python3 -c 'import hashlib;print(int.from_bytes(hashlib.sha1(b"a/b.pcap").digest()[:6],"big")%4)'`).
 * Shards are numbered from 0 like the batch engines' indices. The name of the function travels in
 * each shard's header (`SHARD_HASH`), so a merge refuses shards cut by another function.
 */
import { createHash } from "node:crypto";
import { UsageError } from "../cli/errors.js";
import { SCAN_SCHEMA_VERSION } from "./summary.js";

/** Shard is one part of a partition: `index` in 0..count-1. */
export interface Shard {
  index: number;
  count: number;
}

/** The name of the partition function, written in every shard header and checked by merge. */
export const SHARD_HASH = "sha1-48-mod";

/**
 * The environment variables batch engines set to a task's index, all counted from 0 by the engine
 * (Slurm counts from whatever `--array=` says; see `--array-base`). The first one set wins.
 */
export const SHARD_ENV_VARS = ["JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID", "AWS_BATCH_JOB_ARRAY_INDEX"] as const;

/** The largest shard count accepted: far beyond any batch array, small enough to list gaps. */
export const MAX_SHARDS = 100_000;

/** shardOf is the shard (0-based) a relative path belongs to among `count` shards. */
export function shardOf(rel: string, count: number): number {
  const digest = createHash("sha1").update(rel, "utf8").digest();
  return digest.readUIntBE(0, 6) % count;
}

/** checkCount validates a shard count. */
function checkCount(count: number, what: string): number {
  if (!Number.isInteger(count) || count < 1 || count > MAX_SHARDS) throw new UsageError(`${what} must be a whole number from 1 to ${MAX_SHARDS} (got ${count})`);
  return count;
}

/** checkIndex validates a 0-based index against its count. */
function checkIndex(index: number, count: number, what: string): Shard {
  if (index >= count) throw new UsageError(`${what} is ${index}, but shards are numbered 0 to ${count - 1} (of ${count})`);
  return { index, count };
}

/** parseShard reads `--shard K/N` (K counted from 0, like the batch engines' indices). */
export function parseShard(spec: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(spec);
  if (!m) throw new UsageError(`--shard takes K/N, shard K (from 0) of N (got ${JSON.stringify(spec)})`);
  return checkIndex(Number(m[1]), checkCount(Number(m[2]), "--shard N"), "--shard K");
}

/**
 * shardFromEnv reads the shard index from the first batch-engine variable that is set, minus
 * `base` (1 for a Slurm array submitted as `--array=1-N`), and the count from `--shard-count`.
 * A missing or malformed variable is a usage error: a worker that silently scanned shard 0, or
 * everything, would duplicate work and leave a gap nobody notices until the merge.
 */
export function shardFromEnv(env: Readonly<Record<string, string | undefined>>, count: number | undefined, base: number): Shard & { variable: string } {
  if (count === undefined) throw new UsageError("--shard-from-env needs --shard-count N (the number of array tasks)");
  checkCount(count, "--shard-count");
  if (!Number.isInteger(base) || base < 0) throw new UsageError(`--array-base must be a whole number ≥ 0 (got ${base})`);
  const variable = SHARD_ENV_VARS.find((v) => (env[v] ?? "").trim() !== "");
  if (variable === undefined) throw new UsageError(`--shard-from-env: none of ${SHARD_ENV_VARS.join(", ")} is set`);
  const raw = (env[variable] ?? "").trim();
  if (!/^\d+$/.test(raw)) throw new UsageError(`--shard-from-env: ${variable}=${JSON.stringify(raw)} is not a whole number`);
  const given = Number(raw);
  if (given < base) throw new UsageError(`--shard-from-env: ${variable}=${given} is below --array-base ${base}`);
  const what = base === 0 ? `${variable}` : `${variable} - --array-base (${given} - ${base})`;
  return { ...checkIndex(given - base, count, what), variable };
}

/** `kind` of the first line of a shard's NDJSON output. */
export const SHARD_HEADER_KIND = "sip401-scan-shard";

/** ScanIdentity is what makes two shard outputs parts of the same scan. */
export interface ScanIdentity {
  /** The roots as given on the command line (rows' paths start with them). */
  paths: string[];
  include: string[];
  exclude: string[];
  redact: boolean;
}

/**
 * ShardHeader is the first line of `scan --shard` NDJSON, written before any record and also when
 * the shard holds no file, so `merge` can name a missing shard and tell a complete shard from one
 * cut short at a line boundary (`files` records must follow).
 */
export interface ShardHeader {
  kind: typeof SHARD_HEADER_KIND;
  version: typeof SCAN_SCHEMA_VERSION;
  tool: { name: "sip401"; version: string };
  /** This shard, from 0, and the number of shards. */
  shard: number;
  shards: number;
  /** The partition function (SHARD_HASH). */
  hash: string;
  /** Records that follow: one per capture of this shard. */
  files: number;
  scan: ScanIdentity;
}

/** shardHeader is the header line (without newline), keys in a fixed order. */
export function shardHeader(shard: Shard, files: number, scan: ScanIdentity, toolVersion: string): string {
  const header: ShardHeader = {
    kind: SHARD_HEADER_KIND,
    version: SCAN_SCHEMA_VERSION,
    tool: { name: "sip401", version: toolVersion },
    shard: shard.index,
    shards: shard.count,
    hash: SHARD_HASH,
    files,
    scan: { paths: [...scan.paths], include: [...scan.include], exclude: [...scan.exclude], redact: scan.redact },
  };
  return JSON.stringify(header);
}

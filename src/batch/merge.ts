/**
 * `sip401 merge`: read the NDJSON outputs of `scan --shard K/N` (or of a plain `scan -f ndjson`)
 * and give back the rows of the whole archive — after proving that the outputs are exactly one
 * complete scan: every shard present once, all cut the same way from the same scan, each file
 * complete. A merge that quietly summarised 3 of 4 shards would report a clean archive with a
 * quarter of it never read, so every doubt is a one-line error naming the file and the gap.
 *
 * The summary itself is `summarize(rows)` (src/batch/summary.ts): a function of the rows alone,
 * sorted by path, so merged shards print the same bytes as a one-machine scan.
 */
import { createReadStream } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { describeInputReason, UsageError } from "../cli/errors.js";
import { SHARD_HASH, SHARD_HEADER_KIND, shardOf, type ShardHeader } from "./shard.js";
import { RECORD_KIND, rowFromObject, SCAN_SCHEMA_VERSION, type ScanRow } from "./summary.js";

/** MergeError is a reason to refuse the merge; its message is the whole one-line explanation. */
export class MergeError extends UsageError {}

/** ScanOutput is one file given to merge. */
export interface ScanOutput {
  /** The file name as given. */
  name: string;
  /** The shard header; absent for a plain `scan -f ndjson` (the whole scan in one file). */
  header?: ShardHeader;
  rows: ScanRow[];
}

/** Gaps listed by name at most; beyond, a count (a 1000-shard job missing half needs no list). */
const MAX_LISTED = 10;

/** checkHeader checks the fields merge relies on; a header of another version or hash is refused by name. */
function checkHeader(name: string, h: Record<string, unknown>): ShardHeader {
  if (h.version !== SCAN_SCHEMA_VERSION) throw new MergeError(`${name}: shard header version ${JSON.stringify(h.version)}, this sip401 reads ${SCAN_SCHEMA_VERSION}`);
  if (h.hash !== SHARD_HASH) throw new MergeError(`${name}: shard cut by partition ${JSON.stringify(h.hash)}, this sip401 uses ${SHARD_HASH}`);
  const whole = (v: unknown): boolean => typeof v === "number" && Number.isInteger(v) && v >= 0;
  const tool = h.tool as { version?: unknown } | undefined;
  const scan = h.scan as Record<string, unknown> | undefined;
  if (!whole(h.shard) || !whole(h.shards) || (h.shards as number) < 1 || (h.shard as number) >= (h.shards as number) || !whole(h.files) ||
      typeof tool?.version !== "string" || typeof scan !== "object" || !Array.isArray(scan.paths)) {
    throw new MergeError(`${name}: malformed shard header`);
  }
  return h as unknown as ShardHeader;
}

/** lines yields the lines of a file and finally whether its last line was cut (no newline). */
async function* lines(path: string): AsyncGenerator<string, { cut: string | undefined; empty: boolean }> {
  const decoder = new StringDecoder("utf8");
  let pending = "";
  let empty = true;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    empty = false;
    pending += decoder.write(chunk as Buffer);
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      yield pending.slice(0, nl);
      pending = pending.slice(nl + 1);
    }
  }
  pending += decoder.end();
  return { cut: pending === "" ? undefined : pending, empty };
}

/**
 * readScanOutput reads one output file: an optional shard header on the first line, then one
 * record per capture. Refuses anything else by file and line, and a shard whose record count is
 * not the one its header announced (a worker killed between two lines leaves a well-formed file).
 */
export async function readScanOutput(name: string): Promise<ScanOutput> {
  const out: ScanOutput = { name, rows: [] };
  let n = 0;
  const it = lines(name);
  let end: { cut: string | undefined; empty: boolean } | undefined;
  try {
    for (;;) {
      const next = await it.next();
      if (next.done) {
        end = next.value;
        break;
      }
      n++;
      const line = next.value.endsWith("\r") ? next.value.slice(0, -1) : next.value;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new MergeError(`${name}: line ${n} is not JSON — not the NDJSON output of sip401 scan`);
      }
      const kind = (value as { kind?: unknown } | null)?.kind;
      if (kind === SHARD_HEADER_KIND) {
        if (n !== 1) throw new MergeError(`${name}: a second shard header at line ${n} (shard files joined into one? give each file to merge)`);
        out.header = checkHeader(name, value as Record<string, unknown>);
        continue;
      }
      if (kind !== RECORD_KIND) {
        const what = kind === undefined ? "no kind field" : `kind ${JSON.stringify(kind)}`;
        throw new MergeError(`${name}: line ${n} is not a sip401 scan record (${what}) — not the NDJSON output of sip401 scan`);
      }
      let row: ScanRow;
      try {
        row = rowFromObject(value);
      } catch (err) {
        throw new MergeError(`${name}: line ${n}: ${(err as Error).message}`);
      }
      const h = out.header;
      if (h && shardOf(row.rel, h.shards) !== h.shard) {
        throw new MergeError(`${name}: line ${n}: ${row.rel} belongs to shard ${shardOf(row.rel, h.shards)}, not to shard ${h.shard} of ${h.shards}`);
      }
      out.rows.push(row);
    }
  } catch (err) {
    if (err instanceof MergeError) throw err;
    throw new MergeError(`${name}: ${describeInputReason(err)}`);
  } finally {
    // Stopped early by an error: close the file now rather than at garbage collection.
    if (end === undefined) await it.return({ cut: undefined, empty: false });
  }
  if (end.empty) throw new MergeError(`${name}: empty file — not the NDJSON output of sip401 scan`);
  if (end.cut !== undefined) throw new MergeError(`${name}: truncated — line ${n + 1} has no end (was the scan stopped while writing?)`);
  const h = out.header;
  if (h && out.rows.length !== h.files) {
    throw new MergeError(`${name}: shard ${h.shard} of ${h.shards} is incomplete: its header announces ${h.files} captures, the file holds ${out.rows.length}`);
  }
  return out;
}

/** listed names numbers, the first MAX_LISTED of them. */
function listed(xs: readonly number[]): string {
  return xs.length <= MAX_LISTED ? xs.join(", ") : `${xs.slice(0, MAX_LISTED).join(", ")}, … (${xs.length} in all)`;
}

/** describeShard names an output in messages. */
function describeShard(o: ScanOutput): string {
  return o.header ? `${o.name} (shard ${o.header.shard} of ${o.header.shards})` : `${o.name} (a whole scan, no --shard)`;
}

/** checkSameScan refuses shard outputs of different scans, naming the field that differs. */
function checkSameScan(a: ScanOutput & { header: ShardHeader }, b: ScanOutput & { header: ShardHeader }): void {
  if (a.header.shards !== b.header.shards) {
    throw new MergeError(`shards of different shard counts: ${describeShard(a)}, ${describeShard(b)}`);
  }
  if (a.header.tool.version !== b.header.tool.version) {
    throw new MergeError(`shards written by different sip401 versions: ${a.name} by ${a.header.tool.version}, ${b.name} by ${b.header.tool.version}`);
  }
  for (const field of ["paths", "include", "exclude", "redact"] as const) {
    const x = JSON.stringify(a.header.scan[field]);
    const y = JSON.stringify(b.header.scan[field]);
    if (x !== y) throw new MergeError(`shards of different scans: ${a.name} has ${field} ${x}, ${b.name} has ${field} ${y}`);
  }
}

/**
 * mergeScanOutputs checks that the outputs are one complete scan and returns all rows and the
 * sip401 version that scanned them (`fallbackVersion` for plain scans, which carry none).
 *
 * Several plain (unsharded) outputs are accepted as scans of different parts of an archive, as
 * long as no file appears twice; shard outputs must be exactly the shards 0..N-1 of one scan.
 */
export function mergeScanOutputs(outputs: readonly ScanOutput[], fallbackVersion: string): { rows: ScanRow[]; version: string } {
  if (outputs.length === 0) throw new MergeError("merge needs the NDJSON files written by sip401 scan");
  const sharded = outputs.filter((o): o is ScanOutput & { header: ShardHeader } => o.header !== undefined);
  const plain = outputs.find((o) => o.header === undefined);
  if (sharded.length > 0 && plain) throw new MergeError(`cannot merge shards with a whole scan: ${describeShard(sharded[0])}, ${describeShard(plain)}`);
  let version = fallbackVersion;
  if (sharded.length > 0) {
    const first = sharded[0];
    const byIndex = new Map<number, ScanOutput>();
    for (const o of sharded) {
      checkSameScan(first, o);
      const twin = byIndex.get(o.header.shard);
      if (twin) throw new MergeError(`duplicate shard ${o.header.shard} of ${o.header.shards}: ${twin.name} and ${o.name}`);
      byIndex.set(o.header.shard, o);
    }
    const count = first.header.shards;
    const missing: number[] = [];
    for (let i = 0; i < count; i++) if (!byIndex.has(i)) missing.push(i);
    if (missing.length > 0) {
      const have = [...byIndex.keys()].sort((a, b) => a - b);
      throw new MergeError(`missing shard${missing.length > 1 ? "s" : ""} ${listed(missing)} of ${count} (given: ${listed(have)}; shards are numbered 0 to ${count - 1})`);
    }
    version = first.header.tool.version;
  }
  const rows: ScanRow[] = [];
  const seen = new Map<string, string>();
  for (const o of outputs) {
    for (const row of o.rows) {
      const where = seen.get(row.path);
      if (where !== undefined) throw new MergeError(`${row.path} is in ${where === o.name ? `${o.name} twice` : `both ${where} and ${o.name}`}`);
      seen.set(row.path, o.name);
      rows.push(row);
    }
  }
  return { rows, version };
}

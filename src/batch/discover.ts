/**
 * Finding the captures under the paths given to `sip401 scan`: a recursive walk, capture
 * detection, `--include`/`--exclude` globs and one deterministic order.
 *
 * What counts as a capture: a file named like one (`.pcap`, `.pcapng`, `.cap`, `.dmp`, each
 * optionally `.gz`) or any file whose first bytes are a pcap/pcapng magic, directly or inside
 * gzip. Named-like-a-capture files are always reported, so an empty or damaged `x.pcap` becomes an
 * error row rather than vanishing; other files that do not start like a capture are skipped
 * (READMEs, key logs, rotated text logs beside the captures). A file or directory that cannot be
 * read at all is reported too: whether it held captures is unknown, and a silent gap in an archive
 * scan is worse than a noisy row. Paths given on the command line are always reported; one that is
 * not a regular file (a FIFO, a device) as an error row, unread.
 *
 * Symbolic links to files are followed; links to directories are not (they would scan a tree twice
 * or loop), except when the link is itself a path given on the command line.
 */
import type { Dirent } from "node:fs";
import { open, readdir, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { constants as zlibConstants, gunzipSync } from "node:zlib";
import { sniffMagic } from "../capture/sniff.js";
import { compileGlob, matchesAny } from "./glob.js";
import { shardOf, type Shard } from "./shard.js";
import { byCodeUnits, scanErrorOf, type ScanError } from "./summary.js";

/** ScanFile is one file to analyse (or, with `error`, one that could not even be looked at). */
export interface ScanFile {
  /** The path to show and to open: the root as given, joined with `rel`. */
  path: string;
  /** Path relative to the root it was found under, `/`-separated (a root that is a file: its name). Globs match this. */
  rel: string;
  /** Size on disk in bytes (compressed size for gzip files); 0 when unknown. */
  size: number;
  /** Set when discovery itself failed (a directory that cannot be listed, a file that cannot be stat'ed). */
  error?: ScanError;
}

/** DiscoverOptions refine the set of files. */
export interface DiscoverOptions {
  /** When given, only files whose relative path (or name) matches one of these globs are examined. */
  include?: readonly string[];
  /** Files, and directories, matching one of these globs are left out. */
  exclude?: readonly string[];
  /**
   * Keep only the files of this shard (by `shardOf(rel)`). Applied before files are opened, so a
   * shard of a huge archive stats and sniffs its own files only; the walk itself is shared.
   */
  shard?: Shard;
}

/** Discovery is the outcome of the walk. */
export interface Discovery {
  /** The files to analyse, sorted by `path` (UTF-16 code units, locale-independent), without duplicates. */
  files: ScanFile[];
  /** Files examined and found not to be captures. */
  skipped: number;
  /** Roots that do not exist (a usage error for the CLI). */
  missing: string[];
}

/** Extensions of capture files (lower case), each also recognised with `.gz` appended. */
export const CAPTURE_EXTENSIONS: readonly string[] = [".pcap", ".pcapng", ".cap", ".dmp"];

/** How many bytes are read to tell whether a file is a capture (gzip needs a little inflating). */
const SNIFF_READ_BYTES = 4096;
/** Files examined at once: enough to hide disk latency, few enough to stay far from fd limits. */
const STAT_CONCURRENCY = 16;

/** hasCaptureName says whether a file name has a capture extension (optionally with `.gz`). */
export function hasCaptureName(name: string): boolean {
  const lower = name.toLowerCase().replace(/\.gz$/, "");
  return CAPTURE_EXTENSIONS.some((ext) => lower.endsWith(ext) && lower.length > ext.length);
}

/**
 * looksLikeCapture says whether the first bytes of a file are a capture: a pcap/pcapng magic, or
 * a gzip stream whose first inflated bytes are one. Undecidable gzip (too little inflated from the
 * head) counts as a capture so that the analysis, which reads it all, has the last word.
 */
export function looksLikeCapture(head: Uint8Array): boolean {
  const magic = sniffMagic(head);
  if (magic.kind === "pcap" || magic.kind === "pcapng") return true;
  if (magic.kind !== "gzip") return false;
  let inner: Buffer;
  try {
    // A sync flush inflates what the partial input holds instead of failing on the missing end.
    inner = gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: 1 << 20 });
  } catch (err) {
    // Output beyond the cap means a very compressible start: let the analysis decide.
    return err instanceof RangeError;
  }
  if (inner.length < 4) return true;
  const k = sniffMagic(inner).kind;
  return k === "pcap" || k === "pcapng";
}

/** readHead reads the first bytes of a file. */
async function readHead(path: string): Promise<Uint8Array> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(SNIFF_READ_BYTES);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Candidate is a file found by the walk, before it is examined. */
interface Candidate {
  path: string;
  rel: string;
  /** Named on the command line: reported whatever it holds. */
  explicit: boolean;
}

/** Filters are the compiled globs. */
interface Filters {
  include: ReturnType<typeof compileGlob>[];
  exclude: ReturnType<typeof compileGlob>[];
}

/** walk lists a directory tree into `out`, in name order; unreadable directories become error entries. */
async function walk(dir: string, relDir: string, filters: Filters, out: Candidate[], failed: ScanFile[]): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    failed.push({ path: dir, rel: relDir === "" ? "." : relDir, size: 0, error: scanErrorOf(err) });
    return;
  }
  entries.sort((a, b) => byCodeUnits(a.name, b.name));
  for (const e of entries) {
    const rel = relDir === "" ? e.name : `${relDir}/${e.name}`;
    const path = join(dir, e.name);
    if (matchesAny(filters.exclude, rel)) continue;
    if (e.isDirectory()) await walk(path, rel, filters, out, failed);
    // Links are resolved when examined (links to directories are skipped there); sockets, FIFOs and devices are never captures on disk.
    else if (e.isFile() || e.isSymbolicLink()) out.push({ path, rel, explicit: false });
  }
}

/**
 * examine decides whether a candidate is a capture to analyse: the file (possibly with an error),
 * "skipped" when it is not a capture, undefined when the globs leave it out.
 */
async function examine(c: Candidate, filters: Filters): Promise<ScanFile | undefined | "skipped"> {
  if (filters.include.length > 0 && !matchesAny(filters.include, c.rel)) return undefined;
  let size = 0;
  try {
    const st = await stat(c.path);
    // A link to a directory met during the walk: not followed (see the module comment).
    if (st.isDirectory()) return undefined;
    if (!st.isFile()) {
      if (!c.explicit) return undefined;
      // Named on the command line: an error row, not a read. A FIFO without a writer would block
      // the read forever, and a device is no archive; sip401 analyze reads a pipe.
      const what = st.isFIFO() ? "a named pipe (FIFO)" : st.isSocket() ? "a socket" : st.isCharacterDevice() || st.isBlockDevice() ? "a device" : "a special file";
      return { path: c.path, rel: c.rel, size: 0, error: { code: "not_a_capture", message: `${what}, not a capture file (sip401 analyze reads a pipe)` } };
    }
    size = st.size;
  } catch (err) {
    return { path: c.path, rel: c.rel, size: 0, error: scanErrorOf(err) };
  }
  if (c.explicit || hasCaptureName(c.rel)) return { path: c.path, rel: c.rel, size };
  try {
    return looksLikeCapture(await readHead(c.path)) ? { path: c.path, rel: c.rel, size } : "skipped";
  } catch (err) {
    return { path: c.path, rel: c.rel, size, error: scanErrorOf(err) };
  }
}

/** mapLimited runs `fn` over `items` with at most `limit` calls in flight; results keep input order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

/**
 * discover walks the roots (files or directories) and returns the captures to analyse, sorted by
 * path so that results never depend on directory listing order or on worker timing.
 */
export async function discover(roots: readonly string[], opts: DiscoverOptions = {}): Promise<Discovery> {
  const filters: Filters = { include: (opts.include ?? []).map(compileGlob), exclude: (opts.exclude ?? []).map(compileGlob) };
  const candidates: Candidate[] = [];
  const failed: ScanFile[] = [];
  const missing: string[] = [];
  for (const root of roots) {
    let isDir: boolean;
    try {
      isDir = (await stat(root)).isDirectory();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") missing.push(root);
      else failed.push({ path: root, rel: basename(root), size: 0, error: scanErrorOf(err) });
      continue;
    }
    if (isDir) await walk(root, "", filters, candidates, failed);
    else if (!matchesAny(filters.exclude, basename(root))) candidates.push({ path: root, rel: basename(root), explicit: true });
  }
  // The same file reached twice (`scan dir dir/a.pcap`) is examined once, under the first
  // spelling in path order. Done before sharding: the two spellings have different relative paths,
  // so they could fall into two shards and be analysed twice.
  // A file named on the command line stays reported whatever it holds, under either spelling.
  candidates.sort((a, b) => byCodeUnits(a.path, b.path));
  const firstSpelling = new Map<string, Candidate>();
  const once = candidates.filter((c) => {
    const key = resolve(c.path);
    const first = firstSpelling.get(key);
    if (first) first.explicit ||= c.explicit;
    else firstSpelling.set(key, c);
    return !first;
  });
  const inShard = (rel: string): boolean => opts.shard === undefined || shardOf(rel, opts.shard.count) === opts.shard.index;
  const mine = once.filter((c) => inShard(c.rel));
  let skipped = 0;
  const examined = await mapLimited(mine, STAT_CONCURRENCY, (c) => examine(c, filters));
  const files: ScanFile[] = failed.filter((f) => inShard(f.rel));
  for (const f of examined) {
    if (f === "skipped") skipped++;
    else if (f) files.push(f);
  }
  // A root that could not be examined may also have been reached by the walk: listed once.
  files.sort((a, b) => byCodeUnits(a.path, b.path));
  const seen = new Set<string>();
  const unique = files.filter((f) => {
    const key = resolve(f.path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { files: unique, skipped, missing };
}

/**
 * Atomic output files: write a temporary file beside the target, then rename it over the target,
 * so an interrupted run never leaves half a report under the final name. Only for regular files:
 * a target that is a device, a FIFO or a socket (`-o /dev/null`, `-o /dev/stdout`, a process
 * substitution) is written in place. Renamed over, /dev/null itself was replaced by a regular
 * file when root ran `-o /dev/null`.
 */
import { randomBytes } from "node:crypto";
import { constants, createWriteStream, statSync } from "node:fs";
import { access, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { drainOrClose } from "../capture/source.js";
import { OutputError } from "./errors.js";

/** tempPathFor names the temporary file beside `path` (same filesystem, so the rename is atomic). */
function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
}

/**
 * checkWritable fails early, with OutputError, when `path` cannot be written: its directory is
 * missing or not writable, or `path` is a directory. The commands call it before they read any
 * capture, rather than finding out after an hour's scan.
 */
export async function checkWritable(path: string): Promise<void> {
  const st = await stat(path).catch(() => undefined);
  if (st?.isDirectory()) throw new OutputError(path, Object.assign(new Error("is a directory"), { code: "EISDIR" }));
  // Written in place (see inPlace): the target itself must be writable, not its directory.
  await access(inPlace(path) ? path : dirname(path), constants.W_OK).catch((err: unknown) => {
    throw new OutputError(path, err);
  });
}

/**
 * inPlace says whether `path` names something that exists and is not a regular file or a
 * directory (links followed: /dev/stdout is a link to the process's own descriptor): a device,
 * FIFO or socket, which is written directly, since no rename can be atomic over it.
 */
function inPlace(path: string): boolean {
  try {
    const st = statSync(path);
    return !st.isFile() && !st.isDirectory();
  } catch {
    return false;
  }
}

/** writeAtomic writes `text` to `path` atomically (rename is atomic within one filesystem). */
export async function writeAtomic(path: string, text: string): Promise<void> {
  if (inPlace(path)) {
    await writeFile(path, text).catch((err: unknown) => {
      throw new OutputError(path, err);
    });
    return;
  }
  const tmp = tempPathFor(path);
  try {
    await writeFile(tmp, text, { mode: 0o644 });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new OutputError(path, err);
  }
}

/** writeChunksAtomic is writeAtomic for text that comes in pieces (written as they come, with back-pressure). */
export async function writeChunksAtomic(path: string, chunks: Iterable<string>): Promise<void> {
  const file = openAtomic(path);
  try {
    for (const chunk of chunks) {
      // A failed stream never drains: close ends the wait too, and commit reports the error.
      if (!file.stream.write(chunk) && !file.stream.destroyed) await drainOrClose(file.stream);
    }
  } catch (err) {
    await file.abort();
    throw err;
  }
  await file.commit();
}

/** AtomicFile is an output streamed to a temporary file and renamed into place only when complete. */
export interface AtomicFile {
  stream: Writable;
  /** commit ends the stream and renames the file into place. */
  commit(): Promise<void>;
  /** abort drops the temporary file; the target is left as it was. */
  abort(): Promise<void>;
}

/**
 * openAtomic is writeAtomic for output too long to hold in memory (`scan --format ndjson -o`): a
 * reader of `path` sees either the previous file or the complete new one, never a partial shard.
 */
export function openAtomic(path: string): AtomicFile {
  if (inPlace(path)) return openInPlace(path);
  const tmp = tempPathFor(path);
  const stream = createWriteStream(tmp, { mode: 0o644 });
  // Errors surface through commit (finished rejects); without a listener they would crash the process.
  stream.on("error", () => undefined);
  return {
    stream,
    async commit() {
      stream.end();
      try {
        await finished(stream);
        await rename(tmp, path);
      } catch (err) {
        await rm(tmp, { force: true });
        throw new OutputError(path, err);
      }
    },
    async abort() {
      stream.destroy();
      await finished(stream).catch(() => undefined);
      await rm(tmp, { force: true });
    },
  };
}

/** openInPlace is openAtomic for a device, FIFO or socket: written as it comes, nothing to rename or drop. */
function openInPlace(path: string): AtomicFile {
  const stream = createWriteStream(path);
  stream.on("error", () => undefined);
  return {
    stream,
    async commit() {
      stream.end();
      await finished(stream).catch((err: unknown) => {
        throw new OutputError(path, err);
      });
    },
    async abort() {
      stream.destroy();
      await finished(stream).catch(() => undefined);
    },
  };
}

/**
 * Capture sources: a file path or any byte stream (stdin), transparently gunzipped when the first
 * bytes are a gzip header (RFC 1952), streamed in chunks so a capture is never loaded whole.
 */
import { open } from "node:fs/promises";
import { createGunzip } from "node:zlib";
import type { CaptureSummary, Frame } from "./model.js";
import { CaptureParser, DEFAULT_CAPTURE_LIMITS, NotACaptureError, type CaptureLimits } from "./parser.js";
import type { Secrets } from "./pcapng.js";

/** CaptureInput is a path to a capture file or a stream of its bytes. */
export type CaptureInput = string | AsyncIterable<Uint8Array>;

/** ReadResult is the summary plus anything the container carried besides packets. */
export interface ReadResult extends CaptureSummary {
  /** pcapng Decryption Secrets Blocks (e.g. TLS key logs), in file order. */
  secrets: Secrets[];
}

/**
 * InputFileError names the file of a set that could not be read (`cause`: NotACaptureError or
 * the I/O error). Readers of several files throw it, so a message can say which one failed
 * instead of naming them all; a single file's errors are thrown as they are.
 */
export class InputFileError extends Error {
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(`${file}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "InputFileError";
  }
}

const CHUNK_BYTES = 1 << 20;

/**
 * readCapture streams a capture and calls `onFrame` for every frame, in file order; `ready`, when
 * given, is awaited between chunks so a consumer can apply back-pressure. It throws
 * NotACaptureError (input is not a capture) and I/O errors (missing file, permission); damage
 * inside a capture does not throw: it ends the stream and is described in the result.
 */
export async function readCapture(
  input: CaptureInput,
  onFrame: (frame: Frame) => void,
  limits: CaptureLimits = DEFAULT_CAPTURE_LIMITS,
  ready?: () => Promise<void> | undefined,
): Promise<ReadResult> {
  const parser = new CaptureParser(onFrame, limits);
  const file = typeof input === "string" ? fileChunks(input) : undefined;
  const raw = file ?? (input as AsyncIterable<Uint8Array>);
  let gzip = false;
  let gzipError: string | undefined;
  const it = raw[Symbol.asyncIterator]();
  try {
    const first = await it.next();
    if (!first.done && first.value.length >= 2 && first.value[0] === 0x1f && first.value[1] === 0x8b) {
      gzip = true;
      // zlib holds on to what it is given until it has inflated it: no reused buffer for it.
      if (file) file.reuse = false;
      gzipError = await pumpGunzip(file ? Buffer.from(first.value) : first.value, it, parser, ready);
    } else if (!first.done) {
      parser.push(first.value);
      for (let r = await it.next(); !r.done && !parser.damage; r = await it.next()) {
        // Let a slow consumer (a pipe) catch up between chunks: memory stays bounded.
        await ready?.();
        parser.push(r.value);
      }
    }
  } finally {
    // A file left mid-read (damage, not a capture, a consumer that failed) is closed now: left to
    // the garbage collector, Node closes it with a DEP0137 warning on stderr, a second line under
    // the one-line error. A finished read has closed it already, and this is then a no-op.
    if (file) await it.return?.();
  }
  parser.end(gzipError);
  return {
    format: parser.format ?? "pcap",
    gzip,
    frames: parser.frames,
    bytes: parser.bytes,
    firstTsNs: parser.firstTsNs,
    lastTsNs: parser.lastTsNs,
    linkTypes: parser.linkTypes,
    damage: parser.damage,
    secrets: parser.secrets,
  };
}

/**
 * FileChunks reads a file in CHUNK_BYTES pieces into one buffer used over and over. The parser
 * copies whatever outlives a chunk (CaptureParser.push), so reuse is safe, and it matters: a fresh
 * megabyte per chunk, as a read stream allocates, outlives its use long enough to be promoted,
 * and tens of dead chunks then sit in memory until the next full garbage collection.
 */
interface FileChunks extends AsyncIterable<Uint8Array> {
  /** false: every chunk in a buffer of its own (for consumers that keep it, like zlib). */
  reuse: boolean;
}

function fileChunks(path: string): FileChunks {
  const chunks: FileChunks = {
    reuse: true,
    async *[Symbol.asyncIterator]() {
      const fh = await open(path, "r");
      try {
        let shared: Buffer | undefined;
        for (;;) {
          const buf = chunks.reuse ? (shared ??= Buffer.allocUnsafe(CHUNK_BYTES)) : Buffer.allocUnsafe(CHUNK_BYTES);
          const { bytesRead } = await fh.read(buf, 0, CHUNK_BYTES, null);
          if (bytesRead === 0) return;
          yield buf.subarray(0, bytesRead);
        }
      } finally {
        await fh.close();
      }
    },
  };
  return chunks;
}

/** pumpGunzip decompresses the rest of the input into the parser; returns a reason when gzip itself is damaged. */
async function pumpGunzip(
  first: Uint8Array,
  rest: AsyncIterator<Uint8Array>,
  parser: CaptureParser,
  ready?: () => Promise<void> | undefined,
): Promise<string | undefined> {
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  const feed = (async () => {
    try {
      let chunk: Uint8Array | undefined = first;
      while (chunk) {
        if (!gunzip.write(chunk)) await drainOrClose(gunzip);
        if (parser.damage || gunzip.destroyed) break;
        const r = await rest.next();
        chunk = r.done ? undefined : r.value;
      }
    } finally {
      gunzip.end();
    }
  })();
  let reason: string | undefined;
  try {
    for await (const chunk of gunzip) {
      await ready?.();
      parser.push(chunk as Buffer);
      if (parser.damage) break;
    }
  } catch (err) {
    // The parser's own verdict on the inflated bytes (not a capture) is the answer, not zlib's.
    if (err instanceof NotACaptureError) {
      gunzip.destroy();
      await feed.catch(() => undefined);
      await rest.return?.();
      throw new NotACaptureError(`gzip-compressed; inflated content ${err.start}`);
    }
    // zlib reports a cut or corrupt gzip stream as an error after delivering what it could inflate.
    reason = `gzip stream damaged (${(err as Error).message})`;
  }
  gunzip.destroy();
  await feed.catch(() => undefined);
  await rest.return?.();
  return parser.damage ? undefined : reason;
}

/** drainOrClose waits until a writable can take more, or is gone (so a stopped reader cannot hang us). */
export function drainOrClose(w: NodeJS.WritableStream & { once(ev: string, fn: () => void): unknown; off(ev: string, fn: () => void): unknown }): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      w.off("drain", done);
      w.off("close", done);
      resolve();
    };
    w.once("drain", done);
    w.once("close", done);
  });
}

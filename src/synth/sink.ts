/**
 * Byte sinks the capture writers emit into. Writers never hold a whole file: they hand each
 * header/record/block to a sink as soon as it is built, so the same writer can fill an
 * in-memory chunk list for a small fixture or stream a multi-gigabyte benchmark file to disk.
 */

import { closeSync, openSync, writeSync } from "node:fs";
import { once } from "node:events";
import type { Writable } from "node:stream";
import { concatBytes } from "./bytes.js";

/** Receives the bytes of a capture file in order. */
export interface ByteSink {
  /** Takes ownership of `chunk`: callers must not modify it afterwards. */
  write(chunk: Uint8Array): void;
}

/** Keeps every chunk in memory; for fixtures and tests. */
export class MemorySink implements ByteSink {
  /** The chunks written so far, in order. */
  readonly chunks: Uint8Array[] = [];
  /** Total bytes written. */
  size = 0;

  write(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  /** The concatenation of all chunks. */
  toBytes(): Uint8Array {
    return concatBytes(this.chunks);
  }
}

/**
 * Writes synchronously to a file through a fixed-size buffer, so memory stays bounded no
 * matter how large the capture grows. Call {@link FileSink.close} (or `flush`) at the end.
 */
export class FileSink implements ByteSink {
  private readonly fd: number;
  private readonly ownsFd: boolean;
  private readonly buffer: Uint8Array;
  private used = 0;
  /** Total bytes accepted. */
  bytesWritten = 0;

  /**
   * @param target a path (created/truncated) or an already open file descriptor (not closed
   *   by {@link FileSink.close}).
   * @param bufferSize bytes gathered before each `write(2)` (default 1 MiB).
   */
  constructor(target: string | number, bufferSize = 1 << 20) {
    this.ownsFd = typeof target === "string";
    this.fd = typeof target === "string" ? openSync(target, "w") : target;
    this.buffer = new Uint8Array(bufferSize);
  }

  write(chunk: Uint8Array): void {
    this.bytesWritten += chunk.length;
    if (this.used + chunk.length > this.buffer.length) this.flush();
    if (chunk.length >= this.buffer.length) {
      writeAll(this.fd, chunk);
      return;
    }
    this.buffer.set(chunk, this.used);
    this.used += chunk.length;
  }

  /** Writes out the buffered bytes. */
  flush(): void {
    if (this.used > 0) writeAll(this.fd, this.buffer.subarray(0, this.used));
    this.used = 0;
  }

  /** Flushes and, when the sink opened the file itself, closes it. */
  close(): void {
    this.flush();
    if (this.ownsFd) closeSync(this.fd);
  }
}

function writeAll(fd: number, data: Uint8Array): void {
  for (let at = 0; at < data.length; ) at += writeSync(fd, data, at, data.length - at);
}

/**
 * Forwards chunks to a Node writable stream (e.g. `fs.createWriteStream` or a gzip stream).
 * Writers are synchronous, so backpressure is handled by the producer loop: call
 * `await sink.ready()` every so often; it resolves once the stream has drained.
 */
export class StreamSink implements ByteSink {
  private congested = false;

  constructor(private readonly stream: Writable) {}

  write(chunk: Uint8Array): void {
    if (!this.stream.write(chunk)) this.congested = true;
  }

  /** Resolves when the stream can take more data without growing its buffer. */
  async ready(): Promise<void> {
    if (!this.congested) return;
    await once(this.stream, "drain");
    this.congested = false;
  }

  /** Ends the stream and resolves once everything is flushed. */
  async end(): Promise<void> {
    this.stream.end();
    await once(this.stream, "finish");
  }
}

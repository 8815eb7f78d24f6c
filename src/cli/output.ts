/**
 * Buffered line output with back-pressure. A closed pipe (`sip401 messages big.pcap | head`) ends
 * the run quietly instead of raising EPIPE.
 */
import type { Writable } from "node:stream";

/** PipeClosedError stops a run whose reader went away. */
export class PipeClosedError extends Error {
  constructor() {
    super("output pipe closed");
  }
}

export class LineWriter {
  private pending = "";
  closed = false;

  constructor(
    private readonly out: Writable,
    private readonly flushAt = 64 * 1024,
  ) {
    out.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE") this.closed = true;
    });
  }

  /** line queues one line, handing full buffers to the stream. */
  line(s: string): void {
    this.pending += s + "\n";
    if (this.pending.length >= this.flushAt) this.write();
  }

  /** text queues text as it is (no newline added), handing full buffers to the stream. */
  text(s: string): void {
    this.pending += s;
    if (this.pending.length >= this.flushAt) this.write();
  }

  /** ready resolves once the stream can take more (undefined when it already can). */
  ready = (): Promise<void> | undefined => {
    if (this.closed) return Promise.reject(new PipeClosedError());
    if (!this.out.writableNeedDrain) return undefined;
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        this.out.off("drain", done);
        this.out.off("close", done);
        this.out.off("error", done);
        if (this.closed) reject(new PipeClosedError());
        else resolve();
      };
      this.out.once("drain", done);
      this.out.once("close", done);
      this.out.once("error", done);
    });
  };

  /** flush writes what is queued and waits until the stream accepted it. */
  async flush(): Promise<void> {
    this.write();
    await this.ready();
  }

  private write(): void {
    if (this.pending.length === 0 || this.closed) return;
    this.out.write(this.pending);
    this.pending = "";
  }
}

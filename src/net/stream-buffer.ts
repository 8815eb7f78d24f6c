/**
 * StreamBuffer holds the not-yet-consumed bytes of one reassembled stream direction together with
 * the frames that carried them, so a message cut from it can name every frame it came from.
 * Bytes are copied in (the caller's views die after its callback).
 */
export class StreamBuffer {
  /** Backing store; valid bytes are [0, len). */
  buf = Buffer.alloc(0);
  len = 0;
  /** Absolute stream offset of buf[0]. */
  private base = 0;
  private markEnds: number[] = [];
  private markFrames: number[] = [];

  /** append copies `bytes` in and records that `carrierFrame` carried them. */
  append(bytes: Uint8Array, carrierFrame: number): void {
    const need = this.len + bytes.length;
    if (need > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2, 4096));
      this.buf.copy(next, 0, 0, this.len);
      this.buf = next;
    }
    this.buf.set(bytes, this.len);
    this.len = need;
    const end = this.base + this.len;
    const n = this.markEnds.length;
    if (n > 0 && this.markFrames[n - 1] === carrierFrame) this.markEnds[n - 1] = end;
    else {
      this.markEnds.push(end);
      this.markFrames.push(carrierFrame);
    }
  }

  /** drop removes n bytes from the front. */
  drop(n: number): void {
    if (n <= 0) return;
    n = Math.min(n, this.len);
    this.buf.copy(this.buf, 0, n, this.len);
    this.len -= n;
    this.base += n;
    let k = 0;
    while (k < this.markEnds.length && this.markEnds[k] <= this.base) k++;
    if (k > 0) {
      this.markEnds.splice(0, k);
      this.markFrames.splice(0, k);
    }
  }

  /** framesOf lists, ascending, the frames that carried bytes [0, n) of the buffer. */
  framesOf(n: number): number[] {
    const absEnd = this.base + n;
    const out: number[] = [];
    for (let k = 0; k < this.markEnds.length; k++) {
      if (!out.includes(this.markFrames[k])) out.push(this.markFrames[k]);
      if (this.markEnds[k] >= absEnd) break;
    }
    return out.sort((a, b) => a - b);
  }

  /** copy returns an owned copy of bytes [from, to). */
  copy(from: number, to: number): Uint8Array {
    return Uint8Array.prototype.slice.call(this.buf, from, to);
  }
}

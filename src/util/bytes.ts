/**
 * ownedCopy returns a copy of bytes [start, end) that owns its memory. Captured bytes are often
 * Node Buffers, whose `slice` is a view (Node docs, buf.slice: "references the same memory as the
 * original"), not a copy: a "copy" made that way pins the whole read chunk (1 MiB) in memory for as
 * long as the piece lives, and sees its bytes change when a stream buffer is compacted.
 */
export function ownedCopy(b: Uint8Array, start = 0, end = b.length): Uint8Array {
  const from = clamp(start, b.length);
  const to = Math.max(from, clamp(end, b.length));
  // Copied into Node's small-allocation pool (a fresh, never reused slice of a shared slab): for
  // message-sized pieces this is several times cheaper than slice(), whose Buffer species goes
  // through Buffer's JavaScript constructor for every copy.
  const out = Buffer.allocUnsafe(to - from);
  copyBytes.call(b, out, 0, from, to);
  return out;
}

/** Buffer's copy works on any Uint8Array source; it avoids making a subarray object per copy. */
const copyBytes = Buffer.prototype.copy as (this: Uint8Array, target: Uint8Array, targetStart: number, sourceStart: number, sourceEnd: number) => number;

/** clamp resolves a slice() index (negative counts from the end) into [0, length]. */
function clamp(i: number, length: number): number {
  return i < 0 ? Math.max(length + i, 0) : Math.min(i, length);
}

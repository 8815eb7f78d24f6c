/**
 * Mutations of capture files for fuzzing: the classic byte-level ones (bit flips, interesting
 * values, truncation, deleted and duplicated ranges, splices from another file) and
 * structure-aware ones that keep the pcap/pcapng container readable so the mutation reaches the
 * decoders behind it (a flipped byte inside a packet, a length field inside a packet set to 0 or
 * its maximum, a record duplicated, dropped or swapped, a record's claimed length changed).
 *
 * Deterministic for a given {@link SeededRandom}, so a run is reproduced from its seed.
 */

import { concatBytes as concat } from "./bytes.js";
import type { SeededRandom } from "./random.js";

/** A record of a capture: the whole record/block and its packet bytes. */
export interface CaptureRecord {
  /** Offset of the record header / block start. */
  start: number;
  /** Offset just past the record / block. */
  end: number;
  /** Packet data inside the record (empty range for blocks without a packet). */
  dataStart: number;
  dataEnd: number;
  /** Offset of the record's own length field(s) (pcap caplen; pcapng leading block length). */
  lengthAt: number;
  littleEndian: boolean;
}

/** The container layout of a capture, as far as it is intact. */
export interface CaptureLayout {
  format: "pcap" | "pcapng";
  records: CaptureRecord[];
}

const u32 = (b: Uint8Array, at: number, le: boolean): number =>
  le ? (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0 : ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;

/**
 * layoutOf walks a pcap (draft-ietf-opsawg-pcap §4-5) or pcapng (draft-ietf-opsawg-pcapng §3-4)
 * file and returns its records up to the first inconsistency; null when it is neither.
 */
export function layoutOf(b: Uint8Array): CaptureLayout | null {
  if (b.length < 24) return null;
  const magicLe = u32(b, 0, true);
  if (magicLe === 0xa1b2c3d4 || magicLe === 0xa1b23c4d || u32(b, 0, false) === 0xa1b2c3d4 || u32(b, 0, false) === 0xa1b23c4d) {
    const le = magicLe === 0xa1b2c3d4 || magicLe === 0xa1b23c4d;
    const records: CaptureRecord[] = [];
    for (let at = 24; at + 16 <= b.length; ) {
      const cap = u32(b, at + 8, le);
      if (at + 16 + cap > b.length) break;
      records.push({ start: at, end: at + 16 + cap, dataStart: at + 16, dataEnd: at + 16 + cap, lengthAt: at + 8, littleEndian: le });
      at += 16 + cap;
    }
    return { format: "pcap", records };
  }
  if (u32(b, 0, false) !== 0x0a0d0d0a) return null;
  const records: CaptureRecord[] = [];
  let le = true;
  for (let at = 0; at + 12 <= b.length; ) {
    if (u32(b, at, false) === 0x0a0d0d0a) le = u32(b, at + 8, true) === 0x1a2b3c4d;
    const type = u32(b, at, le);
    const len = u32(b, at + 4, le);
    if (len < 12 || len % 4 !== 0 || at + len > b.length) break;
    let dataStart = at + 8;
    let dataEnd = at + 8;
    if (type === 6 || type === 2) {
      dataStart = at + 28;
      dataEnd = Math.min(at + len - 4, dataStart + u32(b, at + 20, le));
    } else if (type === 3) {
      dataStart = at + 12;
      dataEnd = at + len - 4;
    }
    records.push({ start: at, end: at + len, dataStart, dataEnd: Math.max(dataStart, dataEnd), lengthAt: at + 4, littleEndian: le });
    at += len;
  }
  return { format: "pcapng", records };
}

/** Values that find boundary bugs in length and count fields. */
const INTERESTING_16 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff];
const INTERESTING_32 = [0, 1, 0xff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

function putU(b: Uint8Array, at: number, bytes: number, v: number, le: boolean): void {
  for (let i = 0; i < bytes && at + i < b.length; i++) {
    const shift = le ? 8 * i : 8 * (bytes - 1 - i);
    b[at + i] = Math.floor(v / 2 ** shift) & 0xff;
  }
}

/** The mutation operators, by name (the names are what a run logs for reproduction). */
export const MUTATIONS = [
  "flip-bits",
  "interesting-byte",
  "truncate",
  "delete-range",
  "duplicate-range",
  "splice",
  "packet-flip",
  "packet-field-16",
  "packet-field-32",
  "packet-truncate",
  "record-duplicate",
  "record-drop",
  "record-swap",
  "record-length",
] as const;
export type MutationName = (typeof MUTATIONS)[number];

/**
 * mutateOnce applies one operator (chosen by `rng` unless given) and returns the new bytes and
 * the operator's name. `donor` feeds splices. Structure-aware operators fall back to a bit flip
 * when the file has no intact record.
 */
export function mutateOnce(input: Uint8Array, rng: SeededRandom, donor?: Uint8Array, op?: MutationName): { bytes: Uint8Array; op: string } {
  const name = op ?? MUTATIONS[rng.int(MUTATIONS.length)];
  const b = Uint8Array.from(input);
  const n = b.length;
  const pos = (): number => (n === 0 ? 0 : rng.int(n));
  const layout = name.startsWith("packet-") || name.startsWith("record-") ? layoutOf(b) : null;
  const recs = layout?.records.filter((r) => (name.startsWith("packet-") ? r.dataEnd > r.dataStart : true)) ?? [];
  if ((name.startsWith("packet-") || name.startsWith("record-")) && recs.length === 0) return mutateOnce(input, rng, donor, "flip-bits");
  const rec = recs.length > 0 ? recs[rng.int(recs.length)] : undefined;
  switch (name) {
    case "flip-bits": {
      const k = 1 + rng.int(8);
      for (let i = 0; i < k && n > 0; i++) b[pos()] ^= 1 << rng.int(8);
      return { bytes: b, op: name };
    }
    case "interesting-byte":
      if (n > 0) b[pos()] = [0, 1, 0x7f, 0x80, 0xff][rng.int(5)];
      return { bytes: b, op: name };
    case "truncate":
      return { bytes: b.subarray(0, pos()), op: name };
    case "delete-range": {
      const a = pos();
      const len = 1 + rng.int(Math.min(256, Math.max(1, n - a)));
      return { bytes: concat([b.subarray(0, a), b.subarray(a + len)]), op: name };
    }
    case "duplicate-range": {
      const a = pos();
      const len = 1 + rng.int(Math.min(4096, Math.max(1, n - a)));
      const at = pos();
      return { bytes: concat([b.subarray(0, at), b.subarray(a, a + len), b.subarray(at)]), op: name };
    }
    case "splice": {
      if (!donor || donor.length === 0) return mutateOnce(input, rng, undefined, "duplicate-range");
      const a = rng.int(donor.length);
      const len = 1 + rng.int(Math.min(2048, donor.length - a));
      const at = pos();
      return { bytes: concat([b.subarray(0, at), donor.subarray(a, a + len), b.subarray(at)]), op: name };
    }
    case "packet-flip": {
      const r = rec as CaptureRecord;
      const k = 1 + rng.int(4);
      for (let i = 0; i < k; i++) b[r.dataStart + rng.int(r.dataEnd - r.dataStart)] ^= 1 << rng.int(8);
      return { bytes: b, op: name };
    }
    case "packet-field-16":
    case "packet-field-32": {
      // Length, count and offset fields of every protocol inside are 16 or 32 bits wide.
      const r = rec as CaptureRecord;
      const width = name === "packet-field-16" ? 2 : 4;
      const at = r.dataStart + rng.int(Math.max(1, r.dataEnd - r.dataStart - width + 1));
      const values = width === 2 ? INTERESTING_16 : INTERESTING_32;
      putU(b, at, width, values[rng.int(values.length)], rng.int(4) === 0);
      return { bytes: b, op: name };
    }
    case "packet-truncate": {
      // Cut the packet and fix the container's lengths, so the capture stays readable.
      const r = rec as CaptureRecord;
      const keep = rng.int(r.dataEnd - r.dataStart);
      if (layout?.format === "pcap") {
        putU(b, r.lengthAt, 4, keep, r.littleEndian);
        return { bytes: concat([b.subarray(0, r.dataStart + keep), b.subarray(r.dataEnd)]), op: name };
      }
      const newDataEnd = r.dataStart + keep;
      const padded = (newDataEnd - r.start + 3) & ~3;
      const tail = b.subarray(r.dataEnd + ((4 - ((r.dataEnd - r.start) % 4)) % 4), r.end);
      const block = concat([b.subarray(r.start, newDataEnd), new Uint8Array(padded - (newDataEnd - r.start)), tail]);
      const total = block.length;
      putU(block, 4, 4, total, r.littleEndian);
      putU(block, total - 4, 4, total, r.littleEndian);
      if (r.dataStart - r.start === 28) putU(block, 20, 4, keep, r.littleEndian); // EPB/PB captured length
      return { bytes: concat([b.subarray(0, r.start), block, b.subarray(r.end)]), op: name };
    }
    case "record-duplicate": {
      const r = rec as CaptureRecord;
      const copies = 1 + rng.int(3);
      const dup = [];
      for (let i = 0; i < copies; i++) dup.push(b.subarray(r.start, r.end));
      return { bytes: concat([b.subarray(0, r.end), ...dup, b.subarray(r.end)]), op: name };
    }
    case "record-drop": {
      const r = rec as CaptureRecord;
      return { bytes: concat([b.subarray(0, r.start), b.subarray(r.end)]), op: name };
    }
    case "record-swap": {
      const r2 = recs[rng.int(recs.length)];
      const [x, y] = (rec as CaptureRecord).start <= r2.start ? [rec as CaptureRecord, r2] : [r2, rec as CaptureRecord];
      if (x === y || x.end > y.start) return { bytes: b, op: name };
      return { bytes: concat([b.subarray(0, x.start), b.subarray(y.start, y.end), b.subarray(x.end, y.start), b.subarray(x.start, x.end), b.subarray(y.end)]), op: name };
    }
    case "record-length": {
      // The container's own length claim: 0, tiny, huge (a "4 GB block", a 2 GB record).
      const r = rec as CaptureRecord;
      putU(b, r.lengthAt, 4, INTERESTING_32[rng.int(INTERESTING_32.length)], r.littleEndian);
      return { bytes: b, op: name };
    }
  }
}

/** mutate applies 1 to `max` operators in a row; returns the bytes and the operators applied. */
export function mutate(input: Uint8Array, rng: SeededRandom, donor?: Uint8Array, max = 4): { bytes: Uint8Array; ops: string[] } {
  let bytes = input;
  const ops: string[] = [];
  const k = 1 + rng.int(max);
  for (let i = 0; i < k; i++) {
    const r = mutateOnce(bytes, rng, donor);
    bytes = r.bytes;
    ops.push(r.op);
  }
  return { bytes, ops };
}

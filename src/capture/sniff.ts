/**
 * Container detection from the first bytes of an input (never from the file name).
 */

/** Magic is what the first bytes of an input say it is. */
export type Magic =
  | { kind: "pcap"; littleEndian: boolean; nanoseconds: boolean; modified: boolean }
  | { kind: "pcapng" }
  | { kind: "gzip" }
  | { kind: "unknown" };

/** Bytes needed to tell the formats apart. */
export const SNIFF_BYTES = 4;

/**
 * sniffMagic classifies the start of an input. pcap magics per draft-ietf-opsawg-pcap §4
 * (0xA1B2C3D4 µs, 0xA1B23C4D ns, both byte orders; 0xA1B2CD34 is the Kuznetzov "modified" pcap
 * with a longer record header); pcapng starts with the palindromic SHB type 0x0A0D0D0A
 * (draft-ietf-opsawg-pcapng §4.1); gzip with 1F 8B (RFC 1952 §2.3.1).
 */
export function sniffMagic(b: Uint8Array): Magic {
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return { kind: "gzip" };
  if (b.length < 4) return { kind: "unknown" };
  const be = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
  const le = ((b[3] << 24) | (b[2] << 16) | (b[1] << 8) | b[0]) >>> 0;
  if (be === 0x0a0d0d0a) return { kind: "pcapng" };
  for (const [value, littleEndian] of [
    [le, true],
    [be, false],
  ] as const) {
    if (value === 0xa1b2c3d4) return { kind: "pcap", littleEndian, nanoseconds: false, modified: false };
    if (value === 0xa1b23c4d) return { kind: "pcap", littleEndian, nanoseconds: true, modified: false };
    if (value === 0xa1b2cd34) return { kind: "pcap", littleEndian, nanoseconds: false, modified: true };
  }
  return { kind: "unknown" };
}

/** describeStart renders the first bytes of an input for the "not a capture" error: hex, plus text when printable. */
export function describeStart(b: Uint8Array): string {
  if (b.length === 0) return "empty file";
  const head = b.subarray(0, 8);
  const hex = Array.from(head, (x) => x.toString(16).padStart(2, "0")).join(" ");
  const printable = head.every((x) => (x >= 0x20 && x < 0x7f) || x === 0x09 || x === 0x0a || x === 0x0d);
  const text = printable ? ` ${JSON.stringify(String.fromCharCode(...head))}` : "";
  return `starts with ${hex}${text}`;
}

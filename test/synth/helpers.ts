/**
 * Shared helpers of the synth tests: paths, the fixture manifest, building dist/synth when
 * stale, regenerating fixtures into a temporary directory, and an independent minimal
 * pcap/pcapng frame walker (deliberately not src/capture, which these fixtures test).
 */

import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const GENERATED = join(ROOT, "fixtures/generated");
export const SCRIPT = join(ROOT, "fixtures/make-fixtures.mjs");

/** One SIP message of the manifest. */
export interface ManifestSip {
  frame: number;
  frames: number[];
  method?: string;
  status?: number;
  callId: string;
  cseq: string;
  src: string;
  dst: string;
  transport: "UDP" | "TCP" | "TLS" | "SCTP" | "WS";
  resync?: boolean;
}

/** What tshark is known to report differently, per file. */
export interface TsharkDiff {
  note: string;
  /** `frame:method|status` keys the manifest has and tshark does not. */
  onlyInManifest?: string[];
  /** `frame:method|status` keys tshark reports and the manifest does not. */
  onlyInTshark?: string[];
}

/** One file of the manifest. */
export interface ManifestFile {
  description: string;
  format: "pcap" | "pcapng" | null;
  gzip: boolean;
  frames: number;
  linkTypes?: number[];
  timestampsNs?: (string | null)[];
  sip: ManifestSip[];
  notExtracted: (Omit<ManifestSip, "frame"> & { reason: string })[];
  damage?: { kind: "truncated"; afterFrame: number; byteOffset: number; fileBytes: number };
  tsharkArgs?: string[];
  tsharkDiff?: TsharkDiff;
  error?: string;
}

export interface Manifest {
  files: Record<string, ManifestFile>;
  credentials: { username: string; realm: string; password: string }[];
}

export function loadManifest(dir = GENERATED): Manifest {
  return JSON.parse(readFileSync(join(dir, "MANIFEST.json"), "utf8")) as Manifest;
}

/** True when `tool` is on PATH. */
export function hasTool(tool: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
}

function newestMtime(dir: string, ext: string): number {
  return Math.max(0, ...readdirSync(dir).filter((f) => f.endsWith(ext)).map((f) => statSync(join(dir, f)).mtimeMs));
}

/**
 * Compiles the project when dist/synth is missing or older than src/synth. tsc still emits
 * when unrelated files have type errors, so its exit status is not what matters here.
 */
export function ensureSynthBuilt(): void {
  const dist = join(ROOT, "dist/synth");
  if (existsSync(join(dist, "index.js")) && newestMtime(dist, ".js") >= newestMtime(join(ROOT, "src/synth"), ".ts")) return;
  spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(ROOT, "tsconfig.json")], { stdio: "ignore" });
  if (!existsSync(join(dist, "index.js"))) throw new Error("could not build dist/synth");
}

/** Runs the fixture script into `outDir`. */
export function regenerate(outDir: string): void {
  ensureSynthBuilt();
  execFileSync(process.execPath, [SCRIPT, outDir], { stdio: "pipe" });
}

/** File bytes, gunzipped when they start with the gzip magic. */
export function readCapture(path: string): Uint8Array {
  const raw = readFileSync(path);
  return raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
}

/** A frame as found by {@link walkFrames}. */
export interface WalkedFrame {
  linkType: number;
  data: Uint8Array;
  origLen: number;
  /** Timestamp in ns, null for Simple Packet Blocks. */
  tsNs: bigint | null;
}

/** A pcapng block as found by {@link walkFrames}. */
export interface WalkedBlock {
  type: number;
  offset: number;
  length: number;
  trailerOk: boolean;
  littleEndian: boolean;
}

/**
 * Minimal independent reader: returns the complete frames and, for pcapng, every block with
 * whether its trailing length matches. Stops quietly at a truncated record.
 */
export function walkFrames(bytes: Uint8Array): { frames: WalkedFrame[]; blocks: WalkedBlock[]; truncated: boolean } {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: WalkedFrame[] = [];
  const blocks: WalkedBlock[] = [];
  const magicBE = v.getUint32(0, false);
  if (magicBE !== 0x0a0d0d0a) {
    const le = v.getUint32(0, true) === 0xa1b2c3d4 || v.getUint32(0, true) === 0xa1b23c4d;
    const nsec = v.getUint32(0, le) === 0xa1b23c4d;
    const linkType = v.getUint32(20, le) & 0xffff;
    let at = 24;
    while (at < bytes.length) {
      if (at + 16 > bytes.length) return { frames, blocks, truncated: true };
      const caplen = v.getUint32(at + 8, le);
      if (at + 16 + caplen > bytes.length) return { frames, blocks, truncated: true };
      const tsNs = BigInt(v.getUint32(at, le)) * 1_000_000_000n + BigInt(v.getUint32(at + 4, le)) * (nsec ? 1n : 1000n);
      frames.push({ linkType, tsNs, data: bytes.subarray(at + 16, at + 16 + caplen), origLen: v.getUint32(at + 12, le) });
      at += 16 + caplen;
    }
    return { frames, blocks, truncated: false };
  }
  let le = true;
  let ifaces: { linkType: number; snaplen: number; ticks: bigint; offset: bigint }[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 12 > bytes.length) return { frames, blocks, truncated: true };
    if (v.getUint32(at, false) === 0x0a0d0d0a) {
      le = v.getUint32(at + 8, true) === 0x1a2b3c4d;
      ifaces = [];
    }
    const type = v.getUint32(at, le);
    const length = v.getUint32(at + 4, le);
    if (at + length > bytes.length) return { frames, blocks, truncated: true };
    blocks.push({ type, offset: at, length, littleEndian: le, trailerOk: v.getUint32(at + length - 4, le) === length });
    const body = at + 8;
    const opts = (from: number): Map<number, Uint8Array> => {
      const m = new Map<number, Uint8Array>();
      for (let o = from; o + 4 <= at + length - 4; ) {
        const code = v.getUint16(o, le);
        const len = v.getUint16(o + 2, le);
        if (code === 0) break;
        m.set(code, bytes.subarray(o + 4, o + 4 + len));
        o += 4 + ((len + 3) & ~3);
      }
      return m;
    };
    const ts = (iface: number, hi: number, lo: number): bigint => {
      const i = ifaces[iface];
      const t = (BigInt(v.getUint32(hi, le)) << 32n) | BigInt(v.getUint32(lo, le));
      return i.offset + (t * 1_000_000_000n) / i.ticks;
    };
    if (type === 1) {
      const o = opts(body + 8);
      const res = o.get(9)?.[0] ?? 6;
      const offBytes = o.get(14);
      const offset = offBytes ? new DataView(offBytes.buffer, offBytes.byteOffset, 8).getBigInt64(0, le) * 1_000_000_000n : 0n;
      ifaces.push({
        linkType: v.getUint16(body, le),
        snaplen: v.getUint32(body + 4, le),
        ticks: res & 0x80 ? 1n << BigInt(res & 0x7f) : 10n ** BigInt(res),
        offset,
      });
    } else if (type === 6 || type === 2) {
      const iface = type === 6 ? v.getUint32(body, le) : v.getUint16(body, le);
      const caplen = v.getUint32(body + 12, le);
      frames.push({
        linkType: ifaces[iface].linkType,
        tsNs: ts(iface, body + 4, body + 8),
        data: bytes.subarray(body + 20, body + 20 + caplen),
        origLen: v.getUint32(body + 16, le),
      });
    } else if (type === 3) {
      const origLen = v.getUint32(body, le);
      const snap = ifaces[0].snaplen;
      const caplen = snap === 0 ? origLen : Math.min(origLen, snap);
      frames.push({ linkType: ifaces[0].linkType, tsNs: null, data: bytes.subarray(body + 4, body + 4 + caplen), origLen });
    }
    at += length;
  }
  return { frames, blocks, truncated: false };
}

/** Offset of the IP header inside a frame of `linkType` (0 when raw); null for non-IP. */
export function ipOffset(linkType: number, data: Uint8Array): number | null {
  const be16 = (o: number): number => (data[o] << 8) | data[o + 1];
  switch (linkType) {
    case 0:
    case 108:
      return 4;
    case 101:
    case 228:
    case 229:
      return 0;
    case 113:
      return 16;
    case 276:
      return 20;
    case 1: {
      let o = 12;
      while (be16(o) === 0x8100 || be16(o) === 0x88a8) o += 4;
      return be16(o) === 0x0800 || be16(o) === 0x86dd ? o + 2 : null;
    }
    default:
      return null;
  }
}

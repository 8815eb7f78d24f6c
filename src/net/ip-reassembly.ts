/**
 * IP fragment reassembly (RFC 791 §3.2 for IPv4, RFC 8200 §4.5 for IPv6), bounded by datagram
 * count, bytes and capture time, flushed explicitly. Fragments are copied: they outlive the frame.
 */
import type { IpPacket } from "./ip.js";
import type { NetIssueCode } from "./issues.js";
import { ownedCopy } from "../util/bytes.js";

/** ReassemblyLimits bounds pending fragment state. */
export interface ReassemblyLimits {
  /** Datagrams waiting for fragments at once; the oldest is dropped beyond it. */
  maxDatagrams: number;
  /** Bytes held in pending fragments, all datagrams together. */
  maxBytes: number;
  /** Fragments of one datagram (a hostile stream of tiny overlapping fragments stops here). */
  maxFragmentsPerDatagram: number;
  /** Capture-time age after which an incomplete datagram is given up (Linux ipfrag_time: 30 s). */
  timeoutNs: bigint;
}

export const DEFAULT_REASSEMBLY_LIMITS: ReassemblyLimits = {
  maxDatagrams: 4096,
  maxBytes: 32 * 1024 * 1024,
  maxFragmentsPerDatagram: 1024,
  timeoutNs: 30_000_000_000n,
};

interface Fragment {
  offset: number;
  data: Uint8Array;
  frame: number;
}

interface Pending {
  key: string;
  firstTsNs: bigint;
  firstFrame: number;
  fragments: Fragment[];
  /** Payload length, known once the last fragment (MF=0) arrived. */
  totalLen: number;
  bytes: number;
  overlap: boolean;
  /** Overlapping fragments carried different bytes. */
  conflict: boolean;
  proto: number;
}

/** Reassembled is a complete datagram payload with every frame that carried a piece of it. */
export interface Reassembled {
  payload: Uint8Array;
  proto: number;
  frames: number[];
  /** True when overlapping fragments disagreed (first-received bytes win). */
  overlap: boolean;
}

type IssueFn = (code: NetIssueCode, detail: string, frame: number) => void;

const MAX_DATAGRAM = 65535;

/** IpReassembler collects fragments per (src, dst, id, protocol) until a datagram completes. */
export class IpReassembler {
  private readonly pending = new Map<string, Pending>();
  private bytes = 0;
  /** Datagrams reassembled, for statistics. */
  completed = 0;

  constructor(
    private readonly issue: IssueFn,
    private readonly limits: ReassemblyLimits = DEFAULT_REASSEMBLY_LIMITS,
  ) {}

  /** add takes one fragment; returns the datagram when this fragment completes it. */
  add(ip: IpPacket, frame: number, tsNs: bigint): Reassembled | null {
    const b = ip.buf;
    const addrLen = ip.version === 4 ? 4 : 16;
    let key = `${ip.version}|${ip.proto}|${ip.fragId}|`;
    for (let i = 0; i < addrLen; i++) key += String.fromCharCode(b[ip.srcOff + i], b[ip.dstOff + i]);
    const len = ip.payloadEnd - ip.payloadOff;
    if (ip.fragOffset + len > MAX_DATAGRAM) {
      this.issue("ip_fragment_overlap", `fragment at offset ${ip.fragOffset} runs past 65535 bytes`, frame);
      return null;
    }
    let p = this.pending.get(key);
    if (!p) {
      this.makeRoom(frame);
      p = { key, firstTsNs: tsNs, firstFrame: frame, fragments: [], totalLen: -1, bytes: 0, overlap: false, conflict: false, proto: ip.proto };
      this.pending.set(key, p);
    }
    if (p.fragments.length >= this.limits.maxFragmentsPerDatagram) {
      this.drop(p, `more than ${this.limits.maxFragmentsPerDatagram} fragments`, frame, "ip_fragment_limit");
      return null;
    }
    if (!ip.moreFragments) {
      const total = ip.fragOffset + len;
      if (p.totalLen >= 0 && p.totalLen !== total) p.overlap = true;
      p.totalLen = total;
    }
    p.fragments.push({ offset: ip.fragOffset, data: ownedCopy(b, ip.payloadOff, ip.payloadEnd), frame });
    p.bytes += len;
    this.bytes += len;
    if (this.bytes > this.limits.maxBytes) this.makeRoom(frame);
    return this.tryComplete(p, frame);
  }

  /** expire gives up datagrams older than the timeout at capture time `nowNs`. */
  expire(nowNs: bigint): void {
    for (const p of this.pending.values()) {
      if (nowNs - p.firstTsNs <= this.limits.timeoutNs) break; // Map keeps insertion order: oldest first.
      this.drop(p, "fragments still missing after the reassembly timeout", p.firstFrame, "ip_fragment_incomplete");
    }
  }

  /** flush gives up every pending datagram (end of capture). */
  flush(): void {
    for (const p of [...this.pending.values()]) {
      this.drop(p, "fragments still missing at the end of the capture", p.firstFrame, "ip_fragment_incomplete");
    }
  }

  private makeRoom(frame: number): void {
    while (this.pending.size >= this.limits.maxDatagrams || (this.bytes > this.limits.maxBytes && this.pending.size > 0)) {
      const oldest = this.pending.values().next().value as Pending;
      this.drop(oldest, "pending fragment state full", frame, "ip_fragment_limit");
    }
  }

  private drop(p: Pending, why: string, frame: number, code: NetIssueCode): void {
    this.pending.delete(p.key);
    this.bytes -= p.bytes;
    const frames = [...new Set(p.fragments.map((f) => f.frame))].join(", ");
    this.issue(code, `IP datagram (fragments in frames ${frames}) not reassembled: ${why}`, frame);
  }

  private tryComplete(p: Pending, frame: number): Reassembled | null {
    if (p.totalLen < 0) return null;
    // Stable sort by offset keeps arrival order among equal offsets: first-received bytes win.
    const frags = [...p.fragments].sort((a, b) => a.offset - b.offset);
    let covered = 0;
    for (const f of frags) {
      if (f.offset > covered) return null;
      covered = Math.max(covered, f.offset + f.data.length);
    }
    if (covered < p.totalLen) return null;
    const out = new Uint8Array(p.totalLen);
    let cursor = 0;
    for (const f of frags) {
      const end = Math.min(f.offset + f.data.length, p.totalLen);
      if (f.offset < cursor) {
        // Overlap (RFC 5722 makes overlapping IPv6 fragments an attack signature; Wireshark flags
        // every overlap): report it, say whether the bytes conflict, keep the first-received bytes.
        p.overlap = true;
        const upto = Math.min(cursor, end);
        for (let i = f.offset; i < upto; i++) {
          if (out[i] !== f.data[i - f.offset]) {
            p.conflict = true;
            break;
          }
        }
      }
      if (end > cursor) {
        out.set(f.data.subarray(cursor - f.offset, end - f.offset), cursor);
        cursor = end;
      }
    }
    this.pending.delete(p.key);
    this.bytes -= p.bytes;
    this.completed++;
    if (p.overlap) {
      this.issue("ip_fragment_overlap", p.conflict ? "overlapping IP fragments with different contents; first-received bytes kept" : "overlapping or repeated IP fragments (same contents)", frame);
    }
    return { payload: out, proto: p.proto, frames: p.fragments.map((f) => f.frame).sort((a, b) => a - b), overlap: p.overlap };
  }
}

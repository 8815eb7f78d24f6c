/**
 * Capture points: which of several input files saw the same traffic at different places (a LAN
 * and a WAN capture of one call, compared for SIP ALG rewriting) and which continue one another
 * (a set rotated by `tcpdump -C` or `-G`, or files cut by `editcap -c`). Files that overlap in
 * time are different points; a file that starts when another one has ended continues it, so a
 * registration that spans the rotation is correlated whole.
 */
import { InputFileError, readCapture, type CaptureInput } from "../capture/source.js";
import type { ExtractSummary } from "../extract/model.js";
import { ISSUE_SAMPLES_PER_CODE, type IssueSummary } from "../util/issue-log.js";

/** Span is a file's first and last frame time, ns since the epoch. */
export interface Span {
  first: bigint;
  last: bigint;
}

/**
 * spanOf reads a capture file's first and last frame times (a pass over the record headers, no
 * decoding). Undefined for streams (stdin is read once) and files without frames. A file that
 * cannot be read at all (missing, unreadable, not a capture) throws InputFileError naming it:
 * the analysis stops there, before it spends minutes on the other files of the set. Damage
 * inside a capture does not throw (readCapture ends the pass and says where).
 */
export async function spanOf(input: CaptureInput, name: string): Promise<Span | undefined> {
  if (typeof input !== "string") return undefined;
  const r = await readCapture(input, () => undefined).catch((err: unknown) => {
    throw new InputFileError(name, err);
  });
  return r.firstTsNs !== undefined && r.lastTsNs !== undefined ? { first: r.firstTsNs, last: r.lastTsNs } : undefined;
}

/**
 * groupCapturePoints partitions input files into capture points. Files are taken in order of
 * their first frame; each joins the point whose last frame came at or before its first (the
 * latest such point, when several qualify), else starts a point of its own. Returns the points,
 * each as input indices in time order, the points ordered by their first input (so `lan.pcap
 * wan.pcap` stays points 0 and 1). Files without a span are points of their own.
 */
export function groupCapturePoints(spans: (Span | undefined)[]): number[][] {
  const byStart = spans
    .map((s, i) => ({ s, i }))
    .filter((x): x is { s: Span; i: number } => x.s !== undefined)
    .sort((a, b) => (a.s.first < b.s.first ? -1 : a.s.first > b.s.first ? 1 : a.i - b.i));
  const points: { files: number[]; last: bigint }[] = [];
  for (const { s, i } of byStart) {
    let best: { files: number[]; last: bigint } | undefined;
    for (const p of points) if (p.last <= s.first && (best === undefined || p.last > best.last)) best = p;
    if (best) {
      best.files.push(i);
      best.last = s.last;
    } else {
      points.push({ files: [i], last: s.last });
    }
  }
  const all = [...points.map((p) => p.files), ...spans.flatMap((s, i) => (s === undefined ? [[i]] : []))];
  return all.sort((a, b) => Math.min(...a) - Math.min(...b));
}

/** CaptureFile is one file of a capture point made of several (ReportCapture.files). */
export interface CaptureFile {
  name: string;
  /** Frame number of the file's first frame in the point's numbering (`mergecap -a` order). */
  firstFrame: number;
  frames: number;
  bytes: number;
  firstTsNs?: bigint;
  lastTsNs?: bigint;
}

/**
 * mergeSummaries describes a capture point made of several files (in time order, frames already
 * numbered across them) as one capture: counts add up, the span covers all, issue samples are
 * the first ones, and damage names the file it is in.
 */
export function mergeSummaries(files: ExtractSummary[]): ExtractSummary & { files: CaptureFile[] } {
  const sumOf = (pick: (s: ExtractSummary) => number): number => files.reduce((n, s) => n + pick(s), 0);
  const byTransport: ExtractSummary["byTransport"] = {};
  for (const s of files) for (const [t, n] of Object.entries(s.byTransport) as [keyof typeof byTransport, number][]) byTransport[t] = (byTransport[t] ?? 0) + n;
  const issues = new Map<string, IssueSummary>();
  for (const s of files) {
    for (const i of s.issues) {
      const m = issues.get(i.code);
      if (!m) issues.set(i.code, { code: i.code, count: i.count, samples: [...i.samples] });
      else {
        m.count += i.count;
        m.samples.push(...i.samples.slice(0, Math.max(0, ISSUE_SAMPLES_PER_CODE - m.samples.length)));
      }
    }
  }
  const firsts = files.map((s) => s.firstTsNs).filter((t): t is bigint => t !== undefined);
  const lasts = files.map((s) => s.lastTsNs).filter((t): t is bigint => t !== undefined);
  const damaged = files.find((s) => s.damage);
  let firstFrame = 1;
  const parts: CaptureFile[] = files.map((s) => {
    const f: CaptureFile = { name: s.name, firstFrame, frames: s.frames, bytes: s.bytes, firstTsNs: s.firstTsNs, lastTsNs: s.lastTsNs };
    firstFrame += s.frames;
    return f;
  });
  return {
    name: files.map((s) => s.name).join(" + "),
    format: files[0].format,
    gzip: files.some((s) => s.gzip),
    frames: sumOf((s) => s.frames),
    bytes: sumOf((s) => s.bytes),
    firstTsNs: firsts.length > 0 ? firsts.reduce((a, b) => (b < a ? b : a)) : undefined,
    lastTsNs: lasts.length > 0 ? lasts.reduce((a, b) => (b > a ? b : a)) : undefined,
    linkTypes: [...new Set(files.flatMap((s) => s.linkTypes))].sort((a, b) => a - b),
    sipMessages: sumOf((s) => s.sipMessages),
    byTransport,
    reassembledDatagrams: sumOf((s) => s.reassembledDatagrams),
    tcpRetransmissions: sumOf((s) => s.tcpRetransmissions),
    tlsSessions: sumOf((s) => s.tlsSessions),
    issues: [...issues.values()].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)),
    damage: damaged?.damage ? { ...damaged.damage, reason: `${damaged.name}: ${damaged.damage.reason}` } : undefined,
    files: parts,
  };
}

/**
 * What the reports meant for reading (the terminal table and Markdown for tickets) show of a big
 * report. A busy registrar's capture yields thousands of registrations and findings: listed whole,
 * the terminal report of a 100 MB capture was 148,000 lines (and 30 s of table layout), and the
 * Markdown far beyond what a ticket takes (a GitHub issue body holds at most 65,536 characters). These
 * renderers show the rows that need attention and a few findings of each kind, and say what they
 * left out; the JSON and HTML reports, and `--all`, keep everything.
 */
import type { Finding } from "../detect/model.js";
import type { ReportHandshake, ReportRegistration } from "./model.js";
import { subjectShort } from "./text.js";

/** ReadingLimits bounds the rows and findings a report for reading lists. */
export interface ReadingLimits {
  /** Rows of a registrations or handshakes table. */
  rows: number;
  /** Findings listed per finding code; the rest of the code is summed up in one line. */
  findingsPerCode: number;
  /** Ladder diagrams drawn (Markdown: each is a Mermaid block plus a text ladder, ~2 KB). */
  ladders: number;
}

/**
 * READING_LIMITS: about two screens of registrations, and enough findings of one kind to see the
 * pattern (the rest usually differ by user only: 5,400 REGISTERs of 5,400 phones with the same
 * digest uri mistake are one problem).
 */
export const READING_LIMITS: ReadingLimits = Object.freeze({ rows: 50, findingsPerCode: 5, ladders: 10 });

/** ALL lists everything (`--all`). */
export const ALL: ReadingLimits = Object.freeze({ rows: Infinity, findingsPerCode: Infinity, ladders: Infinity });

/** Picked is the part of a list a report shows. */
export interface Picked<T> {
  /** The rows shown, in the list's own order. */
  shown: T[];
  /** Rows left out. */
  omitted: number;
  /** Rows left out although they needed attention (more of them than `max`). */
  omittedUrgent: number;
}

/** RowKind is what a table of rows is called in notes, and which of its rows need attention. */
export interface RowKind<T> {
  noun: string;
  urgentNoun: string;
  urgent: (row: T) => boolean;
}

/** Registrations: the failed and timed-out ones first. */
export const REGISTRATION_ROWS: RowKind<ReportRegistration> = {
  noun: "registrations",
  urgentNoun: "failed and timed-out ones",
  urgent: (g) => g.outcome === "failed" || g.outcome === "timeout",
};

/** Authentication handshakes of other methods: the unsuccessful ones first. */
export const HANDSHAKE_ROWS: RowKind<ReportHandshake> = { noun: "handshakes", urgentNoun: "unsuccessful ones", urgent: (h) => h.outcome !== "success" };

/**
 * pickRows keeps at most `max` rows: those needing attention (`urgent`) first, then the others,
 * each in list order; the rows kept are returned in list order, so a table reads as it would whole.
 */
export function pickRows<T>(rows: readonly T[], max: number, urgent: (row: T) => boolean): Picked<T> {
  if (rows.length <= max) return { shown: [...rows], omitted: 0, omittedUrgent: 0 };
  const keep = new Set<number>();
  let urgentCount = 0;
  rows.forEach((r, i) => {
    if (!urgent(r)) return;
    urgentCount++;
    if (keep.size < max) keep.add(i);
  });
  for (let i = 0; i < rows.length && keep.size < max; i++) keep.add(i);
  return { shown: rows.filter((_, i) => keep.has(i)), omitted: rows.length - keep.size, omittedUrgent: urgentCount - Math.min(urgentCount, max) };
}

/** FoldedFindings sums up the findings of one code that a report for reading does not list. */
export interface FoldedFindings {
  code: string;
  severity: Finding["severity"];
  /** How many were left out. */
  count: number;
  /** Who the first ones left out are about (a few, for the reader to see the spread). */
  subjects: string[];
}

/** Subjects named in a FoldedFindings line. */
const FOLDED_SUBJECTS = 3;

/**
 * pickFindings keeps the first `perCode` findings of each code, in the given order (the renderers
 * sort by severity first), and sums up the rest per code, in the order the codes first appear.
 */
export function pickFindings(findings: readonly Finding[], perCode: number): { shown: Finding[]; folded: FoldedFindings[] } {
  const seen = new Map<string, number>();
  const folded = new Map<string, FoldedFindings>();
  const shown: Finding[] = [];
  for (const f of findings) {
    const n = (seen.get(f.code) ?? 0) + 1;
    seen.set(f.code, n);
    if (n <= perCode) {
      shown.push(f);
      continue;
    }
    let g = folded.get(f.code);
    if (!g) folded.set(f.code, (g = { code: f.code, severity: f.severity, count: 0, subjects: [] }));
    g.count++;
    const who = subjectShort(f.subject);
    if (who !== undefined && g.subjects.length < FOLDED_SUBJECTS && !g.subjects.includes(who)) g.subjects.push(who);
  }
  return { shown, folded: [...folded.values()] };
}

/** foldedText is one line about left-out findings: "495 more bad_credentials findings (error): alice@…, bob@…, …". */
export function foldedText(g: FoldedFindings): string {
  const who = g.subjects.length > 0 ? `: ${g.subjects.join(", ")}${g.count > g.subjects.length ? ", …" : ""}` : "";
  return `${g.count} more ${g.code} ${g.count === 1 ? "finding" : "findings"} (${g.severity})${who}`;
}

/** omittedRowsText says how much of a table was left out, and where the rest is. */
export function omittedRowsText<T>(p: Picked<T>, kind: RowKind<T>): string {
  const total = p.shown.length + p.omitted;
  const urgent = p.omittedUrgent > 0 ? ` (${p.omittedUrgent} more ${kind.urgentNoun} among them)` : "";
  return `${p.shown.length} of ${total} ${kind.noun} shown, ${kind.urgentNoun} first; ${p.omitted} left out${urgent}. The JSON and HTML reports list all (or add --all).`;
}

/**
 * Plain-text helpers shared by the terminal renderers and the text parts of the Markdown and HTML
 * ones: neutralising control characters, measuring and wrapping text by display width, and the
 * small formatting rules (times, frame references, subjects) that every format must agree on.
 * Everything here is pure.
 */
import { severityRank, type Evidence, type Finding, type Subject } from "../detect/model.js";

// C0 and C1 controls and DEL, plus the bidirectional overrides and isolates that can make a
// terminal or a page show text in another order than it is ("Trojan Source").
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu;

/**
 * oneLine makes network-supplied text safe to print on one line: tabs and line breaks become
 * spaces and other control characters become a visible `\xNN` / `\u{NNNN}`, so a SIP header can
 * neither move the cursor, change colours, nor break a table row.
 */
export function oneLine(s: string): string {
  return s.replace(UNSAFE, (c) => {
    const cp = c.codePointAt(0) ?? 0;
    if (c === "\t" || c === "\n" || c === "\r") return " ";
    return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, "0")}` : `\\u{${cp.toString(16)}}`;
  });
}

// Wide (two-column) ranges: Hangul Jamo, CJK, Hangul syllables, full-width forms and the common
// emoji blocks. An approximation of Unicode East Asian Width, which is all a terminal gives anyway.
const WIDE = /^[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]$/u;
const ZERO = /^[\p{Mn}\p{Me}\p{Cf}]$/u;
// ANSI SGR sequences take no columns.
const ANSI = /\x1b\[[0-9;]*m/g;

/** charWidth is the number of terminal columns one code point takes. */
function charWidth(ch: string): number {
  if (ZERO.test(ch)) return 0;
  return WIDE.test(ch) ? 2 : 1;
}

/** width is the number of terminal columns a string takes (SGR colour codes count as zero). */
export function width(s: string): number {
  let n = 0;
  for (const ch of s.replace(ANSI, "")) n += charWidth(ch);
  return n;
}

/** truncate shortens text to at most `max` columns, ending it with "…" when it was cut. */
export function truncate(s: string, max: number): string {
  if (width(s) <= max) return s;
  if (max <= 0) return "";
  let out = "";
  let w = 0;
  for (const ch of s) {
    const cw = charWidth(ch);
    if (w + cw > max - 1) break;
    out += ch;
    w += cw;
  }
  return out + "…";
}

/** padEnd pads text with spaces to `w` columns (display width, not UTF-16 length). */
export function padEnd(s: string, w: number): string {
  const n = width(s);
  return n >= w ? s : s + " ".repeat(w - n);
}

/** padStart pads text on the left with spaces to `w` columns. */
export function padStart(s: string, w: number): string {
  const n = width(s);
  return n >= w ? s : " ".repeat(w - n) + s;
}

// Where a word too long for its column may be broken: after these characters a SIP URI, an
// address or a Call-ID still reads naturally. The strong ones separate whole parts (user@host,
// parameters, path segments) and are preferred.
const STRONG_BREAK = new Set(["@", ";", ",", "/", "=", "&", "?"]);
const BREAK_AFTER = new Set([...STRONG_BREAK, ":", ".", "-", "_", ")", "]", ">"]);

/** breakWord cuts one word longer than `max` columns into pieces, preferring punctuation breaks. */
function breakWord(word: string, max: number): string[] {
  const pieces: string[] = [];
  let chars = [...word];
  while (width(chars.join("")) > max) {
    let w = 0;
    let cut = 0;
    let lastBreak = 0;
    let lastStrong = 0;
    for (let i = 0; i < chars.length; i++) {
      const cw = charWidth(chars[i]);
      if (w + cw > max) break;
      w += cw;
      cut = i + 1;
      if (BREAK_AFTER.has(chars[i])) lastBreak = i + 1;
      if (STRONG_BREAK.has(chars[i])) lastStrong = i + 1;
    }
    // A break point past the first third keeps pieces from getting too short.
    const at = lastStrong > cut / 3 ? lastStrong : lastBreak > cut / 3 ? lastBreak : Math.max(cut, 1);
    pieces.push(chars.slice(0, at).join(""));
    chars = chars.slice(at);
  }
  if (chars.length > 0) pieces.push(chars.join(""));
  return pieces;
}

/**
 * wrap breaks text into lines of at most `max` columns at spaces; words longer than a line are
 * cut, preferring a break after punctuation. Always returns at least one (possibly empty) line.
 * The input must already be one line (see {@link oneLine}); SGR codes are not expected here —
 * colour is applied after wrapping.
 */
export function wrap(text: string, max: number): string[] {
  const limit = Math.max(1, max);
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (word === "") continue;
    const candidate = line === "" ? word : `${line} ${word}`;
    if (width(candidate) <= limit) {
      line = candidate;
      continue;
    }
    if (line !== "") lines.push(line);
    const pieces = breakWord(word, limit);
    line = pieces.pop() ?? "";
    lines.push(...pieces);
  }
  lines.push(line);
  return lines;
}

const ISO = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/;

/** clockTime turns an ISO-8601 time into `HH:MM:SS.mmm` (UTC, truncated to milliseconds). */
export function clockTime(iso: string): string {
  const m = ISO.exec(iso);
  if (!m) return oneLine(iso);
  return `${m[2]}.${(m[3] ?? "").padEnd(3, "0").slice(0, 3)}`;
}

/** dateTime turns an ISO-8601 time into `YYYY-MM-DD HH:MM:SS.mmm` (UTC). */
export function dateTime(iso: string): string {
  const m = ISO.exec(iso);
  if (!m) return oneLine(iso);
  return `${m[1]} ${clockTime(iso)}`;
}

/** seconds formats a duration or offset in seconds with microsecond precision, as Wireshark does. */
export function seconds(s: number): string {
  return Number.isFinite(s) ? s.toFixed(6) : String(s);
}

/** plural says "1 attempt" / "3 attempts". */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/**
 * frameRef names a frame the way Wireshark shows it; with several captures the capture index
 * comes first (`1:15`), because frame numbers restart in each file.
 */
export function frameRef(frame: number, capture: number, multiCapture: boolean): string {
  return multiCapture ? `${capture}:${frame}` : String(frame);
}

/** evidenceFrames lists the distinct evidence frames of a finding, in order. */
export function evidenceFrames(evidence: readonly Evidence[], multiCapture: boolean): string[] {
  const seen = new Set<string>();
  for (const e of evidence) seen.add(frameRef(e.frame, e.capture, multiCapture));
  return [...seen];
}

/**
 * subjectText describes who a finding is about in one line: the AOR (or user), the realm when it
 * differs from the AOR's domain, and client → server.
 */
export function subjectText(s: Subject): string {
  const parts: string[] = [];
  const who = s.aor ?? s.user;
  if (who !== undefined) parts.push(who);
  if (s.user !== undefined && s.aor !== undefined && !s.aor.includes(`${s.user}@`)) parts.push(`user ${s.user}`);
  if (s.realm !== undefined && (who === undefined || !who.endsWith(`@${s.realm}`))) parts.push(`realm ${s.realm}`);
  if (s.client !== undefined || s.server !== undefined) parts.push(`${s.client ?? "?"} → ${s.server ?? "?"}`);
  if (parts.length === 0 && s.callId !== undefined) parts.push(`Call-ID ${s.callId}`);
  return oneLine(parts.join(", "));
}

/** subjectShort is who a finding is about, in a word: the AOR, else the user, client or Call-ID. */
export function subjectShort(s: Subject): string | undefined {
  return s.aor ?? s.user ?? s.client ?? s.callId;
}

/** sortedFindings orders findings by severity, keeping the model's order within one severity. */
export function sortedFindings(findings: readonly Finding[]): Finding[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => severityRank(b.f.severity) - severityRank(a.f.severity) || a.i - b.i)
    .map((x) => x.f);
}

/** statusText is "401 Unauthorized", "401" or "" for an attempt or registration. */
export function statusText(status: number | undefined, reason: string | undefined): string {
  if (status === undefined) return "";
  return oneLine(reason ? `${status} ${reason}` : String(status));
}

const MARKUP: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/**
 * escapeMarkup makes network-supplied text safe as HTML or SVG text and attribute values: the five
 * markup characters become entities and control characters become visible escapes (a raw control
 * character is not even well-formed XML).
 */
export function escapeMarkup(s: string): string {
  return oneLine(s).replace(/[&<>"']/g, (c) => MARKUP[c]);
}

/**
 * filesText describes the files of a capture point made of several (a rotated set): which frame
 * numbers each holds, and how to get a file where those numbers are Wireshark's.
 */
export function filesText(files: readonly { name: string; firstFrame: number; frames: number }[]): string {
  const parts = files.map((f) => `${oneLine(f.name)} = frames ${f.firstFrame}–${f.firstFrame + f.frames - 1}`);
  return `${parts.join(", ")} (one capture point, rotated; frame numbers as in mergecap -a -w merged.pcap ${files.map((f) => oneLine(f.name)).join(" ")})`;
}

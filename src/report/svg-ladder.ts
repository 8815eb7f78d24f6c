/**
 * A message ladder as an inline SVG for the HTML report: one column per endpoint with a lifeline,
 * one arrow per message, labelled with the method or status above it and the frame number and
 * time offset in the left margin. Steps that are evidence of a finding are drawn red on a pale red
 * band, retransmissions dashed. Presentation attributes are set on the elements themselves, so the
 * SVG also renders on its own, without the page's CSS.
 */
import type { Ladder, LadderStep } from "./model.js";
import { escapeMarkup, oneLine, plural, seconds, truncate } from "./text.js";

/** SvgLadderOptions controls the drawing. */
export interface SvgLadderOptions {
  /** Prefix for element ids, unique per ladder when several share a page (default "ladder"). */
  idPrefix?: string;
}

// Geometry in SVG user units (≈ CSS pixels at 100 %).
const GUTTER = 118;
// Column width grows with the longest label, within these bounds.
const MIN_COLUMN = 220;
const MAX_COLUMN = 360;
const HEADER = 56;
const ROW = 36;
const FOOTER = 20;
// Monospace glyph width at FONT_SIZE, to fit labels between lifelines.
const FONT_SIZE = 12;
const CHAR_WIDTH = 7.3;

const INK = "#1f2937";
const MUTED = "#6b7280";
const FAIL = "#c62828";
const FAIL_BAND = "#fdecea";
const FONT = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace";

/** columnsOf lists the endpoints in order, adding any that a step names but `endpoints` lacks. */
function columnsOf(ladder: Ladder): string[] {
  const cols = [...ladder.endpoints];
  for (const s of ladder.steps) for (const e of [s.from, s.to]) if (!cols.includes(e)) cols.push(e);
  return cols;
}

/** labelOf is what an arrow says. */
function labelOf(s: LadderStep): string {
  return oneLine(s.label) + (s.retransmission ? " (retransmission)" : "");
}

/** text draws one line of (escaped) text. */
function text(x: number, y: number, content: string, attrs = ""): string {
  return `<text x="${x}" y="${y}"${attrs ? ` ${attrs}` : ""}>${escapeMarkup(content)}</text>`;
}

/** stepSvg draws one message: band, margin labels, arrow line and head, label. */
function stepSvg(s: LadderStep, i: number, x: Map<string, number>, totalWidth: number): string {
  const y = HEADER + ROW * i + ROW - 10;
  const from = x.get(s.from) ?? 0;
  const to = x.get(s.to) ?? 0;
  const colour = s.highlight ? FAIL : s.retransmission ? MUTED : INK;
  const classes = ["step", s.highlight ? "highlight" : "", s.retransmission ? "retransmission" : ""].filter((c) => c !== "").join(" ");
  const label = labelOf(s);
  const parts = [`<g class="${classes}" data-frame="${s.frame}">`, `<title>${escapeMarkup(`Frame ${s.frame}, +${seconds(s.offsetS)} s, ${s.from} → ${s.to} ${s.transport}: ${label}`)}</title>`];
  if (s.highlight) parts.push(`<rect x="0" y="${y - ROW + 12}" width="${totalWidth}" height="${ROW - 2}" fill="${FAIL_BAND}"/>`);
  parts.push(text(8, y - 8, `F${s.frame}`, `font-weight="bold" fill="${colour}"`));
  parts.push(text(8, y + 5, `+${seconds(s.offsetS)} s`, `fill="${MUTED}" font-size="${FONT_SIZE - 1}"`));
  const dash = s.retransmission ? ` stroke-dasharray="6 4"` : "";
  if (from === to) {
    // Loopback: a small loop to the right of the lifeline.
    parts.push(`<path class="arrow" d="M${from} ${y - 6} h28 v10 h-26" fill="none" stroke="${colour}" stroke-width="1.6"${dash}/>`);
    parts.push(`<path class="head" d="M${from} ${y + 4} l8 -4 v8 z" fill="${colour}"/>`);
    parts.push(text(from + 34, y - 2, truncate(label, 40), `fill="${colour}"`));
  } else {
    const dir = to > from ? 1 : -1;
    const tip = to - dir * 1;
    parts.push(`<line class="arrow" x1="${from}" y1="${y}" x2="${tip - dir * 8}" y2="${y}" stroke="${colour}" stroke-width="${s.highlight ? 2 : 1.6}"${dash}/>`);
    parts.push(`<path class="head" d="M${tip} ${y} l${-dir * 10} -5 v10 z" fill="${colour}"/>`);
    const room = Math.max(4, Math.floor((Math.abs(to - from) - 16) / CHAR_WIDTH));
    const weight = s.highlight ? ` font-weight="bold"` : "";
    parts.push(text((from + to) / 2, y - 6, truncate(label, room), `text-anchor="middle" fill="${colour}"${weight}`));
  }
  parts.push("</g>");
  return parts.join("");
}

/**
 * renderSvgLadder draws a ladder as a standalone `<svg>` element (a string). Each step is one
 * `<g class="step">` holding exactly one `.arrow`; its `<title>` carries the full, untruncated
 * label. All text is escaped.
 */
export function renderSvgLadder(ladder: Ladder, opts: SvgLadderOptions = {}): string {
  const id = (opts.idPrefix ?? "ladder").replace(/[^A-Za-z0-9_-]/g, "_");
  const cols = columnsOf(ladder);
  const longest = Math.max(0, ...ladder.steps.map((s) => labelOf(s).length));
  const column = Math.min(MAX_COLUMN, Math.max(MIN_COLUMN, Math.ceil(longest * CHAR_WIDTH + 40)));
  const x = new Map<string, number>();
  cols.forEach((c, i) => x.set(c, GUTTER + column / 2 + i * column));
  const width = GUTTER + column * Math.max(cols.length, 1);
  const bottom = HEADER + ROW * ladder.steps.length + (ladder.omitted > 0 ? ROW : 8);
  const height = bottom + FOOTER;
  const desc = `${plural(ladder.steps.length, "message")} of Call-ID ${ladder.callId} between ${cols.join(", ")}`;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="ladder" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" aria-labelledby="${id}-title" font-family="${FONT}" font-size="${FONT_SIZE}">`,
    `<title id="${id}-title">${escapeMarkup(`Message ladder: ${desc}`)}</title>`,
  ];
  for (const c of cols) {
    const cx = x.get(c) ?? 0;
    out.push(`<line class="lifeline" x1="${cx}" y1="${HEADER - 12}" x2="${cx}" y2="${bottom}" stroke="#9ca3af" stroke-dasharray="3 3"/>`);
    out.push(`<rect x="${cx - column / 2 + 12}" y="8" width="${column - 24}" height="30" rx="5" fill="#f3f4f6" stroke="#9ca3af"/>`);
    out.push(text(cx, 28, truncate(oneLine(c), Math.floor((column - 36) / CHAR_WIDTH)), `text-anchor="middle" font-weight="bold" fill="${INK}"`));
  }
  ladder.steps.forEach((s, i) => out.push(stepSvg(s, i, x, width)));
  if (ladder.omitted > 0) out.push(text(GUTTER, bottom - 10, `… ${plural(ladder.omitted, "more message")} not shown`, `fill="${MUTED}"`));
  out.push("</svg>");
  return out.join("\n");
}

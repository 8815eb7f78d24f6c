/**
 * The terminal ladder of one flow, in the manner of sngrep's call flow: one column per endpoint
 * with a lifeline, and for each message a label line (time offset, frame, method or status) over an
 * arrow from sender to receiver. Failing steps are marked `!` (and red with colour), retransmissions
 * are drawn dashed. Used by `sip401 flow` and as the plain-text fallback ladder in Markdown.
 */
import { makeColors, type Colors } from "./color.js";
import type { Ladder, LadderStep } from "./model.js";
import { oneLine, plural, seconds, truncate, width as textWidth, wrap } from "./text.js";

/** FlowOptions controls the terminal ladder. */
export interface FlowOptions {
  /** Terminal columns (default 80). */
  width?: number;
  /** Colour the output (default false). */
  color?: boolean;
}

// Columns wider than this only spread the picture out; narrower ones cannot hold a label.
const MAX_SPAN = 36;
const MIN_SPAN = 10;

/** Layout says where everything goes on a line. */
interface Layout {
  /** Width of the time-offset column. */
  offsetWidth: number;
  gutter: number;
  span: number;
  /** Column of each endpoint's lifeline. */
  x: Map<string, number>;
  total: number;
}

/** columnsOf lists the endpoints in order, adding any that a step names but `endpoints` lacks. */
function columnsOf(ladder: Ladder): string[] {
  const cols = [...ladder.endpoints];
  for (const s of ladder.steps) for (const e of [s.from, s.to]) if (!cols.includes(e)) cols.push(e);
  return cols;
}

/** gutterText is what precedes a step's label: highlight mark, offset and frame. */
function gutterText(s: LadderStep, offsetWidth: number): string {
  return `${s.highlight ? "!" : " "} ${seconds(s.offsetS).padStart(offsetWidth)} F${s.frame}`;
}

function layout(ladder: Ladder, cols: string[], maxWidth: number): Layout {
  const offsetWidth = Math.max(8, ...ladder.steps.map((s) => seconds(s.offsetS).length));
  const gutter = Math.max(0, ...ladder.steps.map((s) => gutterText(s, offsetWidth).length)) + 2;
  const n = Math.max(cols.length, 1);
  const span = Math.max(MIN_SPAN, Math.min(MAX_SPAN, Math.floor((maxWidth - gutter) / n)));
  const x = new Map<string, number>();
  cols.forEach((c, i) => x.set(c, gutter + Math.floor(span / 2) + i * span));
  return { offsetWidth, gutter, span, x, total: gutter + n * span };
}

/** blankRow is a row of spaces with every lifeline drawn. */
function blankRow(l: Layout): string[] {
  const row = new Array<string>(l.total).fill(" ");
  for (const x of l.x.values()) row[x] = "│";
  return row;
}

/** put writes text into a row from column `at` (the row is one cell per column). */
function put(row: string[], at: number, text: string): void {
  let i = at;
  for (const ch of text) {
    if (i >= row.length) break;
    row[i] = ch;
    // A wide character takes two cells; the second is left empty so the row keeps its width.
    if (textWidth(ch) === 2 && i + 1 < row.length) row[++i] = "";
    i++;
  }
}

/** headerLines names the columns, or letters them with a legend when the names do not fit. */
function headerLines(cols: string[], l: Layout, c: Colors): string[] {
  const names = cols.map(oneLine);
  const fits = names.every((n) => textWidth(n) <= l.span - 1);
  const labels = fits ? names : names.map((_, i) => String.fromCharCode(65 + (i % 26)) + (i >= 26 ? String(Math.floor(i / 26)) : ""));
  const out: string[] = [];
  if (!fits) names.forEach((n, i) => out.push(`  ${labels[i]} = ${n}`));
  const row = new Array<string>(l.total).fill(" ");
  cols.forEach((col, i) => {
    const label = labels[i];
    const x = l.x.get(col) ?? 0;
    put(row, Math.max(0, x - Math.floor(textWidth(label) / 2)), label);
  });
  out.push(c.bold(row.join("").trimEnd()));
  out.push(blankRow(l).join("").trimEnd());
  return out;
}

/** stepLines draws one message: its label line and its arrow line. */
function stepLines(s: LadderStep, l: Layout, c: Colors): string[] {
  const from = l.x.get(s.from) ?? 0;
  const to = l.x.get(s.to) ?? 0;
  const left = Math.min(from, to);
  const right = Math.max(from, to);
  const labelRow = blankRow(l);
  const arrowRow = blankRow(l);
  put(labelRow, 0, gutterText(s, l.offsetWidth));
  const label = oneLine(s.label);
  // The dashed arrow already says "retransmission"; the word is added only where it fits.
  const withNote = s.retransmission ? `${label} (retransmission)` : label;
  const room = from === to ? l.total - from - 2 : right - left - 3;
  const text = textWidth(withNote) <= room ? withNote : label;
  if (from === to) {
    // A message to itself (loopback): a turn-around mark beside the lifeline.
    put(labelRow, from + 2, truncate(text, Math.max(1, l.total - from - 2)));
    put(arrowRow, from + 1, "<┘");
  } else {
    put(labelRow, left + 2, truncate(text, Math.max(1, right - left - 3)));
    const dash = s.retransmission ? "╌" : "─";
    for (let i = left + 1; i < right; i++) arrowRow[i] = dash;
    if (to > from) arrowRow[right - 1] = ">";
    else arrowRow[left + 1] = "<";
  }
  const paint = (line: string): string => (s.highlight ? c.red(line) : s.retransmission ? c.dim(line) : line);
  return [paint(labelRow.join("").trimEnd()), paint(arrowRow.join("").trimEnd())];
}

/**
 * renderFlow draws the ladder of one flow for a terminal. The result ends with a newline and,
 * with colour off, contains no escape codes; lines stay within `width` unless the flow has more
 * endpoints than fit (each column needs a minimum width to hold a label).
 */
export function renderFlow(ladder: Ladder, opts: FlowOptions = {}): string {
  const maxWidth = Math.max(40, opts.width ?? 80);
  const c = makeColors(opts.color ?? false);
  const cols = columnsOf(ladder);
  const l = layout(ladder, cols, maxWidth);
  const out: string[] = [];
  const title = `Call-ID ${oneLine(ladder.callId)} — ${plural(ladder.steps.length, "message")}` + (ladder.findings.length > 0 ? `; findings: ${ladder.findings.map(oneLine).join(", ")}` : "");
  out.push(...wrap(title, maxWidth).map((line) => c.bold(line)));
  out.push("");
  out.push(...headerLines(cols, l, c));
  for (const s of ladder.steps) out.push(...stepLines(s, l, c));
  if (ladder.omitted > 0) out.push(`  … ${plural(ladder.omitted, "more message")} not shown (the flow was longer than the limit)`);
  const legend = ["times in seconds since the first message"];
  if (ladder.steps.some((s) => s.highlight)) legend.push("! = evidence of a finding");
  if (ladder.steps.some((s) => s.retransmission)) legend.push("╌╌> = retransmission");
  out.push("", ...wrap(legend.join("; "), maxWidth).map((line) => c.dim(line)));
  return out.join("\n") + "\n";
}

/**
 * `--format table`, the default on a terminal: a header block about the capture(s), the
 * registrations, the findings by severity, and under them each finding's explanation, fix steps
 * and Wireshark filter. Width-aware: tables are laid out for `opts.width` columns (cells wrap,
 * borders never break); where even the narrowest layout does not fit, rows turn into key/value
 * blocks. Colour goes through `color.ts` only — cli-table3's own colours are switched off.
 */
import Table from "cli-table3";
import type { Finding } from "../detect/model.js";
import { makeColors, type Colors } from "./color.js";
import type { Report, ReportCapture, ReportHandshake, ReportRegistration } from "./model.js";
import { foldedText, HANDSHAKE_ROWS, omittedRowsText, pickFindings, pickRows, READING_LIMITS, REGISTRATION_ROWS, type ReadingLimits } from "./reading.js";
import {
  clockTime,
  dateTime,
  evidenceFrames,
  filesText,
  frameRef,
  oneLine,
  padEnd,
  plural,
  seconds,
  sortedFindings,
  statusText,
  subjectShort,
  subjectText,
  width as textWidth,
  wrap,
} from "./text.js";

/** TableOptions controls the terminal report. */
export interface TableOptions {
  /** Terminal columns (default 80). */
  width?: number;
  /** Colour the output (default false). */
  color?: boolean;
  /** How much of a big report to list (default READING_LIMITS; ALL lists everything). */
  limits?: ReadingLimits;
}

/** Cell is one table cell: text (may hold `\n` for deliberate line breaks) and an optional colour. */
interface Cell {
  text: string;
  paint?: (s: string) => string;
}

/** Column is a header, the narrowest width (with padding) worth drawing it at, and its share of spare room. */
interface Column {
  header: string;
  min: number;
  /** How much of the shrinking this column resists (default 1; 2 keeps it twice as wide). */
  weight?: number;
  /** Prose wraps without harm: the column never makes a layout uncomfortable. */
  prose?: boolean;
}

/** Layout is one way to draw a table; `tableOf` tries layouts from the widest down. */
interface Layout {
  columns: Column[];
  rows: Cell[][];
}

// Left and right cell padding, as cli-table3 draws it.
const PADDING = 2;
// Width of the key column in the header block and in key/value blocks.
const KEY_WIDTH = 15;
// A layout is comfortable when no column has to give up more than this share of its natural width.
const COMFORT = 0.8;

const cell = (text: string, paint?: (s: string) => string): Cell => (paint ? { text, paint } : { text });

/** longestWord is the widest word of a text: a header may wrap between words but not inside one. */
function longestWord(text: string): number {
  return Math.max(0, ...text.split(/\s+/).map(textWidth));
}

/** naturalWidth is the width a column wants: its widest line (or header word), padded. */
function naturalWidth(layout: Layout, col: number): number {
  let w = longestWord(layout.columns[col].header);
  for (const row of layout.rows) for (const line of row[col].text.split("\n")) w = Math.max(w, textWidth(line));
  return w + PADDING;
}

/**
 * fitWidths shrinks columns until the table fits `available` (the width minus borders): always
 * the one widest relative to its weight, never below its minimum. Returns undefined when the
 * minimums do not fit.
 */
function fitWidths(natural: number[], columns: Column[], available: number): number[] | undefined {
  // A column whose content is narrower than its minimum simply keeps its natural width.
  const mins = natural.map((n, i) => Math.min(n, columns[i].min));
  if (mins.reduce((a, b) => a + b, 0) > available) return undefined;
  const widths = [...natural];
  let excess = widths.reduce((a, b) => a + b, 0) - available;
  while (excess > 0) {
    let pick = -1;
    for (let i = 0; i < widths.length; i++) {
      if (widths[i] <= mins[i]) continue;
      if (pick < 0 || widths[i] / (columns[i].weight ?? 1) > widths[pick] / (columns[pick].weight ?? 1)) pick = i;
    }
    widths[pick]--;
    excess--;
  }
  return widths;
}

/** cellContent wraps a cell to its column and paints each line (after wrapping, so codes never split). */
function cellContent(c: Cell, colWidth: number): string {
  const lines = c.text.split("\n").flatMap((line) => wrap(oneLine(line), colWidth - PADDING));
  return lines.map((line) => (c.paint ? c.paint(line) : line)).join("\n");
}

/** drawTable draws one layout at the given column widths with cli-table3. */
function drawTable(layout: Layout, widths: number[], c: Colors): string {
  const table = new Table({
    head: layout.columns.map((col, i) => cellContent(cell(col.header, c.bold), widths[i])),
    colWidths: widths,
    wordWrap: true,
    wrapOnWordBoundary: true,
    // cli-table3 colours headers red and borders grey by default; colour is ours to decide.
    style: { head: [], border: [], "padding-left": 1, "padding-right": 1 },
  });
  for (const row of layout.rows) table.push(row.map((cl, i) => cellContent(cl, widths[i])));
  return table.toString();
}

/** recordBlocks is the last resort for narrow terminals: each row as "header  value" lines. */
function recordBlocks(layout: Layout, width: number): string {
  const blocks = layout.rows.map((row) =>
    row.flatMap((cl, i) => keyValue(layout.columns[i].header, cl.text.replace(/\n/g, " "), width, cl.paint)).join("\n"),
  );
  return blocks.join("\n\n");
}

/**
 * tableOf draws the first layout that fits comfortably (little wrapping); failing that the
 * narrowest layout squeezed to its minimums; failing that, key/value blocks.
 */
function tableOf(layouts: Layout[], width: number, c: Colors): string {
  const fits = layouts.map((layout) => {
    const natural = layout.columns.map((_, i) => naturalWidth(layout, i));
    const available = width - (layout.columns.length + 1);
    const comfortable = natural.map((n, i) => {
      const col = layout.columns[i];
      return Math.min(n, col.prose ? col.min : Math.max(col.min, Math.ceil(n * COMFORT)));
    });
    return { layout, natural, available, comfortable: comfortable.reduce((a, b) => a + b, 0) <= available };
  });
  const chosen = fits.find((f) => f.comfortable) ?? fits[fits.length - 1];
  const widths = fitWidths(chosen.natural, chosen.layout.columns, chosen.available);
  return widths ? drawTable(chosen.layout, widths, c) : recordBlocks(chosen.layout, width);
}

/** keyValue prints `key   value…` with the value wrapped under itself; a long key gets its own line. */
export function keyValue(key: string, value: string, width: number, paint?: (s: string) => string): string[] {
  const keyWidth = Math.min(KEY_WIDTH, Math.max(4, Math.floor(width / 3)));
  const lines = wrap(oneLine(value), Math.max(8, width - keyWidth)).map((line) => " ".repeat(keyWidth) + (paint ? paint(line) : line));
  if (textWidth(key) < keyWidth) lines[0] = padEnd(key, keyWidth) + lines[0].slice(keyWidth);
  else lines.unshift(key);
  return lines;
}

/** indented wraps text under a prefix (e.g. "Why: "), continuing lines aligned after it. */
function indented(prefix: string, text: string, indent: number, width: number): string[] {
  const lead = " ".repeat(indent) + prefix;
  const lines = wrap(oneLine(text), Math.max(8, width - textWidth(lead)));
  return lines.map((line, i) => (i === 0 ? lead : " ".repeat(textWidth(lead))) + line);
}

/** countsText joins counts like "UDP 8, TCP 2", largest first, ties by name. */
function countsText(counts: Record<string, number>): string {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([k, n]) => `${oneLine(k)} ${n}`)
    .join(", ");
}

/** captureLines is the header block of one capture. */
function captureLines(cap: ReportCapture, multi: boolean, width: number, c: Colors): string[] {
  const out: string[] = [];
  const kv = (k: string, v: string, paint?: (s: string) => string): void => void out.push(...keyValue(k, v, width, paint));
  const fmt = `${cap.format}${cap.gzip ? ", gzip" : ""}, ${plural(cap.frames, "frame")}, ${plural(cap.bytes, "byte")}`;
  kv(multi ? `Capture ${cap.index}` : "Capture", `${cap.name} (${fmt})`);
  if (cap.files) kv("Files", filesText(cap.files));
  if (cap.start !== undefined && cap.end !== undefined) {
    const sameDay = cap.start.slice(0, 10) === cap.end.slice(0, 10);
    kv("Span", `${dateTime(cap.start)} → ${sameDay ? clockTime(cap.end) : dateTime(cap.end)} UTC (${seconds(cap.durationS)} s)`);
  }
  const transports = countsText(cap.transports);
  kv("SIP messages", `${cap.sipMessages}${transports ? ` (${transports})` : ""}`);
  const issues = cap.issues.map((i) => `${oneLine(i.code)} ×${i.count}` + (i.samples.length > 0 ? ` (frame ${i.samples.map((s) => s.frame).join(", ")}${i.count > i.samples.length ? ", …" : ""})` : ""));
  kv("Parse issues", issues.length > 0 ? issues.join("; ") : "none");
  if (cap.damage) {
    const d = cap.damage;
    kv("Damage", `${d.kind} at byte ${d.byteOffset} after frame ${d.afterFrame}: ${d.reason}; everything before was analysed`, c.yellow);
  }
  if (cap.tlsSessions) kv("TLS", plural(cap.tlsSessions, "session"));
  return out;
}

/** headerBlock summarises the captures and the verdict. */
function headerBlock(r: Report, width: number, c: Colors): string[] {
  const multi = r.captures.length > 1;
  const out = [c.bold(`sip401 ${oneLine(r.tool.version)} — ${plural(r.captures.length, "capture")}${r.redacted ? " (identities redacted)" : ""}`)];
  for (const cap of r.captures) out.push(...captureLines(cap, multi, width, c));
  const reg = r.summary.registrations;
  const regParts = (["registered", "failed", "timeout", "in_progress", "unregistered"] as const).filter((k) => reg[k] > 0).map((k) => `${reg[k]} ${k.replace("_", " ")}`);
  out.push(...keyValue("Registrations", `${reg.total}${regParts.length > 0 ? ` (${regParts.join(", ")})` : ""}`, width));
  const f = r.summary.findings;
  const verdict = r.findings.length === 0 ? "none" : `${plural(f.error, "error")}, ${plural(f.warning, "warning")}, ${f.info} info`;
  out.push(...keyValue("Findings", verdict, width, r.summary.worst === "none" ? c.green : (s) => c.severity(r.summary.worst, s)));
  return out;
}

/**
 * registrationLayouts offers one column per field for wide terminals, then merged columns
 * (addresses, outcome and status, first and last time stacked), then the AOR over its addresses.
 */
function registrationLayouts(regs: ReportRegistration[], c: Colors): Layout[] {
  const outcomeText = (g: ReportRegistration): string => g.outcome.replace("_", " ");
  const paint = (g: ReportRegistration) => (s: string) => c.outcome(g.outcome, s);
  const attempts = (g: ReportRegistration): string => `${g.attempts}${g.authenticatedAttempts > 0 ? ` (${g.authenticatedAttempts} auth)` : ""}`;
  const outcome = (g: ReportRegistration): Cell => cell([outcomeText(g), statusText(g.status, g.reason)].filter((x) => x !== "").join("\n"), paint(g));
  const times = (g: ReportRegistration): Cell => cell(`${clockTime(g.first)}\n${clockTime(g.last)}`);
  const wide: Layout = {
    columns: [
      { header: "AOR", min: 16 },
      { header: "client", min: 20 },
      { header: "server", min: 20 },
      { header: "transport", min: 11 },
      { header: "attempts", min: 10 },
      { header: "outcome", min: 13 },
      { header: "last status", min: 14 },
      { header: "first", min: 14 },
      { header: "last", min: 14 },
    ],
    rows: regs.map((g) => [
      cell(g.aor),
      cell(g.client),
      cell(g.server),
      cell(g.transport),
      cell(attempts(g)),
      cell(outcomeText(g), paint(g)),
      cell(statusText(g.status, g.reason)),
      cell(clockTime(g.first)),
      cell(clockTime(g.last)),
    ]),
  };
  const merged: Layout = {
    columns: [
      { header: "AOR", min: 26 },
      { header: "client → server", min: 25 },
      { header: "proto", min: 7 },
      { header: "attempts", min: 12 },
      { header: "outcome", min: 14 },
      { header: "first / last (UTC)", min: 14 },
    ],
    rows: regs.map((g) => [cell(g.aor), cell(`${g.client}\n→ ${g.server}`), cell(g.transport), cell(attempts(g)), outcome(g), times(g)]),
  };
  const narrow: Layout = {
    columns: [
      { header: "AOR, client → server", min: 16, weight: 2 },
      { header: "proto", min: 7 },
      { header: "tries", min: 7 },
      { header: "outcome", min: 10 },
      { header: "first / last", min: 14 },
    ],
    rows: regs.map((g) => [cell(`${g.aor}\n${g.client}\n→ ${g.server}`), cell(g.transport), cell(String(g.attempts)), outcome(g), times(g)]),
  };
  return [wide, merged, narrow];
}

/** handshakeLayouts lists authentication handshakes of methods other than REGISTER. */
function handshakeLayouts(hs: ReportHandshake[], c: Colors): Layout[] {
  return [
    {
      columns: [
        { header: "method", min: 10 },
        { header: "from / user", min: 14 },
        { header: "client → server", min: 14 },
        { header: "attempts", min: 10 },
        { header: "outcome", min: 14 },
      ],
      rows: hs.map((h) => [
        cell(h.method),
        cell([h.fromUri, h.username !== undefined ? `user ${h.username}` : undefined].filter((x) => x !== undefined).join("\n")),
        cell(`${h.client}\n→ ${h.server} ${h.transport}`),
        cell(String(h.attempts)),
        cell(`${h.outcome.replace("_", " ")}${h.status !== undefined ? `\n${h.status}` : ""}`, (s) => c.outcome(h.outcome, s)),
      ]),
    },
  ];
}

/** findingLayouts is the findings overview: what, who, where to look, and the first thing to do. */
function findingLayouts(findings: Finding[], multi: boolean, c: Colors): Layout[] {
  const severity = (f: Finding): string => f.severity.toUpperCase();
  const paint = (f: Finding) => (s: string) => c.severity(f.severity, s);
  // Who, in short: the details under the table give the full subject.
  const who = (f: Finding): string => oneLine(subjectShort(f.subject) ?? "");
  const frames = (f: Finding): string => evidenceFrames(f.evidence, multi).join(", ");
  return [
    {
      columns: [
        { header: "severity", min: 10 },
        { header: "code", min: 24 },
        { header: "subject", min: 26 },
        { header: "evidence frames", min: 10, weight: 0.7 },
        { header: "what to do", min: 40, weight: 2.5, prose: true },
      ],
      rows: findings.map((f) => [cell(severity(f), paint(f)), cell(f.code), cell(who(f)), cell(frames(f)), cell(f.fix[0] ?? "")]),
    },
    {
      columns: [
        { header: "finding", min: 32 },
        { header: "subject", min: 14, weight: 1.3 },
        { header: "frames", min: 8, weight: 0.7 },
        { header: "what to do", min: 16, weight: 2.5, prose: true },
      ],
      rows: findings.map((f) => [cell(`${severity(f)}\n${f.code}`, paint(f)), cell(who(f)), cell(frames(f)), cell(f.fix[0] ?? "")]),
    },
  ];
}

/** findingDetails is the full text of one finding, under the tables. */
function findingDetails(f: Finding, n: number, multi: boolean, width: number, c: Colors): string[] {
  const out = wrap(oneLine(`[${n}] ${f.severity.toUpperCase()} ${f.code} — ${f.title}`), width).map((line) => c.severity(f.severity, c.bold(line)));
  const subject = subjectText(f.subject);
  if (subject) out.push(...indented("Subject: ", subject, 4, width));
  if (f.subject.callId !== undefined) out.push(...indented("Call-ID: ", f.subject.callId, 4, width));
  out.push(...indented("Why: ", f.explanation, 4, width));
  if (f.evidence.length > 0) {
    out.push("    Evidence:");
    const refs = f.evidence.map((e) => `frame ${frameRef(e.frame, e.capture, multi)}`);
    const refWidth = Math.max(...refs.map((s) => s.length)) + 2;
    f.evidence.forEach((e, i) => out.push(...indented(padEnd(refs[i], refWidth), e.text, 6, width)));
  }
  if (f.fix.length > 0) {
    out.push("    Fix:");
    f.fix.forEach((step, i) => out.push(...indented(`${i + 1}. `, step, 6, width)));
  }
  out.push(...indented("Wireshark: ", f.filter, 4, width).map((line) => c.cyan(line)));
  return out;
}

/** limitsNote says what was folded away to stay within memory, if anything. */
function limitsNote(r: Report): string | undefined {
  const l = r.limits;
  const parts = [
    l.transactionsEvicted > 0 ? plural(l.transactionsEvicted, "transaction") + " evicted" : "",
    l.registrationsUntracked > 0 ? plural(l.registrationsUntracked, "registration") + " not tracked" : "",
    l.noncesEvicted > 0 ? plural(l.noncesEvicted, "nonce") + " forgotten" : "",
    l.laddersDropped > 0 ? plural(l.laddersDropped, "ladder") + " left out" : "",
    l.handshakesFolded > 0 ? plural(l.handshakesFolded, "successful handshake") + " not listed" : "",
  ].filter((s) => s !== "");
  return parts.length > 0 ? `Limits reached: ${parts.join(", ")}.` : undefined;
}

/**
 * renderTable renders the report for a terminal. With colour off the output holds no escape
 * codes; every line fits `opts.width` columns (default 80) as long as the width leaves room for
 * the narrowest layout's minimum column widths (about 40 columns).
 */
export function renderTable(report: Report, opts: TableOptions = {}): string {
  const width = Math.max(40, Math.floor(opts.width ?? 80));
  const c = makeColors(opts.color ?? false);
  const multi = report.captures.length > 1;
  const out: string[] = [...headerBlock(report, width, c), ""];
  const heading = (text: string): void => void out.push(c.bold(text));

  const limits = opts.limits ?? READING_LIMITS;
  const note = (text: string): void => void out.push(...wrap(text, width).map((line) => c.dim(line)));
  heading(`Registrations (${report.registrations.length})`);
  if (report.registrations.length === 0) {
    out.push("No REGISTER requests in the capture.", "");
  } else {
    const regs = pickRows(report.registrations, limits.rows, REGISTRATION_ROWS.urgent);
    out.push(tableOf(registrationLayouts(regs.shown, c), width, c));
    if (regs.omitted > 0) note(omittedRowsText(regs, REGISTRATION_ROWS));
    out.push("");
  }

  const others = report.handshakes.filter((h) => h.method !== "REGISTER");
  if (others.length > 0) {
    heading(`Other authentication handshakes (${others.length})`);
    const hs = pickRows(others, limits.rows, HANDSHAKE_ROWS.urgent);
    out.push(tableOf(handshakeLayouts(hs.shown, c), width, c));
    if (hs.omitted > 0) note(omittedRowsText(hs, HANDSHAKE_ROWS));
    out.push("");
  }

  const findings = sortedFindings(report.findings);
  heading(`Findings (${findings.length})`);
  if (findings.length === 0) {
    out.push(c.green("No problems found."), "");
  } else {
    const { shown, folded } = pickFindings(findings, limits.findingsPerCode);
    out.push(tableOf(findingLayouts(shown, multi, c), width, c));
    if (folded.length > 0) {
      note(`${shown.length} of ${findings.length} findings listed, the first ${limits.findingsPerCode} of each kind. Not listed (all are in the JSON and HTML reports, or add --all):`);
      for (const g of folded) out.push(...indented("- ", foldedText(g), 2, width).map((line) => c.severity(g.severity, line)));
    }
    out.push("");
    shown.forEach((f, i) => out.push(...findingDetails(f, i + 1, multi, width, c), ""));
  }

  if (report.ladders.length > 0) {
    heading(`Message ladders (${report.ladders.length})`);
    out.push(...wrap("Show one with: sip401 flow CAPTURE --call-id ID", width).map((line) => c.dim(line)));
    for (const l of report.ladders) {
      const where = multi ? `capture ${l.capture}, ` : "";
      out.push(...indented("", `${oneLine(l.callId)} (${where}${plural(l.steps.length + l.omitted, "message")}${l.findings.length > 0 ? `; ${l.findings.map(oneLine).join(", ")}` : ""})`, 2, width));
    }
    out.push("");
  }

  const limitsText = limitsNote(report);
  if (limitsText) out.push(...wrap(limitsText, width).map((line) => c.yellow(line)), "");
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out.join("\n") + "\n";
}

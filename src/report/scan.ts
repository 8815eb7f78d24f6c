/**
 * Renderers of the `sip401 scan` summary (src/batch/summary.ts): a terminal table, Markdown for a
 * ticket, a self-contained HTML page and stable JSON. Like the report renderers they are pure
 * functions of the model and the options, built from the same pieces (key/value blocks, escaping,
 * Markdown tables, the report's HTML page), so a scan looks like a report of many files. The
 * terminal table differs on purpose: one line per file, as an archive has thousands.
 *
 * File names and SIP identities come from disks and networks: every value is escaped for where it
 * lands, as in the report renderers.
 */
import { MAX_TOTAL_LIST, type ScanRow, type ScanSummary, type ScanTotals } from "../batch/summary.js";
import { SEVERITIES } from "../detect/model.js";
import { makeColors, type Colors } from "./color.js";
import { badge, htmlDocument, tableHtml } from "./html.js";
import type { RenderOptions, ReportFormat } from "./index.js";
import { codeSpan, mdText, table as mdTable } from "./markdown.js";
import { keyValue } from "./table.js";
import { escapeMarkup as esc, oneLine, padEnd, padStart, plural, truncate, width as textWidth, wrap } from "./text.js";

/** How many users and servers the table, Markdown and HTML list (JSON has the model's longer lists). */
export const SHOWN_IN_TOTALS = 10;

const ERROR_LABELS: Readonly<Record<string, string>> = { not_a_capture: "not a capture", unreadable: "unreadable", crashed: "crashed", timed_out: "timed out" };

/** byteSize renders a byte count in decimal units (as throughput is quoted): 812 B, 48.2 kB, 3.1 GB. */
function byteSize(bytes: number): string {
  if (bytes < 1e3) return `${bytes} B`;
  const [unit, scale] = bytes < 1e6 ? ["kB", 1e3] : bytes < 1e9 ? ["MB", 1e6] : bytes < 1e12 ? ["GB", 1e9] : ["TB", 1e12];
  return `${(bytes / scale).toFixed(1)} ${unit}`;
}

/** severityCounts is "E/W/I" as three numbers. */
function severityCounts(f: Record<"error" | "warning" | "info", number>): string {
  return SEVERITIES.map((s) => f[s]).join("/");
}

/** damageText says where a damaged capture stopped. */
function damageText(row: ScanRow): string | undefined {
  const d = row.damage;
  return d ? `${d.kind} at byte ${d.byteOffset} after frame ${d.afterFrame}` : undefined;
}

/** topText is the top finding as "SEVERITY code: title". */
function topText(row: ScanRow): string {
  return row.top ? `${row.top.severity.toUpperCase()} ${row.top.code}: ${row.top.title}` : "no findings";
}

/** errorText is an error row's reason with its kind. */
function errorText(row: ScanRow): string {
  return `${ERROR_LABELS[row.error?.code ?? ""] ?? "error"}: ${row.error?.message ?? ""}`;
}

/**
 * totalsFacts are the headline numbers as label/value pairs of plain text (each renderer escapes
 * them for its format).
 */
export function totalsFacts(t: ScanTotals): [string, string][] {
  const errorParts = Object.entries(t.errorsByCode)
    .filter(([, n]) => n > 0)
    .map(([code, n]) => `${n} ${ERROR_LABELS[code] ?? code}`);
  const files = [`${t.analysed} analysed`, `${plural(t.errors, "error")}${errorParts.length > 0 ? ` (${errorParts.join(", ")})` : ""}`];
  if (t.damaged > 0) files.push(`${t.damaged} damaged (analysed up to the damage)`);
  return [
    ["Files", files.join(", ")],
    ["Data", `${byteSize(t.bytes)}, ${plural(t.frames, "frame")}, ${plural(t.sipMessages, "SIP message")}`],
    ["Registrations", `${t.registrations.total} (${t.registrations.ok} ok, ${t.registrations.failed} failed)`],
    ["Findings", findingsText(t)],
  ];
}

/** findingsText counts findings by severity and the files they are in. */
function findingsText(t: ScanTotals): string {
  const f = t.findings;
  if (f.error + f.warning + f.info === 0) return "none";
  return `${plural(f.error, "error")}, ${plural(f.warning, "warning")}, ${f.info} info; files with errors ${t.filesWithFindings.error}, with warnings ${t.filesWithFindings.warning}`;
}

/** verdictText is the one-line outcome: findings, or files that could not be analysed. */
function verdictText(t: ScanTotals): string {
  const parts = [findingsText(t)].filter((x) => x !== "none");
  if (t.errors > 0) parts.push(`${plural(t.errors, "file")} not analysed`);
  return parts.length > 0 ? parts.join("; ") : "No problems found.";
}

/** moreNote says how many entries a shortened list left out. */
function moreNote(shown: number, total: number, what: string): string | undefined {
  return total > shown ? `… and ${plural(total - shown, `more ${what}`)} (--format json lists up to ${MAX_TOTAL_LIST})` : undefined;
}

// --- table ---------------------------------------------------------------------------------------

/** Line is one row of an aligned table: its cells (plain text) and how to paint the last one. */
interface Line {
  cells: string[];
  paint?: (s: string) => string;
}

/**
 * aligned lays rows out in space-separated columns, one line per row, like `sip401 messages`: an
 * archive has thousands of files, and one line each keeps the list greppable. Numeric columns are
 * right-aligned; the last column is cut to the width (paths are never cut: they name the file).
 */
function aligned(headers: string[], lines: Line[], numeric: boolean[], width: number, c: Colors): string[] {
  const rows = lines.map((l) => ({ cells: l.cells.map(oneLine), paint: l.paint }));
  const last = headers.length - 1;
  const widths = headers.map((h, i) => Math.max(textWidth(h), ...rows.map((r) => textWidth(r.cells[i]))));
  const lead = widths.slice(0, last).reduce((a, b) => a + b + 2, 0);
  const lastWidth = Math.max(16, width - lead);
  const format = (cells: string[], paint?: (s: string) => string): string => {
    const parts = cells.map((x, i) => (i === last ? truncate(x, lastWidth) : numeric[i] ? padStart(x, widths[i]) : padEnd(x, widths[i])));
    const tail = parts.pop() ?? "";
    return `${parts.join("  ")}  ${paint ? paint(tail) : tail}`.trimEnd();
  };
  return [c.bold(format(headers)), ...rows.map((r) => format(r.cells, r.paint))];
}

/** fileLine is one file: numbers, then the top finding (or the error, or the damage). */
function fileLine(r: ScanRow, c: Colors): Line {
  if (r.status === "error") return { cells: [r.path, "—", "—", "—", "—", `ERROR ${errorText(r)}`], paint: c.red };
  const damage = damageText(r);
  const top = `${damage ? `damaged: ${damage}; ` : ""}${topText(r)}`;
  const paint = r.top ? (x: string) => c.severity(r.top!.severity, x) : damage ? c.yellow : c.green;
  return { cells: [r.path, String(r.frames), String(r.sipMessages), `${r.registrations.ok}/${r.registrations.failed}`, severityCounts(r.findings), top], paint };
}

/** renderScanTable renders the summary for a terminal: totals, one line per file, then the archive-wide lists. */
export function renderScanTable(s: ScanSummary, opts: RenderOptions = {}): string {
  const width = Math.max(40, Math.floor(opts.width ?? 80));
  const c = makeColors(opts.color ?? false);
  const t = s.totals;
  const out: string[] = [c.bold(`sip401 ${oneLine(s.tool.version)} — scan of ${plural(t.files, "file")}`)];
  for (const [k, v] of totalsFacts(t)) {
    const paint = k === "Findings" ? (t.worst === "none" ? c.green : (x: string) => c.severity(t.worst, x)) : undefined;
    out.push(...keyValue(k, v, width, paint));
  }
  out.push("");
  if (s.rows.length === 0) out.push("No captures found.", "");
  else {
    const headers = ["file", "frames", "SIP", "reg ok/failed", "E/W/I", "top finding"];
    out.push(...aligned(headers, s.rows.map((r) => fileLine(r, c)), [false, true, true, true, true, false], width, c), "");
  }
  if (t.byCode.length > 0) {
    out.push(c.bold("Findings by code"));
    const lines = t.byCode.map((b) => ({ cells: [String(b.findings), String(b.files), b.severity.toUpperCase(), b.code] }));
    out.push(...aligned(["findings", "files", "severity", "code"], lines, [true, true, false, false], width, c), "");
  }
  if (t.failingUsers.length > 0) {
    const shown = t.failingUsers.slice(0, SHOWN_IN_TOTALS);
    out.push(c.bold("Users failing most"));
    out.push(...aligned(["failures", "files", "user"], shown.map((u) => ({ cells: [String(u.failures), String(u.files), u.user] })), [true, true, false], width, c));
    const more = moreNote(shown.length, t.failingUsersTotal, "user");
    if (more) out.push(...wrap(more, width).map((line) => c.dim(line)));
    out.push("");
  }
  if (t.servers.length > 0) {
    const shown = t.servers.slice(0, SHOWN_IN_TOTALS);
    out.push(c.bold("Servers involved"));
    const lines = shown.map((v) => ({ cells: [String(v.files), String(v.flows), String(v.failed), v.server] }));
    out.push(...aligned(["files", "flows", "failed", "server"], lines, [true, true, true, false], width, c));
    const more = moreNote(shown.length, t.serversTotal, "server");
    if (more) out.push(...wrap(more, width).map((line) => c.dim(line)));
    out.push("");
  }
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out.join("\n") + "\n";
}

// --- Markdown ------------------------------------------------------------------------------------

/** renderScanMarkdown renders the summary as CommonMark/GFM. */
export function renderScanMarkdown(s: ScanSummary): string {
  const t = s.totals;
  const out = [
    `# sip401 scan: ${plural(t.files, "file")}, ${t.worst === "none" ? "no problems found" : `worst ${t.worst}`}`,
    "",
    `Scanned by sip401 ${mdText(s.tool.version)}. Each file was analysed on its own; \`sip401 analyze FILE\` gives the full report of one.`,
    "",
    "## Summary",
    "",
    ...totalsFacts(t).map(([k, v]) => `- **${mdText(k)}:** ${mdText(v)}`),
    "",
    `## Files (${t.files})`,
    "",
  ];
  if (s.rows.length === 0) out.push("No captures found.", "");
  else {
    out.push(
      ...mdTable(
        ["file", "frames", "SIP messages", "registrations ok/failed", "findings E/W/I", "top finding"],
        s.rows.map((r) => {
          if (r.status === "error") return [codeSpan(r.path, true), "", "", "", "", `**${mdText(errorText(r))}**`];
          const damage = damageText(r);
          return [
            codeSpan(r.path, true),
            String(r.frames),
            String(r.sipMessages),
            `${r.registrations.ok}/${r.registrations.failed}`,
            severityCounts(r.findings),
            `${mdText(topText(r))}${damage ? ` (${mdText(damage)})` : ""}`,
          ];
        }),
      ),
      "",
    );
  }
  if (t.byCode.length > 0) {
    out.push("## Findings by code", "", ...mdTable(["severity", "code", "findings", "files"], t.byCode.map((b) => [b.severity, codeSpan(b.code, true), String(b.findings), String(b.files)])), "");
  }
  if (t.failingUsers.length > 0) {
    const shown = t.failingUsers.slice(0, SHOWN_IN_TOTALS);
    out.push("## Users failing most", "", ...mdTable(["user", "failures", "files"], shown.map((u) => [codeSpan(u.user, true), String(u.failures), String(u.files)])), "");
    const more = moreNote(shown.length, t.failingUsersTotal, "user");
    if (more) out.push(mdText(more), "");
  }
  if (t.servers.length > 0) {
    const shown = t.servers.slice(0, SHOWN_IN_TOTALS);
    out.push("## Servers involved", "", ...mdTable(["server", "files", "flows", "failed"], shown.map((v) => [codeSpan(v.server, true), String(v.files), String(v.flows), String(v.failed)])), "");
    const more = moreNote(shown.length, t.serversTotal, "server");
    if (more) out.push(mdText(more), "");
  }
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out.join("\n") + "\n";
}

// --- HTML ----------------------------------------------------------------------------------------

/** renderScanHtml renders the summary as one self-contained page (no scripts, CSP as the report's). */
export function renderScanHtml(s: ScanSummary): string {
  const t = s.totals;
  const verdict = `${badge(t.worst === "none" ? "ok" : t.worst)}${esc(verdictText(t))}`;
  const rows = s.rows.map((r) => {
    if (r.status === "error") return [`<code>${esc(r.path)}</code>`, "", "", "", "", `<span class="outcome-bad">${esc(errorText(r))}</span>`];
    const damage = damageText(r);
    return [
      `<code>${esc(r.path)}</code>`,
      `<td class="num">${r.frames}</td>`,
      `<td class="num">${r.sipMessages}</td>`,
      `<td class="num">${r.registrations.ok}/${r.registrations.failed}</td>`,
      `<td class="num">${severityCounts(r.findings)}</td>`,
      `${r.top ? badge(r.top.severity) : ""}${esc(r.top ? `${r.top.code}: ${r.top.title}` : "no findings")}${damage ? `<br><span class="note">${esc(damage)}</span>` : ""}`,
    ];
  });
  const body = [
    "<header>",
    `<h1>sip401 scan: ${esc(plural(t.files, "file"))}</h1>`,
    `<p class="lead">Each file analysed on its own; <code>sip401 analyze FILE</code> gives the full report of one.</p>`,
    "</header>",
    `<section id="summary"><h2>Summary</h2>`,
    `<p class="verdict">${verdict}</p>`,
    `<dl class="facts">${totalsFacts(t).map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join("")}</dl>`,
    "</section>",
    `<section id="files"><h2>Files (${t.files})</h2>`,
    s.rows.length > 0 ? tableHtml(["file", "frames", "SIP messages", "registrations ok/failed", "findings E/W/I", "top finding"], rows) : "<p>No captures found.</p>",
    "</section>",
  ];
  if (t.byCode.length > 0) {
    body.push(
      `<section id="codes"><h2>Findings by code</h2>`,
      tableHtml(["severity", "code", "findings", "files"], t.byCode.map((b) => [badge(b.severity), `<code>${esc(b.code)}</code>`, `<td class="num">${b.findings}</td>`, `<td class="num">${b.files}</td>`])),
      "</section>",
    );
  }
  if (t.failingUsers.length > 0) {
    const shown = t.failingUsers.slice(0, SHOWN_IN_TOTALS);
    const more = moreNote(shown.length, t.failingUsersTotal, "user");
    body.push(
      `<section id="users"><h2>Users failing most</h2>`,
      tableHtml(["user", "failures", "files"], shown.map((u) => [`<code>${esc(u.user)}</code>`, `<td class="num">${u.failures}</td>`, `<td class="num">${u.files}</td>`])),
      more ? `<p class="note">${esc(more)}</p>` : "",
      "</section>",
    );
  }
  if (t.servers.length > 0) {
    const shown = t.servers.slice(0, SHOWN_IN_TOTALS);
    const more = moreNote(shown.length, t.serversTotal, "server");
    body.push(
      `<section id="servers"><h2>Servers involved</h2>`,
      tableHtml(["server", "files", "flows", "failed"], shown.map((v) => [`<code>${esc(v.server)}</code>`, `<td class="num">${v.files}</td>`, `<td class="num">${v.flows}</td>`, `<td class="num">${v.failed}</td>`])),
      more ? `<p class="note">${esc(more)}</p>` : "",
      "</section>",
    );
  }
  body.push(`<footer>sip401 ${esc(s.tool.version)} · scan summary version ${s.version} · times in UTC</footer>`);
  return htmlDocument(`sip401 scan — ${plural(t.files, "file")}`, s.tool.version, body.filter((x) => x !== ""));
}

// --- JSON and dispatch ---------------------------------------------------------------------------

/** renderScanJson prints the summary model: fixed key order (the model is built in one), 2-space indent, trailing newline. */
export function renderScanJson(s: ScanSummary): string {
  return `${JSON.stringify(s, null, 2)}\n`;
}

/** renderScan renders the summary in one of the report formats. */
export function renderScan(s: ScanSummary, format: ReportFormat, opts: RenderOptions = {}): string {
  switch (format) {
    case "table":
      return renderScanTable(s, opts);
    case "json":
      return renderScanJson(s);
    case "markdown":
      return renderScanMarkdown(s);
    case "html":
      return renderScanHtml(s);
  }
}

/**
 * `--format html`: one self-contained page a customer can read and print — summary, findings with
 * severity badges, registrations, and an SVG ladder per flow. Inline CSS only: no scripts, no
 * network, no external fonts; a Content-Security-Policy forbids anything else, so even text that
 * escaped escaping could not run. Every SIP value is escaped (headers are attacker-controlled).
 */
import type { Finding } from "../detect/model.js";
import type { Ladder, Report, ReportCapture, ReportHandshake, ReportRegistration } from "./model.js";
import { renderSvgLadder } from "./svg-ladder.js";
import { clockTime, dateTime, escapeMarkup as esc, evidenceFrames, filesText, frameRef, plural, seconds, sortedFindings, statusText, subjectText } from "./text.js";

/** HtmlOptions controls the HTML report (nothing yet; kept for symmetry with the other renderers). */
export type HtmlOptions = Record<string, never>;

const CSS = `
:root { color-scheme: light; --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --error: #c62828; --warning: #b45309; --info: #1d4ed8; --ok: #15803d; }
* { box-sizing: border-box; }
body { margin: 0; background: #f9fafb; color: var(--ink); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
h2 { font-size: 1.25rem; margin: 32px 0 12px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.05rem; margin: 0 0 8px; }
h4 { font-size: .9rem; margin: 14px 0 4px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: .9em; }
code { background: #f3f4f6; padding: 1px 4px; border-radius: 3px; overflow-wrap: anywhere; }
.lead { color: var(--muted); margin: 0 0 16px; }
.verdict { font-size: 1.1rem; margin: 12px 0; }
.badge { display: inline-block; min-width: 4.8em; text-align: center; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: .75rem; font-weight: 700; text-transform: uppercase; letter-spacing: .05em; vertical-align: 2px; margin-right: 6px; }
.badge.error { background: var(--error); } .badge.warning { background: var(--warning); } .badge.info { background: var(--info); } .badge.none, .badge.ok { background: var(--ok); }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
.facts dt { font-weight: 600; } .facts dd { margin: 0; }
.finding { border: 1px solid var(--line); border-left: 6px solid var(--info); border-radius: 6px; padding: 14px 18px; margin: 14px 0; }
.finding.error { border-left-color: var(--error); } .finding.warning { border-left-color: var(--warning); }
.finding .subject { margin: 0 0 8px; color: var(--muted); }
.finding ul.evidence { list-style: none; padding: 0; margin: 0; }
.finding ul.evidence li { padding: 1px 0; display: grid; grid-template-columns: 5.5em 1fr; }
.finding .frame { font-weight: 600; }
.finding ol { margin: 4px 0; padding-left: 1.6em; }
.filter { margin: 12px 0 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); }
th { background: #f3f4f6; font-weight: 600; }
td.num { text-align: right; }
td code { white-space: nowrap; overflow-wrap: normal; }
.outcome-bad { color: var(--error); font-weight: 600; } .outcome-good { color: var(--ok); font-weight: 600; } .outcome-other { color: var(--warning); font-weight: 600; }
figure { margin: 18px 0 28px; }
figcaption { margin-bottom: 8px; }
svg.ladder { max-width: 100%; height: auto; display: block; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
.note { color: var(--muted); font-size: .9rem; }
footer { margin-top: 40px; color: var(--muted); font-size: .85rem; border-top: 1px solid var(--line); padding-top: 8px; }
@page { margin: 14mm; }
@media print {
  body { background: #fff; font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  .finding, figure, tr { break-inside: avoid; }
  .badge, .finding, svg.ladder, th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .scroll { overflow: visible; }
}
`;

const GOOD = new Set(["registered", "success", "unregistered"]);
const BAD = new Set(["failed", "timeout", "forbidden", "not_found", "no_response", "rechallenged", "no_retry"]);

/** outcomeClass picks the colour class of an outcome. */
function outcomeClass(outcome: string): string {
  return GOOD.has(outcome) ? "outcome-good" : BAD.has(outcome) ? "outcome-bad" : "outcome-other";
}

/** badge is a severity label. */
export function badge(severity: string): string {
  return `<span class="badge ${esc(severity)}">${esc(severity)}</span>`;
}

/** tr builds a row from already-escaped cells; a cell that is a whole `<td …>` is taken as it is. */
function tr(cells: string[], tag = "td"): string {
  return `<tr>${cells.map((c) => (c.startsWith("<td") || c.startsWith("<th") ? c : `<${tag}>${c}</${tag}>`)).join("")}</tr>`;
}

/** tableHtml renders a header row and body rows of already-escaped cells. */
export function tableHtml(headers: string[], rows: string[][]): string {
  return `<div class="scroll"><table><thead>${tr(headers.map(esc), "th")}</thead><tbody>${rows.map((r) => tr(r)).join("")}</tbody></table></div>`;
}

/** captureFacts describes one capture as a definition list. */
function captureFacts(c: ReportCapture, multi: boolean): string {
  const facts: [string, string][] = [
    [multi ? `Capture ${c.index}` : "Capture", `<code>${esc(c.name)}</code> (${esc(c.format)}${c.gzip ? ", gzip" : ""}, ${plural(c.frames, "frame")}, ${plural(c.bytes, "byte")})`],
  ];
  if (c.files) facts.push(["Files", esc(filesText(c.files))]);
  if (c.start !== undefined && c.end !== undefined) facts.push(["Time span", `${esc(dateTime(c.start))} → ${esc(clockTime(c.end))} UTC (${seconds(c.durationS)} s)`]);
  const transports = Object.entries(c.transports).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([t, n]) => `${esc(t)} ${n}`);
  facts.push(["SIP messages", `${c.sipMessages}${transports.length > 0 ? ` (${transports.join(", ")})` : ""}`]);
  facts.push(["Parse issues", c.issues.length > 0 ? c.issues.map((i) => `<code>${esc(i.code)}</code> ×${i.count}`).join(", ") : "none"]);
  if (c.damage) facts.push(["Damage", `${esc(c.damage.kind)} at byte ${c.damage.byteOffset} after frame ${c.damage.afterFrame}: ${esc(c.damage.reason)}. Everything before it was analysed.`]);
  return facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join("");
}

/** summaryHtml is the verdict and the headline numbers. */
function summaryHtml(r: Report): string {
  const s = r.summary;
  const reg = s.registrations;
  const regParts = (["registered", "failed", "timeout", "in_progress", "unregistered"] as const).filter((k) => reg[k] > 0).map((k) => `${reg[k]} ${k.replace("_", " ")}`);
  const verdict =
    r.findings.length === 0
      ? `${badge("ok")}No problems found.`
      : `${badge(s.worst)}${plural(s.findings.error, "error")}, ${plural(s.findings.warning, "warning")}, ${s.findings.info} info.`;
  const facts = r.captures.map((c) => captureFacts(c, r.captures.length > 1)).join("");
  return [
    `<p class="verdict">${verdict}</p>`,
    `<dl class="facts">${facts}<dt>Registrations</dt><dd>${reg.total}${regParts.length > 0 ? ` (${regParts.join(", ")})` : ""}</dd>`,
    `<dt>Transactions</dt><dd>${s.transactions.total} (${s.transactions.unanswered} unanswered, ${plural(s.transactions.requestRetransmissions, "request retransmission")})</dd></dl>`,
  ].join("\n");
}

/** findingHtml is one finding as a card. */
function findingHtml(f: Finding, n: number, multi: boolean): string {
  const parts = [`<article class="finding ${esc(f.severity)}" id="finding-${n}">`, `<h3>${badge(f.severity)}${esc(f.title)}</h3>`];
  const subject = subjectText(f.subject);
  parts.push(`<p class="subject"><code>${esc(f.code)}</code>${subject ? ` · ${esc(subject)}` : ""}${f.subject.callId !== undefined ? ` · Call-ID <code>${esc(f.subject.callId)}</code>` : ""}</p>`);
  parts.push(`<p>${esc(f.explanation)}</p>`);
  if (f.evidence.length > 0) {
    parts.push("<h4>Evidence</h4>", `<ul class="evidence">`);
    for (const e of f.evidence) parts.push(`<li><span class="frame">frame ${esc(frameRef(e.frame, e.capture, multi))}</span> ${esc(e.text)}</li>`);
    parts.push("</ul>");
  }
  if (f.fix.length > 0) parts.push("<h4>What to do</h4>", `<ol>${f.fix.map((step) => `<li>${esc(step)}</li>`).join("")}</ol>`);
  parts.push(`<p class="filter">Wireshark filter (frames ${esc(evidenceFrames(f.evidence, multi).join(", "))}): <code>${esc(f.filter)}</code></p>`, "</article>");
  return parts.join("\n");
}

/** registrationsHtml is the registrations table. */
function registrationsHtml(regs: ReportRegistration[]): string {
  return tableHtml(
    ["AOR", "client", "server", "transport", "attempts", "outcome", "last status", "first / last (UTC)"],
    regs.map((g) => [
      `<code>${esc(g.aor)}</code>`,
      `<code>${esc(g.client)}</code>`,
      `<code>${esc(g.server)}</code>`,
      esc(g.transport),
      `<td class="num" title="${g.authenticatedAttempts} with credentials">${g.attempts}${g.authenticatedAttempts > 0 ? ` <span class="note">(${g.authenticatedAttempts} auth)</span>` : ""}</td>`,
      `<span class="${outcomeClass(g.outcome)}">${esc(g.outcome.replace("_", " "))}</span>`,
      esc(statusText(g.status, g.reason)),
      `<span class="mono">${esc(clockTime(g.first))}<br>${esc(clockTime(g.last))}</span>`,
    ]),
  );
}

/** handshakesHtml lists authentication handshakes of methods other than REGISTER. */
function handshakesHtml(hs: ReportHandshake[]): string {
  return tableHtml(
    ["method", "From", "user", "client", "server", "attempts", "outcome", "status"],
    hs.map((h) => [
      esc(h.method),
      h.fromUri !== undefined ? `<code>${esc(h.fromUri)}</code>` : "",
      h.username !== undefined ? `<code>${esc(h.username)}</code>` : "",
      `<code>${esc(h.client)}</code>`,
      `<code>${esc(h.server)}</code>`,
      `<td class="num">${h.attempts}</td>`,
      `<span class="${outcomeClass(h.outcome)}">${esc(h.outcome.replace("_", " "))}</span>`,
      h.status !== undefined ? String(h.status) : "",
    ]),
  );
}

/** ladderHtml is one flow's SVG with a caption. */
function ladderHtml(l: Ladder, n: number, multi: boolean): string {
  const where = multi ? ` (capture ${l.capture})` : "";
  const findings = l.findings.length > 0 ? ` — evidence for ${l.findings.map((f) => `<code>${esc(f)}</code>`).join(", ")}` : "";
  return [
    `<figure id="ladder-${n}">`,
    `<figcaption><strong>Call-ID <code>${esc(l.callId)}</code></strong>${where}${findings}</figcaption>`,
    renderSvgLadder(l, { idPrefix: `ladder-${n}` }),
    "</figure>",
  ].join("\n");
}

/** renderHtml renders the report as one self-contained HTML document. */
export function renderHtml(report: Report, _opts: HtmlOptions = {}): string {
  const multi = report.captures.length > 1;
  const findings = sortedFindings(report.findings);
  const names = report.captures.map((c) => c.name).join(", ");
  const body: string[] = [
    "<header>",
    "<h1>SIP registration and authentication report</h1>",
    `<p class="lead">${esc(names)}${report.redacted ? " · identities redacted" : ""}</p>`,
    "</header>",
    `<section id="summary"><h2>Summary</h2>\n${summaryHtml(report)}</section>`,
    `<section id="findings"><h2>Findings (${findings.length})</h2>`,
    findings.length === 0 ? "<p>No problems found.</p>" : findings.map((f, i) => findingHtml(f, i + 1, multi)).join("\n"),
    "</section>",
    `<section id="registrations"><h2>Registrations (${report.registrations.length})</h2>`,
    report.registrations.length > 0 ? registrationsHtml(report.registrations) : "<p>No REGISTER requests in the capture.</p>",
    "</section>",
  ];
  const others = report.handshakes.filter((h) => h.method !== "REGISTER");
  if (others.length > 0) body.push(`<section id="handshakes"><h2>Other authentication handshakes (${others.length})</h2>`, handshakesHtml(others), "</section>");
  if (report.ladders.length > 0) {
    body.push(
      `<section id="ladders"><h2>Message ladders (${report.ladders.length})</h2>`,
      `<p class="note">Each arrow is one SIP message: frame number and seconds since the flow's first message on the left. Red steps are evidence of a finding; dashed arrows are retransmissions.</p>`,
      ...report.ladders.map((l, i) => ladderHtml(l, i + 1, multi)),
      "</section>",
    );
  }
  const limited = Object.entries(report.limits).filter(([, n]) => n > 0);
  if (limited.length > 0) body.push(`<p class="note">Limits reached: ${limited.map(([k, n]) => `${esc(k)} ${n}`).join(", ")}.</p>`);
  body.push(`<footer>sip401 ${esc(report.tool.version)} · report schema ${report.schemaVersion} · frame numbers as in Wireshark${multi ? " (capture:frame)" : ""} · times in UTC</footer>`);

  return htmlDocument(`sip401 report — ${names}`, report.tool.version, body);
}

/**
 * htmlDocument wraps body parts (already escaped HTML) in the page every sip401 HTML output shares:
 * the stylesheet and a Content-Security-Policy that allows no scripts and no network.
 */
export function htmlDocument(title: string, version: string, body: readonly string[]): string {
  return [
    "<!DOCTYPE html>",
    `<html lang="en">`,
    "<head>",
    `<meta charset="utf-8">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<meta name="generator" content="sip401 ${esc(version)}">`,
    `<title>${esc(title)}</title>`,
    `<style>${CSS}</style>`,
    "</head>",
    "<body><main>",
    ...body,
    "</main></body>",
    "</html>",
    "",
  ].join("\n");
}

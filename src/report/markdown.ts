/**
 * `--format markdown`: a report to paste into a ticket (GitHub, GitLab, Jira's Markdown import).
 * Summary, findings with evidence, fix steps and the Wireshark filter, the registrations table, and
 * for each ladder a Mermaid sequence diagram plus a plain-text ladder for viewers without Mermaid.
 * SIP values come from the network, so every one is escaped for where it lands: Markdown text,
 * table cells, code spans, Mermaid text.
 */
import type { Finding } from "../detect/model.js";
import { renderFlow } from "./flow-text.js";
import type { Ladder, Report, ReportCapture, ReportHandshake, ReportRegistration } from "./model.js";
import { foldedText, HANDSHAKE_ROWS, omittedRowsText, pickFindings, pickRows, READING_LIMITS, REGISTRATION_ROWS, type ReadingLimits } from "./reading.js";
import { clockTime, dateTime, evidenceFrames, filesText, frameRef, oneLine, plural, seconds, sortedFindings, statusText, subjectText } from "./text.js";

/** MarkdownOptions controls the Markdown report. */
export interface MarkdownOptions {
  /** Width of the plain-text ladders (default 100). */
  width?: number;
  /** How much of a big report to list (default READING_LIMITS; ALL lists everything). */
  limits?: ReadingLimits;
}

// Characters with a meaning somewhere in CommonMark or GitHub Flavored Markdown inline text:
// emphasis, code, links, HTML, tables, strikethrough, entities, math and headings/issue refs.
const MD_SPECIAL = /[\\`*_[\]<>|~&$#!]/g;

/**
 * mdText escapes network-supplied text for Markdown inline content: special characters get a
 * backslash, a line-start block marker is neutralised, `@` mentions and bare URLs are defused so
 * a ticket neither pings people nor links where a SIP header says.
 */
export function mdText(s: string): string {
  let out = oneLine(s).replace(MD_SPECIAL, (c) => `\\${c}`);
  out = out.replace(/(^|[^\w])@/g, "$1\\@");
  return out.replace(/:\/\//g, ":\\/\\/").replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}\\.`);
}

/**
 * mdLineStart escapes text that starts a line (a paragraph, a list item's content): a leading
 * `-`, `+` or `=` or `1.` would otherwise open a list, a nested list or a heading underline.
 */
function mdLineStart(s: string): string {
  return mdText(s).replace(/^([-+=])/, "\\$1").replace(/^(\d+)([.)])/, "$1\\$2");
}

/**
 * codeSpan puts text in an inline code span, with a backtick fence longer than any backtick run in
 * it. Inside a table, `|` must still be escaped (GFM splits cells before parsing code spans).
 */
export function codeSpan(s: string, inTable = false): string {
  let text = oneLine(s);
  if (inTable) text = text.replace(/\|/g, "\\|");
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = text.startsWith("`") || text.endsWith("`") || /^ .* $/.test(text) ? " " : "";
  return text === "" ? "" : `${fence}${pad}${text}${pad}${fence}`;
}

/** fenced wraps a block in a code fence longer than any backtick run at a line start inside it. */
function fenced(info: string, body: string): string {
  const longest = Math.max(2, ...(body.match(/^ {0,3}`+/gm) ?? []).map((run) => run.trim().length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${info}\n${body.replace(/\n$/, "")}\n${fence}`;
}

/** mermaidText escapes text for a Mermaid label: `#` and `;` end a statement, `<` `>` are HTML. */
export function mermaidText(s: string): string {
  return oneLine(s).replace(/[#;<>]/g, (c) => `#${c.charCodeAt(0)};`);
}

/** row renders one table row; cells are already escaped. */
function row(cells: string[]): string {
  return `| ${cells.map((c) => (c === "" ? " " : c)).join(" | ")} |`;
}

/** table renders a header, its separator and the rows. */
export function table(headers: string[], rows: string[][]): string[] {
  return [row(headers), row(headers.map(() => "---")), ...rows.map(row)];
}

/** captureRows describes the captures, one table row each. */
function captureTable(caps: ReportCapture[]): string[] {
  return table(
    ["capture", "frames", "SIP messages", "span (UTC)", "transports", "parse issues"],
    caps.map((c) => [
      `${codeSpan(c.name, true)} (${c.format}${c.gzip ? ", gzip" : ""})`,
      String(c.frames),
      String(c.sipMessages),
      c.start !== undefined && c.end !== undefined ? `${mdText(dateTime(c.start))} → ${mdText(clockTime(c.end))} (${seconds(c.durationS)} s)` : "",
      Object.entries(c.transports)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .map(([t, n]) => `${mdText(t)} ${n}`)
        .join(", "),
      c.issues.length > 0 ? c.issues.map((i) => `${mdText(i.code)} ×${i.count}`).join(", ") : "none",
    ]),
  );
}

/** summaryLines gives the headline numbers as a list. */
function summaryLines(r: Report): string[] {
  const s = r.summary;
  const reg = s.registrations;
  const regParts = (["registered", "failed", "timeout", "in_progress", "unregistered"] as const).filter((k) => reg[k] > 0).map((k) => `${reg[k]} ${k.replace("_", " ")}`);
  const out = [
    `- **Findings:** ${r.findings.length === 0 ? "none" : `${plural(s.findings.error, "error")}, ${plural(s.findings.warning, "warning")}, ${s.findings.info} info`}`,
    `- **Registrations:** ${reg.total}${regParts.length > 0 ? ` (${regParts.join(", ")})` : ""}`,
    `- **SIP messages:** ${s.sipMessages} in ${plural(s.transactions.total, "transaction")} (${s.transactions.unanswered} unanswered, ${plural(s.transactions.requestRetransmissions, "request retransmission")})`,
  ];
  if (s.handshakes.total > 0) {
    const by = Object.entries(s.handshakes.byOutcome).sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, n]) => `${n} ${mdText(k.replace("_", " "))}`);
    out.push(`- **Authentication handshakes:** ${s.handshakes.total} (${by.join(", ")})`);
  }
  for (const c of r.captures) {
    if (c.files) out.push(`- **Rotated set:** ${mdText(filesText(c.files))}`);
    if (c.damage) out.push(`- **Damaged capture:** ${codeSpan(c.name)} is ${c.damage.kind} at byte ${c.damage.byteOffset} after frame ${c.damage.afterFrame} (${mdText(c.damage.reason)}); everything before was analysed.`);
  }
  return out;
}

/** findingSection is one finding: headline, subject, explanation, evidence, fix, filter. */
function findingSection(f: Finding, n: number, multi: boolean): string[] {
  const out = [`### ${n}. ${f.severity.toUpperCase()}: ${mdText(f.title)}`, ""];
  out.push(`**Code:** ${codeSpan(f.code)}  `);
  const subject = subjectText(f.subject);
  if (subject) out.push(`**Subject:** ${mdText(subject)}  `);
  if (f.subject.callId !== undefined) out.push(`**Call-ID:** ${codeSpan(f.subject.callId)}  `);
  out.push(`**Evidence frames:** ${evidenceFrames(f.evidence, multi).join(", ")}`, "", mdLineStart(f.explanation), "");
  if (f.evidence.length > 0) {
    out.push("**Evidence**", "");
    for (const e of f.evidence) out.push(`- frame ${frameRef(e.frame, e.capture, multi)}: ${mdText(e.text)}`);
    out.push("");
  }
  if (f.fix.length > 0) {
    out.push("**What to do**", "");
    f.fix.forEach((step, i) => out.push(`${i + 1}. ${mdLineStart(step)}`));
    out.push("");
  }
  out.push(`**Wireshark filter:** ${codeSpan(f.filter)}`, "");
  return out;
}

/** registrationTable lists the registrations with every column the terminal table has. */
function registrationTable(regs: ReportRegistration[]): string[] {
  return table(
    ["AOR", "client", "server", "transport", "attempts", "outcome", "last status", "first (UTC)", "last (UTC)"],
    regs.map((g) => [
      codeSpan(g.aor, true),
      codeSpan(g.client, true),
      codeSpan(g.server, true),
      mdText(g.transport),
      `${g.attempts}${g.authenticatedAttempts > 0 ? ` (${g.authenticatedAttempts} with credentials)` : ""}`,
      g.outcome === "registered" ? g.outcome : `**${g.outcome.replace("_", " ")}**`,
      mdText(statusText(g.status, g.reason)),
      mdText(clockTime(g.first)),
      mdText(clockTime(g.last)),
    ]),
  );
}

/** handshakeTable lists authentication handshakes of methods other than REGISTER. */
function handshakeTable(hs: ReportHandshake[]): string[] {
  return table(
    ["method", "From", "user", "client", "server", "attempts", "outcome", "status"],
    hs.map((h) => [
      mdText(h.method),
      h.fromUri !== undefined ? codeSpan(h.fromUri, true) : "",
      h.username !== undefined ? codeSpan(h.username, true) : "",
      codeSpan(h.client, true),
      codeSpan(h.server, true),
      String(h.attempts),
      mdText(h.outcome.replace("_", " ")),
      h.status !== undefined ? String(h.status) : "",
    ]),
  );
}

/**
 * mermaidLadder is a Mermaid sequence diagram with exactly one message line per step. Participants
 * get ids P1, P2… aliased to their ip:port (a colon cannot be part of an id). Retransmissions are
 * dotted; runs of failing steps sit in a red band.
 */
export function mermaidLadder(ladder: Ladder): string {
  const ids = new Map<string, string>();
  const lines = ["sequenceDiagram"];
  const declare = (ep: string): string => {
    let id = ids.get(ep);
    if (id === undefined) {
      id = `P${ids.size + 1}`;
      ids.set(ep, id);
      lines.push(`    participant ${id} as ${mermaidText(ep)}`);
    }
    return id;
  };
  for (const ep of ladder.endpoints) declare(ep);
  for (const s of ladder.steps) declare(s.from), declare(s.to);
  let inBand = false;
  for (const s of ladder.steps) {
    if (s.highlight !== inBand) {
      lines.push(s.highlight ? "    rect rgba(220, 40, 40, 0.15)" : "    end");
      inBand = s.highlight;
    }
    const arrow = s.retransmission ? "-->>" : "->>";
    const text = mermaidText(`F${s.frame} +${seconds(s.offsetS)} s ${s.label}${s.retransmission ? " (retransmission)" : ""}`);
    lines.push(`${inBand ? "        " : "    "}${ids.get(s.from)}${arrow}${ids.get(s.to)}: ${text}`);
  }
  if (inBand) lines.push("    end");
  if (ladder.omitted > 0) {
    const last = ladder.steps[ladder.steps.length - 1];
    const at = last ? ids.get(last.to) : ids.values().next().value;
    if (at !== undefined) lines.push(`    Note over ${at}: ${mermaidText(`${plural(ladder.omitted, "more message")} not shown`)}`);
  }
  return lines.join("\n");
}

/** ladderSection is one flow: a Mermaid diagram and the same ladder as text. */
function ladderSection(l: Ladder, n: number, multi: boolean, width: number): string[] {
  const where = multi ? ` (capture ${l.capture})` : "";
  const out = [`### Ladder ${n}: Call-ID ${codeSpan(l.callId)}${where}`, ""];
  if (l.findings.length > 0) out.push(`Evidence for: ${l.findings.map((f) => codeSpan(f)).join(", ")}. Failing steps are highlighted; dotted arrows are retransmissions.`, "");
  out.push(fenced("mermaid", mermaidLadder(l)), "", "Plain-text ladder:", "", fenced("text", renderFlow(l, { width, color: false })), "");
  return out;
}

/** renderMarkdown renders the report as CommonMark/GFM for a ticket. */
export function renderMarkdown(report: Report, opts: MarkdownOptions = {}): string {
  const width = Math.max(60, opts.width ?? 100);
  const multi = report.captures.length > 1;
  const worst = report.summary.worst;
  const out = [
    `# sip401 report: ${worst === "none" ? "no problems found" : `worst finding ${worst}`}`,
    "",
    `Analysed by sip401 ${mdText(report.tool.version)}${report.redacted ? "; identities are redacted (pseudonyms like user-1, host-2)" : ""}. Frame numbers are the ones Wireshark shows${multi ? ", written capture:frame" : ""}; times are UTC.`,
    "",
    "## Summary",
    "",
    ...summaryLines(report),
    "",
    ...captureTable(report.captures),
    "",
  ];

  const findings = sortedFindings(report.findings);
  const limits = opts.limits ?? READING_LIMITS;
  out.push(`## Findings (${findings.length})`, "");
  if (findings.length === 0) out.push("No problems found.", "");
  const { shown, folded } = pickFindings(findings, limits.findingsPerCode);
  if (folded.length > 0) {
    out.push(`${shown.length} of ${findings.length} findings are listed below, the first ${limits.findingsPerCode} of each kind. Not listed (all are in the JSON and HTML reports, or add --all):`, "");
    for (const g of folded) out.push(`- ${mdText(foldedText(g))}`);
    out.push("");
  }
  shown.forEach((f, i) => out.push(...findingSection(f, i + 1, multi)));

  out.push(`## Registrations (${report.registrations.length})`, "");
  if (report.registrations.length === 0) {
    out.push("No REGISTER requests in the capture.", "");
  } else {
    const regs = pickRows(report.registrations, limits.rows, REGISTRATION_ROWS.urgent);
    out.push(...registrationTable(regs.shown), "");
    if (regs.omitted > 0) out.push(mdText(omittedRowsText(regs, REGISTRATION_ROWS)), "");
  }

  const others = report.handshakes.filter((h) => h.method !== "REGISTER");
  if (others.length > 0) {
    const hs = pickRows(others, limits.rows, HANDSHAKE_ROWS.urgent);
    out.push(`## Other authentication handshakes (${others.length})`, "", ...handshakeTable(hs.shown), "");
    if (hs.omitted > 0) out.push(mdText(omittedRowsText(hs, HANDSHAKE_ROWS)), "");
  }

  if (report.ladders.length > 0) {
    out.push(`## Message ladders (${report.ladders.length})`, "");
    const drawn = report.ladders.slice(0, limits.ladders);
    if (drawn.length < report.ladders.length) {
      out.push(`${drawn.length} of ${report.ladders.length} ladders are drawn below. The HTML report draws all of them, and \`sip401 flow CAPTURE --call-id ID\` prints any one (or add --all).`, "");
    }
    drawn.forEach((l, i) => out.push(...ladderSection(l, i + 1, multi, width)));
  }

  const l = report.limits;
  const limited = Object.entries(l).filter(([, n]) => n > 0);
  if (limited.length > 0) out.push(`> **Limits reached:** ${limited.map(([k, n]) => `${k} ${n}`).join(", ")}. Some state was folded away to stay within memory limits.`, "");
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out.join("\n") + "\n";
}

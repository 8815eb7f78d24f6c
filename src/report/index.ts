/**
 * The report renderers behind `--format`: one report model, several pure renderers. Nothing here
 * reads the clock, the environment or a file: the output depends only on the report and the
 * options, so the CLI decides width and colour (see `colorEnabled`) and where the text goes.
 */
import { renderHtml } from "./html.js";
import { renderJson } from "./json.js";
import { renderMarkdown } from "./markdown.js";
import type { Report } from "./model.js";
import { ALL, READING_LIMITS } from "./reading.js";
import { renderTable } from "./table.js";

export { colorEnabled, makeColors, type ColorContext, type Colors } from "./color.js";
export { renderFlow, type FlowOptions } from "./flow-text.js";
export { renderHtml } from "./html.js";
export { renderJson } from "./json.js";
export { renderMarkdown, mermaidLadder } from "./markdown.js";
export { redactReport } from "./redact.js";
export { reportJsonSchema, reportSchemaMarkdown } from "./schema.js";
export { ALL, READING_LIMITS, type ReadingLimits } from "./reading.js";
export { renderSvgLadder } from "./svg-ladder.js";
export { renderTable } from "./table.js";

/** The values of `--format`, the default (table) first. */
export const REPORT_FORMATS = ["table", "json", "markdown", "html"] as const;

/** ReportFormat is one output format. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** RenderOptions are what the CLI knows about the output. */
export interface RenderOptions {
  /** Terminal columns, for `table` (default 80). Markdown and HTML go to tickets and files, so their layout never depends on the terminal. */
  width?: number;
  /** Colour, for `table` only; the other formats never contain escape codes. */
  color?: boolean;
  /** List every registration and finding in `table` and `markdown` (see reading.ts); JSON and HTML always do. */
  all?: boolean;
}

/** renderReport renders a report in one format. The result ends with a newline. */
export function renderReport(report: Report, format: ReportFormat, opts: RenderOptions = {}): string {
  switch (format) {
    case "table":
      return renderTable(report, { ...opts, limits: opts.all ? ALL : READING_LIMITS });
    case "json":
      return renderJson(report);
    case "markdown":
      return renderMarkdown(report, { limits: opts.all ? ALL : READING_LIMITS });
    case "html":
      return renderHtml(report);
  }
}

const EXTENSIONS: Readonly<Record<string, ReportFormat>> = {
  json: "json",
  md: "markdown",
  markdown: "markdown",
  html: "html",
  htm: "html",
  txt: "table",
};

/**
 * formatFromPath infers the format of `--output FILE` from its extension (.json, .md/.markdown,
 * .html/.htm, .txt; case-insensitive), or undefined when the extension says nothing.
 */
export function formatFromPath(path: string): ReportFormat | undefined {
  const base = path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
  const dot = base.lastIndexOf(".");
  if (dot <= 0) return undefined;
  return EXTENSIONS[base.slice(dot + 1).toLowerCase()];
}

/** REPORT_EXTENSIONS gives the usual file extension of each format (for docs and defaults). */
export const REPORT_EXTENSIONS: Readonly<Record<ReportFormat, string>> = { table: "txt", json: "json", markdown: "md", html: "html" };

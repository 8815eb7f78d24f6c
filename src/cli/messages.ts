/**
 * `sip401 messages`: list every SIP message of a capture, one line each (like `tshark -Y sip`,
 * but readable), or one JSON object per message with `--format ndjson`.
 */
import type { CaptureInput } from "../capture/source.js";
import type { CapturedMessage, ExtractSummary } from "../extract/model.js";
import { DEFAULT_EXTRACT_OPTIONS, extractMessages, type ExtractOptions } from "../extract/extractor.js";
import { formatEndpoint } from "../net/addr.js";
import { formatIsoNs, formatSeconds } from "../util/time.js";
import type { LineWriter } from "./output.js";

export const MESSAGE_FORMATS = ["text", "ndjson"] as const;
export type MessageFormat = (typeof MESSAGE_FORMATS)[number];

/** MessageRecord is the NDJSON shape of one message. */
export interface MessageRecord {
  frame: number;
  frames: number[];
  time: string;
  relTime: string;
  src: string;
  dst: string;
  transport: string;
  method?: string;
  requestUri?: string;
  status?: number;
  reason?: string;
  callId?: string;
  cseq?: { seq: number; method: string };
  bytes: number;
  issues?: string[];
}

/** toRecord builds the NDJSON record of a message. */
export function toRecord(m: CapturedMessage): MessageRecord {
  const s = m.message;
  const r: MessageRecord = {
    frame: m.frame,
    frames: m.frames,
    time: formatIsoNs(m.tsNs),
    relTime: formatSeconds(m.relNs, 9),
    src: formatEndpoint(m.src, m.srcPort),
    dst: formatEndpoint(m.dst, m.dstPort),
    transport: m.transport,
    bytes: m.bytes.length,
  };
  if (s?.kind === "request") {
    r.method = s.method;
    r.requestUri = s.requestUri;
  } else if (s?.kind === "response") {
    r.status = s.status;
    r.reason = s.reason;
  }
  if (s?.callId !== undefined) r.callId = s.callId;
  if (s?.cseq) r.cseq = { seq: s.cseq.seq, method: s.cseq.method };
  if (m.issues.length > 0) r.issues = [...new Set(m.issues.map((i) => i.code))];
  return r;
}

/** Column widths of the text listing; long cells overflow rather than being cut (Call-IDs are searched for). */
const W = { frame: 6, time: 11, endpoint: 21, proto: 5, message: 44 };

function row(frame: string, time: string, src: string, dst: string, proto: string, message: string, callId: string, cseq: string, arrow: string): string {
  return `${frame.padStart(W.frame)}  ${time.padEnd(W.time)} ${src.padEnd(W.endpoint)} ${arrow} ${dst.padEnd(W.endpoint)} ${proto.padEnd(W.proto)} ${message} ${callId}  ${cseq}`;
}

const HEADER = row("frame", "time", "source", "destination", "proto", "message".padEnd(W.message), "Call-ID", "CSeq", " ");

/** summaryOf renders the start line: method + Request-URI, or status + reason. */
function summaryOf(m: CapturedMessage): string {
  const s = m.message;
  if (!s) return "(not SIP)";
  if (s.kind === "request") return `${s.method ?? "?"} ${s.requestUri ?? ""}`;
  return `${s.status ?? "?"} ${s.reason ?? ""}`.trimEnd();
}

function clip(s: string, width: number): string {
  return s.length > width ? `${s.slice(0, width - 1)}…` : s.padEnd(width);
}

/** textLine renders one message as a row of the listing. */
export function textLine(m: CapturedMessage): string {
  const s = m.message;
  return row(
    String(m.frame),
    formatSeconds(m.relNs),
    formatEndpoint(m.src, m.srcPort),
    formatEndpoint(m.dst, m.dstPort),
    m.transport,
    clip(summaryOf(m), W.message),
    s?.callId ?? "",
    s?.cseq ? `${s.cseq.seq} ${s.cseq.method}` : "",
    "→",
  );
}

/** runMessages streams the listing of one capture to `out`. */
export async function runMessages(
  input: CaptureInput,
  name: string,
  format: MessageFormat,
  out: LineWriter,
  tlsKeylog?: string,
  limits: Partial<ExtractOptions> = {},
): Promise<ExtractSummary> {
  if (format === "text") out.line(HEADER);
  const summary = await extractMessages(
    input,
    name,
    (m) => out.line(format === "ndjson" ? JSON.stringify(toRecord(m)) : textLine(m)),
    { ...DEFAULT_EXTRACT_OPTIONS, ...limits, ...(tlsKeylog !== undefined ? { tlsKeylog } : {}) },
    out.ready,
  );
  await out.flush();
  return summary;
}

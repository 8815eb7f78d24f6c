/**
 * analyze: the whole pipeline for one or more captures — extraction, correlation (one correlator
 * per capture point), online observations, detection — into the report model.
 */
import type { CaptureInput } from "../capture/source.js";
import { Correlator, DEFAULT_CORRELATION_LIMITS, type Correlation, type CorrelationLimits } from "../correlate/correlator.js";
import type { Transaction } from "../correlate/model.js";
import type { CredentialStore } from "../detect/credentials.js";
import { detect } from "../detect/index.js";
import type { Finding } from "../detect/model.js";
import { Observations } from "../detect/observe.js";
import { extractSeries, DEFAULT_EXTRACT_OPTIONS, type ExtractOptions } from "../extract/extractor.js";
import type { ExtractSummary } from "../extract/model.js";
import type { Report } from "../report/model.js";
import { detectTls } from "../detect/tls.js";
import type { TlsSession } from "../tls/model.js";
import { formatIsoNs } from "../util/time.js";
import { buildReport } from "./build.js";
import { LadderRecorder } from "./ladders.js";
import { groupCapturePoints, mergeSummaries, spanOf, type CaptureFile, type Span } from "./points.js";

export const VERSION = "0.1.0";

/** AnalyzeInput is one capture to analyse. */
export interface AnalyzeInput {
  input: CaptureInput;
  /** Display name (path as given, "-" for stdin). */
  name: string;
}

export interface AnalyzeOptions {
  /** Known passwords for offline digest verification. */
  credentials?: CredentialStore;
  /** Limits and hooks for extraction. */
  extract?: Partial<ExtractOptions>;
  /** Limits of transaction, handshake and registration tracking (per capture). */
  correlation?: Partial<CorrelationLimits>;
  /** Awaited between chunks (back-pressure). */
  ready?: () => Promise<void> | undefined;
  /** TLS key log (SSLKEYLOGFILE format) to decrypt SIP over TLS. Never printed. */
  tlsKeylog?: string;
  /**
   * Record message flows for the report's ladder diagrams (default true). False leaves
   * `report.ladders` empty: for callers that read only the summary and findings (a scan row),
   * recording every flow's steps is work they never use (a third of the CPU of a warm scan
   * worker's analysis of a 16 MB capture).
   */
  ladders?: boolean;
}

/** TLS sessions kept for diagnosis per capture (certificates are grouped, so this is plenty). */
const MAX_TLS_SESSIONS = 10_000;

/** Methods whose unanswered transactions are reported (keep-alive OPTIONS and in-dialog NOTIFY are not). */
const TIMEOUT_METHODS = new Set(["INVITE", "SUBSCRIBE", "PUBLISH", "MESSAGE", "REFER"]);
const MAX_UNANSWERED = 50;

/**
 * analyze reads every input and returns the report. Several inputs are grouped into capture
 * points (see points.ts): files that overlap in time are separate points, each with its own
 * correlator; files that continue one another are one point, read in time order with frames
 * numbered across them. Throws for unreadable input
 * (NotACaptureError, I/O errors); damaged captures are analysed up to the damage.
 */
export async function analyze(inputs: AnalyzeInput[], options: AnalyzeOptions = {}): Promise<Report> {
  // Several files: which are separate capture points and which continue one another (rotated sets).
  const spans: (Span | undefined)[] = [];
  if (inputs.length > 1) for (const { input, name } of inputs) spans.push(await spanOf(input, name));
  const points = inputs.length > 1 ? groupCapturePoints(spans) : [[0]];
  const observations = new Observations(points.length > 1);
  const ladders = options.ladders === false ? undefined : new LadderRecorder();
  const captures: (ExtractSummary & { files?: CaptureFile[] })[] = [];
  const correlations: Correlation[] = [];
  const unanswered: Transaction[] = [];
  const extra: Finding[] = [];
  for (const [index, files] of points.entries()) {
    const sessions: TlsSession[] = [];
    const correlator = new Correlator({ ...DEFAULT_CORRELATION_LIMITS, ...options.correlation }, [
      (tx, reason) => {
        if (reason === "unanswered" && TIMEOUT_METHODS.has(tx.method) && unanswered.length < MAX_UNANSWERED) unanswered.push(tx);
      },
    ]);
    const opts: ExtractOptions = {
      ...DEFAULT_EXTRACT_OPTIONS,
      ...options.extract,
      captureIndex: index,
      onUnreachable: (u) => observations.unreachableSeen(u, index),
      onTcpConnectFailure: (f) => observations.connectFailed(f, index),
      onTls: (t) => {
        if (sessions.length < MAX_TLS_SESSIONS) sessions.push(t);
      },
      ...(options.tlsKeylog !== undefined ? { tlsKeylog: options.tlsKeylog } : {}),
    };
    // The files of a point are one capture cut by rotation: one series, one decoder.
    const summaries = await extractSeries(
      files.map((f) => inputs[f]),
      (m) => {
        correlator.add(m);
        observations.observe(m);
        ladders?.record(m);
      },
      opts,
      options.ready,
    );
    const summary = summaries.length === 1 ? summaries[0] : mergeSummaries(summaries);
    captures.push(summary);
    correlations.push(correlator.finish(summary.lastTsNs));
    extra.push(...detectTls(sessions, summary.firstTsNs !== undefined ? formatIsoNs(summary.firstTsNs) : undefined));
  }
  const findings = detect({ correlations, observations, captures, unansweredRequests: unanswered, credentials: options.credentials }, extra);
  return buildReport({
    version: VERSION, captures, correlations, findings, flows: ladders?.logs() ?? [], laddersDropped: ladders?.dropped ?? 0, credentials: options.credentials,
  });
}

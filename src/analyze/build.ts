/**
 * buildReport turns the pipeline's results into the report model (plain JSON: ISO times, no
 * bigint), in a stable order so two runs give identical output.
 */
import type { Correlation } from "../correlate/correlator.js";
import type { AuthAttempt, Handshake, NonceRecord, Registration, RegistrationAttempt } from "../correlate/model.js";
import type { CredentialStore } from "../detect/credentials.js";
import { severityRank, type Finding, type Severity } from "../detect/model.js";
import type { ExtractSummary } from "../extract/model.js";
import { formatEndpoint } from "../net/addr.js";
import type {
  Ladder, Report, ReportAttempt, ReportCapture, ReportHandshake, ReportNonce, ReportRegistration, ReportSummary,
} from "../report/model.js";
import { SCHEMA_VERSION } from "../report/model.js";
import { formatIsoNs } from "../util/time.js";
import { flowSteps, type FlowLog, type RawStep } from "./ladders.js";
import type { CaptureFile } from "./points.js";

const MAX_LADDERS = 50;
const MAX_SUCCESSFUL_HANDSHAKES = 200;
const MAX_NONCES = 200;

export interface BuildInput {
  version: string;
  captures: (ExtractSummary & { files?: CaptureFile[] })[];
  correlations: Correlation[];
  findings: Finding[];
  flows: FlowLog[];
  laddersDropped: number;
  credentials?: CredentialStore;
}

/**
 * buildReport consumes the correlations' registrations: each is released once converted, so at
 * the end of a big capture the correlator's records and their report form are not both whole in
 * memory (5,000 phones: about 30 MB each).
 */
export function buildReport(x: BuildInput): Report {
  const registrations = takeRegistrations(x.correlations, x.credentials);
  const allHandshakes = x.correlations.flatMap((c) => c.handshakes);
  const failed = allHandshakes.filter((h) => h.outcome !== "success");
  const ok = allHandshakes.filter((h) => h.outcome === "success").slice(0, MAX_SUCCESSFUL_HANDSHAKES);
  const handshakes = [...failed, ...ok].sort((a, b) => a.capture - b.capture || a.id - b.id).map((h) => reportHandshake(h, x.credentials));
  const nonces = reportNonces(x.correlations);
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: "sip401", version: x.version },
    captures: x.captures.map(reportCapture),
    summary: summaryOf(x, registrations),
    findings: x.findings,
    registrations,
    handshakes,
    ladders: ladders(x.flows, x.findings),
    nonces: nonces.listed,
    limits: {
      transactionsEvicted: sum(x.correlations.map((c) => c.folded.transactions)),
      registrationsUntracked: sum(x.correlations.map((c) => c.folded.registrations)),
      noncesEvicted: sum(x.correlations.map((c) => c.folded.nonces)),
      laddersDropped: x.laddersDropped,
      handshakesFolded: sum(x.correlations.map((c) => c.handshakeStats.foldedSuccesses + c.handshakeStats.foldedFailures)) + Math.max(0, allHandshakes.length - failed.length - ok.length),
      noncesNotListed: nonces.notListed,
      clockJumps: sum(x.correlations.map((c) => c.clockJumps)),
    },
    redacted: false,
  };
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function iso(ns: bigint | undefined): string | undefined {
  return ns === undefined ? undefined : formatIsoNs(ns);
}

function reportCapture(c: ExtractSummary & { files?: CaptureFile[] }, index: number): ReportCapture {
  const r: ReportCapture = {
    index,
    name: c.name,
    format: c.format,
    gzip: c.gzip,
    frames: c.frames,
    bytes: c.bytes,
    start: iso(c.firstTsNs),
    end: iso(c.lastTsNs),
    durationS: c.firstTsNs !== undefined && c.lastTsNs !== undefined ? Number((c.lastTsNs - c.firstTsNs) / 1000n) / 1e6 : 0,
    sipMessages: c.sipMessages,
    transports: Object.fromEntries(Object.entries(c.byTransport).sort()),
    linkTypes: c.linkTypes,
    reassembledDatagrams: c.reassembledDatagrams,
    tcpRetransmissions: c.tcpRetransmissions,
    issues: c.issues,
  };
  if (c.damage) r.damage = c.damage;
  if (c.tlsSessions !== undefined) r.tlsSessions = c.tlsSessions;
  if (c.files) r.files = c.files.map((f) => ({ name: f.name, firstFrame: f.firstFrame, frames: f.frames, bytes: f.bytes, start: iso(f.firstTsNs), end: iso(f.lastTsNs) }));
  return r;
}

function attemptOf(a: AuthAttempt | RegistrationAttempt, capture: number, method: string, store?: CredentialStore): ReportAttempt {
  const r: ReportAttempt = { frame: a.frame, capture, time: formatIsoNs(a.tsNs), cseq: a.cseq, callId: a.callId, retransmissions: a.retransmissions };
  const c = a.credentials;
  if (c) {
    r.credentials = { username: c.username, realm: c.realm, algorithm: c.algorithm, qop: c.qop, nc: c.nc, cnonce: c.cnonce, nonce: c.nonce, uri: c.uri };
    const v = store?.verify(c, method);
    if (v) r.credentials.verified = v;
  }
  if (a.requestUri !== undefined) r.requestUri = a.requestUri;
  if (a.responseFrame !== undefined) r.responseFrame = a.responseFrame;
  if (a.status !== undefined) r.status = a.status;
  if (a.reason !== undefined) r.reason = a.reason;
  if (a.challenge) r.challenge = { realm: a.challenge.realm, nonce: a.challenge.nonce, algorithm: a.challenge.algorithm, qop: a.challenge.qop, stale: a.challenge.stale };
  if ("unanswered" in a) {
    if (a.unanswered) r.unanswered = true;
    if (a.expiresRequested !== undefined) r.expiresRequested = a.expiresRequested;
    if (a.expiresGranted !== undefined) r.expiresGranted = a.expiresGranted;
    r.clientPort = a.client.port;
  }
  return r;
}

/** takeRegistrations converts every registration in order, releasing each correlator record as it goes. */
function takeRegistrations(correlations: Correlation[], store?: CredentialStore): ReportRegistration[] {
  const out: ReportRegistration[] = [];
  for (const c of correlations) {
    const regs: (Registration | undefined)[] = c.registrations;
    c.registrations = [];
    for (let i = 0; i < regs.length; i++) {
      out.push(reportRegistration(regs[i] as Registration, store));
      regs[i] = undefined;
    }
  }
  return out;
}

/**
 * reportNonces lists nonce lifecycles, anomalies first, in issue order within each group. Only
 * the listed ones are converted: the tracker holds up to 20,000.
 */
function reportNonces(correlations: Correlation[]): { listed: ReportNonce[]; notListed: number } {
  const odd: { capture: number; n: NonceRecord }[] = [];
  const plain: { capture: number; n: NonceRecord }[] = [];
  let total = 0;
  for (const [capture, c] of correlations.entries()) {
    for (const n of c.nonces.all()) {
      total++;
      const group = n.stale || n.usesAfterReplacement > 0 || n.ncRegressions > 0 ? odd : plain;
      if (group.length < MAX_NONCES) group.push({ capture, n });
    }
  }
  const listed = [...odd, ...plain].slice(0, MAX_NONCES).map(({ capture, n }): ReportNonce => ({
    capture, nonce: n.nonce, realm: n.realm, issuedFrame: n.issuedFrame, issued: formatIsoNs(n.issuedTsNs), stale: n.stale,
    server: formatEndpoint(n.server.ip, n.server.port), client: formatEndpoint(n.client.ip, n.client.port),
    useCount: n.useCount, uses: n.uses, replacedAtFrame: n.replacedAtFrame, usesAfterReplacement: n.usesAfterReplacement, ncRegressions: n.ncRegressions,
  }));
  return { listed, notListed: total - listed.length };
}

function reportRegistration(r: Registration, store?: CredentialStore): ReportRegistration {
  const frames = [...new Set(r.attempts.flatMap((a) => a.frames))].sort((a, b) => a - b).slice(0, 64);
  const intervals = r.refreshIntervalsS;
  const out: ReportRegistration = {
    id: r.id, capture: r.capture, aor: r.aor, user: r.user, username: r.username, realm: r.realm,
    client: formatEndpoint(r.client.ip, r.client.port), server: formatEndpoint(r.server.ip, r.server.port), transport: r.transport,
    attempts: r.attemptCount, authenticatedAttempts: r.authenticatedAttempts, outcome: r.outcome, status: r.status, reason: r.reason,
    expiresGranted: r.expiresGranted,
    refreshIntervalS: intervals.length > 0 ? [...intervals].sort((a, b) => a - b)[Math.floor(intervals.length / 2)] : undefined,
    staleChallenges: r.staleChallenges, deregistrations: r.deregistrations, sourcePortChanges: r.portChanges,
    callIds: r.callIds, userAgent: r.userAgent, serverAgent: r.serverAgent,
    first: formatIsoNs(r.firstTsNs), last: formatIsoNs(r.lastTsNs), frames,
    attemptDetails: r.attempts.map((a) => attemptOf(a, r.capture, "REGISTER", store)),
  };
  // The correlator keeps the first and the latest attempts; the ones between are only counted.
  if (r.attemptCount > r.attempts.length) out.attemptsNotListed = r.attemptCount - r.attempts.length;
  return out;
}

function reportHandshake(h: Handshake, store?: CredentialStore): ReportHandshake {
  const out: ReportHandshake = {
    id: h.id, capture: h.capture, method: h.method, client: formatEndpoint(h.client.ip, h.client.port),
    server: formatEndpoint(h.server.ip, h.server.port), transport: h.transport, fromUri: h.fromUri, username: h.username,
    realm: h.realm, callIds: h.callIds, attempts: h.attemptCount, authenticatedAttempts: h.authenticatedAttempts,
    outcome: h.outcome, status: h.status, first: formatIsoNs(h.firstTsNs), last: formatIsoNs(h.lastTsNs),
    attemptDetails: h.attempts.map((a) => attemptOf(a, h.capture, h.method, store)),
  };
  if (h.attemptCount > h.attempts.length) out.attemptsNotListed = h.attemptCount - h.attempts.length;
  return out;
}

function summaryOf(x: BuildInput, regs: ReportRegistration[]): ReportSummary {
  const t = x.correlations.map((c) => c.transactions);
  const merge = (pick: (s: (typeof t)[number]) => Record<string, number>): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const s of t) for (const [k, v] of Object.entries(pick(s))) out[k] = (out[k] ?? 0) + v;
    return Object.fromEntries(Object.entries(out).sort());
  };
  const findings: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of x.findings) findings[f.severity]++;
  const worst = x.findings.reduce<Severity | "none">((w, f) => (w === "none" || severityRank(f.severity) > severityRank(w) ? f.severity : w), "none");
  const byOutcome: Record<string, number> = {};
  for (const c of x.correlations) for (const [k, v] of Object.entries(c.handshakeStats.byOutcome)) byOutcome[k] = (byOutcome[k] ?? 0) + (v ?? 0);
  // Registrations folded away at the tracking limit are not listed but still counted.
  const count = (o: ReportRegistration["outcome"]): number =>
    regs.filter((r) => r.outcome === o).length + sum(x.correlations.map((c) => c.foldedRegistrationOutcomes[o] ?? 0));
  return {
    sipMessages: sum(x.captures.map((c) => c.sipMessages)),
    transactions: {
      total: sum(t.map((s) => s.total)), completed: sum(t.map((s) => s.completed)), unanswered: sum(t.map((s) => s.unanswered)),
      openAtEnd: sum(t.map((s) => s.openAtEnd)), requestRetransmissions: sum(t.map((s) => s.requestRetransmissions)),
      responseRetransmissions: sum(t.map((s) => s.responseRetransmissions)), orphanResponses: sum(t.map((s) => s.orphanResponses)),
      byMethod: merge((s) => s.byMethod), byStatusClass: merge((s) => s.byStatusClass),
    },
    registrations: {
      total: regs.length + sum(x.correlations.map((c) => c.folded.registrations)), registered: count("registered"), failed: count("failed"), timeout: count("timeout"),
      in_progress: count("in_progress"), unregistered: count("unregistered"),
    },
    handshakes: { total: sum(x.correlations.map((c) => c.handshakeStats.total)), byOutcome: Object.fromEntries(Object.entries(byOutcome).sort()) },
    findings,
    worst,
  };
}

/** ladders draws the flows that warning/error findings point at (by evidence frame), failures first. */
function ladders(flows: FlowLog[], findings: Finding[]): Ladder[] {
  const serious = findings.filter((f) => f.severity !== "info");
  const byFrame = new Map<string, Set<string>>();
  for (const f of serious) {
    for (const e of f.evidence) {
      const k = `${e.capture}|${e.frame}`;
      let s = byFrame.get(k);
      if (!s) byFrame.set(k, (s = new Set()));
      s.add(f.code);
    }
  }
  const out: Ladder[] = [];
  for (const log of flows) {
    const steps = flowSteps(log);
    const codes = new Set<string>();
    for (const s of steps) for (const c of byFrame.get(`${s.capture}|${s.frame}`) ?? []) codes.add(c);
    if (codes.size === 0) continue;
    out.push(toLadder(log, [...codes].sort(), (capture, frame) => byFrame.has(`${capture}|${frame}`), steps));
  }
  out.sort((a, b) => a.capture - b.capture || a.steps[0].frame - b.steps[0].frame);
  return out.slice(0, MAX_LADDERS);
}

/** toLadder turns a recorded flow (its steps, when already read) into a ladder; `highlight` marks evidence steps. */
export function toLadder(log: FlowLog, findings: string[], highlight: (capture: number, frame: number) => boolean, steps: RawStep[] = flowSteps(log)): Ladder {
  const t0 = steps[0]?.tsNs ?? 0n;
  const endpoints: string[] = [];
  for (const s of steps) for (const e of [s.from, s.to]) if (!endpoints.includes(e)) endpoints.push(e);
  return {
    callId: log.callId, capture: log.capture, endpoints,
    steps: steps.map((s) => ({
      frame: s.frame, capture: s.capture, time: formatIsoNs(s.tsNs), offsetS: Number((s.tsNs - t0) / 1000n) / 1e6,
      from: s.from, to: s.to, transport: s.transport, label: s.label, ...(s.status !== undefined ? { status: s.status } : {}),
      highlight: highlight(s.capture, s.frame), retransmission: s.retransmission,
    })),
    omitted: log.omitted,
    findings,
  };
}

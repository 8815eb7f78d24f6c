/**
 * What detectors read, and small helpers to build findings consistently.
 */
import type { Correlation } from "../correlate/correlator.js";
import type { AuthAttempt, Endpoint, Handshake, Transaction } from "../correlate/model.js";
import type { ExtractSummary } from "../extract/model.js";
import { formatEndpoint } from "../net/addr.js";
import type { CredentialStore, Verification } from "./credentials.js";
import { frameFilter, type Evidence, type Finding, type Severity, type Subject } from "./model.js";
import type { Observations } from "./observe.js";
import { FINDINGS, type FindingCode } from "./registry.js";

/** DetectContext is everything a detector may look at. */
export interface DetectContext {
  /** One correlation per capture point. */
  correlations: Correlation[];
  observations: Observations;
  captures: ExtractSummary[];
  /** Unanswered non-REGISTER transactions (bounded sample). */
  unansweredRequests: Transaction[];
  credentials?: CredentialStore;
}

/** ep renders an endpoint. */
export function ep(e: Endpoint): string {
  return formatEndpoint(e.ip, e.port);
}

/** seconds renders a ns duration in seconds with ms precision. */
export function seconds(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  return (ms / 1000).toFixed(3).replace(/\.?0+$/, "") || "0";
}

/**
 * short abbreviates long values (nonces) for evidence text, keeping both ends: many servers start
 * nonces with a timestamp, so successive nonces share their first characters.
 */
export function short(s: string | undefined, n = 16): string {
  if (s === undefined) return "";
  return s.length > n ? `${s.slice(0, n - 8)}…${s.slice(-6)}` : s;
}

/** callIdFilter is the Wireshark filter for one or more Call-IDs (quotes escaped). */
export function callIdFilter(callIds: string[]): string {
  const uniq = [...new Set(callIds)];
  return uniq.map((c) => `sip.Call-ID == "${c.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`).join(" || ");
}

/** withFrames extends a filter so it also shows the frames of `es` (evidence packets it would not match). */
export function withFrames(filter: string, es: readonly Evidence[]): string {
  return es.reduce((f, e) => `${f} || frame.number == ${e.frame}`, filter);
}

/** splitHostPort splits "host:port" or "[v6]:port" as formatEndpoint writes them (port 5060 when absent). */
export function splitHostPort(s: string): [string, number] {
  const m = /^\[(.*)\]:(\d+)$/.exec(s) ?? /^(.*):(\d+)$/.exec(s);
  return m ? [m[1], Number(m[2])] : [s, 5060];
}

/** FindingBuilder collects evidence and produces a Finding with the registry's defaults. */
export function finding(
  code: FindingCode,
  parts: { title: string; subject: Subject; evidence: Evidence[]; explanation: string; fix: string[]; filter?: string; severity?: Severity },
): Finding {
  const evidence = mergeEvidence(parts.evidence);
  return {
    code,
    severity: parts.severity ?? FINDINGS[code].severity,
    title: parts.title,
    subject: parts.subject,
    evidence,
    filter: parts.filter ?? frameFilter(evidence.map((e) => e.frame)),
    explanation: parts.explanation,
    fix: parts.fix,
  };
}

/** mergeEvidence orders evidence by capture and frame, one entry per frame (texts joined). */
export function mergeEvidence(list: Evidence[]): Evidence[] {
  const byFrame = new Map<string, Evidence>();
  for (const e of list) {
    const k = `${e.capture}|${e.frame}`;
    const prev = byFrame.get(k);
    if (!prev) byFrame.set(k, { ...e });
    else if (!prev.text.split("; ").includes(e.text)) prev.text += `; ${e.text}`;
  }
  return [...byFrame.values()].sort((a, b) => a.capture - b.capture || a.frame - b.frame);
}

/** verificationOf checks an attempt's digest against known passwords. */
export function verificationOf(ctx: DetectContext, hs: Handshake, a: AuthAttempt): Verification | undefined {
  return a.credentials && ctx.credentials ? ctx.credentials.verify(a.credentials, hs.method) : undefined;
}

/** isRejection: an authenticated attempt answered with a fresh challenge or a refusal. */
export function isRejection(a: AuthAttempt): boolean {
  if (!a.credentials || a.status === undefined) return false;
  if (a.status === 401 || a.status === 407) return a.challenge?.stale !== true;
  return a.status === 403 || a.status === 404;
}

/** subjectOf describes a handshake's identity. */
export function subjectOf(hs: Handshake, aor?: string): Subject {
  return {
    user: hs.username ?? hs.fromUser,
    aor: aor ?? hs.fromUri,
    realm: hs.realm,
    client: ep(hs.client),
    server: ep(hs.server),
    callId: hs.callIds.length === 1 ? hs.callIds[0] : undefined,
  };
}

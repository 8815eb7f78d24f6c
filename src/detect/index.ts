/**
 * The diagnosis stage: runs every detector over the correlation and observations and returns
 * findings sorted by severity, then evidence order.
 */
import { compareCaptures, detectAlg } from "./alg.js";
import { detectAuth } from "./auth.js";
import { detectConnectFailures } from "./connect.js";
import type { DetectContext } from "./context.js";
import { severityRank, type Finding } from "./model.js";
import { detectRegistrations } from "./registration.js";
import { detectScanners, scannerSources } from "./scanner.js";

export type { DetectContext } from "./context.js";
export { CredentialStore, type Verification } from "./credentials.js";
export { FINDINGS, type FindingCode } from "./registry.js";
export * from "./model.js";
export { Observations } from "./observe.js";

/** detect runs all detectors. Pure: the same context gives the same findings in the same order. */
export function detect(ctx: DetectContext, extra: Finding[] = []): Finding[] {
  const scanners = scannerSources(ctx);
  const keys = new Set(scanners.keys());
  const cmp = compareCaptures(ctx);
  // Requests whose digest uri an ALG rewrote between two capture points are explained by the ALG.
  const rewrittenAuth = new Set((cmp.rewrites.get("digest uri") ?? []).map((r) => r.before.callId ?? ""));
  const findings = [
    ...detectScanners(ctx, scanners),
    ...detectAuth(ctx, keys, rewrittenAuth),
    ...detectRegistrations(ctx, keys),
    ...detectConnectFailures(ctx, keys),
    ...detectAlg(ctx, cmp),
    ...extra,
  ];
  return sortFindings(dedupeAcrossCaptures(findings));
}

/**
 * dedupeAcrossCaptures keeps one finding when several capture points show the same problem of the
 * same flow (same code and title): the first capture's evidence stands for it.
 */
function dedupeAcrossCaptures(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const k = `${f.code}|${f.title}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** sortFindings orders by severity (error first), then first evidence, then code. */
export function sortFindings(findings: Finding[]): Finding[] {
  const first = (f: Finding): number => (f.evidence[0] ? f.evidence[0].capture * 1e9 + f.evidence[0].frame : Number.MAX_SAFE_INTEGER);
  return [...findings].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || first(a) - first(b) || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

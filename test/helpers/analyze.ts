/**
 * Running the whole analysis on fixtures, with results cached per argument set (the lab files are
 * small, but many tests read the same report).
 */
import { analyze } from "../../src/analyze/index.js";
import { CredentialStore } from "../../src/detect/credentials.js";
import type { Finding } from "../../src/detect/model.js";
import type { Report } from "../../src/report/model.js";
import { labCapture } from "./corpus.js";

/** The lab's provisioned users (fixtures/lab/LABELS.md, "Common facts"). */
export const LAB_CREDENTIALS = "alice:Al1ce-Secret\nbob:B0b-Secret\ncarol:Car0l-Secret\n";

const cache = new Map<string, Promise<Report>>();

/** labReport analyses lab captures by scenario name (several names = several capture points). */
export function labReport(names: string[], credentials?: string): Promise<Report> {
  const key = `${names.join("+")}|${credentials ?? ""}`;
  let r = cache.get(key);
  if (!r) {
    const store = credentials === undefined ? undefined : CredentialStore.parse(credentials).store;
    r = analyze(names.map((n) => ({ input: labCapture(n), name: `fixtures/lab/${n}.pcap` })), { credentials: store });
    cache.set(key, r);
  }
  return r;
}

/** codes lists finding codes with severities, in report order. */
export function codes(r: Report): string[] {
  return r.findings.map((f) => `${f.severity}:${f.code}`);
}

/** frames lists a finding's evidence frames. */
export function frames(f: Finding): number[] {
  return f.evidence.map((e) => e.frame);
}

/** one returns the single finding with a code, failing when there is not exactly one. */
export function one(r: Report, code: string): Finding {
  const list = r.findings.filter((f) => f.code === code);
  if (list.length !== 1) throw new Error(`expected one ${code} finding, got ${list.length}: ${codes(r).join(", ")}`);
  return list[0];
}

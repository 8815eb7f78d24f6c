/**
 * The diagnosis model: findings, each with a stable code, a severity, evidence frames, a
 * Wireshark display filter that shows the evidence, an explanation and fix steps.
 */

/** Severity of a finding; `--fail-on` compares against this order. */
export type Severity = "error" | "warning" | "info";

export const SEVERITIES: readonly Severity[] = ["error", "warning", "info"];

/** severityRank orders severities (error highest). */
export function severityRank(s: Severity): number {
  return s === "error" ? 3 : s === "warning" ? 2 : 1;
}

/** Evidence is one frame and what it shows. */
export interface Evidence {
  /** Frame number as Wireshark shows it. */
  frame: number;
  /** Index of the capture file when several were analysed together (0 otherwise). */
  capture: number;
  /** One line: what this frame proves. */
  text: string;
}

/** Subject says who and where a finding is about. */
export interface Subject {
  /** User name (digest username or AOR user part). */
  user?: string;
  /** Address-of-record, `sip:user@domain`. */
  aor?: string;
  /** Digest realm. */
  realm?: string;
  /** Client address as seen in packets, `ip:port`. */
  client?: string;
  /** Server address as seen in packets, `ip:port`. */
  server?: string;
  /** Call-ID the finding is about, when it is one dialog or registration. */
  callId?: string;
}

/** Finding is one diagnosis. */
export interface Finding {
  /** Stable snake_case code, e.g. `bad_credentials`. */
  code: string;
  severity: Severity;
  /** One-line title, specific to this occurrence. */
  title: string;
  subject: Subject;
  /** Evidence frames in frame order, each with what it shows. */
  evidence: Evidence[];
  /** A Wireshark display filter that shows the evidence. */
  filter: string;
  /** The cause, in plain words. */
  explanation: string;
  /** Concrete steps to fix it. */
  fix: string[];
}

/** FindingSpec declares a code once: default severity and what it means (style rule 2). */
export interface FindingSpec {
  severity: Severity;
  summary: string;
}

/** frameFilter builds `frame.number in {a,b,c}` for evidence frames (Wireshark 4 set syntax: comma-separated). */
export function frameFilter(frames: Iterable<number>): string {
  const list = [...new Set(frames)].sort((a, b) => a - b);
  if (list.length === 1) return `frame.number == ${list[0]}`;
  return `frame.number in {${list.join(",")}}`;
}

/**
 * IssueLog counts issues by code and keeps a bounded sample of each with its frame, so a capture
 * with a million bad packets costs a counter, not a million records.
 */

/** IssueSample is one occurrence of an issue, tied to the frame it was found in. */
export interface IssueSample {
  frame: number;
  detail: string;
}

/** IssueSummary is one code's tally in the report model. */
export interface IssueSummary {
  code: string;
  count: number;
  /** First occurrences (at most IssueLog.samplesPerCode), in frame order. */
  samples: IssueSample[];
}

/** Sample occurrences an IssueLog keeps per code by default. */
export const ISSUE_SAMPLES_PER_CODE = 10;

export class IssueLog {
  private readonly byCode = new Map<string, IssueSummary>();

  constructor(readonly samplesPerCode = ISSUE_SAMPLES_PER_CODE) {}

  /** add records one occurrence. */
  add(code: string, detail: string, frame: number): void {
    let s = this.byCode.get(code);
    if (!s) {
      s = { code, count: 0, samples: [] };
      this.byCode.set(code, s);
    }
    s.count++;
    if (s.samples.length < this.samplesPerCode) s.samples.push({ frame, detail });
  }

  /** summaries lists every code seen, sorted by code for stable output. */
  summaries(): IssueSummary[] {
    return [...this.byCode.values()].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  }

  /** total occurrences of all codes. */
  get total(): number {
    let n = 0;
    for (const s of this.byCode.values()) n += s.count;
    return n;
  }
}

/**
 * Inputs the fuzzer (test/fuzz/run.mjs) once crashed or hung on, kept in fixtures/regressions/
 * with a `.json` saying what went wrong and how the input was made. Each must now go through
 * `analyze` and every report format without an exception and within 5 s.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyze } from "../../src/analyze/index.js";
import { renderReport, REPORT_FORMATS } from "../../src/report/index.js";
import { REPO } from "../helpers/corpus.js";

const DIR = join(REPO, "fixtures/regressions");
const inputs = readdirSync(DIR).filter((f) => !f.endsWith(".json")).sort();

describe("fuzzer regressions", () => {
  it("every kept input has its description", () => {
    expect(inputs.length).toBeGreaterThan(0);
    for (const f of inputs) {
      const meta = JSON.parse(readFileSync(join(DIR, `${f}.json`), "utf8"));
      expect(meta).toMatchObject({ kind: expect.any(String), error: expect.any(String), seed: expect.any(Number), ops: expect.any(Array) });
    }
  });

  for (const f of inputs) {
    it(`${f} (${JSON.parse(readFileSync(join(DIR, `${f}.json`), "utf8")).error})`, async () => {
      const t0 = performance.now();
      const report = await analyze([{ input: join(DIR, f), name: f }]);
      for (const format of REPORT_FORMATS) expect(renderReport(report, format).length).toBeGreaterThan(0);
      expect(performance.now() - t0).toBeLessThan(5000);
    });
  }
});

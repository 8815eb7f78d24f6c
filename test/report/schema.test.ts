/**
 * The published report format: docs/report-schema.json and docs/report-schema.md are generated
 * from src/report/schema.ts and must be up to date (regenerate with
 * `UPDATE_GOLDEN=1 npx vitest run test/report/schema.test.ts`); `--format json` output validates
 * against the schema, and the validator does catch violations.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { renderJson } from "../../src/report/json.js";
import { REPORT_TYPES, reportJsonSchema, reportSchemaMarkdown } from "../../src/report/schema.js";
import { sampleReport } from "./fixtures/sample-report.js";
import { ROOT } from "./helpers.js";
import { validate } from "./schema-validator.js";

const UPDATE = process.env.UPDATE_GOLDEN === "1";
const schema = reportJsonSchema();

/** checkDoc compares a generated document with its committed copy (or rewrites it). */
function checkDoc(rel: string, content: string): void {
  const path = join(ROOT, rel);
  if (UPDATE || !existsSync(path)) writeFileSync(path, content);
  expect(readFileSync(path, "utf8"), `${rel} is stale: run UPDATE_GOLDEN=1 npx vitest run test/report/schema.test.ts`).toBe(content);
}

describe("report schema", () => {
  test("docs/report-schema.json is generated from the description", () => {
    checkDoc("docs/report-schema.json", `${JSON.stringify(schema, null, 2)}\n`);
  });

  test("docs/report-schema.md documents every field of every type", () => {
    const md = reportSchemaMarkdown();
    checkDoc("docs/report-schema.md", md);
    for (const [name, fields] of Object.entries(REPORT_TYPES)) {
      expect(md).toContain(`## ${name}`);
      for (const key of Object.keys(fields)) expect(md, `${name}.${key}`).toContain(`| \`${key}\` |`);
    }
    // Nested anonymous objects get their own tables too.
    for (const nested of ["ReportCapture.damage", "ReportAttempt.credentials", "ReportAttempt.challenge", "ReportSummary.transactions", "Report.limits"]) expect(md).toContain(`## ${nested}`);
  });

  test("the sample report validates, through its JSON text", () => {
    expect(validate(JSON.parse(renderJson(sampleReport())), schema)).toEqual([]);
  });

  test("the validator rejects wrong types, unknown fields, missing fields and bad enums", () => {
    const bad = JSON.parse(renderJson(sampleReport()));
    bad.captures[0].frames = "18";
    bad.findings[0].subject.nickname = "al";
    delete bad.registrations[0].client;
    bad.registrations[0].outcome = "maybe";
    bad.ladders[0].steps[0].frame = 1.5;
    bad.schemaVersion = 2;
    const errors = validate(bad, schema);
    expect(errors).toEqual(
      expect.arrayContaining([
        ".captures[0].frames: expected integer, got string",
        ".findings[0].subject: unexpected property nickname",
        ".registrations[0]: missing required client",
        '.registrations[0].outcome: "maybe" is not one of ["registered","failed","timeout","in_progress","unregistered"]',
        ".ladders[0].steps[0].frame: expected integer, got number",
        ".schemaVersion: expected 1, got 2",
      ]),
    );
  });
});

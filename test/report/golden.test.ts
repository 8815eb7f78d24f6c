/**
 * Golden tests (issue 6): every lab capture × every format, rendered at width 100 without colour,
 * must equal test/golden/<fixture>.<ext> (txt, json, md, html). After an intended change to the
 * analysis or a renderer, regenerate and review the diff:
 *
 *   UPDATE_GOLDEN=1 npx vitest run test/report/golden.test.ts
 *
 * The same run refreshes the example reports in docs/examples/ (Markdown and HTML of two
 * failed-registration captures), which must equal the goldens. The real JSON output is also
 * validated against the published schema (docs/report-schema.json), and its redacted form
 * checked for leftover addresses.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { describe, expect, test } from "vitest";
import { analyze } from "../../src/analyze/index.js";
import { REPORT_EXTENSIONS, REPORT_FORMATS, redactReport, renderReport, reportJsonSchema } from "../../src/report/index.js";
import { COMMON_WORDS } from "../../src/report/redact.js";
import type { Report } from "../../src/report/model.js";
import { ROOT } from "./helpers.js";
import { validate } from "./schema-validator.js";

const UPDATE = process.env.UPDATE_GOLDEN === "1";
const LAB = join(ROOT, "fixtures/lab");
const GOLDEN = join(ROOT, "test/golden");
const FIXTURES = readdirSync(LAB)
  .filter((f) => f.endsWith(".pcap") || f.endsWith(".pcapng"))
  .sort();
const schema = reportJsonSchema();
/** Captures whose reports are shown in docs/examples/, and the formats shown. */
const EXAMPLES = new Set(["bad_password_udp", "alg_sim_contentlength_wan"]);
const EXAMPLE_FORMATS = new Set(["markdown", "html"]);
const EXAMPLE_DIR = join(ROOT, "docs/examples");

/** checkFile compares output with a committed file, rewriting it first under UPDATE_GOLDEN=1. */
function checkFile(path: string, out: string, what: string): void {
  if (UPDATE) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, out);
  }
  expect(existsSync(path), `${path} is missing: run UPDATE_GOLDEN=1 npx vitest run test/report/golden.test.ts`).toBe(true);
  expect(out, `${what} differs from ${path}`).toBe(readFileSync(path, "utf8"));
}

/**
 * identities collects the user names, hosts, Call-IDs and nonces of a report (and the first
 * eight characters of each nonce, as abbreviations show them): none may survive --redact.
 * All-digit values are left out, since they cannot be told from counts and frame numbers.
 */
function identities(r: Report): Set<string> {
  const out = new Set<string>();
  const add = (v: string | undefined): void => {
    if (v !== undefined && v.length >= 3 && !/^\d+$/.test(v)) out.add(v);
  };
  const addNonce = (v: string | undefined): void => {
    add(v);
    if (v !== undefined && v.length > 12) add(v.slice(0, 8));
  };
  for (const f of r.findings) [f.subject.user, f.subject.realm, f.subject.callId].forEach(add);
  for (const x of [...r.registrations, ...r.handshakes]) {
    [x.username, x.realm, ...x.callIds].forEach(add);
    for (const a of x.attemptDetails) {
      [a.credentials?.username, a.credentials?.realm].forEach(add);
      [a.credentials?.nonce, a.credentials?.cnonce, a.challenge?.nonce].forEach(addNonce);
    }
  }
  for (const g of r.registrations) add(g.user);
  return out;
}

/** reportOf analyses one lab capture under the name the goldens show. */
async function reportOf(file: string): Promise<Report> {
  return analyze([{ input: join(LAB, file), name: `fixtures/lab/${file}` }], {});
}

describe.each(FIXTURES)("%s", (file) => {
  const fixture = basename(file).replace(/\.pcap(ng)?$/, "");

  test("every format matches its golden file", async () => {
    const report = await reportOf(file);
    for (const format of REPORT_FORMATS) {
      const out = renderReport(report, format, { width: 100, color: false });
      const name = `${fixture}.${REPORT_EXTENSIONS[format]}`;
      checkFile(join(GOLDEN, name), out, `${fixture} ${format}`);
      if (EXAMPLES.has(fixture) && EXAMPLE_FORMATS.has(format)) checkFile(join(EXAMPLE_DIR, name), out, `example ${fixture} ${format}`);
    }
  });

  test("the JSON output validates against the schema, before and after --redact", async () => {
    const report = await reportOf(file);
    expect(validate(JSON.parse(renderReport(report, "json")), schema)).toEqual([]);
    const redacted = redactReport(report);
    const json = renderReport(redacted, "json");
    expect(validate(JSON.parse(json), schema)).toEqual([]);
    // The lab's addresses are all IPv4 in documentation and private ranges.
    expect(json).not.toMatch(/\b(?:198\.51\.100|203\.0\.113|192\.168\.1)\.\d+/);
    for (const id of identities(report)) {
      const quoted = id.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
      // A common word may stay in prose ("the phone"), never where it is plainly an identity.
      const where = COMMON_WORDS.has(id.toLowerCase()) ? `"${quoted}"(?!:)|\\\\"${quoted}\\\\"|(?<![\\w-])${quoted}@|user ${quoted}\\b` : `(?<![\\w-])${quoted}(?![\\w-])`;
      expect(json, `redacted ${fixture} still shows ${id}`).not.toMatch(new RegExp(where));
    }
  });
});

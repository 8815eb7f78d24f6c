/**
 * The HTML report in a real headless Chromium (Debian's `chromium`, driven by playwright-core):
 * it loads from a file:// URL without console errors or network requests, shows the findings,
 * draws exactly one arrow per ladder step, runs nothing from hostile input, and leaves
 * screenshots (screen and print) in test/artifacts/ for a person to look at. Skips, saying why,
 * when no browser is installed (`apt-get install -y chromium`).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { renderHtml } from "../../src/report/html.js";
import type { Report } from "../../src/report/model.js";
import { sampleReport } from "./fixtures/sample-report.js";
import { HOSTILE, ROOT, cycle, withStrings } from "./helpers.js";

const CHROMIUM = process.env.SIP401_CHROMIUM ?? "/usr/bin/chromium";
const HAVE_BROWSER = existsSync(CHROMIUM);
const SKIP_REASON = `no Chromium at ${CHROMIUM} (install it with: apt-get install -y chromium)`;
const ARTIFACTS = join(ROOT, "test/artifacts");

if (!HAVE_BROWSER) console.warn(`browser.test.ts skipped: ${SKIP_REASON}`);

let context: BrowserContext | undefined;
let profile = "";

beforeAll(async () => {
  if (!HAVE_BROWSER) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  profile = mkdtempSync(join(tmpdir(), "sip401-chromium-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1200, height: 900 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/** Loaded is a page with the problems seen while loading it. */
interface Loaded {
  page: Page;
  errors: string[];
  requests: string[];
  dialogs: string[];
}

/** load writes the report's HTML to test/artifacts/NAME.html and opens it. */
async function load(report: Report, name: string): Promise<Loaded> {
  if (!context) throw new Error("no browser");
  const file = join(ARTIFACTS, `${name}.html`);
  writeFileSync(file, renderHtml(report));
  const url = pathToFileURL(file).href;
  const page = await context.newPage();
  const loaded: Loaded = { page, errors: [], requests: [], dialogs: [] };
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") loaded.errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => loaded.errors.push(`pageerror: ${e.message}`));
  page.on("request", (r) => {
    if (r.url() !== url) loaded.requests.push(r.url());
  });
  page.on("dialog", (d) => {
    loaded.dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(url, { waitUntil: "load" });
  return loaded;
}

describe("HTML report in Chromium", () => {
  test("loads cleanly, shows the findings, one arrow per ladder step; screenshots saved", async (ctx) => {
    if (!HAVE_BROWSER) return ctx.skip(SKIP_REASON);
    const report = sampleReport();
    const { page, errors, requests } = await load(report, "sample-report");
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);

    const findings = page.locator("article.finding");
    await expect.poll(() => findings.count()).toBe(report.findings.length);
    const text = await page.locator("main").innerText();
    for (const f of report.findings) expect(text).toContain(f.title);
    expect(await page.locator("article.finding.error .badge").innerText()).toMatch(/error/i);

    const svgs = page.locator("svg.ladder");
    expect(await svgs.count()).toBe(report.ladders.length);
    for (const [i, l] of report.ladders.entries()) {
      const svg = svgs.nth(i);
      expect(await svg.locator("g.step").count()).toBe(l.steps.length);
      expect(await svg.locator(".arrow").count()).toBe(l.steps.length);
      for (let s = 0; s < l.steps.length; s++) expect(await svg.locator("g.step").nth(s).locator(".arrow").count()).toBe(1);
      expect(await svg.locator("g.step.highlight").count()).toBe(l.steps.filter((s) => s.highlight).length);
      // Drawn, not just present: every arrow has a visible length.
      for (const box of await svg.locator(".arrow").evaluateAll((els) => els.map((e) => (e as unknown as { getBBox(): { width: number } }).getBBox().width))) expect(box).toBeGreaterThan(50);
    }

    await page.screenshot({ path: join(ARTIFACTS, "sample-report.png"), fullPage: true });
    await page.emulateMedia({ media: "print" });
    await page.screenshot({ path: join(ARTIFACTS, "sample-report-print.png"), fullPage: true });
    await page.close();
  });

  test("hostile strings are shown as text and run nothing", async (ctx) => {
    if (!HAVE_BROWSER) return ctx.skip(SKIP_REASON);
    const payloads = [...HOSTILE, `<img src=x onerror="document.title='pwned'">`, `<script>document.title='pwned'</script>`, `<svg onload="alert('svg')">`];
    const report = withStrings(sampleReport(), cycle(payloads));
    const { page, errors, requests, dialogs } = await load(report, "hostile-report");
    expect(dialogs).toEqual([]);
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
    expect(await page.title()).not.toContain("pwned");
    expect(await page.locator("script, img, iframe, object, embed").count()).toBe(0);
    expect(await page.locator("main").innerText()).toContain("<script>alert(1)</script>");
    await page.close();
  });
});

/** The HTML report and its SVG ladders, as text (the browser test renders them for real). */
import { describe, expect, test } from "vitest";
import { renderHtml } from "../../src/report/html.js";
import { renderSvgLadder } from "../../src/report/svg-ladder.js";
import { sampleReport } from "./fixtures/sample-report.js";
import { HOSTILE, cycle, withStrings } from "./helpers.js";

describe("renderHtml", () => {
  const html = renderHtml(sampleReport());

  test("is one self-contained document: inline CSS, no script, no external resource", () => {
    expect(html.startsWith("<!DOCTYPE html>\n")).toBe(true);
    expect(html).toContain("<style>");
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
    expect(html).toContain("@media print");
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(|src=/i);
    // The only URL is the SVG namespace (an identifier, never fetched).
    expect(html.match(/https?:\/\/[^\s"']+/g) ?? []).toEqual(["http://www.w3.org/2000/svg", "http://www.w3.org/2000/svg"]);
  });

  test("shows the summary, findings with severity badges, registrations and one SVG per ladder", () => {
    expect(html).toContain(`<span class="badge error">error</span>Wrong password for alice@example.test`);
    expect(html).toContain(`<span class="badge warning">warning</span>`);
    expect(html).toContain(`<span class="badge info">info</span>`);
    expect(html).toContain("<code>frame.number in {3 5 6 7 9}</code>");
    expect(html).toContain(`<span class="outcome-bad">failed</span>`);
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html.match(/<article class="finding /g)).toHaveLength(3);
  });

  test("findings appear by severity whatever the model's order", () => {
    const r = sampleReport();
    r.findings.reverse();
    const out = renderHtml(r);
    expect(out.indexOf("badge error")).toBeLessThan(out.indexOf("badge warning"));
    expect(out.indexOf("badge warning")).toBeLessThan(out.indexOf("badge info"));
  });

  test("escapes every network-supplied string", () => {
    const out = renderHtml(withStrings(sampleReport(), cycle(HOSTILE)));
    expect(out).not.toMatch(/<script|<img|<\/svg><script/i);
    expect(out).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(out).toContain("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
    expect(out).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/);
  });

  test("same input, same bytes", () => {
    expect(renderHtml(sampleReport())).toBe(html);
  });
});

describe("renderSvgLadder", () => {
  test("one step group with exactly one arrow per step, highlighted and dashed where due", () => {
    const l = sampleReport().ladders[0];
    const svg = renderSvgLadder(l);
    const steps = svg.match(/<g class="step[^"]*"[\s\S]*?<\/g>/g) ?? [];
    expect(steps).toHaveLength(l.steps.length);
    for (const s of steps) expect(s.match(/class="arrow"/g)).toHaveLength(1);
    expect(svg.match(/<g class="step highlight"/g)).toHaveLength(l.steps.filter((s) => s.highlight).length);
    expect(svg.match(/<g class="step retransmission"/g)).toHaveLength(1);
    expect(svg).toContain(`stroke-dasharray="6 4"`);
    expect(svg).toContain(">F5</text>");
    expect(svg).toContain(">+0.501806 s</text>");
    expect(svg).toContain(">401 Unauthorized</text>");
  });

  test("arrows run from the sender's lifeline to the receiver's", () => {
    const l = sampleReport().ladders[0];
    const svg = renderSvgLadder(l);
    const lifelines = [...svg.matchAll(/<line class="lifeline" x1="([\d.]+)"/g)].map((m) => Number(m[1]));
    const arrows = [...svg.matchAll(/<line class="arrow" x1="([\d.]+)" y1="[\d.]+" x2="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(lifelines).toHaveLength(2);
    const [client, server] = lifelines;
    expect(arrows[0][0]).toBe(client);
    expect(arrows[0][1]).toBeGreaterThan(client);
    expect(arrows[1][0]).toBe(server);
    expect(arrows[1][1]).toBeLessThan(server);
  });

  test("ids are unique per ladder and labels too long for a column are cut with the full text in a title", () => {
    const l = sampleReport().ladders[0];
    l.steps[0].label = `REGISTER sip:${"x".repeat(80)}@example.test`;
    const svg = renderSvgLadder(l, { idPrefix: "ladder-7" });
    expect(svg).toContain(`aria-labelledby="ladder-7-title"`);
    expect(svg).toContain("…</text>");
    expect(svg).toContain(`${"x".repeat(80)}@example.test</title>`);
  });
});

/** The terminal ladder of one flow. */
import { describe, expect, test } from "vitest";
import { renderFlow } from "../../src/report/flow-text.js";
import type { Ladder } from "../../src/report/model.js";
import { width } from "../../src/report/text.js";
import { sampleReport } from "./fixtures/sample-report.js";
import { stripAnsi } from "./helpers.js";

function ladder(): Ladder {
  return sampleReport().ladders[0];
}

/** arrowLines are the lines that draw a message (they hold an arrow head next to a shaft). */
function arrowLines(out: string): string[] {
  return out.split("\n").filter((l) => l.includes("│") && /[─╌]>|<[─╌]|<┘/.test(l));
}

describe("renderFlow", () => {
  test("one label line and one arrow per step, in order, with frame and offset", () => {
    const l = ladder();
    const out = renderFlow(l, { width: 80 });
    expect(arrowLines(out)).toHaveLength(l.steps.length);
    let at = 0;
    for (const s of l.steps) {
      const i = out.indexOf(`F${s.frame} `, at);
      expect(i, `F${s.frame}`).toBeGreaterThan(at);
      at = i;
    }
    expect(out).toContain("0.501806 F5");
    expect(out).toContain("198.51.100.20:5060");
    expect(out).toContain("203.0.113.10:5060");
  });

  test("arrows point from sender to receiver", () => {
    const out = renderFlow(ladder(), { width: 80 });
    const arrows = arrowLines(out);
    expect(arrows[0]).toMatch(/─>│$/); // REGISTER: client (left) → registrar (right)
    expect(arrows[1]).toMatch(/│<─/); // 401: back to the client
  });

  test("failing steps are marked, retransmissions dashed", () => {
    const out = renderFlow(ladder(), { width: 80 });
    expect(out).toMatch(/^! +0\.001169 F3/m);
    expect(out).toMatch(/^ {2}0\.000000 F1/m);
    expect(arrowLines(out)[3]).toContain("╌");
    expect(out).toContain("! = evidence of a finding");
  });

  test.each([40, 60, 80, 120])("fits %i columns", (w) => {
    const out = renderFlow(ladder(), { width: w });
    for (const line of out.split("\n")) expect(width(line)).toBeLessThanOrEqual(w);
  });

  test("endpoints whose names do not fit are lettered with a legend", () => {
    const l = ladder();
    l.endpoints.push("[2001:db8:1234:5678:9abc:def0:1234:5678]:5060");
    l.steps.push({ ...l.steps[0], frame: 99, to: l.endpoints[2], label: "OPTIONS sip:x" });
    const out = renderFlow(l, { width: 80 });
    expect(out).toContain("  C = [2001:db8:1234:5678:9abc:def0:1234:5678]:5060");
    expect(arrowLines(out)).toHaveLength(l.steps.length);
  });

  test("omitted steps are mentioned; colour only when asked; escapes neutralised", () => {
    const l = ladder();
    l.omitted = 12;
    l.steps[0].label = "REGISTER \x1b[2Jsip:x";
    expect(renderFlow(l)).toContain("12 more messages not shown");
    expect(renderFlow(l, { color: false })).not.toMatch(/\x1b/);
    const coloured = renderFlow(l, { color: true });
    expect(coloured).toMatch(/\x1b\[31m/);
    expect(stripAnsi(coloured)).toBe(renderFlow(l, { color: false }));
  });

  test("a message to itself and an empty ladder do not break", () => {
    const l = ladder();
    l.steps = [{ ...l.steps[0], to: l.steps[0].from }];
    expect(arrowLines(renderFlow(l))).toHaveLength(1);
    l.steps = [];
    l.endpoints = [];
    expect(renderFlow(l)).toContain("0 messages");
  });
});

/** The terminal report: content, severity order, width discipline and colour discipline. */
import { describe, expect, test } from "vitest";
import { renderTable } from "../../src/report/table.js";
import { width } from "../../src/report/text.js";
import { sampleReport } from "./fixtures/sample-report.js";
import { ANSI, stripAnsi } from "./helpers.js";

const WIDTHS = [40, 60, 80, 100, 120, 160, 200];

describe("renderTable", () => {
  test("shows the header block, the registrations, the findings and their details", () => {
    const out = renderTable(sampleReport(), { width: 200 });
    for (const s of [
      "fixtures/lab/office.pcap",
      "2026-11-24 05:12:23.692 → 05:12:31.700 UTC (8.007974 s)",
      "SIP messages   17 (UDP 17)",
      "udp_bad_checksum ×1 (frame 18)",
      "sip:alice@example.test",
      "401 Unauthorized",
      "registered",
      "bad_credentials",
      "3, 5, 6, 7, 9",
      "Re-enter the SIP password",
      "Wireshark: frame.number in {3 5 6 7 9}",
      "Why: The phone answers each challenge",
      "3. Reset the password on the registrar",
      "1-28522@198.51.100.20",
    ]) {
      expect(out).toContain(s);
    }
  });

  test("findings are listed by severity whatever the model's order", () => {
    const r = sampleReport();
    r.findings.reverse();
    const out = renderTable(r, { width: 120 });
    const at = (code: string): number => out.indexOf(code);
    expect(at("bad_credentials")).toBeLessThan(at("retry_without_backoff"));
    expect(at("retry_without_backoff")).toBeLessThan(at("stale_nonce_recovered"));
    expect(out.indexOf("[1] ERROR bad_credentials")).toBeGreaterThan(0);
  });

  test.each(WIDTHS)("every line fits %i columns and table borders line up", (w) => {
    for (const color of [false, true]) {
      const out = renderTable(sampleReport(), { width: w, color });
      const lines = out.split("\n");
      for (const line of lines) expect(width(line), `line ${JSON.stringify(stripAnsi(line))} at width ${w}`).toBeLessThanOrEqual(w);
      // Rows of one table have the same width: a broken border would show as a ragged edge.
      const plain = lines.map(stripAnsi);
      for (let i = 0; i < plain.length; i++) {
        if (!plain[i].startsWith("┌")) continue;
        const tableWidth = width(plain[i]);
        for (let j = i + 1; j < plain.length && !plain[j - 1].startsWith("└"); j++) expect(width(plain[j])).toBe(tableWidth);
      }
    }
  });

  test("without colour there is no escape code at all; with colour there are, and the text is the same", () => {
    const plain = renderTable(sampleReport(), { width: 80, color: false });
    expect(plain).not.toMatch(/\x1b/);
    const coloured = renderTable(sampleReport(), { width: 80, color: true });
    expect(coloured).toMatch(ANSI);
    expect(stripAnsi(coloured)).toBe(plain);
  });

  test("cli-table3's default colours are off: borders and headers carry no codes of their own", () => {
    const coloured = renderTable(sampleReport(), { width: 120, color: true });
    for (const line of coloured.split("\n")) {
      if (/^[┌├└]/.test(line)) expect(line).not.toMatch(/\x1b/);
    }
    expect(coloured).not.toContain("\x1b[90m");
  });

  test("long values wrap inside their cell instead of being cut", () => {
    const r = sampleReport();
    r.registrations[0].aor = "sip:a-very-long-user-name-that-does-not-fit@subdomain.example.test";
    const out = renderTable(r, { width: 80 });
    expect(out).not.toContain("…");
    // The first column of the registrations table, read top to bottom, holds the whole AOR.
    const firstColumn = out
      .split("\n")
      .filter((line) => line.startsWith("│"))
      .map((line) => line.split("│")[1].trim())
      .join("");
    expect(firstColumn).toContain("sip:a-very-long-user-name-that-does-not-fit@subdomain.example.test");
  });

  test("network text cannot inject terminal escapes", () => {
    const r = sampleReport();
    r.findings[0].title = "evil \x1b[2J\x1b]0;title\x07 title";
    r.registrations[0].aor = "sip:\x1b[31malice@example.test";
    const out = renderTable(r, { width: 100 });
    expect(out).not.toMatch(/\x1b/);
    expect(out).toContain("\\x1b[2J");
  });

  test("an empty report says so", () => {
    const r = sampleReport();
    r.findings = [];
    r.registrations = [];
    r.ladders = [];
    r.summary.worst = "none";
    const out = renderTable(r, { width: 80 });
    expect(out).toContain("No problems found.");
    expect(out).toContain("No REGISTER requests in the capture.");
  });

  test("damage, several captures and limits are reported", () => {
    const r = sampleReport();
    r.captures[0].damage = { kind: "truncated", byteOffset: 4096, afterFrame: 17, reason: "record header cut short" };
    r.captures.push({ ...r.captures[0], index: 1, name: "second.pcapng", damage: undefined });
    delete r.captures[1].damage;
    r.findings[0].evidence[0].capture = 1;
    r.limits.laddersDropped = 3;
    const out = renderTable(r, { width: 100 });
    expect(out).toContain("Capture 0");
    expect(out).toContain("Capture 1");
    expect(out).toContain("truncated at byte 4096 after frame 17");
    expect(out).toContain("frame 1:3");
    expect(out).toContain("3 ladders left out");
  });

  test("same input, same bytes", () => {
    expect(renderTable(sampleReport(), { width: 90 })).toBe(renderTable(sampleReport(), { width: 90 }));
  });
});

/**
 * The Markdown report, parsed with a CommonMark parser (markdown-it, GFM tables on): structure,
 * the Mermaid ladder (one message line per step), and escaping of network-supplied text.
 */
import MarkdownIt from "markdown-it";
import { describe, expect, test } from "vitest";
import { codeSpan, mdText, mermaidLadder, mermaidText, renderMarkdown } from "../../src/report/markdown.js";
import { sampleReport } from "./fixtures/sample-report.js";
import { HOSTILE, cycle, withStrings } from "./helpers.js";

// html: true so raw HTML in the Markdown would come through as HTML and be caught.
const md = new MarkdownIt({ html: true, linkify: true });

type Token = ReturnType<typeof md.parse>[number];

function parse(text: string): Token[] {
  return md.parse(text, {});
}

/** fences lists the fenced code blocks with their info string. */
function fences(tokens: Token[]): { info: string; content: string }[] {
  return tokens.filter((t) => t.type === "fence").map((t) => ({ info: t.info.trim(), content: t.content }));
}

/** MESSAGE matches one Mermaid message line. */
const MESSAGE = /^\s*P\d+-{1,2}>>P\d+: /;

describe("renderMarkdown", () => {
  test("parses into the expected sections", () => {
    const tokens = parse(renderMarkdown(sampleReport()));
    const headings = tokens.flatMap((t, i) => (t.type === "heading_open" ? [`${t.tag} ${tokens[i + 1].content}`] : []));
    expect(headings).toEqual([
      "h1 sip401 report: worst finding error",
      "h2 Summary",
      "h2 Findings (3)",
      "h3 1. ERROR: Wrong password for alice@example.test: 3 authenticated REGISTERs rejected",
      "h3 2. WARNING: alice retried a rejected password 3 times within 1.11 s",
      "h3 3. INFO: bob's refresh used an expired nonce; the retry with the new nonce succeeded",
      "h2 Registrations (2)",
      "h2 Message ladders (2)",
      "h3 Ladder 1: Call-ID `1-28522@198.51.100.20`",
      "h3 Ladder 2: Call-ID `1-28850@198.51.100.21`",
    ]);
  });

  test("findings carry evidence lists, fix steps and the Wireshark filter in a code span", () => {
    const html = md.render(renderMarkdown(sampleReport()));
    expect(html).toContain("<code>frame.number in {3 5 6 7 9}</code>");
    expect(html).toContain("<li>frame 5: 401 Unauthorized with a fresh nonce: the server rejected the digest</li>");
    expect(html).toMatch(/<ol>\s*<li>Re-enter the SIP password/);
  });

  test("the registrations table has one row per registration and the same columns in every row", () => {
    const html = md.render(renderMarkdown(sampleReport()));
    const table = html.slice(html.indexOf("<h2>Registrations"));
    const rows = table.slice(0, table.indexOf("</table>")).match(/<tr>[\s\S]*?<\/tr>/g) ?? [];
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row.match(/<t[hd]>/g)).toHaveLength(9);
    expect(rows[1]).toContain("<code>sip:alice@example.test</code>");
  });

  test("each ladder has a Mermaid block with one message line per step, and a text fallback", () => {
    const r = sampleReport();
    const blocks = fences(parse(renderMarkdown(r)));
    const mermaid = blocks.filter((b) => b.info === "mermaid");
    const text = blocks.filter((b) => b.info === "text");
    expect(mermaid).toHaveLength(r.ladders.length);
    expect(text).toHaveLength(r.ladders.length);
    mermaid.forEach((b, i) => {
      const lines = b.content.split("\n");
      expect(lines[0]).toBe("sequenceDiagram");
      expect(lines.filter((l) => MESSAGE.test(l))).toHaveLength(r.ladders[i].steps.length);
      // ip:port cannot be a Mermaid id: participants are aliased.
      expect(lines).toContain("    participant P1 as 198.51.100.20:5060".replace("20", i === 0 ? "20" : "21"));
      // Every rect band is closed.
      expect(lines.filter((l) => l.trim().startsWith("rect")).length).toBe(lines.filter((l) => l.trim() === "end").length);
    });
    expect(mermaid[0].content).toContain("P1-->>P2: F4 +0.501169 s REGISTER sip:example.test (retransmission)");
    expect(text[0].content).toContain("! 0.001169 F3");
  });

  test("hostile text stays text: no raw HTML, no links, no extra table cells, Mermaid intact", () => {
    const r = withStrings(sampleReport(), cycle(HOSTILE));
    const out = renderMarkdown(r);
    const tokens = parse(out);
    const all = (ts: Token[]): Token[] => ts.flatMap((t) => [t, ...all(t.children ?? [])]);
    const types = new Set(all(tokens).map((t) => t.type));
    for (const bad of ["html_inline", "html_block", "link_open", "image", "s_open"]) expect(types.has(bad), bad).toBe(false);
    const html = md.render(out);
    expect(html).not.toMatch(/<script|<img|<svg/i);
    // Every row of every table keeps its column count.
    for (const table of html.match(/<table>[\s\S]*?<\/table>/g) ?? []) {
      const counts = (table.match(/<tr>[\s\S]*?<\/tr>/g) ?? []).map((row) => (row.match(/<t[hd][ >]/g) ?? []).length);
      expect(new Set(counts).size).toBe(1);
    }
    // Headings: only the ones the renderer made (a "# heading" value must not start one).
    const headings = tokens.flatMap((t, i) => (t.type === "heading_open" ? [tokens[i + 1].content] : []));
    for (const h of headings) expect(h).toMatch(/^(sip401 report|Summary$|Findings \(|\d+\. (ERROR|WARNING|INFO): |Registrations \(|Other authentication handshakes \(|Message ladders \(|Ladder \d+: )/);
    // Title, summary, findings, registrations, other handshakes (the hostile methods are not REGISTER), ladders.
    expect(headings).toHaveLength(3 + r.findings.length + 3 + r.ladders.length);
    for (const b of fences(tokens).filter((f) => f.info === "mermaid")) {
      for (const line of b.content.split("\n").slice(1).filter((l) => l !== "")) {
        // The statement keyword or arrow, then text in which entity codes like #59; are the only
        // way these characters may appear.
        const m = /^\s*(?:participant P\d+ as |P\d+-{1,2}>>P\d+: |Note over P\d+: |rect rgba\([\d., ]+\)$|end$)(.*)$/.exec(line);
        expect(m, line).not.toBeNull();
        expect(m?.[1].replace(/#\d+;/g, "")).not.toMatch(/[;<>#]/);
      }
    }
  });

  test("the output does not depend on anything but the report", () => {
    const a = renderMarkdown(sampleReport());
    expect(renderMarkdown(sampleReport())).toBe(a);
  });
});

describe("escaping helpers", () => {
  test("mdText escapes Markdown syntax and defuses mentions and links", () => {
    expect(md.renderInline(mdText("*a* _b_ `c` [d](e) <f> a|b ~~s~~ #1 $x$"))).toBe("*a* _b_ `c` [d](e) &lt;f&gt; a|b ~~s~~ #1 $x$");
    expect(mdText("@alice and bob@example.test")).toBe("\\@alice and bob@example.test");
    expect(md.renderInline(mdText("see http://evil.example/x and www.evil.example"))).not.toContain("<a");
  });

  test("codeSpan survives backticks and, in tables, pipes", () => {
    expect(md.renderInline(codeSpan("a`b"))).toBe("<code>a`b</code>");
    expect(md.renderInline(codeSpan("`x`"))).toBe("<code>`x`</code>");
    expect(codeSpan("a|b", true)).toBe("`a\\|b`");
  });

  test("mermaidText encodes the characters that end a Mermaid statement", () => {
    expect(mermaidText("a;b#c<d>")).toBe("a#59;b#35;c#60;d#62;");
  });

  test("mermaidLadder mentions omitted steps", () => {
    const l = sampleReport().ladders[1];
    l.omitted = 5;
    expect(mermaidLadder(l)).toContain("Note over P1: 5 more messages not shown");
  });
});

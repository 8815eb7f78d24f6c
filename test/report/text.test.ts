/** Text helpers: control characters, display width, wrapping, time formatting. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { clockTime, dateTime, escapeMarkup, oneLine, truncate, width, wrap } from "../../src/report/text.js";

describe("oneLine", () => {
  test("line breaks and tabs become spaces; other controls become visible escapes", () => {
    expect(oneLine("a\r\nb\tc")).toBe("a  b c");
    expect(oneLine("\x1b[31mred\x07")).toBe("\\x1b[31mred\\x07");
    expect(oneLine("\u202eabc")).toBe("\\u{202e}abc");
    expect(oneLine("\x9b")).toBe("\\x9b");
  });
});

describe("width and wrap", () => {
  test("wide characters take two columns, combining marks none, colour codes none", () => {
    expect(width("abc")).toBe(3);
    expect(width("中文")).toBe(4);
    expect(width("e\u0301")).toBe(1);
    expect(width("\x1b[31mab\x1b[39m")).toBe(2);
  });

  test("wraps at spaces and breaks long words after punctuation", () => {
    expect(wrap("the quick brown fox", 10)).toEqual(["the quick", "brown fox"]);
    expect(wrap("sip:alice@example.test", 12)).toEqual(["sip:alice@", "example.test"]);
    expect(wrap("", 10)).toEqual([""]);
  });

  test("no wrapped line is wider than asked, and no character is lost", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), fc.integer({ min: 1, max: 60 }), (s, w) => {
        const text = oneLine(s);
        const lines = wrap(text, w);
        for (const line of lines) expect(width(line)).toBeLessThanOrEqual(Math.max(w, 2));
        expect(lines.join("").replace(/ /g, "")).toBe(text.replace(/ /g, ""));
      }),
    );
  });

  test("truncate ends cut text with an ellipsis within the width", () => {
    expect(truncate("abcdef", 4)).toBe("abc…");
    expect(truncate("abc", 4)).toBe("abc");
    expect(width(truncate("中文中文", 5))).toBeLessThanOrEqual(5);
  });
});

describe("times", () => {
  test("ISO times shorten to milliseconds, UTC", () => {
    expect(clockTime("2026-11-24T05:12:23.794651000Z")).toBe("05:12:23.794");
    expect(dateTime("2026-11-24T05:12:23Z")).toBe("2026-11-24 05:12:23.000");
    expect(clockTime("garbage\x1b")).toBe("garbage\\x1b");
  });
});

test("escapeMarkup escapes the five markup characters", () => {
  expect(escapeMarkup(`<a href="x" title='y'>&</a>`)).toBe("&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
});

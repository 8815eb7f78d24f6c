// The hand-written start-line scanner and the CSeq byte scanner, pinned on their edge cases: every
// field and every issue with its byte offset (the values are those of the regex- and slice-based
// readers they replaced).
import { describe, expect, test } from "vitest";
import { parseSip } from "../../src/sip/parse.js";
import { sip } from "./helpers.js";

/** HEADERS complete a request or response after the start line under test. */
const HEADERS = [
  "Via: SIP/2.0/UDP h;branch=z9hG4bK-1",
  "Max-Forwards: 70",
  "From: <sip:a@b>;tag=1",
  "To: <sip:a@b>",
  "Call-ID: c",
  "CSeq: 1 REGISTER",
  "Content-Length: 0",
];

/** parse returns the start-line fields and the [code, offset] issues of a message. */
function parse(lines: string[]) {
  const r = parseSip(sip(lines));
  const m = r.message;
  const fields = m && { kind: m.kind, version: m.version, method: m.method, methodUpper: m.methodUpper, requestUri: m.requestUri, status: m.status, reason: m.reason };
  return { m, fields, issues: r.issues.map((i) => [i.code, i.offset]) };
}

/** response lists the fields of a status line. */
const response = (version: string, status: number | undefined, reason: string) => ({ kind: "response", version, status, reason });
/** request lists the fields of a request line. */
const request = (version: string, method: string, methodUpper: string, requestUri: string) => ({ kind: "request", version, method, methodUpper, requestUri });

describe("start line scanner", () => {
  test.each([
    ["SIP/2.0 401 Unauthorized", response("SIP/2.0", 401, "Unauthorized"), []],
    // Reason-Phrase spacing is free, but a bare code needs its SP (RFC 4475 noreason).
    ["SIP/2.0 200 OK  ", response("SIP/2.0", 200, "OK"), []],
    ["SIP/2.0 200", response("SIP/2.0", 200, ""), [["bad_start_line", 11]]],
    ["SIP/2.0 200 ", response("SIP/2.0", 200, ""), []],
    ["SIP/2.0 200  ", response("SIP/2.0", 200, ""), [["extra_whitespace", 11]]],
    ["SIP/2.0  200 OK", response("SIP/2.0", 200, "OK"), [["extra_whitespace", 7]]],
    [" SIP/2.0 200 OK", response("SIP/2.0", 200, "OK"), [["extra_whitespace", 0]]],
    ["SIP/2.0\t200\tOK", response("SIP/2.0", 200, "OK"), [["extra_whitespace", 7]]],
    ["sip/2.0 200 OK", response("sip/2.0", 200, "OK"), []],
    ["SIP/2.1 200 OK", response("SIP/2.1", 200, "OK"), [["bad_version", 0]]],
    // Status codes: digits are kept even out of range; anything else is no status.
    ["SIP/2.0 20x OK", response("SIP/2.0", undefined, "OK"), [["bad_start_line", 8]]],
    ["SIP/2.0 099 Low", response("SIP/2.0", 99, "Low"), [["bad_start_line", 8]]],
    ["SIP/2.0 700 High", response("SIP/2.0", 700, "High"), [["bad_start_line", 8]]],
    ["SIP/2.0 0200 OK", response("SIP/2.0", 200, "OK"), [["bad_start_line", 8]]],
    ["SIP/2.0 99999999999999999999 Big", response("SIP/2.0", 1e20, "Big"), [["bad_start_line", 8]]],
    ["SIP/2.0", response("SIP/2.0", undefined, ""), [["bad_start_line", 7]]],
    ["SIP/2.0 200 \u00c3\u00a9t\u00c3\u00a9", response("SIP/2.0", 200, "\u00e9t\u00e9"), []],
    ["REGISTER sip:example.test SIP/2.0", request("SIP/2.0", "REGISTER", "REGISTER", "sip:example.test"), []],
    ["REGISTER  sip:x SIP/2.0", request("SIP/2.0", "REGISTER", "REGISTER", "sip:x"), [["extra_whitespace", 8]]],
    ["REGISTER sip:x SIP/2.0 ", request("SIP/2.0", "REGISTER", "REGISTER", "sip:x"), [["extra_whitespace", 22]]],
    ["REGISTER sip:x y SIP/2.0", request("SIP/2.0", "REGISTER", "REGISTER", "sip:x y"), [["bad_start_line", 9]]],
    ["Register sip:x sip/2.0", request("sip/2.0", "Register", "REGISTER", "sip:x"), [["lowercase_method", 0]]],
    ["FOO sip:x", request("", "FOO", "FOO", "sip:x"), [["bad_start_line", 9]]],
    ["INVITE sip:x SIP/2.0x", request("SIP/2.0x", "INVITE", "INVITE", "sip:x"), [["bad_version", 13]]],
  ])("%j", (line, fields, issues) => {
    const r = parse([line, ...HEADERS]);
    expect(r.fields).toEqual(fields);
    expect(r.issues).toEqual(issues);
  });

  test.each(["FOO x", "FOO", "REG:ISTER sip:x SIP/2.0", "   "])("%j is not SIP", (line) => {
    const r = parse([line, ...HEADERS]);
    expect(r.m).toBeNull();
    expect(r.issues).toEqual([["not_sip", 0]]);
  });
});

describe("CSeq scanner", () => {
  /** cseq parses a request whose CSeq value is `value` (at byte offset 135) in both modes, which must agree. */
  function cseq(value: string) {
    const lines = ["REGISTER sip:x SIP/2.0", ...HEADERS.filter((l) => !l.startsWith("CSeq")).slice(0, -1), `CSeq: ${value}`, "Content-Length: 0"];
    const fast = parseSip(sip(lines));
    const generic = parseSip(sip(lines), { generic: true });
    expect(fast.message?.cseq).toEqual(generic.message?.cseq);
    expect(fast.issues).toEqual(generic.issues);
    return { cseq: fast.message?.cseq, issues: fast.issues.map((i) => [i.code, i.offset]) };
  }

  test.each([
    ["1 REGISTER", { seq: 1, method: "REGISTER" }, []],
    ["123456789 REGISTER", { seq: 123456789, method: "REGISTER" }, []],
    ["1234567890 REGISTER", { seq: 1234567890, method: "REGISTER" }, []],
    ["2147483648 REGISTER", { seq: 2147483648, method: "REGISTER" }, [["bad_cseq", 135]]],
    ["01 REGISTER", { seq: 1, method: "REGISTER" }, []],
    ["1\tREGISTER", { seq: 1, method: "REGISTER" }, []],
    ["1  REGISTER", { seq: 1, method: "REGISTER" }, []],
    ["1 register", { seq: 1, method: "register" }, [["cseq_method_mismatch", 135]]],
    ["1 INVITE", { seq: 1, method: "INVITE" }, [["cseq_method_mismatch", 135]]],
    ["1 REGIST\u00e9R", { seq: 1, method: "REGIST\u00e9R" }, [["cseq_method_mismatch", 135]]],
    ["1 REGISTER x", { seq: 1, method: "REGISTER" }, [["bad_cseq", 135]]],
    ["1REGISTER", { seq: 1, method: "REGISTER" }, [["bad_cseq", 135]]],
    ["1 ", { seq: 1, method: "" }, [["bad_cseq", 135], ["cseq_method_mismatch", 135]]],
    ["REGISTER", undefined, [["bad_cseq", 135]]],
  ])("%j", (value, expected, issues) => {
    const r = cseq(value);
    expect(r.cseq).toEqual(expected);
    expect(r.issues).toEqual(issues);
  });
});

/**
 * Issue codes raised by the SIP parser, declared once (style rule 2), and the one helper that
 * records them. Every code names an oddity of the bytes, never a failure of the parser.
 */
import type { Issue, IssueSpec } from "../util/issues.js";

/** SIP_ISSUES is the table of every code the SIP stage can raise, with its one-line meaning. */
export const SIP_ISSUES = {
  not_sip: { summary: "the bytes do not start with a SIP request or status line" },
  oversized_message: { summary: "the message is larger than one UDP datagram can carry (65,535 bytes)" },
  leading_crlf: { summary: "empty lines precede the start line (RFC 3261 §7.5 says to ignore them)" },
  bad_start_line: { summary: "the request or status line does not follow RFC 3261 §7.1/§7.2" },
  bad_version: { summary: "the SIP-Version is not SIP/2.0" },
  lowercase_method: { summary: "the request method is not upper-case (methods are case-sensitive, RFC 3261 §7.1)" },
  extra_whitespace: { summary: "more whitespace than the grammar allows (start line, addr-spec)" },
  bare_lf: { summary: "lines end in LF without CR (RFC 3261 §7 requires CRLF)" },
  missing_blank_line: { summary: "the header section is not closed by an empty line" },
  bad_header_line: { summary: "a header line has no colon or no valid field name; it was skipped" },
  folded_header: { summary: "a header value is folded over several lines (RFC 3261 §7.3.1 LWS continuation)" },
  duplicate_header: { summary: "a header that may appear once (Call-ID, CSeq, From, To, ...) appears several times" },
  missing_header: { summary: "a header every request or response must carry (RFC 3261 §8.1.1) is absent" },
  bad_content_length: { summary: "Content-Length is not a non-negative decimal integer" },
  content_length_mismatch: { summary: "Content-Length differs from the number of body bytes present" },
  bad_cseq: { summary: "CSeq is not `number method` with a number below 2**31 (RFC 3261 §8.1.1.5)" },
  cseq_method_mismatch: { summary: "the CSeq method differs from the request method (RFC 3261 §8.1.1.5)" },
  bad_via: { summary: "a Via value is malformed (RFC 3261 §20.42)" },
  bad_uri: { summary: "a URI is malformed or misplaced (RFC 3261 §19.1)" },
  bad_name_addr: { summary: "a name-addr / addr-spec value is malformed (RFC 3261 §20.10)" },
  bad_display_name: { summary: "an unquoted display name contains characters that are not token characters" },
  unterminated_quote: { summary: "a quoted string has no closing quote" },
  empty_list_item: { summary: "a comma-separated header value has an empty element" },
  bad_header_value: { summary: "a header value does not follow its grammar (Warning, Reason, Retry-After, Content-Type, ...)" },
  bad_number: { summary: "a numeric header field (Expires, Max-Forwards, ...) is not a valid integer or is out of range" },
  bad_auth_header: { summary: "an authentication header is malformed (RFC 3261 §25.1, RFC 7616 §3.3-3.4)" },
  unquoted_auth_param: { summary: "a digest parameter the grammar requires quoted is sent unquoted" },
  quoted_auth_param: { summary: "a digest parameter the grammar requires unquoted (qop, nc, algorithm, stale) is quoted" },
  duplicate_auth_param: { summary: "a digest parameter appears twice in one challenge or credentials" },
  bad_sdp: { summary: "an SDP line is malformed (RFC 4566 §5)" },
  too_many_issues: { summary: "a message raised so many issues that the rest were dropped" },
  too_many_headers: { summary: "a message has more header lines than sip401 reads (MAX_HEADERS); the rest were skipped" },
} as const satisfies Record<string, IssueSpec>;

/** SipIssueCode is any code of SIP_ISSUES. */
export type SipIssueCode = keyof typeof SIP_ISSUES;

/** MAX_ISSUES bounds the issues of one message, so hostile input cannot flood reports. */
export const MAX_ISSUES = 200;

/**
 * MAX_HEADERS bounds the header lines one message may index. RFC 3261 sets no limit, real
 * messages carry a few dozen; only the 64 KiB message size bounds them otherwise, and every
 * header lookup walks the index.
 */
export const MAX_HEADERS = 1000;

/**
 * addIssue appends one issue to `issues`. Centralised so every code is type-checked against
 * SIP_ISSUES, offsets are never negative and a message keeps at most MAX_ISSUES issues (the
 * last one then being `too_many_issues`).
 */
export function addIssue(issues: Issue[], code: SipIssueCode, detail: string, offset: number): void {
  if (issues.length >= MAX_ISSUES) return;
  if (issues.length === MAX_ISSUES - 1) {
    issues.push({ code: "too_many_issues", detail: `more than ${MAX_ISSUES - 1} issues; the rest were dropped`, offset: offset > 0 ? offset : 0 });
    return;
  }
  issues.push({ code, detail, offset: offset > 0 ? offset : 0 });
}

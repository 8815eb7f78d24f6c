/**
 * Issue codes raised by the network stage, declared once (style rule 2).
 */
import type { IssueSpec } from "../util/issues.js";

export const NET_ISSUES = {
  unsupported_link_type: { summary: "frames of a link type sip401 does not decode were skipped" },
  truncated_packet: { summary: "a packet was cut short (snaplen or damage) inside a header or its payload" },
  bad_ip_header: { summary: "an IPv4/IPv6 header is malformed (version, header length, total length)" },
  ip_fragment_overlap: { summary: "IP fragments of one datagram overlap or repeat with different bytes" },
  ip_fragment_incomplete: { summary: "an IP datagram never received all its fragments (lost fragments: firewalls often drop them)" },
  ip_fragment_limit: { summary: "pending IP fragment state hit its limit; the oldest datagrams were dropped" },
  tcp_gap: { summary: "bytes of a TCP stream are missing from the capture (lost segment or capture started mid-stream)" },
  tcp_buffer_limit: { summary: "a TCP stream buffered more out-of-order bytes than allowed; reassembly skipped ahead" },
  websocket_error: { summary: "a WebSocket connection could not be decoded further (gap, oversized or malformed frame)" },
  tcp_stream_limit: { summary: "too many concurrent TCP streams; the least recently used was flushed" },
  tcp_connect_limit: { summary: "too many TCP connection attempts to SIP ports awaited an answer at once; the oldest was forgotten" },
  sctp_message_limit: { summary: "an SCTP user message being joined from fragments hit a size or count limit and was dropped" },
} as const satisfies Record<string, IssueSpec>;

export type NetIssueCode = keyof typeof NET_ISSUES;

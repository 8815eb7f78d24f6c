/**
 * The extraction stage's model: SIP messages as found in a capture, with where and when they
 * travelled (the input of correlation and of `sip401 messages`).
 */
import type { CaptureSummary } from "../capture/model.js";
import type { TcpAckWatch } from "../net/tcp-stream.js";
import type { SipMessage } from "../sip/message.js";
import type { Issue } from "../util/issues.js";
import type { IssueSummary } from "../util/issue-log.js";

/** Transport is how a SIP message travelled (RFC 3261 §18; RFC 7118 for WS). */
export type Transport = "UDP" | "TCP" | "TLS" | "WS" | "WSS" | "SCTP";

/** CapturedMessage is one SIP message on the wire. */
export interface CapturedMessage {
  /** Frame in which the message became complete (Wireshark's frame number for it). */
  frame: number;
  /** Every frame that carried part of it (IP fragments, TCP segments), ascending. */
  frames: number[];
  /** Timestamp of `frame`, ns since the Unix epoch. */
  tsNs: bigint;
  /** Time since the first frame of its capture (Wireshark's frame.time_relative), ns. */
  relNs: bigint;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  transport: Transport;
  ipVersion: 4 | 6;
  /** Index of the input capture, when several are analysed together (0 otherwise). */
  capture: number;
  /** True when the capture holds only part of the message (snaplen cut). */
  truncated?: boolean;
  /** The message bytes (owned copy). */
  bytes: Uint8Array;
  /** Parsed message; null when the bytes are not recognisably SIP. */
  message: SipMessage | null;
  /** Parse issues of this message, offsets relative to `bytes`. */
  issues: Issue[];
  /**
   * For a request read from a TCP stream (SIP, WebSocket or TLS, when read as its bytes went by):
   * whether the receiver's TCP acknowledged it, filled in by later frames (net/tcp-stream.ts).
   */
  tcpAck?: TcpAckWatch;
}

/**
 * ExtractSummary describes one capture once extraction is over: the reader's CaptureSummary
 * (format, frames, span, link types, damage) plus what extraction found.
 */
export interface ExtractSummary extends CaptureSummary {
  /** Display name of the input (path, or "-" for stdin). */
  name: string;
  /** SIP messages extracted, and per transport. */
  sipMessages: number;
  byTransport: Partial<Record<Transport, number>>;
  /** IP datagrams reassembled from fragments; TCP retransmissions dropped. */
  reassembledDatagrams: number;
  tcpRetransmissions: number;
  /** TLS sessions seen (TCP connections that carried TLS; details through ExtractOptions.onTls). */
  tlsSessions: number;
  /** Decoding issues by code (net, framing and SIP parse issues). */
  issues: IssueSummary[];
}

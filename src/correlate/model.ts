/**
 * The correlation model: transactions (RFC 3261 §17), authentication handshakes (RFC 3261 §22,
 * RFC 7616) and registrations (RFC 3261 §10), built from captured messages. Every detector and
 * report reads this. Times are bigint ns internally; the report turns them into ISO strings.
 */
import type { Transport } from "../extract/model.js";
import type { TcpAckWatch } from "../net/tcp-stream.js";

/** Endpoint is an address as seen in the packets. */
export interface Endpoint {
  ip: string;
  port: number;
}

/** ChallengeInfo is a digest challenge as a server sent it. */
export interface ChallengeInfo {
  /** 401 (WWW-Authenticate) or 407 (Proxy-Authenticate). */
  status: number;
  frame: number;
  tsNs: bigint;
  realm?: string;
  nonce?: string;
  algorithm: string;
  /** Shared with other challenges offering the same (util/strings.ts ListPool): read-only. */
  qop: readonly string[];
  stale: boolean;
  opaque?: string;
  /** Every algorithm offered in the response (RFC 8760: several challenges, most preferred first). */
  algorithmsOffered: readonly string[];
}

/** CredentialsInfo is what a client presented (never a password; response is kept for verification). */
export interface CredentialsInfo {
  /** Header it came in: Authorization or Proxy-Authorization. */
  header: string;
  username?: string;
  realm?: string;
  nonce?: string;
  uri?: string;
  /** The digest response (hex). Printed truncated only. */
  response?: string;
  algorithm: string;
  qop?: string;
  nc?: string;
  cnonce?: string;
  opaque?: string;
  userhash: boolean;
}

/** ResponseInfo is one response of a transaction. */
export interface ResponseInfo {
  frame: number;
  tsNs: bigint;
  status: number;
  reason: string;
}

/** Transaction is one SIP transaction as seen at one capture point. */
export interface Transaction {
  /** Matching key (branch + sent-by + method, or the RFC 2543 fallback). */
  key: string;
  capture: number;
  method: string;
  callId: string;
  cseq: number;
  /** Request frames: the first transmission and every retransmission. */
  requestFrames: number[];
  firstTsNs: bigint;
  lastRequestTsNs: bigint;
  retransmissions: number;
  /** Packet source and destination of the request. */
  client: Endpoint;
  server: Endpoint;
  transport: Transport;
  /** What the request claims in its top Via sent-by (NAT evidence). */
  viaSentBy?: string;
  requestUri?: string;
  /** From / To URIs (AOR) and tags. */
  fromUri?: string;
  fromUser?: string;
  fromTag?: string;
  toUri?: string;
  toUser?: string;
  toHost?: string;
  userAgent?: string;
  credentials?: CredentialsInfo;
  /** Provisional responses (bounded); most transactions have none and share one frozen empty list. */
  provisional: readonly ResponseInfo[];
  final?: ResponseInfo;
  /** Retransmissions of the final response. */
  finalRetransmissions: number;
  /** Challenge carried by a 401/407 final response. */
  challenge?: ChallengeInfo;
  /** Server/User-Agent header of the final response. */
  serverAgent?: string;
  /** REGISTER: expiry requested (Expires header or Contact expires) and granted in the 2xx. */
  expiresRequested?: number;
  expiresGranted?: number;
  /** REGISTER: Contact URI of the request. */
  contact?: string;
  /** Response Via received/rport added by the server (RFC 3261 §18.2.1, RFC 3581). */
  received?: string;
  rport?: number;
  /** Frame of the ACK for a non-2xx INVITE final response. */
  ackFrame?: number;
  /** Min-Expires / Retry-After of the final response. */
  minExpires?: number;
  /** Request over a TCP stream: whether the server's TCP acknowledged it (CapturedMessage.tcpAck). */
  tcpAck?: TcpAckWatch;
}

/** HandshakeOutcome is how an authentication handshake ended. */
export type HandshakeOutcome = "success" | "rechallenged" | "stale" | "forbidden" | "not_found" | "other" | "no_response" | "no_retry" | "in_progress";

/** AuthAttempt is one request in a handshake. */
export interface AuthAttempt {
  frame: number;
  tsNs: bigint;
  cseq: number;
  callId: string;
  /** Credentials presented (absent on the first, unauthenticated request). */
  credentials?: CredentialsInfo;
  /** Request-URI of the attempt (compared with the digest uri). */
  requestUri?: string;
  responseFrame?: number;
  status?: number;
  reason?: string;
  /** Challenge in the response, when it was a 401/407. */
  challenge?: ChallengeInfo;
  retransmissions: number;
}

/** Handshake links request → 401/407 → authenticated retries → outcome, for one method and client. */
export interface Handshake {
  id: number;
  capture: number;
  method: string;
  client: Endpoint;
  server: Endpoint;
  transport: Transport;
  /** From AOR of the requests, and the user name presented in credentials. */
  fromUri?: string;
  fromUser?: string;
  username?: string;
  realm?: string;
  callIds: string[];
  /** Attempts in order (bounded; `attemptCount` is the true number). */
  attempts: AuthAttempt[];
  attemptCount: number;
  authenticatedAttempts: number;
  outcome: HandshakeOutcome;
  /** Final status of the last attempt. */
  status?: number;
  firstTsNs: bigint;
  lastTsNs: bigint;
  userAgent?: string;
  serverAgent?: string;
}

/** RegistrationOutcome per issue 4. */
export type RegistrationOutcome = "registered" | "failed" | "timeout" | "in_progress" | "unregistered";

/** RegistrationAttempt is one REGISTER transaction of a registration. */
export interface RegistrationAttempt extends AuthAttempt {
  /** Credentials were presented. */
  authenticated: boolean;
  client: Endpoint;
  expiresRequested?: number;
  expiresGranted?: number;
  contact?: string;
  viaSentBy?: string;
  received?: string;
  rport?: number;
  /** No final response (timeout or capture ended). */
  unanswered: boolean;
  /** Every frame of the transaction (request, retransmissions, responses). */
  frames: number[];
  lastTsNs: bigint;
  /** Over a TCP stream: whether the server's TCP acknowledged the REGISTER (Transaction.tcpAck). */
  tcpAck?: TcpAckWatch;
}

/** Registration groups every REGISTER for one address-of-record from one client host. */
export interface Registration {
  id: number;
  capture: number;
  aor: string;
  user?: string;
  domain?: string;
  /** Realm of the challenges, and the username presented. */
  realm?: string;
  username?: string;
  client: Endpoint;
  server: Endpoint;
  transport: Transport;
  /** Source ports seen, in order of first use (NAT rebinding shows as a change): the first 16. */
  clientPorts: number[];
  /** REGISTERs sent from another source port than the REGISTER before them (every one counted). */
  portChanges: number;
  callIds: string[];
  /**
   * The first and the latest attempts (see REGISTRATION_MAX_ATTEMPTS): `attemptCount` and the
   * counters below cover every attempt.
   */
  attempts: RegistrationAttempt[];
  attemptCount: number;
  authenticatedAttempts: number;
  /** Attempts that got a final response. */
  answeredAttempts: number;
  staleChallenges: number;
  deregistrations: number;
  successes: number;
  /** Seconds between successful refreshes, as observed. */
  refreshIntervalsS: number[];
  outcome: RegistrationOutcome;
  status?: number;
  reason?: string;
  expiresGranted?: number;
  firstTsNs: bigint;
  lastTsNs: bigint;
  userAgent?: string;
  serverAgent?: string;
  contact?: string;
}

/** NonceRecord follows one server nonce (RFC 7616 §3.3, §3.4). */
export interface NonceRecord {
  nonce: string;
  realm?: string;
  issuedFrame: number;
  issuedTsNs: bigint;
  stale: boolean;
  server: Endpoint;
  client: Endpoint;
  /** Frames that used it, with their nc (bounded). */
  uses: { frame: number; nc?: string }[];
  useCount: number;
  /** Frame of the challenge that replaced it for the same client and realm. */
  replacedAtFrame?: number;
  /** Uses after it had been replaced. */
  usesAfterReplacement: number;
  /** nc values that did not increase (replay or client bug). */
  ncRegressions: number;
}

/** TransactionStats are the counts of transactions, kept after details are folded away. */
export interface TransactionStats {
  total: number;
  byMethod: Record<string, number>;
  completed: number;
  /** No final response after Timer F/B (32 s) or with the client giving up. */
  unanswered: number;
  /** No final response, but the capture ended before the timer ran out. */
  openAtEnd: number;
  requestRetransmissions: number;
  responseRetransmissions: number;
  /** Responses that matched no request in the capture (capture started mid-transaction). */
  orphanResponses: number;
  /** Final responses by status class: "1xx".."6xx". */
  byStatusClass: Record<string, number>;
}

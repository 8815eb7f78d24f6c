/**
 * The report model: everything sip401 concluded about one or more captures. `--format json`
 * prints exactly this (with `schemaVersion`); every renderer is a pure function of it. Times are
 * ISO-8601 strings with nanoseconds; no bigint, no Map: it is plain JSON.
 */
import type { TransactionStats } from "../correlate/model.js";
import type { Finding, Severity } from "../detect/model.js";
import type { IssueSummary } from "../util/issue-log.js";

export const SCHEMA_VERSION = 1;

/** ReportCapture describes one input capture. */
export interface ReportCapture {
  /** Index used by evidence `capture` fields. */
  index: number;
  /** Path as given (or "-" for stdin). */
  name: string;
  format: "pcap" | "pcapng";
  gzip: boolean;
  frames: number;
  bytes: number;
  /** First and last frame time. */
  start?: string;
  end?: string;
  durationS: number;
  sipMessages: number;
  /** SIP messages per transport (UDP, TCP, TLS, WS, SCTP). */
  transports: Record<string, number>;
  /** Link types (LINKTYPE_* numbers). */
  linkTypes: number[];
  reassembledDatagrams: number;
  tcpRetransmissions: number;
  /** Decoding issues by code with sample frames. */
  issues: IssueSummary[];
  /** Where a damaged capture stopped; everything before was analysed. */
  damage?: { kind: "truncated" | "corrupt"; byteOffset: number; afterFrame: number; reason: string };
  /** TLS sessions seen (handshakes decoded). */
  tlsSessions?: number;
  /**
   * The files of a capture point made of several (a rotated tcpdump -C/-G set), in time order.
   * Frames are numbered across them as `mergecap -a -w merged.pcap <files>` numbers them.
   */
  files?: ReportCaptureFile[];
}

/** ReportCaptureFile is one file of a capture point made of several. */
export interface ReportCaptureFile {
  name: string;
  /** Number, across the files, of this file's first frame (its frame N is frame firstFrame + N - 1). */
  firstFrame: number;
  frames: number;
  bytes: number;
  start?: string;
  end?: string;
}

/** ReportAttempt is one request of a registration or handshake. */
export interface ReportAttempt {
  frame: number;
  capture: number;
  time: string;
  cseq: number;
  callId: string;
  /** Credentials presented: username, realm, algorithm, qop, nc, nonce (abbreviated), uri; never a password. */
  credentials?: {
    username?: string;
    realm?: string;
    algorithm: string;
    qop?: string;
    nc?: string;
    cnonce?: string;
    nonce?: string;
    uri?: string;
    /** Result of verifying the digest with a password from --credentials: "match", "mismatch" or absent. */
    verified?: "match" | "mismatch";
  };
  requestUri?: string;
  responseFrame?: number;
  status?: number;
  reason?: string;
  /** Challenge of a 401/407 response. */
  challenge?: { realm?: string; nonce?: string; algorithm: string; qop: readonly string[]; stale: boolean };
  retransmissions: number;
  unanswered?: boolean;
  expiresRequested?: number;
  expiresGranted?: number;
  /** Source port used (NAT rebinding shows as a change). */
  clientPort?: number;
}

/** ReportRegistration is one AOR + client host over time. */
export interface ReportRegistration {
  id: number;
  capture: number;
  aor: string;
  user?: string;
  /** Digest username presented, and the challenge realm. */
  username?: string;
  realm?: string;
  /** Client and server as seen in packets, ip:port. */
  client: string;
  server: string;
  transport: string;
  attempts: number;
  authenticatedAttempts: number;
  outcome: "registered" | "failed" | "timeout" | "in_progress" | "unregistered";
  /** Final status of the last attempt. */
  status?: number;
  reason?: string;
  expiresGranted?: number;
  refreshIntervalS?: number;
  staleChallenges: number;
  deregistrations: number;
  sourcePortChanges: number;
  callIds: string[];
  userAgent?: string;
  serverAgent?: string;
  first: string;
  last: string;
  /** Frames of the registration (bounded sample, ascending). */
  frames: number[];
  /** The first attempts and the latest ones, in order (a long history is not listed whole). */
  attemptDetails: ReportAttempt[];
  /** Attempts between the first and the latest ones that are counted in `attempts` but not listed. */
  attemptsNotListed?: number;
}

/** ReportHandshake is one authentication cycle of any method. */
export interface ReportHandshake {
  id: number;
  capture: number;
  method: string;
  client: string;
  server: string;
  transport: string;
  fromUri?: string;
  username?: string;
  realm?: string;
  callIds: string[];
  attempts: number;
  authenticatedAttempts: number;
  outcome: string;
  status?: number;
  first: string;
  last: string;
  /** The first attempts and the latest ones, in order. */
  attemptDetails: ReportAttempt[];
  /** Attempts between the first and the latest ones, counted in `attempts` but not listed. */
  attemptsNotListed?: number;
}

/** ReportNonce is one server nonce's life (RFC 7616 §3.3–3.4): issue, uses, replacement. */
export interface ReportNonce {
  capture: number;
  nonce: string;
  realm?: string;
  /** Frame of the 401/407 that issued it, and when. */
  issuedFrame: number;
  issued: string;
  /** The challenge said stale=true (it replaced an expired nonce). */
  stale: boolean;
  server: string;
  client: string;
  /** Requests that presented it, and the first of them with their nc. */
  useCount: number;
  uses: { frame: number; nc?: string }[];
  /** Frame of the challenge that replaced it for the same client and dialog. */
  replacedAtFrame?: number;
  /** Uses after it had been replaced (a client holding on to old nonces). */
  usesAfterReplacement: number;
  /** Uses whose nc did not increase (replay or client bug). */
  ncRegressions: number;
}

/** LadderStep is one message of a flow, for ladder diagrams. */
export interface LadderStep {
  frame: number;
  capture: number;
  time: string;
  /** Seconds since the flow's first message. */
  offsetS: number;
  /** ip:port. */
  from: string;
  to: string;
  transport: string;
  /** "REGISTER sip:example.test" or "401 Unauthorized". */
  label: string;
  /** Status code of a response. */
  status?: number;
  /** True when this step is evidence of a finding (drawn highlighted). */
  highlight: boolean;
  /** True when this is a retransmission. */
  retransmission: boolean;
}

/** Ladder is the message sequence of one failed or suspicious flow (one Call-ID). */
export interface Ladder {
  callId: string;
  capture: number;
  /** Participants in order of first appearance, ip:port. */
  endpoints: string[];
  steps: LadderStep[];
  /** Steps left out because the flow was longer than the limit. */
  omitted: number;
  /** Codes of the findings this flow is evidence for. */
  findings: string[];
}

/** ReportSummary gives the headline numbers. */
export interface ReportSummary {
  sipMessages: number;
  /** Transaction counts over all capture points (see TransactionStats). */
  transactions: TransactionStats;
  registrations: Record<"registered" | "failed" | "timeout" | "in_progress" | "unregistered", number> & { total: number };
  handshakes: { total: number; byOutcome: Record<string, number> };
  findings: Record<Severity, number>;
  /** Highest severity found, or "none". */
  worst: Severity | "none";
}

/** Report is the whole model. */
export interface Report {
  schemaVersion: typeof SCHEMA_VERSION;
  tool: { name: "sip401"; version: string };
  captures: ReportCapture[];
  summary: ReportSummary;
  /** Findings sorted by severity (error first), then first evidence frame. */
  findings: Finding[];
  registrations: ReportRegistration[];
  /** Authentication handshakes that did not simply succeed, plus successful ones up to a limit. */
  handshakes: ReportHandshake[];
  /** Ladders of failed or suspicious flows (those referenced by findings first). */
  ladders: Ladder[];
  /** Nonce lifecycles: anomalous ones (stale, replaced, reused after replacement, nc going back) first, bounded. */
  nonces: ReportNonce[];
  /** State folded away to stay within memory limits (all 0 for ordinary captures). */
  limits: {
    transactionsEvicted: number;
    registrationsUntracked: number;
    noncesEvicted: number;
    laddersDropped: number;
    handshakesFolded: number;
    /** Nonces not listed in `nonces` (the list is bounded). */
    noncesNotListed: number;
    /** Capture clock leaps of more than a day that the timers ignored. */
    clockJumps: number;
  };
  /** True when --redact masked identities. */
  redacted: boolean;
}

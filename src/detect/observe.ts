/**
 * Observations: evidence that detectors need from individual messages, gathered online while the
 * capture streams by, each kind in a bounded store (counts keep counting past the sample limit).
 */
import type { CapturedMessage } from "../extract/model.js";
import type { Unreachable } from "../net/decoder.js";
import type { TcpConnectFailure } from "../net/tcp-connect.js";
import { formatEndpoint } from "../net/addr.js";
import type { SipMessage } from "../sip/message.js";
import { isPrivateIp, isPublicIp, privateIpsIn } from "../util/ip-class.js";
import { detach } from "../util/strings.js";

const SAMPLES = 50;
const MAX_SOURCES = 10_000;
const MAX_NAMES_PER_SOURCE = 5_000;
const MAX_FINGERPRINTS = 200_000;
/**
 * Servers whose failed TCP connection attempts are gathered, and clients listed per server: a SYN
 * flood from spoofed addresses must not grow them. Beyond, attempts are only counted.
 */
const MAX_CONNECT_SERVERS = 256;
const MAX_CONNECT_CLIENTS = 64;
/** Destination addresses of SIP followed per capture; beyond, every address counts as reached. */
const MAX_DESTINATIONS = 65_536;
/** Failed attempts kept as evidence samples per client. */
const SAMPLES_PER_CLIENT = 4;

/** RFC 3261 §18.1.1: requests over 1300 bytes (or near the path MTU) should use TCP. */
export const UDP_SIZE_LIMIT = 1300;

/** User-Agent fragments of well-known SIP scanners (SIPVicious and its clones, sipcli, sundayddr, ...). */
const SCANNER_AGENTS = /friendly-scanner|sipvicious|sipcli|sip-scan|sipscan|sundayddr|iwar|sivus|vaxsipuseragent|smap|pplsip|voip sip v11\.0\.0/i;

/** MessageRef identifies a message for evidence. */
export interface MessageRef {
  frame: number;
  capture: number;
  tsNs: bigint;
  src: string;
  dst: string;
  transport: string;
  label: string;
  callId?: string;
  cseq?: number;
  method?: string;
}

export interface FragmentSample extends MessageRef {
  frames: number[];
  bytes: number;
}

export interface ContentLengthSample extends MessageRef {
  declared: number;
  actual: number;
  hasSdp: boolean;
}

/** AlgSignal is one single-capture sign of header rewriting. */
export interface AlgSignal extends MessageRef {
  kind: "private_received_from_public_server" | "partial_rewrite" | "private_received_in_request";
  detail: string;
}

/** ClientConnects counts one client's failed TCP connection attempts toward one server. */
export interface ClientConnects {
  client: string;
  /** Attempts (client ports tried) refused with a reset, and never answered. */
  refused: number;
  unanswered: number;
  /** SYNs sent over all attempts. */
  syns: number;
}

/**
 * ConnectFailures gathers the failed TCP connection attempts toward one server address and port:
 * a server that does not take TCP turns every client away alike.
 */
export interface ConnectFailures {
  capture: number;
  server: string;
  serverPort: number;
  ipVersion: 4 | 6;
  /** Totals over all clients, those not listed in `clients` included. */
  refused: number;
  unanswered: number;
  syns: number;
  /** Per client, in order of first failure (at most MAX_CONNECT_CLIENTS). */
  clients: Map<string, ClientConnects>;
  /** Attempts of clients beyond MAX_CONNECT_CLIENTS (also in the totals). */
  unlistedAttempts: number;
  /** The first failed attempts, in capture order. */
  samples: TcpConnectFailure[];
  firstTsNs: bigint;
  lastTsNs: bigint;
}

/** SourceStats profile one request source for scanner detection. */
export interface SourceStats {
  capture: number;
  ip: string;
  requests: number;
  methods: Record<string, number>;
  identities: Set<string>;
  identityCount: number;
  userAgents: Set<string>;
  scannerAgent?: string;
  firstTsNs: bigint;
  lastTsNs: bigint;
  frames: number[];
}

/** Fingerprint is what one capture point saw of one message, for LAN/WAN comparison. */
export interface Fingerprint extends MessageRef {
  fields: Record<string, string>;
}

/** Unreachable errors kept for timeout diagnosis. */
export interface UnreachableRef extends Unreachable {
  capture: number;
}

class Sampled<T> {
  count = 0;
  readonly samples: T[] = [];
  add(x: T): void {
    this.count++;
    if (this.samples.length < SAMPLES) this.samples.push(x);
  }
}

export class Observations {
  readonly fragmented = new Sampled<FragmentSample>();
  readonly largeUdp = new Sampled<FragmentSample>();
  readonly contentLength = new Sampled<ContentLengthSample>();
  /** 400 responses (often the server's answer to a mangled message). */
  readonly badRequests = new Sampled<MessageRef & { reason: string }>();
  readonly alg = new Sampled<AlgSignal>();
  readonly unreachable = new Sampled<UnreachableRef>();
  /** Failed TCP connection attempts to SIP ports, by `capture|server|port`. */
  readonly connectFailures = new Map<string, ConnectFailures>();
  /** Failed attempts toward servers beyond MAX_CONNECT_SERVERS. */
  connectFailuresNotKept = 0;
  /** Request sources by `capture|ip`. */
  readonly sources = new Map<string, SourceStats>();
  /**
   * The same sources by capture, then address: the per-request lookup. The decoder hands out one
   * string per address (net/addr.ts), so no key is built and hashed per request.
   */
  private readonly sourcesByCapture: Map<string, SourceStats>[] = [];
  /** Per message identity (branch, Call-ID, CSeq, kind), what each capture point saw. */
  readonly fingerprints = new Map<string, Fingerprint[]>();
  /** Destination addresses of SIP messages, per capture (see sipSentTo). */
  private readonly destinations: Set<string>[] = [];
  /** Requests seen with CRLF/OPTIONS keep-alive traffic from a client (NAT binding refresh). */
  readonly keepaliveClients = new Set<string>();

  /** The message being observed and its evidence reference, built on first need (most messages need none). */
  private refMessage: CapturedMessage | undefined;
  private refValue: MessageRef | undefined;

  constructor(private readonly multiCapture: boolean) {}

  /** observe looks at one message. */
  observe(m: CapturedMessage): void {
    this.sentTo(m);
    const msg = m.message;
    if (!msg) return;
    if (m.transport === "UDP") {
      if (m.frames.length > 1) this.fragmented.add({ ...this.ref(m, msg), frames: m.frames, bytes: m.bytes.length });
      else if (m.bytes.length > UDP_SIZE_LIMIT && msg.kind === "request") this.largeUdp.add({ ...this.ref(m, msg), frames: m.frames, bytes: m.bytes.length });
    }
    const mismatch = msg.issues.find((i) => i.code === "content_length_mismatch");
    // Stray CRLFs after a body are harmless (RFC 3261 §18.3: bytes past Content-Length are dropped).
    if (mismatch && msg.contentLength !== undefined && !onlyWhitespaceBeyond(msg.body, msg.contentLength)) {
      this.contentLength.add({ ...this.ref(m, msg), declared: msg.contentLength, actual: msg.body.length, hasSdp: msg.mediaType === "application/sdp" });
    }
    if (msg.kind === "response" && msg.status === 400) this.badRequests.add({ ...this.ref(m, msg), reason: msg.reason ?? "" });
    if (msg.kind === "request") {
      this.source(m, msg);
      if (msg.methodUpper === "OPTIONS") this.keepaliveClients.add(`${m.capture}|${m.src}`);
    }
    this.algSignals(m, msg);
    if (this.multiCapture) this.fingerprint(m, msg);
  }

  /** ref returns the evidence reference of the message being observed. */
  private ref(m: CapturedMessage, msg: SipMessage): MessageRef {
    if (this.refMessage !== m || this.refValue === undefined) {
      this.refMessage = m;
      this.refValue = refOf(m, msg);
    }
    return this.refValue;
  }

  /**
   * sipSentTo says whether the capture holds any SIP message addressed to `ip`: when it holds
   * none toward a client whose requests went unanswered, it may have been taken on one direction
   * only. True when unknown (too many addresses to follow).
   */
  sipSentTo(capture: number, ip: string): boolean {
    const set = this.destinations[capture];
    return set === undefined ? false : set.size >= MAX_DESTINATIONS || set.has(ip);
  }

  private sentTo(m: CapturedMessage): void {
    const set = (this.destinations[m.capture] ??= new Set());
    // The decoder hands out one string per address (net/addr.ts): no hashing of a new string.
    if (set.size < MAX_DESTINATIONS) set.add(m.dst);
  }

  /** unreachableSeen records an ICMP error. */
  unreachableSeen(u: Unreachable, capture: number): void {
    this.unreachable.add({ ...u, capture });
  }

  /** connectFailed records a TCP connection attempt refused or never answered. */
  connectFailed(f: TcpConnectFailure, capture: number): void {
    const key = `${capture}|${f.server}|${f.serverPort}`;
    let g = this.connectFailures.get(key);
    if (!g) {
      if (this.connectFailures.size >= MAX_CONNECT_SERVERS) {
        this.connectFailuresNotKept++;
        return;
      }
      g = {
        capture, server: f.server, serverPort: f.serverPort, ipVersion: f.ipVersion, refused: 0, unanswered: 0, syns: 0,
        clients: new Map(), unlistedAttempts: 0, samples: [], firstTsNs: f.firstTsNs, lastTsNs: f.lastTsNs,
      };
      this.connectFailures.set(key, g);
    }
    const refused = f.outcome === "refused" ? 1 : 0;
    g.refused += refused;
    g.unanswered += 1 - refused;
    g.syns += f.syns;
    let c = g.clients.get(f.client);
    if (!c && g.clients.size < MAX_CONNECT_CLIENTS) g.clients.set(f.client, (c = { client: f.client, refused: 0, unanswered: 0, syns: 0 }));
    if (c) {
      c.refused += refused;
      c.unanswered += 1 - refused;
      c.syns += f.syns;
    } else g.unlistedAttempts++;
    // A few per client, so one noisy client (a scanner, left out later) cannot fill the samples.
    if (g.samples.length < SAMPLES && (!c || c.refused + c.unanswered <= SAMPLES_PER_CLIENT)) g.samples.push(f);
    if (f.firstTsNs < g.firstTsNs) g.firstTsNs = f.firstTsNs;
    if (f.lastTsNs > g.lastTsNs) g.lastTsNs = f.lastTsNs;
  }

  private source(m: CapturedMessage, msg: SipMessage): void {
    const byIp = (this.sourcesByCapture[m.capture] ??= new Map());
    let s = byIp.get(m.src);
    if (!s) {
      if (this.sources.size >= MAX_SOURCES) return;
      s = {
        capture: m.capture, ip: m.src, requests: 0, methods: {}, identities: new Set(), identityCount: 0, userAgents: new Set(),
        firstTsNs: m.tsNs, lastTsNs: m.tsNs, frames: [],
      };
      this.sources.set(`${m.capture}|${m.src}`, s);
      byIp.set(m.src, s);
    }
    s.requests++;
    const method = msg.methodUpper ?? "?";
    s.methods[method] = (s.methods[method] ?? 0) + 1;
    if (m.tsNs < s.firstTsNs) s.firstTsNs = m.tsNs;
    if (m.tsNs > s.lastTsNs) s.lastTsNs = m.tsNs;
    if (s.frames.length < SAMPLES) s.frames.push(m.frame);
    // The identity tried: digest username if any, else the From (REGISTER: To) user.
    const id = msg.credentials[0]?.username ?? (method === "REGISTER" ? msg.to?.uri.user : msg.from?.uri.user);
    if (id !== undefined && !s.identities.has(id)) {
      s.identityCount++;
      // Copies: the sets outlive the messages (util/strings.ts).
      if (s.identities.size < MAX_NAMES_PER_SOURCE) s.identities.add(detach(id));
    }
    const ua = msg.userAgent;
    // A User-Agent already in the set was tested when it was added.
    if (ua && !s.userAgents.has(ua)) {
      if (s.userAgents.size < 20) s.userAgents.add(detach(ua));
      if (!s.scannerAgent && SCANNER_AGENTS.test(ua)) s.scannerAgent = detach(ua);
    }
  }

  /**
   * algSignals looks for rewriting that only a middlebox explains: a public server reporting a
   * private `received` (the response was rewritten on its way back), a Via/Contact showing the
   * public source while the Call-ID or SDP still name a private address (partial rewrite), a
   * private `received` in a request from a public source. (SDP o= and c= disagreeing is left out:
   * STUN-aware phones legitimately put their public address in c= only.)
   */
  private algSignals(m: CapturedMessage, msg: SipMessage): void {
    const via = msg.topVia;
    if (msg.kind === "response") {
      if (via?.received && isPrivateIp(via.received) && isPublicIp(m.src) && !isPublicIp(m.dst)) {
        this.alg.add({
          ...this.ref(m, msg), kind: "private_received_from_public_server",
          detail: `response from public server ${m.src} says it saw the request from ${via.received}${typeof via.rport === "number" ? `:${via.rport}` : ""} (a private address): the Via was rewritten on the way back`,
        });
      }
      return;
    }
    if (!via) return;
    if (via.received && isPrivateIp(via.received) && isPublicIp(m.src)) {
      this.alg.add({ ...this.ref(m, msg), kind: "private_received_in_request", detail: `request from public ${m.src} carries Via received=${via.received}: a private address leaked through a rewriting device` });
    }
    const viaIsSource = via.host === m.src && (via.port ?? 5060) === m.srcPort;
    if (!viaIsSource) return;
    const contactHost = msg.contacts[0]?.uri.host;
    if (isPublicIp(m.src) && (contactHost === undefined || contactHost === m.src)) {
      const leftovers: string[] = [];
      for (const ip of privateIpsIn(msg.callId ?? "")) leftovers.push(`Call-ID host ${ip}`);
      const sdp = msg.sdp;
      if (sdp?.origin && isPrivateIp(sdp.origin.address)) leftovers.push(`SDP o= ${sdp.origin.address}`);
      if (sdp?.connection && isPrivateIp(sdp.connection.address)) leftovers.push(`SDP c= ${sdp.connection.address}`);
      if (leftovers.length > 0) {
        this.alg.add({
          ...this.ref(m, msg), kind: "partial_rewrite",
          detail: `Via and Contact show the public source ${formatEndpoint(m.src, m.srcPort)} but ${leftovers.join(", ")} still ${leftovers.length === 1 ? "names" : "name"} the private network: the phone wrote private addresses and something rewrote some of them`,
        });
      }
    }
  }

  private fingerprint(m: CapturedMessage, msg: SipMessage): void {
    const via = msg.topVia;
    const cseq = msg.cseq;
    if (!via?.branch || !cseq) return;
    const kind = msg.kind === "request" ? (msg.methodUpper ?? "") : String(msg.status);
    const key = `${via.branch}|${msg.callId ?? ""}|${cseq.seq}|${cseq.method}|${kind}`;
    let list = this.fingerprints.get(key);
    if (!list) {
      if (this.fingerprints.size >= MAX_FINGERPRINTS) return;
      list = [];
      this.fingerprints.set(key, list);
    }
    if (list.some((f) => f.capture === m.capture)) return; // retransmission at the same point
    const fields: Record<string, string> = {
      "top Via": msg.header("via")?.split(",")[0]?.trim() ?? "",
      Contact: msg.header("contact") ?? "",
      "Content-Length": String(msg.contentLength ?? ""),
      "body length": String(msg.body.length),
    };
    if (msg.kind === "request") fields["Request-URI"] = msg.requestUri ?? "";
    const cr = msg.credentials[0];
    if (cr) fields["digest uri"] = cr.uri ?? "";
    const sdp = msg.sdp;
    if (sdp?.origin) fields["SDP o="] = sdp.origin.address;
    if (sdp?.connection) fields["SDP c="] = sdp.connection.address;
    // Up to MAX_FINGERPRINTS of these live until the end: copies, not views of the message text.
    for (const k of Object.keys(fields)) fields[k] = detach(fields[k]);
    const ref = this.ref(m, msg);
    list.push({ ...ref, label: detach(ref.label), callId: detach(ref.callId), fields });
  }
}

/** onlyWhitespaceBeyond: the body is longer than declared by CR/LF/space only. */
function onlyWhitespaceBeyond(body: Uint8Array, declared: number): boolean {
  if (body.length <= declared) return false;
  for (let i = declared; i < body.length; i++) if (body[i] !== 0x0d && body[i] !== 0x0a && body[i] !== 0x20) return false;
  return true;
}

/** refOf builds the evidence reference of a message. */
export function refOf(m: CapturedMessage, msg: SipMessage): MessageRef {
  return {
    frame: m.frame, capture: m.capture, tsNs: m.tsNs, src: formatEndpoint(m.src, m.srcPort), dst: formatEndpoint(m.dst, m.dstPort),
    transport: m.transport, label: labelOf(msg), callId: msg.callId, cseq: msg.cseq?.seq, method: msg.cseq?.method,
  };
}

/** labelOf renders a start line briefly: "REGISTER sip:example.test" or "401 Unauthorized". */
export function labelOf(msg: SipMessage): string {
  return msg.kind === "request" ? `${msg.method ?? "?"} ${msg.requestUri ?? ""}`.trim() : `${msg.status ?? "?"} ${msg.reason ?? ""}`.trim();
}

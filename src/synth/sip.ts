/**
 * SIP message templates (RFC 3261) with real HTTP Digest credentials (RFC 7616, RFC 2617
 * compatible), for fixtures, benchmarks and fuzz seeds.
 *
 * Messages come out as text with a correct Content-Length (counted in UTF-8 bytes, RFC 3261
 * §20.14) unless deliberately overridden, and with the headers real user agents and
 * registrars send (Via with a `z9hG4bK` branch, Max-Forwards, From/To tags, Call-ID, CSeq,
 * Contact, User-Agent / Server). The Authorization responses are computed from a password
 * with node:crypto, so tests can verify credentials end to end. This module deliberately does
 * not import the project's SIP parser: it is the independent side of those tests.
 */

import { createHash } from "node:crypto";
import { toBytes } from "./bytes.js";
import type { SipIds } from "./random.js";

/** SIP transport tokens as written in Via (RFC 3261 §20.42; SCTP RFC 4168 §5; WS/WSS RFC 7118 §5). */
export type SipTransport = "UDP" | "TCP" | "TLS" | "SCTP" | "WS" | "WSS";

/** One Via header value (RFC 3261 §20.42). */
export interface ViaSpec {
  transport: SipTransport;
  host: string;
  port?: number;
  /** Branch parameter; must start with `z9hG4bK` for RFC 3261 clients. */
  branch: string;
  /** Request symmetric response routing (RFC 3581): `true` writes a bare `;rport`. */
  rport?: boolean | number;
  /** `received` parameter, as a server adds it when the source address differs. */
  received?: string;
}

/** A name-addr (RFC 3261 §25.1): optional display name, URI, tag and other parameters. */
export interface NameAddr {
  display?: string;
  uri: string;
  tag?: string;
}

/** A SIP request. Headers beyond the standard set go in `headers`, in order. */
export interface SipRequestSpec {
  method: string;
  uri: string;
  /** Topmost first. */
  via: ViaSpec | readonly ViaSpec[];
  from: NameAddr;
  to: NameAddr;
  callId: string;
  cseq: number;
  /** Default 70 (RFC 3261 §8.1.1.6). */
  maxForwards?: number;
  /** Full Contact header value, e.g. `<sip:alice@198.51.100.20:5060>`. */
  contact?: string;
  userAgent?: string;
  headers?: readonly (readonly [string, string])[];
  body?: string;
  /** Content-Type of the body (default `application/sdp` when a body is present). */
  contentType?: string;
  /** Overrides the computed Content-Length (to build broken messages). */
  contentLength?: number;
}

/** A response to `request`; Via, From, To, Call-ID and CSeq are copied (RFC 3261 §8.2.6.2). */
export interface SipResponseSpec {
  request: SipRequestSpec;
  status: number;
  /** Reason phrase (default from {@link SIP_REASONS}). */
  reason?: string;
  /** To tag added by the UAS; required on all but 100 Trying in practice. */
  toTag?: string;
  contact?: string;
  server?: string;
  headers?: readonly (readonly [string, string])[];
  body?: string;
  contentType?: string;
  contentLength?: number;
}

/** Default reason phrases (RFC 3261 §21). */
export const SIP_REASONS: Readonly<Record<number, string>> = {
  100: "Trying",
  180: "Ringing",
  183: "Session Progress",
  200: "OK",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  407: "Proxy Authentication Required",
  408: "Request Timeout",
  423: "Interval Too Brief",
  480: "Temporarily Unavailable",
  481: "Call/Transaction Does Not Exist",
  486: "Busy Here",
  487: "Request Terminated",
  500: "Server Internal Error",
  503: "Service Unavailable",
};

/** `host:port`, bracketing IPv6 literals (RFC 3261 §25.1 IPv6reference). */
export function hostPort(host: string, port?: number): string {
  const h = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return port === undefined ? h : `${h}:${port}`;
}

/** Formats a Via header value. */
export function formatVia(v: ViaSpec): string {
  let s = `SIP/2.0/${v.transport} ${hostPort(v.host, v.port)};branch=${v.branch}`;
  if (v.received !== undefined) s += `;received=${v.received}`;
  if (v.rport === true) s += ";rport";
  else if (typeof v.rport === "number") s += `;rport=${v.rport}`;
  return s;
}

/** Formats a name-addr. */
export function formatNameAddr(n: NameAddr): string {
  const display = n.display !== undefined ? `"${n.display}" ` : "";
  return `${display}<${n.uri}>${n.tag !== undefined ? `;tag=${n.tag}` : ""}`;
}

function contentLengthOf(body: string): number {
  return toBytes(body).length;
}

/** Assembles start line, headers, Content-Type/Content-Length and body with CRLFs. */
function assemble(
  startLine: string,
  headers: readonly (readonly [string, string])[],
  body: string | undefined,
  contentType: string | undefined,
  contentLength: number | undefined,
): string {
  const lines = [startLine, ...headers.map(([k, v]) => `${k}: ${v}`)];
  const text = body ?? "";
  if (text.length > 0) lines.push(`Content-Type: ${contentType ?? "application/sdp"}`);
  lines.push(`Content-Length: ${contentLength ?? contentLengthOf(text)}`);
  return `${lines.join("\r\n")}\r\n\r\n${text}`;
}

function vias(spec: SipRequestSpec): readonly ViaSpec[] {
  return Array.isArray(spec.via) ? (spec.via as readonly ViaSpec[]) : [spec.via as ViaSpec];
}

/** Formats a request. */
export function sipRequest(spec: SipRequestSpec): string {
  const headers: [string, string][] = vias(spec).map((v) => ["Via", formatVia(v)]);
  headers.push(["Max-Forwards", String(spec.maxForwards ?? 70)]);
  headers.push(["From", formatNameAddr(spec.from)]);
  headers.push(["To", formatNameAddr(spec.to)]);
  headers.push(["Call-ID", spec.callId]);
  headers.push(["CSeq", `${spec.cseq} ${spec.method}`]);
  if (spec.contact !== undefined) headers.push(["Contact", spec.contact]);
  headers.push(...(spec.headers ?? []).map(([k, v]) => [k, v] as [string, string]));
  if (spec.userAgent !== undefined) headers.push(["User-Agent", spec.userAgent]);
  return assemble(`${spec.method} ${spec.uri} SIP/2.0`, headers, spec.body, spec.contentType, spec.contentLength);
}

/**
 * Formats a response. A bare `;rport` in the top Via is filled with the Via port, as a server
 * that received the request from the advertised address does (RFC 3581 §4).
 */
export function sipResponse(spec: SipResponseSpec): string {
  const req = spec.request;
  const headers: [string, string][] = vias(req).map((v, i) => [
    "Via",
    formatVia(i === 0 && v.rport === true ? { ...v, rport: v.port ?? 5060 } : v),
  ]);
  headers.push(["From", formatNameAddr(req.from)]);
  headers.push(["To", formatNameAddr({ ...req.to, tag: req.to.tag ?? spec.toTag })]);
  headers.push(["Call-ID", req.callId]);
  headers.push(["CSeq", `${req.cseq} ${req.method}`]);
  if (spec.contact !== undefined) headers.push(["Contact", spec.contact]);
  headers.push(...(spec.headers ?? []).map(([k, v]) => [k, v] as [string, string]));
  if (spec.server !== undefined) headers.push(["Server", spec.server]);
  const reason = spec.reason ?? SIP_REASONS[spec.status] ?? "Unknown";
  return assemble(`SIP/2.0 ${spec.status} ${reason}`, headers, spec.body, spec.contentType, spec.contentLength);
}

// ---------------------------------------------------------------------------------------
// HTTP Digest (RFC 7616 §3.4; RFC 2617 §3.2.2 for the MD5 forms SIP inherits, RFC 3261 §22.4)

/** Digest algorithms (RFC 7616 §3.3; `-sess` variants per §3.4.2). */
export type DigestAlgorithm = "MD5" | "MD5-sess" | "SHA-256" | "SHA-256-sess";

/** Lowercase hex MD5 of the UTF-8 bytes of `s`. */
export function md5Hex(s: string | Uint8Array): string {
  return createHash("md5").update(toBytes(s)).digest("hex");
}

/** Lowercase hex SHA-256 of the UTF-8 bytes of `s`. */
export function sha256Hex(s: string | Uint8Array): string {
  return createHash("sha256").update(toBytes(s)).digest("hex");
}

/** Inputs of {@link digestResponse}. */
export interface DigestInput {
  username: string;
  realm: string;
  password: string;
  /** Request method (A2 uses it; ACK/CANCEL reuse the INVITE's credentials in SIP). */
  method: string;
  /** The `uri` parameter: the Request-URI as sent (RFC 3261 §22.4). */
  uri: string;
  nonce: string;
  /** `auth`, `auth-int`, or absent for the RFC 2069 compatible form. */
  qop?: "auth" | "auth-int";
  /** Nonce count (1-based); written as 8 hex digits. Default 1. */
  nc?: number;
  /** Client nonce; required with qop or -sess algorithms. */
  cnonce?: string;
  algorithm?: DigestAlgorithm;
  /** Message body, for qop=auth-int (H(entity-body) enters A2). */
  body?: string;
}

/** The nonce count as sent: 8 lowercase hex digits (RFC 7616 §3.4). */
export function formatNonceCount(nc: number): string {
  return nc.toString(16).padStart(8, "0");
}

/**
 * Computes the `response` parameter (RFC 7616 §3.4.1):
 * with qop, `KD(H(A1), nonce:nc:cnonce:qop:H(A2))`; without, `KD(H(A1), nonce:H(A2))`,
 * where `A1 = user:realm:password` (for -sess: `H(user:realm:password):nonce:cnonce`) and
 * `A2 = method:uri` (for auth-int: `method:uri:H(body)`).
 */
export function digestResponse(d: DigestInput): string {
  const algorithm = d.algorithm ?? "MD5";
  const H = algorithm.startsWith("SHA-256") ? sha256Hex : md5Hex;
  let ha1 = H(`${d.username}:${d.realm}:${d.password}`);
  if (algorithm.endsWith("-sess")) {
    if (d.cnonce === undefined) throw new Error("-sess algorithms need a cnonce");
    ha1 = H(`${ha1}:${d.nonce}:${d.cnonce}`);
  }
  const a2 = d.qop === "auth-int" ? `${d.method}:${d.uri}:${H(d.body ?? "")}` : `${d.method}:${d.uri}`;
  const ha2 = H(a2);
  if (d.qop === undefined) return H(`${ha1}:${d.nonce}:${ha2}`);
  if (d.cnonce === undefined) throw new Error("qop needs a cnonce");
  return H(`${ha1}:${d.nonce}:${formatNonceCount(d.nc ?? 1)}:${d.cnonce}:${d.qop}:${ha2}`);
}

/** A challenge for WWW-Authenticate (401) or Proxy-Authenticate (407). */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  /** The qop-options value, e.g. `auth` or `auth,auth-int` (quoted on the wire). */
  qop?: string;
  algorithm?: DigestAlgorithm;
  opaque?: string;
  /** RFC 7616 §3.3: the nonce was valid but expired; retry without asking the user. */
  stale?: boolean;
  domain?: string;
}

/** Formats a challenge header value: `Digest realm="…", nonce="…", qop="auth"…`. */
export function digestChallenge(c: DigestChallenge): string {
  const parts = [`realm="${c.realm}"`];
  if (c.domain !== undefined) parts.push(`domain="${c.domain}"`);
  parts.push(`nonce="${c.nonce}"`);
  if (c.opaque !== undefined) parts.push(`opaque="${c.opaque}"`);
  if (c.stale) parts.push("stale=true");
  if (c.algorithm !== undefined) parts.push(`algorithm=${c.algorithm}`);
  if (c.qop !== undefined) parts.push(`qop="${c.qop}"`);
  return `Digest ${parts.join(", ")}`;
}

/** Inputs of {@link digestCredentials}: the response inputs plus echoed challenge fields. */
export interface DigestCredentialsInput extends DigestInput {
  opaque?: string;
  /** Write `algorithm=` even for the default MD5 (most UAs do). Default true. */
  writeAlgorithm?: boolean;
}

/**
 * Formats an Authorization / Proxy-Authorization value with a real `response` (RFC 7616
 * §3.4; qop and nc unquoted, RFC 7616 §3.4 grammar).
 */
export function digestCredentials(d: DigestCredentialsInput): string {
  const parts = [
    `username="${d.username}"`,
    `realm="${d.realm}"`,
    `nonce="${d.nonce}"`,
    `uri="${d.uri}"`,
    `response="${digestResponse(d)}"`,
  ];
  if (d.writeAlgorithm ?? true) parts.push(`algorithm=${d.algorithm ?? "MD5"}`);
  if (d.opaque !== undefined) parts.push(`opaque="${d.opaque}"`);
  if (d.qop !== undefined) {
    parts.push(`cnonce="${d.cnonce ?? ""}"`, `qop=${d.qop}`, `nc=${formatNonceCount(d.nc ?? 1)}`);
  }
  return `Digest ${parts.join(", ")}`;
}

// ---------------------------------------------------------------------------------------
// SDP (RFC 8866) for INVITE bodies

/** A payload type of the audio m-line. */
export interface SdpCodec {
  pt: number;
  name: string;
  rate: number;
}

/** Options of {@link sdpOffer}. */
export interface SdpOptions {
  username?: string;
  sessionId: number;
  ip: string;
  audioPort: number;
  /** Session name (s=); may be non-ASCII UTF-8, which makes Content-Length differ from char count. */
  sessionName?: string;
  codecs?: readonly SdpCodec[];
  /** Extra media-level a= lines (without `a=`), e.g. ICE candidates to make the body large. */
  extraAttributes?: readonly string[];
}

const DEFAULT_CODECS: readonly SdpCodec[] = [
  { pt: 0, name: "PCMU", rate: 8000 },
  { pt: 8, name: "PCMA", rate: 8000 },
  { pt: 101, name: "telephone-event", rate: 8000 },
];

/** Builds an audio SDP offer with CRLF line endings. */
export function sdpOffer(o: SdpOptions): string {
  const ip4 = o.ip.includes(":") ? "IP6" : "IP4";
  const codecs = o.codecs ?? DEFAULT_CODECS;
  const lines = [
    "v=0",
    `o=${o.username ?? "-"} ${o.sessionId} ${o.sessionId} IN ${ip4} ${o.ip}`,
    `s=${o.sessionName ?? "-"}`,
    `c=IN ${ip4} ${o.ip}`,
    "t=0 0",
    `m=audio ${o.audioPort} RTP/AVP ${codecs.map((c) => c.pt).join(" ")}`,
    ...codecs.map((c) => `a=rtpmap:${c.pt} ${c.name}/${c.rate}`),
    ...(codecs.some((c) => c.name === "telephone-event") ? ["a=fmtp:101 0-16"] : []),
    "a=ptime:20",
    ...(o.extraAttributes ?? []).map((a) => `a=${a}`),
    "a=sendrecv",
  ];
  return `${lines.join("\r\n")}\r\n`;
}

// ---------------------------------------------------------------------------------------
// Whole exchanges

/** A SIP user agent taking part in a flow. */
export interface SipAgent {
  user: string;
  domain: string;
  ip: string;
  port: number;
  transport: SipTransport;
  displayName?: string;
  userAgent?: string;
}

/** A server (registrar or proxy) taking part in a flow. */
export interface SipServer {
  ip: string;
  port: number;
  /** Server header value (default `sip401-synth registrar`). */
  server?: string;
}

/** One message of a flow, with the facts a manifest needs about it. */
export interface SipFlowMessage {
  /** Sender: the user agent (`client`) or the server. */
  from: "client" | "server";
  text: string;
  /** Request method, for requests. */
  method?: string;
  /** Status code, for responses. */
  status?: number;
  callId: string;
  /** CSeq header value, e.g. `2 REGISTER`. */
  cseq: string;
}

function agentContact(a: SipAgent, params = ""): string {
  return `<sip:${a.user}@${hostPort(a.ip, a.port)};transport=${a.transport.toLowerCase()}>${params}`;
}

function flowMessage(from: "client" | "server", text: string, req: SipRequestSpec, status?: number): SipFlowMessage {
  return status === undefined
    ? { from, text, method: req.method, callId: req.callId, cseq: `${req.cseq} ${req.method}` }
    : { from, text, status, callId: req.callId, cseq: `${req.cseq} ${req.method}` };
}

/** Options of {@link registrationFlow}. */
export interface RegistrationFlowOptions {
  agent: SipAgent;
  registrar: SipServer;
  ids: SipIds;
  /** Password used to compute the Authorization response. */
  password: string;
  /** Realm of the challenge (default the agent's domain). */
  realm?: string;
  /** Requested binding lifetime (default 3600); the 200 OK grants `grantedExpires`. */
  expires?: number;
  /** Expires granted in the 200 OK Contact (default 300, the lab registrar's maximum). */
  grantedExpires?: number;
  /** Final status after the authenticated REGISTER (default 200). */
  finalStatus?: number;
  /** qop offered and used (default `auth`; null for the RFC 2069 form). */
  qop?: "auth" | null;
  algorithm?: DigestAlgorithm;
  /** Mark the challenge stale=true (as after an expired nonce). */
  stale?: boolean;
  /** First CSeq number (default 1). */
  firstCseq?: number;
  /** Reuse a Call-ID (e.g. for a refresh); default a new one from `ids`. */
  callId?: string;
  /** Reuse a From tag (a refresh keeps it); default a new one from `ids`. */
  fromTag?: string;
}

/**
 * REGISTER → 401 (WWW-Authenticate) → REGISTER with Authorization → final response, the way
 * RFC 3261 §10.2 + §22.2 clients do it: same Call-ID and From tag, CSeq incremented, new
 * branch for the new transaction.
 */
export function registrationFlow(o: RegistrationFlowOptions): SipFlowMessage[] {
  const { agent, registrar, ids } = o;
  const realm = o.realm ?? agent.domain;
  const aor = `sip:${agent.user}@${agent.domain}`;
  const callId = o.callId ?? ids.callId(agent.ip.includes(":") ? `[${agent.ip}]` : agent.ip);
  const fromTag = o.fromTag ?? ids.tag();
  const firstCseq = o.firstCseq ?? 1;
  const server = registrar.server ?? "sip401-synth registrar";
  const qop = o.qop === null ? undefined : (o.qop ?? "auth");
  const register = (cseq: number, extra: [string, string][]): SipRequestSpec => ({
    method: "REGISTER",
    uri: `sip:${agent.domain}`,
    via: { transport: agent.transport, host: agent.ip, port: agent.port, branch: ids.branch(), rport: true },
    from: { display: agent.displayName, uri: aor, tag: fromTag },
    to: { display: agent.displayName, uri: aor },
    callId,
    cseq,
    contact: agentContact(agent),
    userAgent: agent.userAgent,
    headers: [["Expires", String(o.expires ?? 3600)], ["Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY"], ...extra],
  });
  const nonce = ids.nonce();
  const challenge = digestChallenge({ realm, nonce, qop, algorithm: o.algorithm, stale: o.stale });
  const first = register(firstCseq, []);
  const second = register(firstCseq + 1, [
    [
      "Authorization",
      digestCredentials({
        username: agent.user,
        realm,
        password: o.password,
        method: "REGISTER",
        uri: first.uri,
        nonce,
        qop,
        nc: 1,
        cnonce: qop ? ids.cnonce() : undefined,
        algorithm: o.algorithm,
      }),
    ],
  ]);
  const finalStatus = o.finalStatus ?? 200;
  const finalHeaders: [string, string][] = [];
  if (finalStatus === 401) finalHeaders.push(["WWW-Authenticate", digestChallenge({ realm, nonce: ids.nonce(), qop, algorithm: o.algorithm })]);
  return [
    flowMessage("client", sipRequest(first), first),
    flowMessage(
      "server",
      sipResponse({ request: first, status: 401, toTag: ids.tag(), server, headers: [["WWW-Authenticate", challenge]] }),
      first,
      401,
    ),
    flowMessage("client", sipRequest(second), second),
    flowMessage(
      "server",
      sipResponse({
        request: second,
        status: finalStatus,
        toTag: ids.tag(),
        server,
        contact: finalStatus === 200 ? agentContact(agent, `;expires=${o.grantedExpires ?? 300}`) : undefined,
        headers: finalHeaders,
      }),
      second,
      finalStatus,
    ),
  ];
}

/** Options of {@link inviteFlow}. */
export interface InviteFlowOptions {
  caller: SipAgent;
  /** User part of the callee; the Request-URI is `sip:callee@caller.domain`. */
  callee: string;
  proxy: SipServer;
  ids: SipIds;
  password: string;
  realm?: string;
  /** SDP a= lines added to make the INVITE large (e.g. to force IP fragmentation). */
  sdpExtraAttributes?: readonly string[];
  sdpSessionName?: string;
  audioPort?: number;
}

/**
 * INVITE → 407 (Proxy-Authenticate) → ACK → INVITE with Proxy-Authorization → 100 Trying →
 * 180 Ringing → 200 OK → ACK → BYE → 200 OK. The ACK for the 407 reuses the INVITE's branch
 * and CSeq number (RFC 3261 §17.1.1.3); the ACK for the 2xx is a new transaction.
 */
export function inviteFlow(o: InviteFlowOptions): SipFlowMessage[] {
  const { caller, proxy, ids } = o;
  const realm = o.realm ?? caller.domain;
  const server = proxy.server ?? "sip401-synth proxy";
  const callId = ids.callId(caller.ip.includes(":") ? `[${caller.ip}]` : caller.ip);
  const fromTag = ids.tag();
  const uri = `sip:${o.callee}@${caller.domain}`;
  const sdp = sdpOffer({
    username: caller.user,
    sessionId: 1000 + ids.random.int(9000),
    ip: caller.ip,
    audioPort: o.audioPort ?? 40000,
    sessionName: o.sdpSessionName,
    extraAttributes: o.sdpExtraAttributes,
  });
  const base = (method: string, cseq: number, branch: string, extra: [string, string][] = [], body?: string): SipRequestSpec => ({
    method,
    uri,
    via: { transport: caller.transport, host: caller.ip, port: caller.port, branch, rport: true },
    from: { display: caller.displayName, uri: `sip:${caller.user}@${caller.domain}`, tag: fromTag },
    to: { uri },
    callId,
    cseq,
    contact: method === "INVITE" ? agentContact(caller) : undefined,
    userAgent: caller.userAgent,
    headers: extra,
    body,
  });
  const nonce = ids.nonce();
  const invite1 = base("INVITE", 1, ids.branch(), [["Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS"]], sdp);
  const proxyTag = ids.tag();
  const ack1: SipRequestSpec = { ...base("ACK", 1, (invite1.via as ViaSpec).branch), to: { uri, tag: proxyTag } };
  const auth = digestCredentials({
    username: caller.user,
    realm,
    password: o.password,
    method: "INVITE",
    uri,
    nonce,
    qop: "auth",
    nc: 1,
    cnonce: ids.cnonce(),
  });
  const invite2 = base("INVITE", 2, ids.branch(), [["Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS"], ["Proxy-Authorization", auth]], sdp);
  const calleeTag = ids.tag();
  const answer = sdpOffer({ sessionId: 4242, ip: proxy.ip, audioPort: 30000 });
  const confirmed = { uri, tag: calleeTag };
  // In-dialog requests go to the remote target learnt from the 2xx Contact (RFC 3261 §12.2.1.1).
  const remoteTarget = `sip:${o.callee}@${hostPort(proxy.ip, proxy.port)}`;
  const remoteContact = `<${remoteTarget}>`;
  const ack2: SipRequestSpec = { ...base("ACK", 2, ids.branch()), uri: remoteTarget, to: confirmed };
  const bye: SipRequestSpec = { ...base("BYE", 3, ids.branch()), uri: remoteTarget, to: confirmed };
  return [
    flowMessage("client", sipRequest(invite1), invite1),
    flowMessage(
      "server",
      sipResponse({
        request: invite1,
        status: 407,
        toTag: proxyTag,
        server,
        headers: [["Proxy-Authenticate", digestChallenge({ realm, nonce, qop: "auth" })]],
      }),
      invite1,
      407,
    ),
    flowMessage("client", sipRequest(ack1), ack1),
    flowMessage("client", sipRequest(invite2), invite2),
    flowMessage("server", sipResponse({ request: invite2, status: 100, server }), invite2, 100),
    flowMessage("server", sipResponse({ request: invite2, status: 180, toTag: calleeTag, server, contact: remoteContact }), invite2, 180),
    flowMessage(
      "server",
      sipResponse({ request: invite2, status: 200, toTag: calleeTag, server, contact: remoteContact, body: answer }),
      invite2,
      200,
    ),
    flowMessage("client", sipRequest(ack2), ack2),
    flowMessage("client", sipRequest(bye), bye),
    flowMessage("server", sipResponse({ request: bye, status: 200, server }), bye, 200),
  ];
}

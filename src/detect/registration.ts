/**
 * Registration-level diagnosis: timeouts (RFC 3261 §17.1.2.2 retransmissions with no answer, and
 * whether ICMP came back), rejections for reasons other than credentials, and NAT (RFC 3581
 * rport / received) with the binding-lifetime risk, told apart from a client on the capture host
 * itself that advertises another of its addresses.
 */
import type { Endpoint, Registration, RegistrationAttempt, Transaction } from "../correlate/model.js";
import type { Transport } from "../extract/model.js";
import type { TcpAckWatch } from "../net/tcp-stream.js";
import { isLoopback, isPrivateIp } from "../util/ip-class.js";
import { callIdFilter, ep, finding, seconds, short, splitHostPort, withFrames, type DetectContext } from "./context.js";
import type { Evidence, Finding } from "./model.js";
import type { UnreachableRef } from "./observe.js";

/** Typical NAT UDP mapping lifetimes are 30–180 s (RFC 4787 REQ-5 asks for at least 2 minutes). */
const NAT_UDP_BINDING_S = 120;

export function detectRegistrations(ctx: DetectContext, scannerSources: Set<string>): Finding[] {
  const out: Finding[] = [];
  for (const c of ctx.correlations) {
    for (const reg of c.registrations) {
      if (scannerSources.has(`${reg.capture}|${reg.client.ip}`)) continue;
      if (reg.outcome === "timeout") out.push(timeout(ctx, reg));
      else if (reg.outcome === "failed") {
        const r = rejectedOtherwise(reg);
        if (r) out.push(r);
      }
      const n = nat(ctx, reg);
      if (n) out.push(n);
    }
  }
  for (const tx of ctx.unansweredRequests) out.push(requestTimeout(ctx, tx));
  return out;
}

function icmpFor(ctx: DetectContext, capture: number, client: { ip: string; port: number }, server: { ip: string; port: number }): UnreachableRef[] {
  return ctx.observations.unreachable.samples.filter(
    (u) => u.capture === capture && u.src === client.ip && u.dst === server.ip && u.dstPort === server.port,
  );
}

/** schedule describes how many times a request went out and over how long. */
function schedule(_a: RegistrationAttempt | Transaction, firstNs: bigint, lastNs: bigint, count: number): string {
  return `${count} transmission${count === 1 ? "" : "s"} over ${seconds(lastNs - firstNs)} s`;
}

function timeout(ctx: DetectContext, reg: Registration): Finding {
  const a = reg.attempts[reg.attempts.length - 1];
  // The REGISTERs that went unanswered at the end, one after the other: an answer between two
  // silences shows the server was reachable then, so earlier silences are another story.
  let start = reg.attempts.length;
  while (start > 0 && reg.attempts[start - 1].unanswered) start--;
  const silent = reg.attempts.slice(start);
  const sends = silent.length > 1 ? silent.reduce((n, x) => n + x.retransmissions + 1, 0) : a.retransmissions + 1;
  const firstSilent = silent[0] ?? a;
  const icmp = icmpFor(ctx, reg.capture, a.client, reg.server);
  const evidence: Evidence[] =
    silent.length > 1
      ? silent.slice(0, 10).map((x) => ({ frame: x.frame, capture: reg.capture, text: `REGISTER (CSeq ${x.cseq}, Call-ID ${short(x.callId, 20)})${x.retransmissions > 0 ? ` sent ${x.retransmissions + 1} times` : ""}, never answered` }))
      : a.frames.map((f, i) => ({
          frame: f, capture: reg.capture,
          text: i === 0 ? `REGISTER ${a.requestUri ?? ""} to ${ep(reg.server)} (CSeq ${a.cseq})` : `retransmission ${i} of the same REGISTER (same branch), no response yet`,
        }));
  for (const u of icmp.slice(0, 3)) evidence.push({ frame: u.frame, capture: u.capture, text: `ICMP ${u.codeName} from ${u.reporter}` });
  const tcp = tcpDelivery(a.tcpAck, a.tsNs, "REGISTER", reg.server, reg.capture);
  evidence.push(...tcp.evidence);
  const answeredBefore = reg.answeredAttempts > 0;
  const callIds = [...new Set(silent.map((x) => x.callId))].slice(0, 8);
  // Over a reliable transport the request goes out once (RFC 3261 §17.1.1.2), so its count says nothing.
  const sentSummary = reliable(reg.transport)
    ? (silent.length > 1 ? `${silent.length} REGISTERs over ${seconds(a.lastTsNs - firstSilent.tsNs)} s, ` : "")
    : `${silent.length > 1 ? `${silent.length} REGISTERs, ` : ""}${schedule(a, firstSilent.tsNs, a.lastTsNs, sends)}, `;
  return finding("registration_timeout", {
    title: `Registration of ${reg.aor} timed out: ${sentSummary}no response from ${ep(reg.server)}${reliable(reg.transport) ? ` over ${reg.transport}` : ""}`,
    subject: { aor: reg.aor, user: reg.user, client: ep(a.client), server: ep(reg.server), callId: a.callId },
    evidence,
    filter: withFrames(callIdFilter(callIds), tcp.evidence),
    explanation:
      `The client sent REGISTER to ${ep(reg.server)} over ${reg.transport}` +
      (sends > 1 && !reliable(reg.transport) ? ` and retransmitted it ${sends - 1} times on the RFC 3261 timer schedule (T1 doubling up to T2)` : "") +
      ` without any response — not even 100 Trying. This is not an authentication problem: the request never got an answer. ` +
      (icmp.length > 0
        ? `ICMP "${icmp[0].codeName}" came back from ${icmp[0].reporter}: nothing listens on ${ep(reg.server)}, or a firewall rejects it.`
        : reliable(reg.transport)
          ? `Over ${reg.transport} SIP sends a request once and leaves retransmission to the transport (RFC 3261 §17.1.1.2). ${tcp.text}`
          : ctx.observations.sipSentTo(reg.capture, a.client.ip)
            ? "No ICMP error came back either, so the packets are silently dropped: a firewall, a wrong registrar address or port, a routing problem, or a registrar that is down behind a filter."
            : `No ICMP error came back either. Either the packets are silently dropped (a firewall, a wrong registrar address or port, a routing problem, or a registrar that is down behind a filter), or ${oneWay(a.client)}`) +
      (answeredBefore ? " Earlier REGISTERs of this client were answered, so the path or the server failed during the capture." : ""),
    fix: tcp.closed
      ? [closedFix(a.client, a.callId)]
      : tcp.acked
        ? [
            `Read the registrar's log for Call-ID ${a.callId}: it received the REGISTER and did not answer — overloaded or hung, or a rate limit, ACL or flood protection that drops requests silently.`,
            `If the registrar answers over a new connection (RFC 3261 §18.2.2), capture there too and check that ${ep(a.client)} accepts it.`,
          ]
        : [
            `Check that the registrar address and port configured in the phone (${ep(reg.server)}) are right (DNS SRV/NAPTR result, outbound proxy).`,
            `Check firewalls on the path for ${reg.transport} ${reg.server.port} toward ${reg.server.ip}, and that the registrar is running and listening there.`,
            ...(reg.transport === "UDP" ? ["Try TCP: if it works, UDP is filtered or large UDP datagrams are dropped."] : []),
          ],
  });
}

/**
 * oneWay is the other reading of silence when the capture holds no SIP message toward the client
 * at all: a capture taken on one direction (`tcpdump dst port 5060`, a mirror of transmitted
 * traffic only) looks exactly like a server that never answers.
 */
function oneWay(client: Endpoint): string {
  return `the capture was taken on one direction only: it holds no SIP message toward ${client.ip} at all (a filter such as "dst port 5060", or a mirror of transmitted traffic, leaves the answers out). Capture both directions to tell.`;
}

/** reliable: a transport on which SIP sends each request once (Timer A is for unreliable ones only, RFC 3261 §17.1.1.2). */
function reliable(t: Transport): boolean {
  return t !== "UDP";
}

/** TcpDelivery is what the server's TCP told about an unanswered request, as text and evidence. */
interface TcpDelivery {
  /** True when acknowledged, false when not, undefined when unknown or not over a TCP stream. */
  acked?: boolean;
  /** The server ended the connection before answering. */
  closed?: "fin" | "reset";
  evidence: Evidence[];
  text: string;
}

/**
 * tcpDelivery reads a request's TcpAckWatch: an acknowledgement from the server's TCP (RFC 9293
 * §3.4) proves the request reached the server host, which moves the fault from the network to
 * the SIP server; a FIN or reset from the server before any answer says it turned the
 * connection away.
 */
function tcpDelivery(watch: TcpAckWatch | undefined, sentNs: bigint, what: string, server: Endpoint, capture: number): TcpDelivery {
  const closed = watch?.closedBy || undefined;
  const ended = closed === "reset" ? "reset" : "closed";
  const closing: Evidence[] = closed && watch ? [{ frame: watch.closedFrame, capture, text: `${closed === "reset" ? "reset (RST)" : "FIN"} from ${server.ip}: the server ended the connection without answering` }] : [];
  if (watch?.state === "acked") {
    const delay = watch.tsNs - sentNs;
    const after = delay < 1_000_000n ? "within a millisecond" : `${seconds(delay)} s after it was sent`;
    return {
      acked: true,
      closed,
      evidence: [{ frame: watch.frame, capture, text: `TCP acknowledgement from ${server.ip}: the ${what} reached the server host (${after})` }, ...closing],
      text:
        `The server's TCP acknowledged the ${what} in frame ${watch.frame}, ${after}: it reached ${server.ip}, ` +
        (closed
          ? `and then the server ${ended} the connection (frame ${watch.closedFrame}) without answering: the SIP server turned the connection away (a connection limit, a transport or TLS policy, an ACL) or its process ended.`
          : "and the SIP server did not answer it."),
    };
  }
  if (watch?.state === "waiting") {
    return {
      acked: false,
      closed,
      evidence: closing,
      text: closed
        ? `The server ${ended} the connection (frame ${watch.closedFrame}) without acknowledging the ${what}: it did not take the request.`
        : `The server's TCP never acknowledged the ${what} in the capture: its bytes did not reach ${server.ip} (a connection broken on the path, e.g. by a firewall or NAT that dropped its state), or the capture does not see packets from the server.`,
    };
  }
  return { evidence: [], text: `Whether it reached ${server.ip} the capture does not show; the server's log for this Call-ID does.` };
}

/** closedFix is the first step when the server ended the connection instead of answering. */
function closedFix(client: Endpoint, callId: string): string {
  return `Read the server's log for Call-ID ${callId} and for why it ended the connection from ${ep(client)} without answering (connection limits, transport or TLS policy, an ACL, a crash).`;
}

function rejectedOtherwise(reg: Registration): Finding | undefined {
  const a = reg.attempts[reg.attempts.length - 1];
  const s = a.status;
  if (s === undefined || [401, 403, 404, 407].includes(s)) return undefined;
  const hints: Record<number, string> = {
    423: `the requested expiry is shorter than the server allows (Min-Expires); the client must retry with a longer Expires`,
    400: "the server could not parse the REGISTER (malformed or modified in transit)",
    408: "the server (or a proxy) timed out forwarding the request",
    420: "the client requires an extension the server does not support",
    480: "the server considers the user temporarily unavailable",
    500: "the server had an internal error",
    503: "the server is overloaded or in maintenance (check Retry-After)",
  };
  const hint = hints[s] ?? (s >= 500 ? "the server failed to process the request" : "the server refused the request");
  return finding("registration_rejected", {
    title: `Registration of ${reg.aor} rejected with ${s} ${a.reason ?? ""}`.trim(),
    subject: { aor: reg.aor, user: reg.user, client: ep(a.client), server: ep(reg.server), callId: a.callId },
    evidence: [
      { frame: a.frame, capture: reg.capture, text: `REGISTER (CSeq ${a.cseq}${a.expiresRequested !== undefined ? `, Expires ${a.expiresRequested}` : ""})` },
      ...(a.responseFrame !== undefined ? [{ frame: a.responseFrame, capture: reg.capture, text: `${s} ${a.reason ?? ""}`.trim() }] : []),
    ],
    filter: callIdFilter([a.callId]),
    explanation: `The registrar answered ${s}: ${hint}. This is not a credentials problem.`,
    fix: s === 423 ? ["Raise the phone's registration expiry to at least the server's Min-Expires."] : ["Read the server's log for this Call-ID; the status explains the refusal."],
  });
}

/**
 * nat reports a client behind NAT: Via sent-by or Contact naming an address other than the
 * packet's source, or the server adding received/rport (RFC 3261 §18.2.1, RFC 3581).
 */
function nat(ctx: DetectContext, reg: Registration): Finding | undefined {
  const a = reg.attempts.find((x) => x.viaSentBy !== undefined);
  if (!a?.viaSentBy) return undefined;
  const src = ep(a.client);
  const [viaHost, viaPort] = splitHostPort(a.viaSentBy);
  const viaDiffers = viaHost !== a.client.ip || viaPort !== a.client.port;
  const answered = reg.attempts.find((x) => x.received !== undefined || x.rport !== undefined);
  const serverSawOther = answered && ((answered.received !== undefined && answered.received !== viaHost) || (answered.rport !== undefined && answered.rport !== viaPort));
  if (!viaDiffers && !serverSawOther) return undefined;
  if (isLoopback(a.client.ip) && !isLoopback(viaHost)) return localClient(reg, a, viaHost, answered);
  const portChanges = reg.portChanges;
  const evidence: Evidence[] = [];
  if (viaDiffers) evidence.push({ frame: a.frame, capture: reg.capture, text: `Via sent-by ${a.viaSentBy}${a.contact ? `, Contact ${a.contact}` : ""}; packet source ${src}` });
  if (answered?.responseFrame !== undefined && serverSawOther) {
    evidence.push({ frame: answered.responseFrame, capture: reg.capture, text: `server added received=${answered.received ?? "-"} rport=${answered.rport ?? "-"}: it saw the request from another address than the Via claims` });
  }
  if (portChanges > 0) {
    const changed = reg.attempts.find((x) => x.client.port !== reg.attempts[0].client.port);
    if (changed) evidence.push({ frame: changed.frame, capture: reg.capture, text: `source port changed ${reg.attempts[0].client.port} → ${changed.client.port} between REGISTERs (NAT binding was renewed)` });
  }
  const expiry = reg.expiresGranted;
  const keepalive = ctx.observations.keepaliveClients.has(`${reg.capture}|${reg.client.ip}`);
  const risky = reg.transport === "UDP" && expiry !== undefined && expiry > NAT_UDP_BINDING_S && !keepalive;
  const troubled = portChanges > 0 || reg.outcome === "timeout" || reg.outcome === "failed";
  const privateVia = isPrivateIp(viaHost);
  return finding("nat_mismatch", {
    title: `${reg.aor} registers from behind NAT: Via ${a.viaSentBy}, seen as ${answered?.received ? `${answered.received}:${answered.rport ?? "?"}` : src}${portChanges > 0 ? `; source port changed ${portChanges}×` : ""}`,
    subject: { aor: reg.aor, user: reg.user, client: src, server: ep(reg.server) },
    evidence,
    filter: callIdFilter(reg.callIds),
    severity: troubled ? "warning" : "info",
    explanation:
      `The client writes ${privateVia ? "a private address" : "an address"} (${a.viaSentBy}) in Via${a.contact ? "/Contact" : ""}, but its packets ${serverSawOther ? "reach the server" : "arrive"} from ${answered?.received ? `${answered.received}:${answered.rport ?? "?"}` : src}: a NAT sits between them. ` +
      (answered?.received || answered?.rport ? "The server noticed and added received/rport (RFC 3581), so its responses find their way back. " : "") +
      (portChanges > 0 ? `The source port changed between registrations: the NAT dropped and re-created the binding, so calls to the phone fail until the next refresh. ` : "") +
      (risky ? `The registration lasts ${expiry} s over UDP with no keep-alive seen, longer than many NAT UDP mappings (30–180 s): incoming calls can be lost when the mapping expires.` : ""),
    fix: [
      ...(risky || portChanges > 0 ? ["Enable keep-alives on the phone (CRLF or OPTIONS every 20–30 s, RFC 5626) or lower the registration interval below the NAT's UDP timeout."] : []),
      "Make sure the server uses received/rport for responses and NAT handling for the stored Contact (e.g. Kamailio nathelper fix_nated_register).",
      "Prefer TCP/TLS or SIP Outbound (RFC 5626) for phones behind NAT.",
    ],
  });
}

/**
 * localClient reports a client whose packets come from a loopback address while its Via names
 * another address. 127/8 and ::1 never leave a host (RFC 1122 §3.2.1.3, RFC 4291 §2.5.3), so no
 * NAT can sit on that path: the client runs on the capture host, sends to a loopback address of
 * the server (the kernel then picks a loopback source) and advertises one of its other addresses.
 * Responses still reach it through received/rport (RFC 3261 §18.2.1, RFC 3581); only requests
 * sent to the advertised Contact depend on the client listening there.
 */
function localClient(reg: Registration, a: RegistrationAttempt, viaHost: string, answered: RegistrationAttempt | undefined): Finding {
  const src = ep(a.client);
  const evidence: Evidence[] = [{ frame: a.frame, capture: reg.capture, text: `Via sent-by ${a.viaSentBy}${a.contact ? `, Contact ${a.contact}` : ""}; packet source ${src} (loopback)` }];
  if (answered?.responseFrame !== undefined) {
    evidence.push({ frame: answered.responseFrame, capture: reg.capture, text: `server added received=${answered.received ?? "-"} rport=${answered.rport ?? "-"}` });
  }
  return finding("local_source_mismatch", {
    title: `${reg.aor} sends from loopback ${src} but advertises ${a.viaSentBy}: a client on the capture host, not a NAT`,
    subject: { aor: reg.aor, user: reg.user, client: src, server: ep(reg.server) },
    evidence,
    filter: callIdFilter(reg.callIds),
    explanation:
      `The client writes ${a.viaSentBy} in Via, but its packets come from ${src}, a loopback address. ` +
      `Loopback traffic never leaves a host, so no NAT is involved: the client runs on the host where the capture was taken and sends to the server's loopback address ${reg.server.ip}, so the kernel picks a loopback source, while the client advertises another address of the same host (${viaHost}). ` +
      (answered ? "The server added received/rport (RFC 3581), so its responses reach the client anyway. " : "Responses reach it if the server honours rport/received (RFC 3581). ") +
      (a.contact ? `Requests to the stored Contact ${a.contact} reach the client only if it listens on the address that Contact names.` : ""),
    fix: [
      `If calls to this client fail, make the addresses agree: bind the client to ${viaHost} and point it at the server's address on that network, or have it advertise the loopback address it sends from.`,
    ],
  });
}

function requestTimeout(ctx: DetectContext, tx: Transaction): Finding {
  const icmp = icmpFor(ctx, tx.capture, tx.client, tx.server);
  const tcp = tcpDelivery(tx.tcpAck, tx.firstTsNs, tx.method, tx.server, tx.capture);
  // Over a reliable transport the request goes out once (RFC 3261 §17.1.1.2), so its count says nothing.
  const to = reliable(tx.transport) ? `${ep(tx.server)} over ${tx.transport}` : ep(tx.server);
  const sent = reliable(tx.transport) ? "" : `: sent ${tx.retransmissions + 1 === 1 ? "once" : `${tx.retransmissions + 1} times`}`;
  return finding("request_timeout", {
    title: `${tx.method} to ${to} got no final response${sent}${tx.provisional.length > 0 ? ` (only ${tx.provisional.map((p) => p.status).join(", ")})` : ""}`,
    subject: { user: tx.fromUser, aor: tx.fromUri, client: ep(tx.client), server: ep(tx.server), callId: tx.callId },
    evidence: [
      ...tx.requestFrames.slice(0, 12).map((f, i) => ({ frame: f, capture: tx.capture, text: i === 0 ? `${tx.method} ${tx.requestUri ?? ""} (CSeq ${tx.cseq})` : `retransmission ${i}` })),
      ...tx.provisional.map((p) => ({ frame: p.frame, capture: tx.capture, text: `${p.status} ${p.reason}` })),
      ...icmp.slice(0, 3).map((u) => ({ frame: u.frame, capture: u.capture, text: `ICMP ${u.codeName} from ${u.reporter}` })),
      ...tcp.evidence,
    ],
    filter: withFrames(callIdFilter([tx.callId]), tcp.evidence),
    explanation:
      `The ${tx.method} transaction never received a final response (Timer ${tx.method === "INVITE" ? "B" : "F"}, 32 s). ` +
      (icmp.length > 0
        ? `ICMP "${icmp[0].codeName}" came back from ${icmp[0].reporter}.`
        : reliable(tx.transport)
          ? `Over ${tx.transport} SIP sends a request once and leaves retransmission to the transport (RFC 3261 §17.1.1.2). ${tcp.text}`
          : ctx.observations.sipSentTo(tx.capture, tx.client.ip)
            ? "No ICMP error came back: the packets are silently dropped or the server ignores them."
            : `No ICMP error came back. Either the packets are silently dropped or the server ignores them, or ${oneWay(tx.client)}`),
    fix: tcp.closed
      ? [closedFix(tx.client, tx.callId)]
      : tcp.acked
        ? [`Read the server's log for Call-ID ${tx.callId}: it received the ${tx.method} and did not answer (overloaded or hung, or a rate limit or ACL that drops requests silently).`]
        : ["Check reachability of the server address and port for this transport, and the server's log for this Call-ID."],
  });
}

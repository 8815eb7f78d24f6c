/**
 * tcp_connect_failed: TCP connections toward a SIP port that never opened (RFC 9293 §3.5), so
 * no SIP could travel over them. A client set to TCP or TLS toward a server that only listens on
 * UDP leaves a capture without a single SIP message from it: the SYNs and the resets are all the
 * evidence there is.
 */
import { formatEndpoint } from "../net/addr.js";
import type { TcpConnectFailure } from "../net/tcp-connect.js";
import { finding, seconds, splitHostPort, withFrames, type DetectContext } from "./context.js";
import type { Evidence, Finding } from "./model.js";
import { UDP_SIZE_LIMIT, type ClientConnects, type ConnectFailures, type FragmentSample } from "./observe.js";

/**
 * A large request sent over UDP this soon after a failed TCP attempt is the request the client
 * meant to send over TCP (a SIP client's transaction gives up after Timer B/F, 32 s).
 */
const FALLBACK_NS = 32_000_000_000n;

/** Failed attempts shown as evidence, and SYN / reset pairs shown per refused attempt. */
const EVIDENCE_ATTEMPTS = 4;
const RESET_PAIRS = 3;

export function detectConnectFailures(ctx: DetectContext, scannerSources: Set<string>): Finding[] {
  const out: Finding[] = [];
  for (const g of ctx.observations.connectFailures.values()) {
    // A scanner's refused probes are the server defending itself, not a client's problem.
    const clients = [...g.clients.values()].filter((c) => !scannerSources.has(`${g.capture}|${c.client}`));
    if (clients.length === 0) continue;
    const samples = g.samples.filter((f) => !scannerSources.has(`${g.capture}|${f.client}`));
    // Every sample a scanner's (more than a dozen of them at one server): nothing to show as evidence.
    if (samples.length === 0) continue;
    const fellBack = clients.filter((c) => answeredOtherwise(ctx, g, c.client)).length;
    const big = clients.map((c) => largeFallback(ctx, g, c.client)).find((m) => m !== undefined);
    out.push(connectFailed(g, clients, samples, fellBack, big));
  }
  const notKept = ctx.observations.connectFailuresNotKept;
  if (notKept > 0 && out.length > 0) out[0].explanation += ` (${notKept} failed attempts toward further servers are not listed.)`;
  return out;
}

/** answeredOtherwise: `client` got SIP answers from the same server address (over UDP, or another port). */
function answeredOtherwise(ctx: DetectContext, g: ConnectFailures, client: string): boolean {
  const c = ctx.correlations[g.capture];
  if (!c) return false;
  const same = (x: { client: { ip: string }; server: { ip: string } }): boolean => x.client.ip === client && x.server.ip === g.server;
  return c.registrations.some((r) => same(r) && r.answeredAttempts > 0) || c.handshakes.some((h) => same(h) && h.attempts.some((a) => a.status !== undefined));
}

/**
 * largeFallback finds the request `client` sent over UDP to the same server right after a
 * failed attempt, when it is over UDP_SIZE_LIMIT: RFC 3261 §18.1.1 makes a client use a
 * congestion-controlled transport for such a request, which explains why it tried TCP at all.
 */
function largeFallback(ctx: DetectContext, g: ConnectFailures, client: string): FragmentSample | undefined {
  return ctx.observations.largeUdp.samples.find((m) => {
    if (m.capture !== g.capture || m.tsNs < g.firstTsNs || m.tsNs > g.lastTsNs + FALLBACK_NS) return false;
    return splitHostPort(m.src)[0] === client && splitHostPort(m.dst)[0] === g.server;
  });
}

function connectFailed(g: ConnectFailures, clients: ClientConnects[], samples: TcpConnectFailure[], fellBack: number, big: FragmentSample | undefined): Finding {
  const server = formatEndpoint(g.server, g.serverPort);
  const one = clients.length === 1 && g.unlistedAttempts === 0 ? clients[0].client : undefined;
  let refused = 0;
  let unanswered = 0;
  let syns = 0;
  for (const c of clients) {
    refused += c.refused;
    unanswered += c.unanswered;
    syns += c.syns;
  }
  const attempts = refused + unanswered + g.unlistedAttempts;
  const tries = `${attempts} attempt${attempts === 1 ? "" : "s"}`;
  const names = clients.slice(0, 5).map((c) => c.client).join(", ");
  const from = one ?? `${clients.length}${g.unlistedAttempts > 0 ? "+" : ""} clients`;
  const who = one ?? `${from} (${names}${clients.length > 5 || g.unlistedAttempts > 0 ? ", …" : ""})`;
  // RFC 3261 §19.1.2: 5061 is SIP over TLS, which needs the TCP connection first.
  const what = g.serverPort === 5061 ? "TCP connection for SIP over TLS" : "TCP connection";
  const title =
    unanswered === 0
      ? `${what} to ${server} refused: ${tries} from ${from} answered with a reset${syns > attempts ? ` (${syns} SYNs)` : ""}`
      : refused === 0
        ? `${what} to ${server} never answered: ${tries} from ${from}, ${syns} SYNs over ${seconds(g.lastTsNs - g.firstTsNs)} s`
        : `${what} to ${server} failed: ${refused} refused, ${unanswered} never answered, from ${from}`;
  const evidence = samples.slice(0, EVIDENCE_ATTEMPTS).flatMap((f) => attemptEvidence(f, g.capture, server));
  const sentOverUdp: Evidence | undefined = big && { frame: big.frame, capture: g.capture, text: `${big.label}: ${big.bytes} bytes, sent over UDP instead` };
  if (sentOverUdp) evidence.push(sentOverUdp);
  const allFellBack = fellBack === clients.length;
  return finding("tcp_connect_failed", {
    title,
    severity: allFellBack ? "warning" : "error",
    subject: one ? { client: one, server } : { server },
    evidence,
    filter: withFrames(connectFilter(g, one), sentOverUdp ? [sentOverUdp] : []),
    explanation: (
      `${who} tried to open a TCP connection to ${server} ${attempts === 1 ? "once, and it was never established" : `${attempts} times, and none was established`}, so no SIP message could be sent over one${fellBack > 0 ? "" : ": the capture holds nothing of what was meant to go there"}. ` +
      (refused > 0
        ? `${refused === attempts ? (attempts === 1 ? "It was" : "Every attempt was") : `${refused} were`} answered with a TCP reset (RST): nothing accepts TCP on ${server} — the SIP server does not listen for ${g.serverPort === 5061 ? "TLS" : "TCP"} there (only UDP, another address or port, or it is down) — or a firewall rejects the connection. `
        : "") +
      (unanswered > 0
        ? `${unanswered === attempts ? "No attempt got any answer" : `${unanswered} got no answer`}, neither SYN-ACK nor reset: a firewall silently drops TCP ${g.serverPort} toward ${g.server}, the server host is down, or the address is wrong (unless the capture misses what the server sends). `
        : "") +
      (big
        ? `The client turned to TCP for ${big.label}, a request of ${big.bytes} bytes: over ${UDP_SIZE_LIMIT} bytes RFC 3261 §18.1.1 has a client send it over TCP, as a datagram that size comes close to the path MTU. After the refusal it sent it over UDP anyway (frame ${big.frame}, ${seconds(big.tsNs - g.firstTsNs)} s after the first SYN): every large request pays that delay, and may be fragmented on the way, which firewalls and NATs often drop.`
        : fellBack > 0
          ? `SIP between ${allFellBack ? (one ? one : "these clients") : `${fellBack} of these clients`} and ${g.server} works otherwise (answers were seen over another transport or port), so ${one ? "the client falls" : "they fall"} back or use${one ? "s" : ""} two transports.`
          : "")
    ).trimEnd(),
    fix: [
      ...(refused > 0
        ? [`Make the SIP server listen for ${g.serverPort === 5061 ? "TLS" : "TCP"} on ${server} (e.g. Kamailio listen=${g.serverPort === 5061 ? "tls" : "tcp"}:${server}, an Asterisk PJSIP transport of type ${g.serverPort === 5061 ? "tls" : "tcp"}), or configure the client${one ? "" : "s"} for the transport and port the server does accept (UDP).`]
        : []),
      `Check firewalls and security groups between ${one ?? "the clients"} and ${server} for TCP ${g.serverPort}${unanswered > 0 ? ", and that the server host is up at that address (DNS SRV/NAPTR result, outbound proxy)" : ""}.`,
      ...(big ? [`Or keep requests under ${UDP_SIZE_LIMIT} bytes so the client stays on UDP: fewer codecs in the SDP, fewer or shorter headers.`] : []),
    ],
  });
}

/**
 * connectFilter shows the SYNs toward the server port (not the SYN-ACKs of other connections) and
 * the resets it sent, for one client or for all.
 */
function connectFilter(g: ConnectFailures, client: string | undefined): string {
  const ip = g.ipVersion === 6 ? "ipv6" : "ip";
  const to = client ? `${ip}.src == ${client} && ${ip}.dst == ${g.server}` : `${ip}.dst == ${g.server}`;
  const back = client ? `${ip}.src == ${g.server} && ${ip}.dst == ${client}` : `${ip}.src == ${g.server}`;
  // Parenthesised: Wireshark before 4.0 gave "and" and "or" the same precedence.
  return `(${to} && tcp.dstport == ${g.serverPort} && tcp.flags.syn == 1 && tcp.flags.ack == 0) || (${back} && tcp.srcport == ${g.serverPort} && tcp.flags.reset == 1)`;
}

/**
 * attemptEvidence shows one attempt: its SYNs and the resets that answered them (the first
 * RESET_PAIRS), or, unanswered, its first and last SYN.
 */
function attemptEvidence(f: TcpConnectFailure, capture: number, server: string): Evidence[] {
  const from = formatEndpoint(f.client, f.clientPort);
  const out: Evidence[] = [{ frame: f.synFrames[0], capture, text: `SYN from ${from} to ${server}${f.syns > 1 ? ` (sent ${f.syns} times)` : ""}` }];
  if (f.resetFrames.length > 0) {
    for (let i = 0; i < Math.min(RESET_PAIRS, f.resetFrames.length); i++) {
      if (i > 0 && i < f.synFrames.length) out.push({ frame: f.synFrames[i], capture, text: `SYN again from ${from} after the reset` });
      out.push({ frame: f.resetFrames[i], capture, text: `reset (RST) from ${server}: connection refused` });
    }
  } else if (f.syns > 1) {
    out.push({ frame: f.lastSynFrame, capture, text: `last SYN retransmission from ${from}, still no answer` });
  }
  return out;
}

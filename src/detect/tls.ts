/**
 * TLS diagnosis for SIP over TLS (RFC 5630 §3; server identity per RFC 5922 §7 and RFC 6125):
 * certificates that were expired, not yet valid or for another name at the time of the capture,
 * self-signed certificates, handshakes that ended in an alert, clients that carried on with a
 * certificate they should have refused, and TLS 1.3 sessions whose certificate cannot be seen.
 *
 * Validity is judged at the capture time of the frame that carried the certificate, never at the
 * current clock: a capture from last year is diagnosed as it was then.
 */
import { certificateMatchesName, certificateNames } from "../tls/cert.js";
import { isHttpAlpn } from "../tls/constants.js";
import type { CertInfo, TlsAlert, TlsSession } from "../tls/model.js";
import { finding } from "./context.js";
import type { Evidence, Finding, Subject } from "./model.js";

/** DetectTlsOptions refine the TLS detectors. */
export interface DetectTlsOptions {
  /**
   * The SIP domain to check a certificate against when the client sent no SNI (e.g. the
   * Request-URI host of REGISTERs sent to `server`, an `ip:port`). Sessions that were decrypted
   * know it themselves (TlsSession.sipDomain).
   */
  domainFor?: (server: string) => string | undefined;
  /** Diagnose every session, including ones that look like HTTPS rather than SIP. */
  allSessions?: boolean;
}

/** Evidence lines per finding before the rest is summarised. */
const MAX_SESSIONS_PER_FINDING = 10;
const DAY_MS = 86_400_000;
const SIP_TLS_PORTS = new Set([5060, 5061, 5080]);

function portOf(endpoint: string): number {
  return Number(endpoint.slice(endpoint.lastIndexOf(":") + 1));
}

function hostOf(endpoint: string): string {
  return endpoint.slice(0, endpoint.lastIndexOf(":")).replace(/^\[|\]$/g, "");
}

/**
 * isLikelySip keeps SIP sessions apart from the HTTPS a phone also speaks (provisioning, web UI):
 * a SIP port, SIP seen inside, or no HTTP ALPN (RFC 7301) on a port other than 443/8443.
 */
export function isLikelySip(s: TlsSession): boolean {
  if (SIP_TLS_PORTS.has(portOf(s.server)) || SIP_TLS_PORTS.has(portOf(s.client)) || s.sipMessages > 0) return true;
  if (s.alpn?.some(isHttpAlpn)) return false;
  const p = portOf(s.server);
  return p !== 443 && p !== 8443;
}

/** seenAtMs is when the certificate was seen: its frame's capture time, else the capture start. */
function seenAtMs(s: TlsSession, captureStartIso?: string): number | undefined {
  const ns = s.certificateTsNs ?? s.firstTsNs;
  if (ns > 0n) return Number(ns / 1_000_000n);
  const t = captureStartIso ? Date.parse(captureStartIso) : NaN;
  return Number.isFinite(t) ? t : undefined;
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function isoSecond(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

function days(ms: number): string {
  const d = Math.floor(Math.abs(ms) / DAY_MS);
  return d === 1 ? "1 day" : `${d} days`;
}

/** endpointFilter is the Wireshark filter for one TCP endpoint (ip.addr or ipv6.addr). */
function endpointFilter(endpoint: string): string {
  const host = hostOf(endpoint);
  return `${host.includes(":") ? "ipv6" : "ip"}.addr == ${host} && tcp.port == ${portOf(endpoint)}`;
}

/** certText names a certificate for evidence lines. */
function certText(c: CertInfo): string {
  return c.subjectCN ? `CN=${c.subjectCN}` : c.subject || "(no subject)";
}

function alertText(a: TlsAlert): string {
  return `${a.from} sent ${a.level === 2 ? "fatal " : a.level === 1 ? "warning " : ""}alert ${a.name} (${a.description})`;
}

/** Validity is the state of a certificate at capture time. */
type Validity = "valid" | "expired" | "not_yet_valid" | "unknown";

function validity(c: CertInfo, atMs: number | undefined): Validity {
  const from = Date.parse(c.validFrom);
  const to = Date.parse(c.validTo);
  if (atMs === undefined || !Number.isFinite(from) || !Number.isFinite(to)) return "unknown";
  if (atMs > to) return "expired";
  if (atMs < from) return "not_yet_valid";
  return "valid";
}

/** referenceName is what the client should check the certificate against (RFC 6125 §6.2). */
function referenceName(s: TlsSession, opts: DetectTlsOptions): { name: string; source: string } | undefined {
  if (s.sni) return { name: s.sni, source: "SNI" };
  const domain = opts.domainFor?.(s.server) ?? s.sipDomain;
  return domain ? { name: domain, source: "SIP domain" } : undefined;
}

/** Group is the sessions that share a server and a leaf certificate. */
interface Group {
  server: string;
  leaf: CertInfo;
  sessions: TlsSession[];
}

function groupByCertificate(sessions: TlsSession[]): Group[] {
  const groups = new Map<string, Group>();
  for (const s of sessions) {
    const leaf = s.certificates[0];
    if (!leaf) continue;
    const key = `${s.capture}|${s.server}|${leaf.fingerprint256}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { server: s.server, leaf, sessions: [] }));
    g.sessions.push(s);
  }
  return [...groups.values()];
}

function serverSubject(g: { server: string; sessions: TlsSession[] }): Subject {
  const clients = new Set(g.sessions.map((s) => s.client));
  return { server: g.server, client: clients.size === 1 ? [...clients][0] : undefined };
}

function more(n: number): string {
  return n > MAX_SESSIONS_PER_FINDING ? ` (${n} connections; evidence shows the first ${MAX_SESSIONS_PER_FINDING})` : "";
}

/**
 * detectTls diagnoses TLS sessions. `captureStartIso` is used only for sessions without
 * timestamps.
 */
export function detectTls(sessions: TlsSession[], captureStartIso?: string, opts: DetectTlsOptions = {}): Finding[] {
  const relevant = opts.allSessions ? sessions : sessions.filter(isLikelySip);
  const out: Finding[] = [];
  for (const g of groupByCertificate(relevant)) {
    out.push(...validityFindings(g, captureStartIso));
    out.push(...nameFindings(g, opts));
    const self = selfSigned(g);
    if (self) out.push(self);
  }
  out.push(...handshakeFailures(relevant, captureStartIso));
  out.push(...notVerified(relevant, captureStartIso, opts));
  const hidden = notVisible(relevant);
  if (hidden) out.push(...hidden);
  return out;
}

function certEvidence(s: TlsSession, text: string): Evidence {
  return { frame: s.frames.certificate ?? s.firstFrame, capture: s.capture, text };
}

function validityFindings(g: Group, captureStartIso?: string): Finding[] {
  const out: Finding[] = [];
  for (const state of ["expired", "not_yet_valid"] as const) {
    const hit = g.sessions.filter((s) => validity(g.leaf, seenAtMs(s, captureStartIso)) === state);
    if (hit.length === 0) continue;
    const first = hit[0];
    const at = seenAtMs(first, captureStartIso) ?? 0;
    const to = Date.parse(g.leaf.validTo);
    const from = Date.parse(g.leaf.validFrom);
    const evidence: Evidence[] = [];
    for (const s of hit.slice(0, MAX_SESSIONS_PER_FINDING)) {
      const t = seenAtMs(s, captureStartIso) ?? 0;
      evidence.push(certEvidence(s, state === "expired"
        ? `server Certificate ${certText(g.leaf)}, notAfter ${g.leaf.validTo}: expired ${days(t - to)} before this frame (${isoSecond(t)})`
        : `server Certificate ${certText(g.leaf)}, notBefore ${g.leaf.validFrom}: valid only ${days(from - t)} after this frame (${isoSecond(t)})`));
      const alert = s.alerts.find((a) => a.name === (state === "expired" ? "certificate_expired" : "bad_certificate") || a.name === "certificate_unknown");
      if (alert) evidence.push({ frame: alert.frame, capture: s.capture, text: `${alertText(alert)}: the certificate was refused` });
    }
    const rejected = hit.filter((s) => s.alerts.some((a) => a.from === "client" && a.level === 2)).length;
    if (state === "expired") {
      out.push(finding("tls_certificate_expired", {
        title: `TLS certificate of ${g.server} (${certText(g.leaf)}) expired on ${isoDay(to)}, ${days(at - to)} before the capture`,
        subject: serverSubject(g),
        evidence,
        filter: `(tls.handshake.type == 11 || tls.alert_message) && ${endpointFilter(g.server)}`,
        explanation:
          `The server ${g.server} presented a certificate (${certText(g.leaf)}, serial ${g.leaf.serial}, issued by ${g.leaf.issuerCN ? `CN=${g.leaf.issuerCN}` : g.leaf.issuer}) ` +
          `whose validity ended at ${g.leaf.validTo}; the capture shows it on ${isoSecond(at)}. ` +
          "Clients that check certificates (RFC 5280 §6.1.3: the current time must be within the validity period) abort the handshake, " +
          "so no SIP request ever reaches the server over TLS and the phone reports a registration or network error, not a 401." +
          (rejected > 0 ? ` ${rejected} of ${hit.length} connection(s) were refused by the client with a fatal alert.` : "") + more(hit.length),
        fix: [
          `Renew the certificate for ${certNames(g.leaf)} and install it with its chain on the SIP server (Kamailio/OpenSIPS tls.cfg "certificate", Asterisk "tlscertfile", FreeSWITCH "tls-cert-dir").`,
          "Reload the TLS configuration (or restart the service) so new connections get the new certificate.",
          `Check what the server sends: openssl s_client -connect ${g.server}${g.sessions[0].sni ? ` -servername ${g.sessions[0].sni}` : ""} </dev/null | openssl x509 -noout -dates -subject`,
          "Automate renewal (ACME, or a monitoring check on notAfter) so it does not expire again.",
        ],
      }));
    } else {
      out.push(finding("tls_certificate_not_yet_valid", {
        title: `TLS certificate of ${g.server} (${certText(g.leaf)}) is valid only from ${isoDay(from)}, ${days(from - at)} after the capture`,
        subject: serverSubject(g),
        evidence,
        filter: `(tls.handshake.type == 11 || tls.alert_message) && ${endpointFilter(g.server)}`,
        explanation:
          `The server ${g.server} presented a certificate whose validity starts at ${g.leaf.validFrom}, but the capture shows it on ${isoSecond(at)}. ` +
          "Clients that check certificates refuse it. Usually a clock is wrong: the capturing host, the server that issued the certificate, or the phone (phones without NTP often start in 1970 or 2000)." +
          more(hit.length),
        fix: [
          "Check the clocks of the phone, the server and the capture host (NTP).",
          "If the clocks are right, the certificate was issued with a future start date: reissue it.",
        ],
      }));
    }
  }
  return out;
}

function certNames(c: CertInfo): string {
  const names = certificateNames(c);
  return names.length > 0 ? names.join(", ") : certText(c);
}

function nameFindings(g: Group, opts: DetectTlsOptions): Finding[] {
  const byRef = new Map<string, { source: string; sessions: TlsSession[] }>();
  for (const s of g.sessions) {
    const ref = referenceName(s, opts);
    if (!ref || certificateMatchesName(g.leaf, ref.name)) continue;
    let e = byRef.get(ref.name.toLowerCase());
    if (!e) byRef.set(ref.name.toLowerCase(), (e = { source: ref.source, sessions: [] }));
    e.sessions.push(s);
  }
  const out: Finding[] = [];
  for (const [name, { source, sessions }] of byRef) {
    const evidence: Evidence[] = [];
    for (const s of sessions.slice(0, MAX_SESSIONS_PER_FINDING)) {
      if (s.sni && s.frames.clientHello !== undefined) evidence.push({ frame: s.frames.clientHello, capture: s.capture, text: `ClientHello asks for server_name ${s.sni}` });
      evidence.push(certEvidence(s, `server Certificate is for ${certNames(g.leaf)}, not ${name}`));
      const alert = s.alerts.find((a) => a.from === "client" && a.level === 2);
      if (alert) evidence.push({ frame: alert.frame, capture: s.capture, text: alertText(alert) });
    }
    // An error when it broke a handshake; while every client still connects (none verifies), a
    // warning: it breaks the day a client starts verifying.
    const refused = sessions.some((s) => s.alerts.some((a) => a.from === "client" && a.level === 2));
    out.push(finding("tls_certificate_name_mismatch", {
      severity: refused ? "error" : "warning",
      title: `TLS certificate of ${g.server} does not name ${name} (${source}); it is for ${certNames(g.leaf)}`,
      subject: serverSubject({ server: g.server, sessions }),
      evidence,
      filter: `(tls.handshake.type == 1 || tls.handshake.type == 11 || tls.alert_message) && ${endpointFilter(g.server)}`,
      explanation:
        `The client expects the server to be ${name} (${source}), but the certificate lists ${certNames(g.leaf)}. ` +
        "A SIP client checks the SIP domain against the certificate's subjectAltName DNS entries (RFC 5922 §7.2, RFC 6125 §6.4; " +
        "the CN only when there are no DNS entries, and a wildcard covers exactly one label), so a verifying client refuses the connection." +
        more(sessions.length),
      fix: [
        `Issue a certificate whose subjectAltName contains ${name}, or configure the phone/trunk to use a domain the certificate names (${certNames(g.leaf)}).`,
        "With several domains on one server, enable SNI-based certificate selection on the server (one certificate per domain).",
      ],
    }));
  }
  return out;
}

function selfSigned(g: Group): Finding | undefined {
  if (!g.leaf.selfSigned) return undefined;
  const evidence = g.sessions.slice(0, MAX_SESSIONS_PER_FINDING).map((s) => certEvidence(s, `server Certificate ${certText(g.leaf)} is signed by its own key (issuer = subject)`));
  const refused = g.sessions.flatMap((s) => s.alerts.filter((a) => a.from === "client" && (a.name === "unknown_ca" || a.name === "bad_certificate" || a.name === "certificate_unknown")).map((a) => ({ s, a })));
  for (const { s, a } of refused.slice(0, MAX_SESSIONS_PER_FINDING)) evidence.push({ frame: a.frame, capture: s.capture, text: `${alertText(a)}: the client does not trust it` });
  return finding("tls_self_signed", {
    title: `${g.server} presents a self-signed TLS certificate (${certText(g.leaf)})`,
    subject: serverSubject(g),
    evidence,
    filter: `tls.handshake.type == 11 && ${endpointFilter(g.server)}`,
    explanation:
      `The certificate of ${g.server} is issued by itself (${g.leaf.issuer}), so no public CA vouches for it. ` +
      "Clients accept it only when it was installed on them as trusted (pinned); others refuse the handshake (alert unknown_ca or bad_certificate), " +
      "and clients that accept it without it being installed do not verify certificates at all." +
      (refused.length > 0 ? ` ${refused.length} connection(s) were refused for it.` : ""),
    fix: [
      "Use a certificate from a CA the phones trust (public CA, or your own CA installed on every phone).",
      "Or install this certificate as trusted on every client that must connect (and keep it renewed).",
    ],
  });
}

/** ALERT_CAUSE explains the alerts a failed SIP/TLS handshake usually ends with (RFC 8446 §6.2). */
const ALERT_CAUSE: Record<string, string> = {
  certificate_expired: "the client found the server certificate expired (or not yet valid)",
  unknown_ca: "the client does not trust the CA that issued the server certificate (self-signed or private CA not installed on the client)",
  bad_certificate: "the peer found the certificate corrupt or its signature invalid, or refused it for a policy reason",
  certificate_unknown: "the peer refused the certificate for an unspecified reason (often an untrusted issuer or a name mismatch)",
  unsupported_certificate: "the certificate's type or key usage is not acceptable to the peer",
  certificate_revoked: "the certificate was revoked by its issuer",
  handshake_failure: "no acceptable set of parameters: no common cipher suite or version, or a required client certificate was missing",
  protocol_version: "the TLS versions offered and accepted do not overlap (e.g. a phone limited to TLS 1.0 against a TLS 1.2+ server)",
  insufficient_security: "the peer requires stronger cipher suites than the other side offered",
  unrecognized_name: "the server does not know the name asked for in SNI",
  certificate_required: "the server requires a client certificate (mutual TLS) and none was sent",
  decrypt_error: "a handshake signature or Finished check failed (wrong key, or tampering)",
  illegal_parameter: "a handshake field was out of range or inconsistent",
  access_denied: "the peer refused access after the handshake (e.g. the client certificate is not authorised)",
  internal_error: "the peer hit an internal error",
  decode_error: "a handshake message could not be decoded",
  inappropriate_fallback: "a version fallback was rejected (RFC 7507)",
};

const ALERT_FIX: Record<string, string[]> = {
  certificate_expired: ["Renew the server certificate (see tls_certificate_expired) or fix the client's clock."],
  unknown_ca: ["Install the issuing CA (or the self-signed certificate) as trusted on the client, or use a certificate from a CA the client trusts."],
  bad_certificate: ["Check the certificate chain the server sends (openssl s_client -showcerts) and the key usage/extended key usage (serverAuth)."],
  certificate_unknown: ["Check the chain, the CA trust on the client and that the certificate names the SIP domain."],
  handshake_failure: ["Compare the cipher suites and versions the client offers (ClientHello) with the server's TLS configuration; enable a common modern suite (e.g. ECDHE with AES-GCM) and TLS 1.2."],
  protocol_version: ["Enable TLS 1.2 on the client (firmware update) or, temporarily, the client's version on the server."],
  certificate_required: ["Provision the client with its certificate and key, or disable client certificate verification on the server (Kamailio require_certificate / verify_certificate)."],
  unrecognized_name: ["Configure the server for the SNI name the client sends, or configure the client with the server's name."],
};

function handshakeFailures(sessions: TlsSession[], captureStartIso?: string): Finding[] {
  const groups = new Map<string, { server: string; alert: TlsAlert; sessions: TlsSession[] }>();
  for (const s of sessions) {
    if (s.handshakeComplete) continue;
    // close_notify and user_canceled end connections; any other alert before the handshake
    // completed is why it failed.
    const a = s.alerts.find((x) => x.name !== "close_notify" && x.name !== "user_canceled");
    if (!a) continue;
    const key = `${s.capture}|${s.server}|${a.from}|${a.description}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { server: s.server, alert: a, sessions: [] }));
    g.sessions.push(s);
  }
  const out: Finding[] = [];
  for (const g of groups.values()) {
    const a = g.alert;
    const evidence: Evidence[] = [];
    for (const s of g.sessions.slice(0, MAX_SESSIONS_PER_FINDING)) {
      if (s.frames.clientHello !== undefined) {
        evidence.push({ frame: s.frames.clientHello, capture: s.capture, text: `ClientHello from ${s.client}${s.sni ? ` (SNI ${s.sni})` : ""}, offering ${s.offeredVersions.join("/") || "?"}` });
      }
      const leaf = s.certificates[0];
      if (leaf) {
        const v = validity(leaf, seenAtMs(s, captureStartIso));
        const state = v === "expired" ? `, expired since ${leaf.validTo}` : v === "not_yet_valid" ? `, valid only from ${leaf.validFrom}` : "";
        evidence.push(certEvidence(s, `server Certificate ${certText(leaf)}${state}${leaf.selfSigned ? ", self-signed" : ""}`));
      } else if (s.frames.serverHello !== undefined) {
        evidence.push({ frame: s.frames.serverHello, capture: s.capture, text: `ServerHello: ${s.version ?? "?"}, ${s.cipher?.name ?? "?"}` });
      }
      const alert = s.alerts.find((x) => x.name === a.name && x.from === a.from) ?? a;
      evidence.push({ frame: alert.frame, capture: s.capture, text: `${alertText(alert)}; the handshake ends here` });
    }
    const sender = a.from === "client" ? `The client (${g.sessions.length === 1 ? g.sessions[0].client : "several clients"})` : `The server ${g.server}`;
    const cause = ALERT_CAUSE[a.name] ?? `the ${a.from} aborted the handshake`;
    const leaf = g.sessions[0].certificates[0];
    const expiredNote = a.name === "certificate_expired" && leaf ? ` The certificate's notAfter is ${leaf.validTo}.` : "";
    out.push(finding("tls_handshake_failure", {
      title: `TLS handshake with ${g.server} failed: ${a.from} sent alert ${a.name} (${a.description})${g.sessions.length > 1 ? ` in ${g.sessions.length} connections` : ""}`,
      subject: { server: g.server, client: g.sessions.length === 1 ? g.sessions[0].client : undefined },
      evidence,
      // One connection: its hello, certificate and alert by protocol fields; several: the evidence frames.
      filter: g.sessions.length === 1 ? `(tls.handshake.type == 1 || tls.handshake.type == 11 || tls.alert_message) && ${endpointFilter(g.sessions[0].client)}` : undefined,
      explanation:
        `${sender} ended the TLS handshake with a ${a.level === 2 ? "fatal" : "warning"} ${a.name} alert: ${cause}.${expiredNote} ` +
        "No SIP was exchanged on these connections, so the registration fails before any authentication takes place." + more(g.sessions.length),
      fix: ALERT_FIX[a.name] ?? ["Look at the peer's TLS logs for the reason, and compare the ClientHello offer with the server's TLS configuration."],
    }));
  }
  return out;
}

function notVerified(sessions: TlsSession[], captureStartIso: string | undefined, opts: DetectTlsOptions): Finding[] {
  const byClient = new Map<string, { problem: string; sessions: TlsSession[] }>();
  for (const s of sessions) {
    const leaf = s.certificates[0];
    if (!leaf || !s.handshakeComplete || s.applicationDataRecords.client === 0) continue;
    const v = validity(leaf, seenAtMs(s, captureStartIso));
    const ref = referenceName(s, opts);
    // A self-signed certificate may be pinned on the client, so only problems that a verifying
    // client refuses even for a pinned certificate count: validity and name.
    const problem = v === "expired" ? `expired since ${leaf.validTo}` : v === "not_yet_valid" ? `not valid before ${leaf.validFrom}` :
      ref && !certificateMatchesName(leaf, ref.name) ? `issued for ${certNames(leaf)}, not ${ref.name}` : undefined;
    if (!problem) continue;
    const key = `${s.capture}|${hostOf(s.client)}|${s.server}|${problem}`;
    let g = byClient.get(key);
    if (!g) byClient.set(key, (g = { problem, sessions: [] }));
    g.sessions.push(s);
  }
  const out: Finding[] = [];
  for (const { problem, sessions: list } of byClient.values()) {
    const s0 = list[0];
    const evidence: Evidence[] = [];
    for (const s of list.slice(0, MAX_SESSIONS_PER_FINDING)) {
      evidence.push(certEvidence(s, `server Certificate ${certText(s.certificates[0])}: ${problem}`));
      if (s.frames.clientChangeCipherSpec !== undefined) evidence.push({ frame: s.frames.clientChangeCipherSpec, capture: s.capture, text: "client completes the handshake instead of refusing the certificate" });
      const first = s.frames.clientApplicationData;
      if (first !== undefined) {
        evidence.push({ frame: first, capture: s.capture, text: `client sends application data${s.decrypted && s.sipMessages > 0 ? " (SIP, decrypted)" : ""}: ${s.applicationDataRecords.client} record(s) in all` });
      }
    }
    out.push(finding("tls_certificate_not_verified", {
      title: `${hostOf(s0.client)} does not verify TLS certificates: it used ${s0.server} although the certificate is ${problem}`,
      subject: { client: list.length === 1 ? s0.client : hostOf(s0.client), server: s0.server },
      evidence,
      filter: list.length === 1 ? `(tls.handshake.type == 11 || tls.record.content_type == 20 || tls.record.content_type == 23) && ${endpointFilter(s0.client)}` : undefined,
      explanation:
        `The client completed the handshake and sent application data although the server certificate is ${problem}. ` +
        "A client that verifies certificates aborts instead (as RFC 5922 §7 and RFC 5280 §6 require), so this client accepts any certificate: " +
        "anyone on the path can impersonate the server and read or alter the SIP traffic, including digest credentials. " +
        "Registration may succeed today, but the transport gives no protection." + more(list.length),
      fix: [
        "Enable server certificate verification on the client (phone/softphone/trunk TLS setting, e.g. \"verify server certificate\", \"TLS verify\").",
        "Then fix the certificate itself so verification passes (renew it / issue it for the SIP domain).",
      ],
    }));
  }
  return out;
}

function notVisible(sessions: TlsSession[]): Finding[] | undefined {
  const byServer = new Map<string, TlsSession[]>();
  for (const s of sessions) {
    if (s.version !== "TLS 1.3" || s.certificates.length > 0) continue;
    const key = `${s.capture}|${s.server}`;
    byServer.set(key, [...(byServer.get(key) ?? []), s]);
  }
  if (byServer.size === 0) return undefined;
  return [...byServer.values()].map((list) => {
    const s0 = list[0];
    return finding("tls_certificate_not_visible", {
      title: `TLS 1.3 with ${s0.server}: the certificate is not visible in the capture`,
      subject: { server: s0.server, client: list.length === 1 ? s0.client : undefined },
      evidence: list.slice(0, MAX_SESSIONS_PER_FINDING).map((s) => ({
        frame: s.frames.serverHello ?? s.firstFrame,
        capture: s.capture,
        text: `ServerHello selects TLS 1.3 (${s.cipher?.name ?? "?"}); the Certificate that follows is encrypted`,
      })),
      filter: `tls.handshake.type == 2 && ${endpointFilter(s0.server)}`,
      explanation:
        "TLS 1.3 encrypts everything after the ServerHello, including the server's Certificate (RFC 8446 §2), " +
        "so its validity and names cannot be checked from the capture." + more(list.length),
      fix: [
        "Capture with a TLS key log (SSLKEYLOGFILE from the client, or the server's key log) and run sip401 with --tls-keylog FILE.",
        `Or look at the certificate directly: openssl s_client -connect ${s0.server}${s0.sni ? ` -servername ${s0.sni}` : ""} </dev/null | openssl x509 -noout -subject -dates -ext subjectAltName`,
      ],
    });
  });
}

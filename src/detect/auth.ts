/**
 * Authentication diagnosis per handshake cycle: wrong password, unknown user, a correct password
 * rejected anyway, stale nonces, and realm / algorithm / digest-uri mismatches (RFC 3261 §22,
 * RFC 7616, RFC 8760). A first 401/407 answered by a successful retry is the normal challenge and
 * never a finding.
 */
import type { AuthAttempt, Handshake, NonceRecord } from "../correlate/model.js";
import { isPrivateIp } from "../util/ip-class.js";
import { parseUri } from "../sip/uri.js";
import type { Verification } from "./credentials.js";
import {
  callIdFilter, ep, finding, isRejection, seconds, short, subjectOf, verificationOf, type DetectContext,
} from "./context.js";
import type { Evidence, Finding } from "./model.js";

/** How a server treats wrong passwords, learnt from the capture itself or its product. */
type ServerStyle = "rechallenges_wrong_password" | "forbids_wrong_password" | "unknown";

/** detectAuth runs every authentication detector over every handshake not from a scanner. */
export function detectAuth(ctx: DetectContext, scannerSources: Set<string>, rewrittenByAlg: Set<string>): Finding[] {
  const out: Finding[] = [];
  const all = ctx.correlations.flatMap((c) => c.handshakes);
  const styles = serverStyles(all);
  for (const c of ctx.correlations) {
    for (const hs of c.handshakes) {
      if (scannerSources.has(`${hs.capture}|${hs.client.ip}`)) continue;
      if (hs.callIds.some((c) => rewrittenByAlg.has(c))) continue;
      const nonceOf = (n: string | undefined): NonceRecord | undefined => (n ? c.nonces.get(n) : undefined);
      out.push(...rejected(ctx, hs, styles.get(serverKey(hs)) ?? "unknown"));
      out.push(...stale(hs, nonceOf));
      out.push(...mismatches(hs));
    }
  }
  return out;
}

function serverKey(hs: Handshake): string {
  return `${hs.capture}|${hs.server.ip}`;
}

/**
 * serverStyles learns, per server, whether it re-challenges wrong passwords (then a 403 after
 * credentials means "no such user"), from the capture: an authenticated attempt answered with a
 * fresh 401/407 for some user. Otherwise the product decides: Asterisk answers a wrong password
 * with 403 (and, with alwaysauthreject, unknown users with 401); Kamailio/OpenSIPS configurations
 * re-challenge (auth_challenge) on a wrong password.
 */
function serverStyles(all: Handshake[]): Map<string, ServerStyle> {
  const styles = new Map<string, ServerStyle>();
  for (const hs of all) {
    const key = serverKey(hs);
    if (hs.attempts.some((a) => a.credentials && (a.status === 401 || a.status === 407) && !a.challenge?.stale)) {
      styles.set(key, "rechallenges_wrong_password");
    } else if (!styles.has(key) && hs.serverAgent) {
      if (/asterisk|freeswitch|3cx/i.test(hs.serverAgent)) styles.set(key, "forbids_wrong_password");
      else if (/kamailio|opensips|openser|ser \(/i.test(hs.serverAgent)) styles.set(key, "rechallenges_wrong_password");
    }
  }
  return styles;
}

function attemptEvidence(hs: Handshake, a: AuthAttempt, verified?: Verification): Evidence[] {
  const c = a.credentials;
  const ev: Evidence[] = [];
  if (c) {
    const v = verified === "match" ? "; digest verifies with the known password" : verified === "mismatch" ? "; digest does NOT match the known password" : "";
    ev.push({
      frame: a.frame, capture: hs.capture,
      text: `${hs.method} with ${c.header} username="${c.username ?? ""}" realm="${c.realm ?? ""}" nonce="${short(c.nonce)}" nc=${c.nc ?? "-"} (CSeq ${a.cseq})${v}`,
    });
  } else {
    ev.push({ frame: a.frame, capture: hs.capture, text: `${hs.method} without credentials (CSeq ${a.cseq})` });
  }
  if (a.responseFrame !== undefined) {
    const ch = a.challenge;
    const detail = ch ? ` — ${ch.stale ? "stale=true, " : ""}new nonce "${short(ch.nonce)}" realm "${ch.realm ?? ""}"` : "";
    ev.push({ frame: a.responseFrame, capture: hs.capture, text: `${a.status} ${a.reason ?? ""}${detail}`.trim() });
  }
  return ev;
}

function who(hs: Handshake): string {
  const user = hs.username ?? hs.fromUser ?? "?";
  return hs.realm ? `${user}@${hs.realm}` : user;
}

/**
 * rejected reports cycles whose authenticated attempts were refused and never succeeded: wrong
 * password, unknown user, or (when the password verifies) a correct password rejected anyway.
 */
function rejected(ctx: DetectContext, hs: Handshake, style: ServerStyle): Finding[] {
  if (hs.outcome === "success" || hs.outcome === "in_progress") return [];
  const rejections = hs.attempts.filter(isRejection);
  if (rejections.length === 0) return [];
  const last = rejections[rejections.length - 1];
  const verdicts = rejections.map((a) => verificationOf(ctx, hs, a));
  const verifiedOk = verdicts.includes("match");
  const verifiedBad = verdicts.length > 0 && verdicts.every((v) => v === "mismatch");
  const evidence = rejections.flatMap((a, i) => attemptEvidence(hs, a, verdicts[i]));
  const firstChallenge = hs.attempts.find((a) => !a.credentials && a.responseFrame !== undefined);
  if (firstChallenge?.responseFrame !== undefined) {
    evidence.push({ frame: firstChallenge.responseFrame, capture: hs.capture, text: `${firstChallenge.status} challenge: realm "${firstChallenge.challenge?.realm ?? ""}", algorithm ${firstChallenge.challenge?.algorithm ?? "MD5"}` });
  }
  const subject = subjectOf(hs);
  const filter = callIdFilter(hs.callIds);
  const n = rejections.length;
  const over = `${hs.transport}, ${ep(hs.client)} → ${ep(hs.server)}`;
  const user = who(hs);

  if (last.status === 404 || (last.status === 403 && !verifiedBad && (style === "rechallenges_wrong_password" || verifiedOk))) {
    const why =
      last.status === 404
        ? `The server answered 404 Not Found to credentials for ${user}: the identity does not exist there.`
        : verifiedOk
          ? `The digest for ${user} verifies with the known password, and the server still answered 403 Forbidden: it does not accept this identity at all — not provisioned, disabled, or not allowed from this address.`
          : `The server answered 403 Forbidden right after credentials for ${user}. This server re-challenges wrong passwords with a fresh 401/407 (seen in this capture or typical of its software, ${hs.serverAgent ?? "unknown"}), so a 403 means it does not know the user, not that the password is wrong.`;
    return [finding("unknown_user", {
      title: `User ${user} is not provisioned on ${ep(hs.server)} (${last.status} after credentials${verifiedOk ? ", password verified" : ""})`,
      subject, evidence, filter,
      explanation: why,
      fix: [
        `Check that the account "${hs.username ?? hs.fromUser ?? ""}" exists on the server${hs.realm ? ` for realm/domain ${hs.realm}` : ""} (subscriber table, PBX extension).`,
        "Check the phone's authentication user name (auth ID) — it often differs from the extension number or display name.",
        "If the account exists, check whether it is disabled, or restricted to other source addresses (ACL / permit).",
      ],
    })];
  }

  if (verifiedOk) {
    const reasons = correctPasswordReasons(hs, rejections);
    return [finding("credentials_rejected", {
      title: `Correct password for ${user}, rejected ${n}× by ${ep(hs.server)} (${hs.method})`,
      subject, evidence, filter,
      explanation:
        `The digest responses for ${user} verify with the password you gave, so the password in the phone is right; ` +
        `the server rejected them anyway. ${reasons.join(" ")}`,
      fix: [
        "Check the password (or HA1) stored on the server for this user and realm — it differs from the phone's.",
        "If the phone is behind a router, disable the router's SIP ALG (\"SIP helper\", \"SIP passthrough\") and capture on both sides of it: sip401 analyze lan.pcap wan.pcap shows any rewriting.",
        "Make the phone's digest uri equal the Request-URI (RFC 3261 §22.4): use the registrar's real address, not a VIP or an alias rewritten on the way.",
      ],
    })];
  }

  const certain = verifiedBad ? " (verified: the digest does not match the known password)" : "";
  const forbids = last.status === 403;
  return [finding("bad_credentials", {
    title: `${n >= 2 ? "Repeated bad credentials" : "Bad credentials"} for ${user}: ${n} authenticated ${hs.method}${n === 1 ? "" : "s"} rejected${certain}`,
    subject, evidence, filter,
    explanation:
      (forbids
        ? `The server answered 403 Forbidden to the credentials of ${user} (${over})${style === "forbids_wrong_password" ? `; ${hs.serverAgent ?? "this server"} answers wrong passwords this way` : ""}. `
        : `Each authenticated ${hs.method} of ${user} (${over}) was answered with a fresh ${last.status} challenge whose nonce is not stale: the server checked the digest and it did not match. `) +
      (verifiedBad ? "Recomputing the digest with the known password proves the phone sends a different password." : "A wrong password is the usual cause (or a wrong authentication user name / realm).") +
      (n >= 2 ? ` The client retried ${n} times with the same result; many servers lock the account or ban the address after repeated failures.` : ""),
    fix: [
      `Re-enter the SIP password for ${hs.username ?? hs.fromUser ?? "the user"} in the phone/softphone (the SIP account password, not the web portal or voicemail PIN).`,
      "Check the authentication user name (auth ID) and that the realm/domain match the server's account.",
      "Verify offline before touching the phone: sip401 analyze CAPTURE --credentials FILE says for certain whether the password matches.",
      ...(n >= 2 ? ["If the server bans addresses after failures (fail2ban, pike), unblock the client's address after fixing the password."] : []),
    ],
    severity: "error",
  })];
}

/** correctPasswordReasons lists, from evidence, why a correct digest might still fail. */
function correctPasswordReasons(hs: Handshake, rejections: AuthAttempt[]): string[] {
  const reasons: string[] = [];
  for (const a of rejections) {
    if (a.credentials?.uri && a.requestUri && !sameUri(a.credentials.uri, a.requestUri)) {
      reasons.push(`The digest uri "${a.credentials.uri}" differs from the Request-URI "${a.requestUri}" (frame ${a.frame}); a server that checks uri = Request-URI, or a device that rewrote one of them, explains the failure.`);
      break;
    }
  }
  if (isPrivateIp(hs.client.ip) && hs.client.ip !== hs.server.ip) {
    const via = isPrivateIp(hs.server.ip) ? `through ${hs.server.ip} (a router or VIP on the same private network)` : `to the public server ${hs.server.ip}`;
    reasons.push(`The client (${hs.client.ip}) is on a private network and its requests go ${via}: a SIP ALG in the router may be rewriting them (the digest uri included) after this capture point.`);
  }
  if (reasons.length === 0) reasons.push("Nothing in the capture contradicts the digest, so the server holds a different password or HA1 for this user (e.g. an HA1 computed for another realm).");
  return reasons;
}

/**
 * stale reports credentials built on an expired or replaced nonce (RFC 7616 §3.3 stale=true), and
 * whether the client recovered by retrying with the new nonce.
 */
function stale(hs: Handshake, nonceOf: (n: string | undefined) => NonceRecord | undefined): Finding[] {
  const idx = hs.attempts.findIndex((a) => a.credentials && (a.challenge?.stale || (nonceOf(a.credentials.nonce)?.replacedAtFrame ?? Infinity) < a.frame));
  if (idx < 0) return [];
  const a = hs.attempts[idx];
  const rec = nonceOf(a.credentials?.nonce);
  const later = hs.attempts.slice(idx + 1);
  const recovered = later.find((x) => x.status !== undefined && x.status >= 200 && x.status < 300);
  const evidence: Evidence[] = [];
  const age = rec ? ` issued in frame ${rec.issuedFrame}, ${seconds(a.tsNs - rec.issuedTsNs)} s earlier` : "";
  evidence.push({ frame: a.frame, capture: hs.capture, text: `${hs.method} reuses nonce "${short(a.credentials?.nonce)}"${age} (nc=${a.credentials?.nc ?? "-"})` });
  if (a.responseFrame !== undefined) {
    evidence.push({ frame: a.responseFrame, capture: hs.capture, text: `${a.status} ${a.challenge?.stale ? "with stale=true: the credentials were right, the nonce had expired" : "re-challenge"}; new nonce "${short(a.challenge?.nonce)}"` });
  }
  if (recovered) {
    evidence.push({ frame: recovered.frame, capture: hs.capture, text: `${hs.method} retried with the new nonce (nc=${recovered.credentials?.nc ?? "-"})` });
    if (recovered.responseFrame !== undefined) evidence.push({ frame: recovered.responseFrame, capture: hs.capture, text: `${recovered.status} ${recovered.reason ?? ""}`.trim() });
  }
  return [finding("stale_nonce", {
    title: recovered
      ? `Stale nonce on ${hs.method} for ${who(hs)}, recovered automatically`
      : `Stale nonce on ${hs.method} for ${who(hs)}, not recovered`,
    subject: subjectOf(hs),
    evidence,
    filter: callIdFilter(hs.callIds),
    severity: recovered ? "info" : "warning",
    explanation:
      `The client built its credentials on a nonce the server no longer accepts${age ? ` (${age.trim()})` : ""}. ` +
      (a.challenge?.stale ? "The server said so with stale=true, which means the password itself was right (RFC 7616 §3.3). " : "") +
      (recovered
        ? "The client retried with the fresh nonce and succeeded: this is not a password problem."
        : "The client did not retry with the fresh nonce, so the request failed even though the password may be right."),
    fix: recovered
      ? ["Nothing is broken. To avoid the extra round trip, make the server's nonce lifetime longer than the client's refresh interval, or let the client request a fresh challenge."]
      : ["Update the client firmware: it must retry with the new nonce after stale=true (RFC 7616 §3.3).", "Lengthen the server's nonce lifetime (e.g. Kamailio nonce_expire) above the registration refresh interval."],
  })];
}

/** sameUri compares two SIP URIs by scheme, user, host and port (parameters aside). */
function sameUri(a: string, b: string): boolean {
  if (a === b) return true;
  const x = parseUri(a.replace(/^<|>$/g, ""), [], 0);
  const y = parseUri(b.replace(/^<|>$/g, ""), [], 0);
  return x.scheme === y.scheme && x.user === y.user && x.host?.toLowerCase() === y.host?.toLowerCase() && (x.port ?? 0) === (y.port ?? 0);
}

/** mismatches reports digest uri, realm and algorithm disagreements within a cycle. */
function mismatches(hs: Handshake): Finding[] {
  const out: Finding[] = [];
  let challenge = undefined as AuthAttempt["challenge"];
  let uriDone = false;
  let realmDone = false;
  let algDone = false;
  for (const a of hs.attempts) {
    const c = a.credentials;
    if (c) {
      const failed = isRejection(a);
      const severity = failed ? "error" : "warning";
      if (!uriDone && c.uri && a.requestUri && !sameUri(c.uri, a.requestUri)) {
        uriDone = true;
        const hosts = [parseUri(c.uri, [], 0).host ?? "", parseUri(a.requestUri, [], 0).host ?? ""];
        const alg = hosts.some((h) => isPrivateIp(h)) && hosts.some((h) => !isPrivateIp(h));
        out.push(finding("digest_uri_mismatch", {
          title: `Digest uri "${c.uri}" ≠ Request-URI "${a.requestUri}" for ${who(hs)}${failed ? " (request rejected)" : " (accepted by this server)"}`,
          subject: subjectOf(hs),
          evidence: [
            { frame: a.frame, capture: hs.capture, text: `${hs.method} ${a.requestUri} carries ${c.header} uri="${c.uri}"` },
            ...(a.responseFrame !== undefined ? [{ frame: a.responseFrame, capture: hs.capture, text: `${a.status} ${a.reason ?? ""}`.trim() }] : []),
          ],
          severity,
          explanation:
            `RFC 3261 §22.4 requires the digest uri to equal the Request-URI. Here they differ${alg ? " — one names a private address, the other a public one, the typical footprint of a SIP ALG that rewrote one of them in transit" : ""}. ` +
            (failed ? "The server rejected the request." : "This server accepted it (it computes the digest over the uri parameter), but a stricter registrar rejects it, and a device rewriting requests can break authentication at any time."),
          fix: [
            ...(alg ? ["Disable the SIP ALG on the router between the phone and the server, then capture again."] : []),
            "Configure the phone with the registrar's real domain or address so that Request-URI and digest uri agree.",
          ],
        }));
      }
      if (!realmDone && challenge?.realm !== undefined && c.realm !== undefined && c.realm !== challenge.realm) {
        realmDone = true;
        out.push(finding("realm_mismatch", {
          title: `Credentials for realm "${c.realm}" answer a challenge for realm "${challenge.realm}" (${who(hs)})`,
          subject: subjectOf(hs),
          evidence: [
            { frame: challenge.frame, capture: hs.capture, text: `${challenge.status} challenge for realm "${challenge.realm}"` },
            { frame: a.frame, capture: hs.capture, text: `${c.header} with realm="${c.realm}"` },
          ],
          severity,
          explanation: `The client answered the challenge with credentials for another realm (protection space, RFC 7616 §3.3). The server computes the expected digest over its own realm, so the response cannot match even with the right password.`,
          fix: ["Set the phone's authentication realm/domain to the realm the server announces, or leave it empty so the phone takes it from the challenge."],
        }));
      }
      if (!realmDone && c.username?.includes("@") && c.realm && !c.username.endsWith(`@${c.realm}`)) {
        realmDone = true;
        out.push(finding("realm_mismatch", {
          title: `Username "${c.username}" names a domain other than the realm "${c.realm}"`,
          subject: subjectOf(hs),
          evidence: [{ frame: a.frame, capture: hs.capture, text: `${c.header} username="${c.username}" realm="${c.realm}"` }],
          severity: failed ? "error" : "info",
          explanation: "The authentication user name carries a domain that does not match the digest realm; most servers expect the bare user name.",
          fix: ["Use the bare user name (without @domain) as the phone's authentication ID unless the provider says otherwise."],
        }));
      }
      if (!algDone && challenge) {
        const offered = challenge.algorithmsOffered;
        if (!offered.includes(c.algorithm)) {
          algDone = true;
          out.push(finding("algorithm_mismatch", {
            title: `${who(hs)} answered with ${c.algorithm}; the challenge offered ${offered.join(", ")}`,
            subject: subjectOf(hs),
            evidence: [
              { frame: challenge.frame, capture: hs.capture, text: `${challenge.status} offers algorithm ${offered.join(", ")}` },
              { frame: a.frame, capture: hs.capture, text: `${c.header} with algorithm=${c.algorithm}` },
            ],
            severity: failed ? "error" : "warning",
            explanation: `The client used a digest algorithm the server did not offer (RFC 7616 §3.3, RFC 8760); the server cannot verify it.`,
            fix: ["Update or configure the phone to support the server's algorithm (SHA-256 per RFC 8760), or enable MD5 on the server for legacy phones."],
          }));
        } else if (offered[0]?.startsWith("SHA-256") && c.algorithm === "MD5" && offered.length > 1) {
          algDone = true;
          out.push(finding("algorithm_mismatch", {
            title: `${who(hs)} ignores the SHA-256 challenge and answers with MD5`,
            subject: subjectOf(hs),
            evidence: [{ frame: challenge.frame, capture: hs.capture, text: `${challenge.status} offers ${offered.join(", ")}` }, { frame: a.frame, capture: hs.capture, text: `${c.header} with algorithm=MD5` }],
            severity: "info",
            explanation: "RFC 8760 lets servers offer SHA-256 first; this client only speaks MD5. It works while the server keeps MD5 enabled.",
            fix: ["Plan a firmware upgrade that supports SHA-256 digest before the server disables MD5."],
          }));
        }
      }
    }
    if (a.challenge) challenge = a.challenge;
  }
  return out;
}

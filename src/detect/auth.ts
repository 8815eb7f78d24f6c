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

/** IdAttempt is one authenticated attempt with the cycle it belongs to. */
interface IdAttempt {
  hs: Handshake;
  a: AuthAttempt;
  /** The challenge this attempt answers (the previous 401/407 of its cycle). */
  challenge?: AuthAttempt["challenge"];
  /** Seconds from the challenge to this answer, when it is the nonce's first use. */
  answerDelayS?: number;
}

/** Identity is one user (credentials' username) from one client host to one server, all methods. */
interface Identity {
  user: string;
  /** Methods the user authenticated with, in order of first use. */
  methods: string[];
  /** Authenticated attempts in time order. */
  attempts: IdAttempt[];
  last: Handshake;
}

/**
 * Age beyond which a refused nonce has most likely expired on the server. Registrars keep nonces
 * from a few seconds (Kamailio's default nonce_expire is 30 s) to a few minutes.
 */
const NONCE_EXPIRY_S = 30;

/** nonceAgeS is how old the nonce an attempt used was, when the capture shows its challenge. */
function nonceAgeS(ia: IdAttempt, nonceOf: (n: string | undefined) => NonceRecord | undefined): number | undefined {
  const rec = nonceOf(ia.a.credentials?.nonce);
  return rec ? Number((ia.a.tsNs - rec.issuedTsNs) / 1_000_000n) / 1000 : undefined;
}

/**
 * nonceRefused: a refusal the nonce explains — the server says so (stale=true, or a reason phrase
 * naming the nonce), or it re-challenged an old nonce of credentials that work elsewhere.
 */
function nonceRefused(ia: IdAttempt, accepted: boolean, nonceOf: (n: string | undefined) => NonceRecord | undefined): boolean {
  const a = ia.a;
  if (a.status !== 401 && a.status !== 407) return false;
  if (a.challenge?.stale || reasonHint(a.reason) === "nonce") return true;
  if ((nonceOf(a.credentials?.nonce)?.replacedAtFrame ?? Infinity) < a.frame) return true;
  return accepted && (nonceAgeS(ia, nonceOf) ?? 0) > NONCE_EXPIRY_S;
}

/** passedAuth: credentials the server accepted — any final answer but a challenge or a refusal. */
function passedAuth(method: string, a: AuthAttempt): boolean {
  if (!a.credentials || a.status === undefined || a.status < 200) return false;
  if (a.status === 401 || a.status === 407 || a.status === 403) return false;
  return !(method === "REGISTER" && a.status === 404);
}

/**
 * detectAuth groups authenticated attempts by identity — the username in the credentials (it can
 * change inside one registration when the user fixes the phone), the client host, the server and
 * the method — so repeated failures are counted once, and a success of the same user with the same
 * server (any method) weighs against "wrong password".
 */
export function detectAuth(ctx: DetectContext, scannerSources: Set<string>, rewrittenByAlg: Set<string>): Finding[] {
  const out: Finding[] = [];
  const all = ctx.correlations.flatMap((c) => c.handshakes);
  const styles = serverStyles(all);
  for (const c of ctx.correlations) {
    const nonceOf = (n: string | undefined): NonceRecord | undefined => (n ? c.nonces.get(n) : undefined);
    const identities = new Map<string, Identity>();
    const acceptedBy = new Map<string, IdAttempt>();
    for (const hs of c.handshakes) {
      if (scannerSources.has(`${hs.capture}|${hs.client.ip}`)) continue;
      if (hs.callIds.some((id) => rewrittenByAlg.has(id))) continue;
      let challenge: AuthAttempt["challenge"];
      for (const a of hs.attempts) {
        if (a.credentials) {
          const user = a.credentials.username ?? hs.fromUser ?? "";
          const rec = nonceOf(a.credentials.nonce);
          const first = rec?.uses[0]?.frame === a.frame;
          const ia: IdAttempt = { hs, a, challenge, answerDelayS: rec && first ? Number((a.tsNs - rec.issuedTsNs) / 1_000_000n) / 1000 : undefined };
          const key = `${user}|${a.credentials.realm ?? ""}|${hs.client.ip}|${ep(hs.server)}`;
          let id = identities.get(key);
          if (!id) identities.set(key, (id = { user, methods: [], attempts: [], last: hs }));
          if (!id.methods.includes(hs.method)) id.methods.push(hs.method);
          id.attempts.push(ia);
          const acceptKey = `${user}|${a.credentials.realm ?? ""}|${hs.server.ip}`;
          if (passedAuth(hs.method, a) && !acceptedBy.has(acceptKey)) acceptedBy.set(acceptKey, ia);
        }
        if (a.challenge) challenge = a.challenge;
      }
    }
    const uriAccepted = new Set<string>();
    for (const id of identities.values()) {
      id.attempts.sort((x, y) => (x.a.tsNs < y.a.tsNs ? -1 : x.a.tsNs > y.a.tsNs ? 1 : 0));
      id.last = id.attempts[id.attempts.length - 1].hs;
      for (const { hs, a } of id.attempts) {
        if (a.credentials?.uri && a.requestUri && !sameUri(a.credentials.uri, a.requestUri) && passedAuth(hs.method, a)) uriAccepted.add(ep(hs.server));
      }
    }
    for (const [key, id] of identities) {
      const [user, realm] = key.split("|");
      const accepted = acceptedBy.get(`${user}|${realm}|${id.last.server.ip}`);
      out.push(...rejected(ctx, id, accepted, styles.get(serverKey(id.last)) ?? "unknown", nonceOf));
      out.push(...stale(id, accepted !== undefined, nonceOf));
      out.push(...mismatches(id, uriAccepted.has(ep(id.last.server))));
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

/** ReasonHint is what a server's reason phrase says about a rejection. */
type ReasonHint = "password" | "user" | "nonce" | undefined;

/** reasonHint reads reason phrases such as "403 Wrong password" or "401 nonce has changed". */
function reasonHint(reason: string | undefined): ReasonHint {
  if (!reason) return undefined;
  if (/nonce|stale|expired/i.test(reason)) return "nonce";
  if (/password|credential|authenticat|wrong|invalid|bad auth/i.test(reason)) return "password";
  if (/not found|unknown|no such|not exist|user/i.test(reason)) return "user";
  return undefined;
}

/**
 * rejected reports an identity whose credentials were refused and never accepted afterwards: wrong
 * password, unknown user, or — when the password verifies, or the same credentials were accepted
 * elsewhere — a rejection for another reason. Refusals the server blames on the nonce are left to
 * the stale-nonce detector.
 */
function rejected(
  ctx: DetectContext,
  id: Identity,
  accepted: IdAttempt | undefined,
  style: ServerStyle,
  nonceOf: (n: string | undefined) => NonceRecord | undefined,
): Finding[] {
  const rejections = id.attempts.filter((ia) => isRejection(ia.a) && !nonceRefused(ia, accepted !== undefined, nonceOf));
  if (rejections.length === 0) return [];
  const lastTry = id.attempts[id.attempts.length - 1];
  // Got through in the end: the refusals were transient — worth a warning only when they cost
  // something other than a retry (a failed call), or kept coming back.
  const transient = passedAuth(lastTry.hs.method, lastTry.a);
  if (transient && !rejections.some((r) => r.hs.method !== "REGISTER") && rejections.length < 2) return [];
  const hs = rejections[rejections.length - 1].hs;
  const last = rejections[rejections.length - 1].a;
  const method = hs.method;
  const methods = [...new Set(rejections.map((r) => r.hs.method))];
  const verdicts = rejections.map(({ hs: c, a }) => verificationOf(ctx, c, a));
  const verifiedOk = verdicts.includes("match");
  const verifiedBad = verdicts.length > 0 && verdicts.every((v) => v === "mismatch");
  const evidence: Evidence[] = rejections.flatMap(({ hs: c, a }, i) => attemptEvidence(c, a, verdicts[i]));
  const cycles = [...new Set(rejections.map((r) => r.hs))];
  const firstChallenge = cycles.length === 1 ? cycles[0].attempts.find((a) => !a.credentials && a.responseFrame !== undefined) : undefined;
  if (firstChallenge?.responseFrame !== undefined) {
    evidence.push({ frame: firstChallenge.responseFrame, capture: hs.capture, text: `${firstChallenge.status} challenge: realm "${firstChallenge.challenge?.realm ?? ""}", algorithm ${firstChallenge.challenge?.algorithm ?? "MD5"}` });
  }
  const callIds = [...new Set(rejections.map((r) => r.a.callId))];
  const subject = { ...subjectOf(hs), user: id.user, callId: callIds.length === 1 ? callIds[0] : undefined };
  const filter = callIdFilter(callIds);
  const n = rejections.length;
  const over = `${hs.transport}, ${ep(hs.client)} → ${ep(hs.server)}`;
  const user = hs.realm ? `${id.user}@${hs.realm}` : id.user;
  const hint = reasonHint(last.reason);
  const register = method === "REGISTER";

  // 404, and 403 from a server that re-challenges wrong passwords, mean "no such user" — for
  // REGISTER. For other methods they concern the target (a mailbox, a number), not the caller.
  if (last.status === 404 || last.status === 403) {
    if (!register && !(last.status === 403 && (style === "forbids_wrong_password" || hint === "password" || verifiedBad))) return [];
    const unknown =
      hint === "user" || last.status === 404 ||
      (!verifiedBad && hint !== "password" && (style === "rechallenges_wrong_password" || verifiedOk));
    if (unknown && register) {
      const why =
        last.status === 404
          ? `The server answered 404 Not Found to credentials for ${user}: the identity does not exist there.`
          : verifiedOk
            ? `The digest for ${user} verifies with the known password, and the server still answered 403 Forbidden: it does not accept this identity at all — not provisioned, disabled, or not allowed from this address.`
            : hint === "user"
              ? `The server answered "${last.status} ${last.reason}" to the credentials of ${user}.`
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
  }

  if (verifiedOk || ((accepted || transient) && !verifiedBad)) {
    accepted ??= lastTry;
    const reasons = correctPasswordReasons(hs, rejections.map((r) => r.a));
    const delays = rejections.map((r) => r.answerDelayS).filter((d): d is number => d !== undefined);
    if (delays.length > 0 && Math.min(...delays) >= 10) {
      reasons.unshift(`The client answered each challenge ${Math.min(...delays).toFixed(0)}–${Math.max(...delays).toFixed(0)} s after it was issued; servers expire nonces after a few seconds to a minute, so the nonce had most likely expired (some servers then say "wrong password").`);
    }
    if (accepted && !verifiedOk) reasons.unshift(`The same credentials were accepted in frame ${accepted.a.responseFrame ?? accepted.a.frame} (${accepted.hs.method}), so the password itself is right.`);
    return [finding("credentials_rejected", {
      title: `${verifiedOk ? "Correct password" : "Working credentials"} for ${user}, rejected ${n}× by ${ep(hs.server)} (${methods.join(", ")})${transient ? "; later accepted" : ""}`,
      severity: transient ? "warning" : "error",
      subject, evidence, filter,
      explanation:
        (verifiedOk ? `The digest responses for ${user} verify with the password you gave, so the password in the phone is right; ` : `${user} authenticated successfully elsewhere in this capture; `) +
        `the server rejected these attempts anyway. ${reasons.join(" ")}`,
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
    title: `${n >= 2 ? "Repeated bad credentials" : "Bad credentials"} for ${user}: ${n} authenticated ${methods.length === 1 ? `${methods[0]}${n === 1 ? "" : "s"}` : `requests (${methods.join(", ")})`} rejected${certain}`,
    subject, evidence, filter,
    explanation:
      (forbids
        ? `The server answered "403 ${last.reason ?? "Forbidden"}" to the credentials of ${user} (${over})${style === "forbids_wrong_password" && hint !== "password" ? `; ${hs.serverAgent ?? "this server"} answers wrong passwords this way` : ""}. `
        : `Each authenticated ${method} of ${user} (${over}) was answered with a fresh ${last.status} challenge whose nonce is not stale: the server checked the digest and it did not match. `) +
      (verifiedBad ? "Recomputing the digest with the known password proves the phone sends a different password." : hint === "password" ? "The server's reason phrase says so explicitly." : "A wrong password is the usual cause (or a wrong authentication user name / realm).") +
      (n >= 2 ? ` The client retried ${n} times with the same result; many servers lock the account or ban the address after repeated failures.` : ""),
    fix: [
      `Re-enter the SIP password for ${id.user || "the user"} in the phone/softphone (the SIP account password, not the web portal or voicemail PIN).`,
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
 * stale reports credentials refused because of their nonce (RFC 7616 §3.3): a stale=true
 * challenge, a reason phrase blaming the nonce, or a rejected attempt whose nonce the server had
 * already replaced — and whether the client recovered. A slow client (long delay between the
 * challenge and its answer) is called out: it outlives short nonce lifetimes.
 */
function stale(id: Identity, accepted: boolean, nonceOf: (n: string | undefined) => NonceRecord | undefined): Finding[] {
  const incidents: IdAttempt[] = id.attempts.filter((ia) => nonceRefused(ia, accepted, nonceOf));
  if (incidents.length === 0) return [];
  const hs = id.last;
  const lastIncident = incidents[incidents.length - 1];
  const recoveredAt = id.attempts.slice(id.attempts.indexOf(lastIncident) + 1).find((x) => passedAuth(x.hs.method, x.a));
  const recovered = recoveredAt?.a;
  const evidence: Evidence[] = [];
  const delays: number[] = [];
  for (const { hs: c, a, answerDelayS } of incidents.slice(0, 6)) {
    const rec = nonceOf(a.credentials?.nonce);
    const age = rec ? ` issued in frame ${rec.issuedFrame}, ${seconds(a.tsNs - rec.issuedTsNs)} s earlier${answerDelayS === undefined ? " and used before" : ""}` : "";
    if (answerDelayS !== undefined) delays.push(answerDelayS);
    evidence.push({ frame: a.frame, capture: c.capture, text: `${c.method} with nonce "${short(a.credentials?.nonce)}"${age} (nc=${a.credentials?.nc ?? "-"})` });
    if (a.responseFrame !== undefined) {
      evidence.push({ frame: a.responseFrame, capture: c.capture, text: `${a.status} ${a.reason ?? ""}${a.challenge?.stale ? " with stale=true: the credentials were right, the nonce had expired" : ""}; new nonce "${short(a.challenge?.nonce)}"`.trim() });
    }
  }
  if (recovered) {
    evidence.push({ frame: recovered.frame, capture: recoveredAt.hs.capture, text: `${recoveredAt.hs.method} retried with a fresh nonce (nc=${recovered.credentials?.nc ?? "-"})` });
    if (recovered.responseFrame !== undefined) evidence.push({ frame: recovered.responseFrame, capture: recoveredAt.hs.capture, text: `${recovered.status} ${recovered.reason ?? ""}`.trim() });
  }
  const n = incidents.length;
  const slow = delays.length > 0 && Math.min(...delays) >= 5;
  const flapping = n >= 2;
  const anyStaleFlag = incidents.some((x) => x.a.challenge?.stale);
  return [finding("stale_nonce", {
    title:
      `Stale nonce on ${[...new Set(incidents.map((x) => x.hs.method))].join(", ")} for ${hs.realm ? `${id.user}@${hs.realm}` : id.user}${n > 1 ? ` (${n}×)` : ""}` +
      (recovered ? (flapping ? ", recovered each time only after failed attempts" : ", recovered automatically") : ", not recovered") +
      (slow ? `; the client answers challenges after ${Math.min(...delays).toFixed(1)} s` : ""),
    subject: { ...subjectOf(hs), user: id.user },
    evidence,
    filter: callIdFilter([...new Set(incidents.map((x) => x.a.callId))]),
    severity: recovered && !flapping ? "info" : "warning",
    explanation:
      `The server refused credentials because of their nonce, not their password${anyStaleFlag ? " (it said so with stale=true, RFC 7616 §3.3)" : incidents.some((x) => reasonHint(x.a.reason) === "nonce") ? ` (reason phrase "${incidents.find((x) => reasonHint(x.a.reason) === "nonce")?.a.reason}")` : ""}. ` +
      (slow ? `The client took ${Math.min(...delays).toFixed(1)} s or more to answer each challenge, longer than the server's nonce lifetime, so the nonce had expired by the time the credentials arrived. ` : "") +
      (recovered
        ? flapping ? "The client eventually got through, but only after repeated refusals: registrations flap and calls can fail in between." : "The client retried with the fresh nonce and succeeded: this is not a password problem."
        : "The client did not retry with the fresh nonce, so the request failed even though the password may be right."),
    fix: [
      ...(slow ? ["Find why the client answers challenges so late (CPU, DNS lookups, a slow user-agent) and update its firmware; or lengthen the server's nonce lifetime beyond that delay."] : []),
      ...(recovered && !flapping && !slow ? ["Nothing is broken. To avoid the extra round trip, make the server's nonce lifetime longer than the client's refresh interval."] : []),
      ...(!recovered ? ["Update the client firmware: it must retry with the new nonce after stale=true (RFC 7616 §3.3)."] : []),
      "Lengthen the server's nonce lifetime (e.g. Kamailio nonce_expire, Asterisk: nonce per dialog) above the registration refresh interval.",
    ],
  })];
}

/** sameUri compares two SIP URIs by scheme, user, host and port (parameters aside). */
function sameUri(a: string, b: string): boolean {
  if (a === b) return true;
  const x = parseUri(a.replace(/^<|>$/g, ""), [], 0);
  const y = parseUri(b.replace(/^<|>$/g, ""), [], 0);
  return x.scheme === y.scheme && x.user === y.user && x.host?.toLowerCase() === y.host?.toLowerCase() && (x.port ?? 0) === (y.port ?? 0);
}

/**
 * mismatches reports digest uri, realm and algorithm disagreements of an identity, once each. A
 * mismatch the server accepted somewhere is a warning; one it never accepted is an error.
 */
function mismatches(id: Identity, acceptedUriMismatch: boolean): Finding[] {
  const out: Finding[] = [];
  const hs = id.last;
  let uriDone = false;
  let realmDone = false;
  let algDone = false;
  for (const { a, challenge } of id.attempts) {
    const c = a.credentials;
    if (c) {
      const failed = isRejection(a) && !acceptedUriMismatch;
      const severity = failed ? "error" : "warning";
      if (!uriDone && c.uri && a.requestUri && !sameUri(c.uri, a.requestUri)) {
        uriDone = true;
        const hosts = [parseUri(c.uri, [], 0).host ?? "", parseUri(a.requestUri, [], 0).host ?? ""];
        const alg = hosts.some((h) => isPrivateIp(h)) && hosts.some((h) => !isPrivateIp(h));
        out.push(finding("digest_uri_mismatch", {
          title: `Digest uri "${c.uri}" ≠ Request-URI "${a.requestUri}" for ${who(hs)}${failed ? " (request rejected)" : acceptedUriMismatch ? " (accepted by this server)" : ""}`,
          subject: subjectOf(hs),
          evidence: [
            { frame: a.frame, capture: hs.capture, text: `${hs.method} ${a.requestUri} carries ${c.header} uri="${c.uri}"` },
            ...(a.responseFrame !== undefined ? [{ frame: a.responseFrame, capture: hs.capture, text: `${a.status} ${a.reason ?? ""}`.trim() }] : []),
          ],
          severity,
          explanation:
            `RFC 3261 §22.4 requires the digest uri to equal the Request-URI. Here they differ${alg ? " — one names a private address, the other a public one, the typical footprint of a SIP ALG that rewrote one of them in transit" : ""}. ` +
            (failed ? "The server rejected the request." : acceptedUriMismatch ? "This server accepted it (it computes the digest over the uri parameter), but a stricter registrar rejects it, and a device rewriting requests can break authentication at any time." : "A strict registrar rejects such requests."),
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
      if (!realmDone && failed && c.username?.includes("@") && c.realm && !c.username.endsWith(`@${c.realm}`)) {
        realmDone = true;
        out.push(finding("realm_mismatch", {
          title: `Username "${c.username}" names a domain other than the realm "${c.realm}"`,
          subject: subjectOf(hs),
          evidence: [{ frame: a.frame, capture: hs.capture, text: `${c.header} username="${c.username}" realm="${c.realm}"` }],
          severity: "warning",
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
  }
  return out;
}

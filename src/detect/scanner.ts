/**
 * Scanners and brute force: one source trying many identities, or a known scanner fingerprint
 * (SIPVicious "friendly-scanner" and kin); and servers whose 401-vs-403 answers tell an attacker
 * which users exist.
 */
import type { Handshake, Registration } from "../correlate/model.js";
import { formatEndpoint } from "../net/addr.js";
import { ep, finding, isRejection, seconds, type DetectContext } from "./context.js";
import type { Finding } from "./model.js";
import type { SourceStats } from "./observe.js";

/** Distinct identities from one source that make it a scan rather than a misconfigured PBX. */
const MIN_IDENTITIES = 10;

/** Share of a source's registrations that must fail for many identities to look like guessing. */
const MIN_FAILED_SHARE = 0.8;

/**
 * scannerSources returns the `capture|ip` keys of sources that behave like scanners: a scanner
 * User-Agent, or REGISTERs for many identities that nearly all fail. (A proxy or SBC also
 * registers many users from one address — but they succeed; a trunk sends INVITEs for many users.)
 */
export function scannerSources(ctx: DetectContext): Map<string, SourceStats> {
  const out = new Map<string, SourceStats>();
  // Registrations grouped by source once (sources × registrations comparisons would be quadratic).
  const bySource = new Map<string, Registration[]>();
  for (const c of ctx.correlations) {
    for (const r of c.registrations) {
      const key = `${r.capture}|${r.client.ip}`;
      const list = bySource.get(key);
      if (list) list.push(r);
      else bySource.set(key, [r]);
    }
  }
  for (const [key, s] of ctx.observations.sources) {
    if (s.scannerAgent) {
      out.set(key, s);
      continue;
    }
    const mine = bySource.get(key) ?? [];
    const failed = mine.filter((r) => r.outcome === "failed" || r.outcome === "timeout").length;
    if (mine.length >= MIN_IDENTITIES && failed >= MIN_FAILED_SHARE * mine.length) out.set(key, s);
  }
  return out;
}

export function detectScanners(ctx: DetectContext, scanners: Map<string, SourceStats>): Finding[] {
  const out: Finding[] = [];
  const handshakes = ctx.correlations.flatMap((c) => c.handshakes);
  for (const [key, s] of scanners) {
    const mine = handshakes.filter((h) => `${h.capture}|${h.client.ip}` === key);
    const won = mine.filter((h) => h.outcome === "success");
    const methods = Object.entries(s.methods).map(([m, n]) => `${n} ${m}`).join(", ");
    const span = seconds(s.lastTsNs - s.firstTsNs);
    const names = [...s.identities].slice(0, 12);
    const bruteForce = (s.methods.REGISTER ?? 0) > 0;
    const outcome = !bruteForce ? "" : won.length === 0 ? ", all rejected" : `, ${won.length} SUCCEEDED`;
    out.push(finding("scanner", {
      title: bruteForce
        ? `SIP registration scan / brute force from ${s.ip}${s.scannerAgent ? ` (${s.scannerAgent})` : ""}: ${s.identityCount} username${s.identityCount === 1 ? "" : "s"}, ${s.requests} requests (${methods}) in ${span} s${outcome}`
        : `SIP scanner probe from ${s.ip}${s.scannerAgent ? ` (${s.scannerAgent})` : ""}: ${s.requests} request${s.requests === 1 ? "" : "s"} (${methods})`,
      subject: { client: s.ip },
      evidence: s.frames.slice(0, 6).map((f, i) => ({ frame: f, capture: s.capture, text: i === 0 ? `first request from ${s.ip}${s.scannerAgent ? `, User-Agent "${s.scannerAgent}"` : ""}` : "request trying another identity" })),
      filter: `ip.src == ${s.ip} && sip.Method`,
      severity: won.length > 0 ? "error" : "warning",
      explanation:
        `${s.ip} sent ${s.requests} requests trying ${s.identityCount} different identities (${names.join(", ")}${s.identityCount > names.length ? ", …" : ""})` +
        (s.scannerAgent ? ` with the User-Agent of a known SIP scanner ("${s.scannerAgent}")` : "") +
        (bruteForce
          ? `. This is an automated scan for accounts with guessable passwords, not a customer's phone. ` +
            (won.length > 0 ? `It obtained a successful registration for ${won.map((h) => h.username ?? h.fromUser).join(", ")}: treat those accounts as compromised.` : "Nothing was accepted.") +
            " Its failed attempts are not reported as separate credential problems."
          : ". Scanners probe with OPTIONS to find SIP servers to attack next; an answer tells them one is here."),
      fix: [
        `Block ${s.ip} at the edge firewall, and rate-limit or ban failed authentications automatically (fail2ban, Kamailio pike/htable, APIBan).`,
        "Make sure every account has a long random password, never equal to the user name or extension.",
        ...(won.length > 0 ? ["Change the passwords of the accounts the scanner registered and check for fraudulent calls."] : []),
      ],
    }));
  }
  out.push(...enumeration(handshakes, scanners));
  return out;
}

/**
 * enumeration: per server, users whose wrong credentials get a fresh 401/407 (the user exists)
 * versus users refused with 403/404 (the user does not) — a difference an attacker reads.
 */
function enumeration(handshakes: Handshake[], scanners: Map<string, SourceStats>): Finding[] {
  const byServer = new Map<string, { existing: Map<string, Handshake>; missing: Map<string, Handshake> }>();
  for (const h of handshakes) {
    const last = [...h.attempts].reverse().find(isRejection);
    const user = h.username ?? h.fromUser;
    if (!last || !user) continue;
    const key = `${h.capture}|${formatEndpoint(h.server.ip, h.server.port)}`;
    let g = byServer.get(key);
    if (!g) byServer.set(key, (g = { existing: new Map(), missing: new Map() }));
    // A refusal that names the nonce says nothing about the user; one that names the password
    // says the user exists (e.g. "403 Wrong password").
    if (/nonce|stale|expired/i.test(last.reason ?? "")) continue;
    if (last.status === 401 || last.status === 407 || /password/i.test(last.reason ?? "")) g.existing.set(user, h);
    else g.missing.set(user, h);
  }
  const out: Finding[] = [];
  for (const [, g] of byServer) {
    const fromScanner = [...g.existing.values(), ...g.missing.values()].some((h) => scanners.has(`${h.capture}|${h.client.ip}`));
    if (g.existing.size === 0 || g.missing.size < (fromScanner ? 1 : 2)) continue;
    const any = [...g.existing.values()][0];
    const existing = [...g.existing.keys()];
    const evidence = [...g.existing.values()].slice(0, 3).concat([...g.missing.values()].slice(0, 3)).flatMap((h) => {
      const a = [...h.attempts].reverse().find(isRejection);
      return a?.responseFrame !== undefined ? [{ frame: a.responseFrame, capture: h.capture, text: `${a.status} ${a.reason ?? ""} to wrong credentials for "${h.username ?? h.fromUser}"`.trim() }] : [];
    });
    out.push(finding("user_enumeration", {
      title: `${ep(any.server)} reveals which users exist: wrong passwords of ${existing.join(", ")} get a new challenge, unknown users get 403/404`,
      subject: { server: ep(any.server) },
      evidence,
      explanation:
        `To wrong credentials the server answers existing users with a fresh challenge and unknown users with 403/404. Anyone can therefore learn that ${existing.join(", ")} exist${fromScanner ? " — and the scanner in this capture just did" : ""}, and focus password guessing on them.`,
      fix: [
        "Answer unknown users exactly like wrong passwords (Asterisk: alwaysauthreject=yes; Kamailio: auth_challenge() for both auth_check() results -2 and -3).",
        `Make sure ${existing.join(", ")} have strong passwords, and rate-limit failed authentications.`,
      ],
    }));
  }
  return out;
}

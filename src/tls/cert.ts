/**
 * X.509 certificates (RFC 5280) as a report needs them, decoded with node's X509Certificate, and
 * the service identity check of RFC 6125 (which names a certificate is valid for; RFC 5922 §7.2
 * applies it to SIP over TLS).
 */
import { X509Certificate } from "node:crypto";
import type { CertInfo } from "./model.js";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * opensslTimeToIso converts OpenSSL's ASN1_TIME text ("Jan  1 00:00:00 2024 GMT", what node's
 * validFrom/validTo hold) to ISO-8601. Parsed by hand: Date's parsing of that shape is not
 * specified by ECMAScript. Returns "" when the text has another shape.
 */
export function opensslTimeToIso(s: string): string {
  const m = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)? (\d{4}) GMT$/.exec(s.trim());
  if (!m) return "";
  const month = MONTHS.indexOf(m[1]);
  if (month < 0) return "";
  const t = Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
  return Number.isFinite(t) ? new Date(t).toISOString() : "";
}

/** dnAttr returns the last value of attribute `key` in node's newline-separated DN text. */
function dnAttr(dn: string, key: string): string | undefined {
  let found: string | undefined;
  for (const line of dn.split("\n")) if (line.startsWith(`${key}=`)) found = line.slice(key.length + 1);
  return found;
}

/**
 * splitSan splits node's subjectAltName text ("DNS:a, IP Address:1.2.3.4"). Since Node 17.3.1
 * values with separators inside are JSON-quoted (`DNS:"a, b"`), so quotes are honoured.
 */
export function splitSan(san: string | undefined): { dns: string[]; ip: string[] } {
  const out = { dns: [] as string[], ip: [] as string[] };
  if (!san) return out;
  const re = /([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g;
  for (let m = re.exec(san); m !== null && m[0].length > 0; m = re.exec(san)) {
    let value = m[2];
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        value = value.slice(1, -1);
      }
    }
    if (m[1] === "DNS") out.dns.push(value);
    else if (m[1] === "IP Address") out.ip.push(value);
  }
  return out;
}

function publicKeyText(x: X509Certificate): string {
  const k = x.publicKey;
  const type = (k.asymmetricKeyType ?? "unknown").toUpperCase();
  const d = k.asymmetricKeyDetails;
  if (d?.modulusLength) return `${type} ${d.modulusLength}`;
  if (d?.namedCurve) return `${type} ${d.namedCurve}`;
  return type;
}

/**
 * describeCertificate decodes one DER certificate. Returns a reason string instead of throwing
 * when the bytes are not a certificate node can read.
 */
export function describeCertificate(der: Uint8Array): CertInfo | string {
  let x: X509Certificate;
  try {
    x = new X509Certificate(der);
  } catch (e) {
    return e instanceof Error ? e.message : "not an X.509 certificate";
  }
  const san = splitSan(x.subjectAltName);
  let selfSigned = false;
  if (x.subject === x.issuer) {
    // Same names are not enough (a CA may reuse a name): the signature must verify with the
    // certificate's own key (RFC 5280 §6.1: a self-signed certificate is its own trust anchor).
    try {
      selfSigned = x.verify(x.publicKey);
    } catch {
      selfSigned = false;
    }
  }
  let publicKey = "unknown";
  try {
    publicKey = publicKeyText(x);
  } catch {
    // Keys node cannot import (exotic curves) still leave the rest of the certificate readable.
  }
  return {
    subject: x.subject.split("\n").join(", "),
    subjectCN: dnAttr(x.subject, "CN"),
    issuer: x.issuer.split("\n").join(", "),
    issuerCN: dnAttr(x.issuer, "CN"),
    sanDns: san.dns,
    sanIp: san.ip,
    validFrom: opensslTimeToIso(x.validFrom),
    validTo: opensslTimeToIso(x.validTo),
    serial: x.serialNumber.toUpperCase(),
    selfSigned,
    isCA: x.ca,
    publicKey,
    fingerprint256: x.fingerprint256,
    derBytes: der.length,
  };
}

/** normalizeHost lower-cases and strips one trailing dot (RFC 6125 §6.4.1 compares case-insensitively). */
function normalizeHost(h: string): string {
  const l = h.toLowerCase();
  return l.endsWith(".") ? l.slice(0, -1) : l;
}

/** isIpLiteral says whether a reference identity is an IP address (checked against iPAddress SANs). */
function isIpLiteral(h: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(h) || h.includes(":");
}

/** canonicalIp renders IPv6 comparably (node writes SAN IPv6 in upper case, uncompressed or not). */
function canonicalIp(ip: string): string {
  const s = ip.replace(/^\[|\]$/g, "").toLowerCase();
  if (!s.includes(":")) return s;
  const [head, tail = ""] = s.split("::");
  const h = head ? head.split(":") : [];
  const t = s.includes("::") && tail ? tail.split(":") : [];
  const fill = s.includes("::") ? Array(Math.max(0, 8 - h.length - t.length)).fill("0") : [];
  return [...h, ...fill, ...t].map((g) => g.replace(/^0+(?=.)/, "")).join(":");
}

/**
 * dnsNameMatches applies RFC 6125 §6.4.3: a presented name matches the reference name exactly, or
 * with a wildcard that is the whole left-most label and stands for exactly one label
 * (`*.example.test` matches `sip.example.test`, not `example.test` or `a.b.example.test`).
 * Partial-label wildcards (`s*.example.test`, a MAY in §6.4.3) are not honoured, as browsers and
 * most SIP stacks do not honour them either; a wildcard never matches an IP address.
 */
export function dnsNameMatches(presented: string, reference: string): boolean {
  const p = normalizeHost(presented);
  const r = normalizeHost(reference);
  if (p.length === 0 || r.length === 0) return false;
  if (!p.startsWith("*.")) return p === r;
  if (isIpLiteral(r)) return false;
  const dot = r.indexOf(".");
  if (dot <= 0) return false;
  const suffix = p.slice(2);
  // The wildcard must not cover a public suffix alone (`*.com`): require two labels after it.
  if (!suffix.includes(".")) return false;
  return r.slice(dot + 1) === suffix;
}

/**
 * certificateMatchesName checks a reference identity (SNI or SIP domain, or an IP address)
 * against a certificate: DNS names against dNSName SANs, falling back to the subject CN only when
 * there are no dNSName SANs (RFC 6125 §6.4.4); IP addresses against iPAddress SANs.
 */
export function certificateMatchesName(cert: CertInfo, reference: string): boolean {
  if (isIpLiteral(reference)) {
    const want = canonicalIp(reference);
    return cert.sanIp.some((ip) => canonicalIp(ip) === want);
  }
  if (cert.sanDns.length > 0) return cert.sanDns.some((n) => dnsNameMatches(n, reference));
  return cert.subjectCN !== undefined && dnsNameMatches(cert.subjectCN, reference);
}

/** certificateNames lists the names a certificate is valid for, for messages ("sip.example.test, 203.0.113.10"). */
export function certificateNames(cert: CertInfo): string[] {
  const names = [...cert.sanDns, ...cert.sanIp];
  if (names.length === 0 && cert.subjectCN) names.push(cert.subjectCN);
  return names;
}

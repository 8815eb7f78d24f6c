/**
 * TLS findings (src/detect/tls.ts): the lab capture's expired certificate, failed handshake and
 * non-verifying client, with Wireshark filters that really show the evidence; validity judged at
 * capture time; name checks; TLS 1.3 without keys.
 */
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { detectTls, isLikelySip } from "../../src/detect/tls.js";
import { describeCertificate } from "../../src/tls/cert.js";
import type { CertInfo, TlsSession } from "../../src/tls/model.js";
import { labCapture, LAB } from "../helpers/corpus.js";
import { hasTshark, tsharkFields } from "../helpers/tshark.js";
import { buildPcap, extract, extractFile, recordTls, registerSteps, TEST_CERT, type Recording } from "./helpers.js";

const LAB_PCAP = labCapture("tls_expired_cert");

function summary(findings: ReturnType<typeof detectTls>): string[] {
  return findings.map((f) => `${f.severity} ${f.code} ${f.evidence.map((e) => e.frame).join(",")}`);
}

describe("lab capture tls_expired_cert", () => {
  it("finds the expired certificate, the refused handshake, the self-signed certificate and the client that does not verify", async () => {
    const { sessions } = await extractFile(LAB_PCAP);
    const findings = detectTls(sessions);
    expect(summary(findings)).toEqual([
      "error tls_certificate_expired 6,8,17",
      "warning tls_self_signed 6,17",
      "error tls_handshake_failure 4,6,8",
      "warning tls_certificate_not_verified 17,19,21",
    ]);
    const [expired, , failure, lax] = findings;
    expect(expired.title).toBe("TLS certificate of 203.0.113.10:5061 (CN=sip.example.test) expired on 2024-01-01, 1058 days before the capture");
    expect(expired.evidence[0].text).toContain("notAfter 2024-01-01T00:00:00.000Z");
    expect(expired.evidence[0].text).toContain("(2026-11-24T05:13:14Z)");
    expect(expired.subject).toEqual({ server: "203.0.113.10:5061", client: undefined });
    expect(failure.title).toBe("TLS handshake with 203.0.113.10:5061 failed: client sent alert certificate_expired (45)");
    expect(failure.evidence[2].text).toBe("client sent fatal alert certificate_expired (45); the handshake ends here");
    expect(failure.filter).toBe("(tls.handshake.type == 1 || tls.handshake.type == 11 || tls.alert_message) && ip.addr == 198.51.100.20 && tcp.port == 5072");
    expect(lax.subject).toEqual({ client: "198.51.100.20:5071", server: "203.0.113.10:5061" });
    for (const f of findings) {
      expect(f.explanation.length).toBeGreaterThan(50);
      expect(f.fix.length).toBeGreaterThan(0);
    }
  });

  it("says the SIP was decrypted when the key log is given", async () => {
    const { sessions } = await extractFile(LAB_PCAP, readFileSync(join(LAB, "tls_expired_cert.keys"), "utf8"));
    const lax = detectTls(sessions).find((f) => f.code === "tls_certificate_not_verified");
    expect(lax?.evidence.map((e) => e.text)).toContain("client sends application data (SIP, decrypted): 2 record(s) in all");
  });

  it.skipIf(!hasTshark())("every filter shows its evidence frames in Wireshark", async () => {
    const { sessions } = await extractFile(LAB_PCAP);
    for (const f of detectTls(sessions)) {
      const shown = tsharkFields(LAB_PCAP, f.filter, ["frame.number"]).map((r) => Number(r[0]));
      expect(shown, `${f.code}: ${f.filter}`).toEqual(expect.arrayContaining(f.evidence.map((e) => e.frame)));
    }
  });
});

describe("validity and names on recorded sessions", () => {
  let rec: Recording;
  beforeAll(async () => {
    rec = await recordTls({ maxVersion: "TLSv1.2", ciphers: "ECDHE-ECDSA-AES128-GCM-SHA256", sni: "sip.example.test", steps: registerSteps("v@198.51.100.7") });
  });
  const at = (iso: string): bigint => BigInt(Date.parse(iso)) * 1_000_000n;

  it("judges validity at the capture time, not the current clock", async () => {
    const inside = await extract(buildPcap(rec.writes, { startNs: at("2027-06-01T00:00:00Z") }));
    expect(detectTls(inside.sessions).map((f) => f.code)).toEqual(["tls_self_signed"]);
    const after = await extract(buildPcap(rec.writes, { startNs: at("2031-03-01T12:00:00Z") }));
    expect(detectTls(after.sessions).map((f) => f.code)).toEqual(["tls_certificate_expired", "tls_self_signed", "tls_certificate_not_verified"]);
    const before = await extract(buildPcap(rec.writes, { startNs: at("2024-06-01T00:00:00Z") }));
    const nyv = detectTls(before.sessions);
    expect(nyv.map((f) => f.code)).toEqual(["tls_certificate_not_yet_valid", "tls_self_signed", "tls_certificate_not_verified"]);
    // Whole days: the certificate frame is a few ms after midnight, so 213 days and 23:59:59.99.
    expect(nyv[0].title).toContain("is valid only from 2025-01-01, 213 days after the capture");
  });

  it("checks the SNI against the certificate's DNS names, with RFC 6125 wildcards", async () => {
    const other = await recordTls({ maxVersion: "TLSv1.2", ciphers: "ECDHE-ECDSA-AES128-GCM-SHA256", sni: "other.example.test", steps: registerSteps("n@198.51.100.7") });
    const x = await extract(buildPcap(other.writes, { startNs: at("2027-06-01T00:00:00Z") }));
    const f = detectTls(x.sessions);
    expect(f.map((y) => y.code)).toEqual(["tls_certificate_name_mismatch", "tls_self_signed", "tls_certificate_not_verified"]);
    expect(f[0].title).toBe("TLS certificate of 192.0.2.10:5061 does not name other.example.test (SNI); it is for sip.example.test, *.pbx.example.test, 192.0.2.10");
    const wild = await recordTls({ maxVersion: "TLSv1.2", ciphers: "ECDHE-ECDSA-AES128-GCM-SHA256", sni: "east.pbx.example.test", steps: registerSteps("w@198.51.100.7") });
    const y = await extract(buildPcap(wild.writes, { startNs: at("2027-06-01T00:00:00Z") }));
    expect(detectTls(y.sessions).map((z) => z.code)).toEqual(["tls_self_signed"]);
  });

  it("without SNI, checks the SIP domain (from decrypted REGISTERs, or given by the caller)", async () => {
    const nosni = await recordTls({ maxVersion: "TLSv1.2", ciphers: "ECDHE-ECDSA-AES128-GCM-SHA256", steps: registerSteps("d@198.51.100.7") });
    const pcap = buildPcap(nosni.writes, { startNs: at("2027-06-01T00:00:00Z") });
    const plain = await extract(pcap);
    expect(detectTls(plain.sessions).map((f) => f.code)).toEqual(["tls_self_signed"]);
    expect(detectTls(plain.sessions, undefined, { domainFor: () => "sip.example.test" }).map((f) => f.code)).toEqual(["tls_self_signed"]);
    const decrypted = await extract(pcap, nosni.keylog);
    expect(decrypted.sessions[0].sipDomain).toBe("example.test");
    const f = detectTls(decrypted.sessions);
    expect(f.map((y) => y.code)).toEqual(["tls_certificate_name_mismatch", "tls_self_signed", "tls_certificate_not_verified"]);
    expect(f[0].title).toContain("does not name example.test (SIP domain)");
  });

  it("says the certificate is not visible for TLS 1.3 without keys", async () => {
    const r13 = await recordTls({ maxVersion: "TLSv1.3", sni: "sip.example.test", steps: registerSteps("t@198.51.100.7") });
    const x = await extract(buildPcap(r13.writes, { startNs: at("2031-03-01T00:00:00Z") }));
    const f = detectTls(x.sessions);
    expect(f.map((y) => `${y.severity} ${y.code}`)).toEqual(["info tls_certificate_not_visible"]);
    expect(f[0].filter).toBe("tls.handshake.type == 2 && ip.addr == 192.0.2.10 && tcp.port == 5061");
    // With the key log the certificate is decrypted and judged like any other.
    const y = await extract(buildPcap(r13.writes, { startNs: at("2031-03-01T00:00:00Z") }), r13.keylog);
    expect(detectTls(y.sessions).map((z) => z.code)).toEqual(["tls_certificate_expired", "tls_self_signed", "tls_certificate_not_verified"]);
  });
});

describe("on crafted sessions", () => {
  const cert = describeCertificate(new Uint8Array(new X509Certificate(TEST_CERT).raw)) as CertInfo;
  function session(p: Partial<TlsSession>): TlsSession {
    return {
      client: "198.51.100.9:40000", server: "192.0.2.10:5061", ipVersion: 4, capture: 0, firstFrame: 1, firstTsNs: 0n, lastFrame: 9,
      frames: { clientHello: 1, serverHello: 2, certificate: 2 }, offeredVersions: ["TLS 1.2"], offeredCipherCount: 10, certificates: [],
      clientCertificates: [], certificateRequested: false, alerts: [], encryptedAlerts: 0, applicationDataRecords: { client: 0, server: 0 },
      handshakeComplete: false, decrypted: false, undecryptedRecords: 0, sipMessages: 0, ...p,
    };
  }

  it("groups failed handshakes by server, sender and alert, and explains server-side refusals", () => {
    const alert = (frame: number) => ({ frame, tsNs: 0n, from: "server" as const, level: 2, description: 116, name: "certificate_required", decrypted: false });
    const s = [1, 2, 3].map((i) => session({ client: `198.51.100.9:4000${i}`, firstFrame: i * 10, frames: { clientHello: i * 10 }, alerts: [alert(i * 10 + 2)] }));
    const f = detectTls(s);
    expect(f.map((x) => x.code)).toEqual(["tls_handshake_failure"]);
    expect(f[0].title).toBe("TLS handshake with 192.0.2.10:5061 failed: server sent alert certificate_required (116) in 3 connections");
    expect(f[0].explanation).toContain("requires a client certificate");
    expect(f[0].evidence.map((e) => e.frame)).toEqual([10, 12, 20, 22, 30, 32]);
  });

  it("uses the capture start when a session has no timestamp, and ignores HTTPS next to the SIP", () => {
    const expired = { ...cert, validTo: "2020-01-01T00:00:00.000Z" };
    expect(detectTls([session({ certificates: [expired] })], "2021-01-01T00:00:00Z").map((f) => f.code)).toContain("tls_certificate_expired");
    expect(detectTls([session({ certificates: [expired] })]).map((f) => f.code)).not.toContain("tls_certificate_expired");
    const https = session({ server: "192.0.2.80:443", alpn: ["h2", "http/1.1"], certificates: [expired], firstTsNs: 1_700_000_000_000_000_000n });
    expect(isLikelySip(https)).toBe(false);
    expect(detectTls([https])).toEqual([]);
    expect(detectTls([https], undefined, { allSessions: true }).map((f) => f.code)).toContain("tls_certificate_expired");
    expect(isLikelySip(session({ server: "192.0.2.80:5071", sipMessages: 0 }))).toBe(true);
  });
});

/**
 * Certificate decoding (node X509Certificate) and the RFC 6125 identity check.
 */
import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { certificateMatchesName, describeCertificate, dnsNameMatches, opensslTimeToIso, splitSan } from "../../src/tls/cert.js";
import type { CertInfo } from "../../src/tls/model.js";
import { TEST_CERT } from "./helpers.js";

const info = describeCertificate(new Uint8Array(new X509Certificate(TEST_CERT).raw)) as CertInfo;

describe("describeCertificate", () => {
  it("decodes subject, SANs, issuer, validity, serial and key of the test certificate", () => {
    expect(info).toMatchObject({
      subject: "CN=sip.example.test, O=sip401 test",
      subjectCN: "sip.example.test",
      issuer: "CN=sip.example.test, O=sip401 test",
      issuerCN: "sip.example.test",
      sanDns: ["sip.example.test", "*.pbx.example.test"],
      sanIp: ["192.0.2.10"],
      validFrom: "2025-01-01T00:00:00.000Z",
      validTo: "2030-01-01T00:00:00.000Z",
      serial: "2001",
      selfSigned: true,
      isCA: false,
      publicKey: "EC prime256v1",
    });
    expect(info.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it("returns a reason for bytes that are not a certificate", () => {
    expect(typeof describeCertificate(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]))).toBe("string");
    expect(typeof describeCertificate(new Uint8Array(0))).toBe("string");
  });

  it("converts OpenSSL time text to ISO-8601, including single-digit days and far years", () => {
    expect(opensslTimeToIso("Jan  1 00:00:00 2024 GMT")).toBe("2024-01-01T00:00:00.000Z");
    expect(opensslTimeToIso("Dec 31 23:59:59 9999 GMT")).toBe("9999-12-31T23:59:59.000Z");
    expect(opensslTimeToIso("yesterday")).toBe("");
  });

  it("splits node's subjectAltName text, honouring quoted values", () => {
    expect(splitSan('DNS:a.example, IP Address:10.0.0.1, DNS:"b, c.example", URI:sip:x@y, IP Address:2001:DB8:0:0:0:0:0:1')).toEqual({
      dns: ["a.example", "b, c.example"],
      ip: ["10.0.0.1", "2001:DB8:0:0:0:0:0:1"],
    });
    expect(splitSan(undefined)).toEqual({ dns: [], ip: [] });
  });
});

describe("RFC 6125 name matching", () => {
  it("matches exact names case-insensitively and ignores a trailing dot", () => {
    expect(dnsNameMatches("SIP.Example.test", "sip.example.test.")).toBe(true);
    expect(dnsNameMatches("sip.example.test", "example.test")).toBe(false);
  });

  it("lets a wildcard stand for exactly one left-most label", () => {
    expect(dnsNameMatches("*.pbx.example.test", "a.pbx.example.test")).toBe(true);
    expect(dnsNameMatches("*.pbx.example.test", "pbx.example.test")).toBe(false);
    expect(dnsNameMatches("*.pbx.example.test", "a.b.pbx.example.test")).toBe(false);
    expect(dnsNameMatches("*.test", "example.test")).toBe(false);
    expect(dnsNameMatches("s*.example.test", "sip.example.test")).toBe(false);
    expect(dnsNameMatches("*.example.test", "192.0.2.1")).toBe(false);
  });

  it("checks IP references against iPAddress SANs and uses the CN only without DNS SANs", () => {
    expect(certificateMatchesName(info, "192.0.2.10")).toBe(true);
    expect(certificateMatchesName(info, "192.0.2.11")).toBe(false);
    expect(certificateMatchesName(info, "x.pbx.example.test")).toBe(true);
    const cnOnly: CertInfo = { ...info, sanDns: [], sanIp: [], subjectCN: "pbx.example.test" };
    expect(certificateMatchesName(cnOnly, "pbx.example.test")).toBe(true);
    const withSan: CertInfo = { ...info, subjectCN: "legacy.example.test" };
    expect(certificateMatchesName(withSan, "legacy.example.test")).toBe(false);
    const v6: CertInfo = { ...info, sanIp: ["2001:DB8:0:0:0:0:0:1"] };
    expect(certificateMatchesName(v6, "2001:db8::1")).toBe(true);
  });
});

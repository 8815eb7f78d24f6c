/**
 * TLS record layer and handshake parsing on crafted bytes: records split across segments and
 * several per segment, handshake messages split across records, resynchronisation after garbage
 * and gaps, and the hello / certificate parsers.
 */
import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { HandshakeAssembler, parseCertificateList, parseClientHello, parseServerHello, type HandshakeMessage } from "../../src/tls/handshake.js";
import { TlsRecordReader, looksLikeClientHello, looksLikeTlsRecord, type TlsRecord } from "../../src/tls/record.js";
import { TlsConnection } from "../../src/tls/session.js";
import { TlsKeyLog } from "../../src/tls/keylog.js";
import type { TlsIssueCode } from "../../src/tls/issues.js";
import { ascii, cat, certificateMsg, clientHello, handshake, record, serverHello, split } from "./bytes.js";
import { TEST_CERT } from "./helpers.js";

const DER = new Uint8Array(new X509Certificate(TEST_CERT).raw);

function reader(): { r: TlsRecordReader; records: TlsRecord[]; issues: [TlsIssueCode, string][] } {
  const records: TlsRecord[] = [];
  const issues: [TlsIssueCode, string][] = [];
  const r = new TlsRecordReader((x) => records.push(x), (c, d) => issues.push([c, d]));
  return { r, records, issues };
}

describe("TlsRecordReader", () => {
  it("cuts records that span segments and segments that hold several records, naming carrier frames", () => {
    const a = record(22, new Uint8Array(300).fill(1));
    const b = record(23, new Uint8Array(10).fill(2));
    const c = record(21, Uint8Array.of(2, 40));
    const stream = cat(a, b, c);
    const { r, records, issues } = reader();
    // frame 1: first 3 header bytes; frame 2: rest of a + part of b; frame 3: rest of b and all of c.
    const [p1, p2, p3] = split(stream, [3, 310]);
    r.push(p1, 1, 1, 1n);
    expect(records).toHaveLength(0);
    r.push(p2, 2, 2, 2n);
    expect(records.map((x) => x.type)).toEqual([22]);
    r.push(p3, 3, 3, 3n);
    expect(records.map((x) => [x.type, x.fragment.length, x.frame])).toEqual([[22, 300, 2], [23, 10, 3], [21, 2, 3]]);
    expect(records[0].carriers).toEqual([{ frame: 1, end: 3 }, { frame: 2, end: 305 }]);
    expect(records[1].carriers).toEqual([{ frame: 2, end: 5 }, { frame: 3, end: 15 }]);
    expect(records[2].carriers).toEqual([{ frame: 3, end: 7 }]);
    expect(issues).toEqual([]);
  });

  it("reports a bad header and resynchronises on the next confirmed record", () => {
    const good = record(23, new Uint8Array(20).fill(7));
    const { r, records, issues } = reader();
    r.push(cat(ascii("garbage!"), good, good), 1, 1, 1n);
    expect(issues.map((i) => i[0])).toEqual(["tls_bad_record"]);
    expect(records).toHaveLength(2);
    expect(records.every((x) => x.fragment.length === 20)).toBe(true);
  });

  it("rejects oversized lengths, unknown types and non-3.x versions as records", () => {
    expect(looksLikeTlsRecord(Uint8Array.of(23, 3, 3, 0x48, 0x01))).toBe(false); // 18433 > 2^14 + 2048
    expect(looksLikeTlsRecord(Uint8Array.of(25, 3, 3, 0, 1))).toBe(false);
    expect(looksLikeTlsRecord(Uint8Array.of(22, 2, 0, 0, 1))).toBe(false);
    expect(looksLikeTlsRecord(Uint8Array.of(22, 3, 1, 0, 0))).toBe(false); // empty handshake record
    expect(looksLikeTlsRecord(Uint8Array.of(23, 3, 3, 0, 0))).toBe(true); // empty application data is legal
    expect(looksLikeClientHello(record(22, handshake(1, clientHello()), 0x0301))).toBe(true);
    expect(looksLikeClientHello(record(22, handshake(2, serverHello())))).toBe(false);
  });

  it("after a gap, skips to the next record boundary", () => {
    const recs = [record(23, new Uint8Array(40).fill(1)), record(23, new Uint8Array(41).fill(2)), record(23, new Uint8Array(42).fill(3))];
    const { r, records } = reader();
    r.push(recs[0].subarray(0, 20), 1, 1, 1n);
    r.gap();
    // The stream resumes in the middle of the second record.
    r.push(cat(recs[1].subarray(17), recs[2]), 3, 3, 3n);
    expect(records.map((x) => x.fragment.length)).toEqual([42]);
  });

  it("waits for a plausible header to be confirmed instead of guessing", () => {
    const { r, records } = reader();
    r.gap();
    const rec = record(23, new Uint8Array(30).fill(9));
    r.push(cat(Uint8Array.of(0, 0), rec.subarray(0, 10)), 1, 1, 1n);
    expect(records).toHaveLength(0);
    r.push(rec.subarray(10), 2, 2, 2n);
    expect(records.map((x) => x.fragment.length)).toEqual([30]);
  });
});

describe("HandshakeAssembler", () => {
  function assembler(max = 1 << 20): { h: HandshakeAssembler; msgs: HandshakeMessage[]; tooLarge: number[] } {
    const msgs: HandshakeMessage[] = [];
    const tooLarge: number[] = [];
    return { h: new HandshakeAssembler((m) => msgs.push(m), (_t, len) => tooLarge.push(len), { maxMessageBytes: max }), msgs, tooLarge };
  }

  it("joins a message split over three records and keeps every record's frames", () => {
    const msg = handshake(11, certificateMsg([DER]));
    const parts = split(msg, [2, 200]);
    const { h, msgs } = assembler();
    h.push(parts[0], [{ frame: 5, end: 7 }], 5, 5n);
    h.push(parts[1], [{ frame: 6, end: 203 }], 6, 6n);
    expect(msgs).toHaveLength(0);
    h.push(parts[2], [{ frame: 7, end: 100 }, { frame: 8, end: 9999 }], 8, 8n);
    expect(msgs).toHaveLength(1);
    expect(msgs[0].type).toBe(11);
    expect(msgs[0].frame).toBe(8);
    expect(msgs[0].frames).toEqual([5, 6, 7, 8]);
    expect(Buffer.from(msgs[0].body).equals(Buffer.from(msg.subarray(4)))).toBe(true);
  });

  it("cuts several messages out of one record", () => {
    const { h, msgs } = assembler();
    h.push(cat(handshake(2, serverHello()), handshake(11, certificateMsg([DER])), handshake(14, new Uint8Array(0))), [{ frame: 6, end: 2000 }], 6, 6n);
    expect(msgs.map((m) => m.type)).toEqual([2, 11, 14]);
  });

  it("skips an oversized message by its declared length and stays in step", () => {
    const { h, msgs, tooLarge } = assembler(100);
    const big = handshake(11, new Uint8Array(500));
    const next = handshake(14, new Uint8Array(0));
    const [a, b] = split(cat(big, next), [120]);
    h.push(a, [{ frame: 1, end: 1 }], 1, 1n);
    h.push(b, [{ frame: 2, end: 1 }], 2, 2n);
    expect(tooLarge).toEqual([500]);
    expect(msgs.map((m) => m.type)).toEqual([14]);
  });
});

describe("hello and certificate parsers", () => {
  it("reads SNI, ALPN, supported_versions and cipher suites from a ClientHello", () => {
    const ch = parseClientHello(clientHello({ sni: "sip.example.test", alpn: ["sip/2"], versions: [0x0a0a, 0x0304, 0x0303], ciphers: [0x1301, 0xc02f] }));
    expect(ch).toMatchObject({ legacyVersion: 0x0303, sni: "sip.example.test", alpn: ["sip/2"], supportedVersions: [0x0a0a, 0x0304, 0x0303], cipherSuites: [0x1301, 0xc02f] });
    expect(typeof ch !== "string" && ch.random).toBe("11".repeat(32));
  });

  it("accepts a ClientHello without extensions (legal before TLS 1.3) and refuses a truncated one", () => {
    const body = clientHello();
    const noExt = body.subarray(0, body.length - 2);
    expect(parseClientHello(noExt)).toMatchObject({ cipherSuites: [0xc02f, 0xc030] });
    expect(typeof parseClientHello(body.subarray(0, 30))).toBe("string");
    expect(typeof parseClientHello(cat(noExt, Uint8Array.of(0, 9, 0)))).toBe("string");
  });

  it("reads the TLS 1.3 version from supported_versions and recognises a HelloRetryRequest", () => {
    expect(parseServerHello(serverHello({ cipher: 0x1302, version: 0x0304 }))).toMatchObject({ cipherSuite: 0x1302, selectedVersion: 0x0304, helloRetry: false });
    const hrr = Buffer.from("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c", "hex");
    expect(parseServerHello(serverHello({ version: 0x0304, random: hrr }))).toMatchObject({ helloRetry: true });
  });

  it("reads TLS 1.2 and TLS 1.3 certificate lists", () => {
    const l12 = parseCertificateList(certificateMsg([DER, DER]), false);
    const l13 = parseCertificateList(certificateMsg([DER], true), true);
    expect(Array.isArray(l12) && l12.map((c) => c.length)).toEqual([DER.length, DER.length]);
    expect(Array.isArray(l13) && l13.length).toBe(1);
    expect(typeof parseCertificateList(certificateMsg([DER]).subarray(0, 50), false)).toBe("string");
  });
});

describe("TlsConnection on crafted handshakes", () => {
  function conn(): { c: TlsConnection; issues: TlsIssueCode[] } {
    const issues: TlsIssueCode[] = [];
    const c = new TlsConnection({ addr: "198.51.100.1", port: 40000 }, { addr: "192.0.2.10", port: 5061 }, 4, 0, new TlsKeyLog(), {
      issue: (code) => issues.push(code),
      data: () => undefined,
      dataGap: () => undefined,
    });
    return { c, issues };
  }

  it("follows a TLS 1.2 handshake whose Certificate spans records that span segments", () => {
    const { c, issues } = conn();
    c.push("client", record(22, handshake(1, clientHello({ sni: "sip.example.test" }))), 1, 1, 1_000_000_000n);
    const flight = cat(handshake(2, serverHello()), handshake(11, certificateMsg([DER])), handshake(14, new Uint8Array(0)));
    const [h1, h2] = split(flight, [100]);
    const wire = cat(record(22, h1), record(22, h2));
    for (const [i, part] of split(wire, [50, 400]).entries()) c.push("server", part, 2 + i, 2 + i, 2_000_000_000n);
    c.push("client", record(21, Uint8Array.of(2, 48)), 5, 5, 3_000_000_000n);
    const s = c.close(6);
    expect(issues).toEqual([]);
    expect(s).toMatchObject({ sni: "sip.example.test", version: "TLS 1.2", cipher: { code: 0xc02f, name: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" }, offeredCipherCount: 2 });
    expect(s.frames).toMatchObject({ clientHello: 1, serverHello: 3, certificate: 4, serverHelloDone: 4, alert: 5 });
    expect(s.certificateTsNs).toBe(2_000_000_000n);
    expect(s.certificates.map((x) => x.subjectCN)).toEqual(["sip.example.test"]);
    expect(s.alerts).toEqual([{ frame: 5, tsNs: 3_000_000_000n, from: "client", level: 2, description: 48, name: "unknown_ca", decrypted: false }]);
    expect(s.handshakeComplete).toBe(false);
  });

  it("counts protected records after ChangeCipherSpec and marks the handshake complete", () => {
    const { c } = conn();
    c.push("client", record(22, handshake(1, clientHello())), 1, 1, 1n);
    c.push("server", record(22, cat(handshake(2, serverHello()), handshake(14, new Uint8Array(0)))), 2, 2, 2n);
    c.push("client", cat(record(22, handshake(16, new Uint8Array(33))), record(20, Uint8Array.of(1)), record(22, new Uint8Array(40))), 3, 3, 3n);
    c.push("server", cat(record(20, Uint8Array.of(1)), record(22, new Uint8Array(40))), 4, 4, 4n);
    c.push("client", record(23, new Uint8Array(100)), 5, 5, 5n);
    c.push("client", record(21, new Uint8Array(26)), 6, 6, 6n);
    const s = c.close(7);
    expect(s.handshakeComplete).toBe(true);
    expect(s.frames).toMatchObject({ clientKeyExchange: 3, clientChangeCipherSpec: 3, serverChangeCipherSpec: 4, clientApplicationData: 5 });
    expect(s.applicationDataRecords).toEqual({ client: 1, server: 0 });
    expect(s.encryptedAlerts).toBe(1);
    expect(s.alerts).toEqual([]);
    expect(s.decrypted).toBe(false);
  });

  it("knows TLS 1.3 from supported_versions and ignores its compatibility ChangeCipherSpec", () => {
    const { c } = conn();
    c.push("client", record(22, handshake(1, clientHello({ versions: [0x0304, 0x0303], ciphers: [0x1301] })), 0x0301), 1, 1, 1n);
    c.push("server", cat(record(22, handshake(2, serverHello({ cipher: 0x1301, version: 0x0304 }))), record(20, Uint8Array.of(1)), record(23, new Uint8Array(500))), 2, 2, 2n);
    c.push("client", cat(record(20, Uint8Array.of(1)), record(23, new Uint8Array(60))), 3, 3, 3n);
    const s = c.close(4);
    expect(s).toMatchObject({ version: "TLS 1.3", cipher: { name: "TLS_AES_128_GCM_SHA256" }, offeredVersions: ["TLS 1.3", "TLS 1.2"], handshakeComplete: true, certificates: [] });
    expect(s.frames.clientChangeCipherSpec).toBeUndefined();
    expect(s.applicationDataRecords).toEqual({ client: 1, server: 1 });
  });

  it("reports malformed hellos, certificates and alerts as issues, never throws", () => {
    const { c, issues } = conn();
    c.push("client", record(22, handshake(1, new Uint8Array(10))), 1, 1, 1n);
    c.push("server", record(22, cat(handshake(2, serverHello()), handshake(11, certificateMsg([ascii("not a certificate")])))), 2, 2, 2n);
    c.push("client", record(21, Uint8Array.of(2, 40, 1)), 3, 3, 3n);
    const s = c.close(4);
    expect(issues).toEqual(["tls_bad_handshake", "tls_bad_certificate", "tls_bad_alert"]);
    expect(s.alerts.map((a) => a.name)).toEqual(["handshake_failure"]);
  });
});

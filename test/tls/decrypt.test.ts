/**
 * Decryption of SIP over TLS with key logs: the lab capture (TLS 1.2 AES-256-GCM, SHA-384 PRF)
 * against tshark, the same keys from a pcapng Decryption Secrets Block, and real node TLS sessions
 * recorded through a proxy (TLS 1.3 AES-128/256-GCM and ChaCha20-Poly1305, TLS 1.2 AES-GCM and
 * ChaCha20-Poly1305) with records split over segments, compared with tshark too.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labCapture, LAB } from "../helpers/corpus.js";
import { hasTshark, tsharkFields } from "../helpers/tshark.js";
import { buildPcap, extract, extractFile, kindOf, pcapngWithSecrets, recordTls, registerSteps, wsFrame, type Extracted, type Recording } from "./helpers.js";

const LAB_PCAP = labCapture("tls_expired_cert");
const LAB_KEYS = readFileSync(join(LAB, "tls_expired_cert.keys"), "utf8");
const TMP = mkdtempSync(join(tmpdir(), "sip401-tls-"));
const START = 1_800_000_000_000_000_000n; // 2027-01-15, inside the test certificate's validity
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

/** rows renders messages as tshark's `frame method|status Call-ID` rows. */
function rows(x: Extracted): string[] {
  return x.messages.map((m) => `${m.frame} ${kindOf(m)} ${m.message?.callId ?? ""}`);
}

function tsharkRows(pcap: string, keys: string): string[] {
  const out = tsharkFields(pcap, "sip", ["frame.number", "sip.Method", "sip.Status-Code", "sip.Call-ID"], ["-o", `tls.keylog_file:${keys}`]);
  return out.map(([f, method, status, callId]) => `${f} ${method || status} ${callId}`);
}

describe("lab capture tls_expired_cert (LABELS.md §10)", () => {
  it("with the key log, REGISTER / 401 / REGISTER / 200 come out of frames 21–24 over TLS", async () => {
    const x = await extractFile(LAB_PCAP, LAB_KEYS);
    expect(rows(x)).toEqual([
      "21 REGISTER 1c7875e79677f147@198.51.100.20",
      "22 401 1c7875e79677f147@198.51.100.20",
      "23 REGISTER 1c7875e79677f147@198.51.100.20",
      "24 200 1c7875e79677f147@198.51.100.20",
    ]);
    expect(x.messages.map((m) => [m.transport, `${m.src}:${m.srcPort}`, `${m.dst}:${m.dstPort}`, m.frames])).toEqual([
      ["TLS", "198.51.100.20:5071", "203.0.113.10:5061", [21]],
      ["TLS", "203.0.113.10:5061", "198.51.100.20:5071", [22]],
      ["TLS", "198.51.100.20:5071", "203.0.113.10:5061", [23]],
      ["TLS", "203.0.113.10:5061", "198.51.100.20:5071", [24]],
    ]);
    expect(x.summary.tlsSessions).toBe(2);
    expect(x.summary.byTransport).toEqual({ TLS: 4 });
    expect(x.summary.issues).toEqual([]);
    const s = x.sessions.find((t) => t.client.endsWith(":5071"));
    expect(s).toMatchObject({ decrypted: true, undecryptedRecords: 0, sipMessages: 4, sipDomain: "example.test", encryptedAlerts: 0 });
    expect(s?.alerts.map((a) => [a.frame, a.name, a.decrypted])).toEqual([[26, "close_notify", true]]);
  });

  it.skipIf(!hasTshark())("equals tshark -o tls.keylog_file -Y sip", async () => {
    const x = await extractFile(LAB_PCAP, LAB_KEYS);
    expect(rows(x)).toEqual(tsharkRows(LAB_PCAP, join(LAB, "tls_expired_cert.keys")));
  });

  it("without the key log: no SIP, but both sessions with the expired certificate, SNI and the alert", async () => {
    const x = await extractFile(LAB_PCAP);
    expect(x.messages).toEqual([]);
    expect(x.summary.issues).toEqual([]);
    expect(x.sessions.map((s) => s.client)).toEqual(["198.51.100.20:5072", "198.51.100.20:5071"]);
    for (const s of x.sessions) {
      expect(s).toMatchObject({ server: "203.0.113.10:5061", sni: "sip.example.test", version: "TLS 1.2", cipher: { code: 0xc030, name: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" }, decrypted: false });
      expect(s.certificates).toHaveLength(1);
      expect(s.certificates[0]).toMatchObject({ subjectCN: "sip.example.test", sanDns: ["sip.example.test", "example.test"], sanIp: ["203.0.113.10"], serial: "1000", validFrom: "2023-01-01T00:00:00.000Z", validTo: "2024-01-01T00:00:00.000Z", selfSigned: true, publicKey: "RSA 2048" });
    }
    const [verifying, lax] = x.sessions;
    expect(verifying.frames).toEqual({ clientHello: 4, serverHello: 6, certificate: 6, serverHelloDone: 6, alert: 8 });
    expect(verifying.alerts).toMatchObject([{ frame: 8, from: "client", level: 2, description: 45, name: "certificate_expired" }]);
    expect(verifying.handshakeComplete).toBe(false);
    expect(lax).toMatchObject({ handshakeComplete: true, applicationDataRecords: { client: 2, server: 2 }, encryptedAlerts: 1, undecryptedRecords: 7 });
    expect(lax.frames).toMatchObject({ clientHello: 15, certificate: 17, clientChangeCipherSpec: 19, serverChangeCipherSpec: 20, clientApplicationData: 21 });
  });

  it("takes the key log from a pcapng Decryption Secrets Block and keeps the messages in frame order", async () => {
    const file = join(TMP, "lab-dsb.pcapng");
    writeFileSync(file, await pcapngWithSecrets(LAB_PCAP, LAB_KEYS));
    const x = await extractFile(file);
    expect(rows(x).map((r) => r.split(" ").slice(0, 2).join(" "))).toEqual(["21 REGISTER", "22 401", "23 REGISTER", "24 200"]);
    expect(x.sessions.find((s) => s.client.endsWith(":5071"))?.decrypted).toBe(true);
  });

  it("says when a key log has nothing for a session", async () => {
    const x = await extractFile(LAB_PCAP, `CLIENT_RANDOM ${"00".repeat(32)} ${"11".repeat(48)}\n`);
    expect(x.messages).toEqual([]);
    expect(x.summary.issues.map((i) => i.code)).toEqual(["tls_no_keys"]);
    expect(x.summary.issues[0].samples[0].detail).not.toContain("1111");
  });

  it("stops a direction whose records do not authenticate, with an issue", async () => {
    const wrong = LAB_KEYS.replace(/ ([0-9a-f]{96})$/m, (_m, s: string) => ` ${s.slice(0, 94)}${s.endsWith("00") ? "01" : "00"}`);
    const x = await extractFile(LAB_PCAP, wrong);
    expect(x.messages).toEqual([]);
    expect(x.summary.issues.map((i) => [i.code, i.count])).toEqual([["tls_decrypt_failed", 2]]);
  });
});

interface Case {
  name: string;
  maxVersion: "TLSv1.2" | "TLSv1.3";
  ciphers: string;
  suite: string;
}

const CASES: Case[] = [
  { name: "TLS 1.3 AES-128-GCM", maxVersion: "TLSv1.3", ciphers: "TLS_AES_128_GCM_SHA256", suite: "TLS_AES_128_GCM_SHA256" },
  { name: "TLS 1.3 AES-256-GCM", maxVersion: "TLSv1.3", ciphers: "TLS_AES_256_GCM_SHA384", suite: "TLS_AES_256_GCM_SHA384" },
  { name: "TLS 1.3 ChaCha20-Poly1305", maxVersion: "TLSv1.3", ciphers: "TLS_CHACHA20_POLY1305_SHA256", suite: "TLS_CHACHA20_POLY1305_SHA256" },
  { name: "TLS 1.2 ECDHE AES-128-GCM", maxVersion: "TLSv1.2", ciphers: "ECDHE-ECDSA-AES128-GCM-SHA256", suite: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" },
  { name: "TLS 1.2 ECDHE AES-256-GCM", maxVersion: "TLSv1.2", ciphers: "ECDHE-ECDSA-AES256-GCM-SHA384", suite: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" },
  { name: "TLS 1.2 ECDHE ChaCha20-Poly1305", maxVersion: "TLSv1.2", ciphers: "ECDHE-ECDSA-CHACHA20-POLY1305", suite: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" },
];

describe.each(CASES)("recorded session: $name", (c) => {
  let rec: Recording;
  beforeAll(async () => {
    rec = await recordTls({ maxVersion: c.maxVersion, ciphers: c.ciphers, sni: "sip.example.test", steps: registerSteps(`reg-${c.suite}@198.51.100.7`) });
  });

  for (const mss of [1460, 200, 37]) {
    it(`decrypts REGISTER/401/REGISTER/200 with segments of ${mss} bytes`, async () => {
      const pcap = buildPcap(rec.writes, { startNs: START, mss });
      const x = await extract(pcap, rec.keylog);
      expect(x.messages.map(kindOf)).toEqual(["REGISTER", "401", "REGISTER", "200"]);
      expect(x.messages.every((m) => m.transport === "TLS" && m.message?.callId === `reg-${c.suite}@198.51.100.7`)).toBe(true);
      expect(x.summary.issues).toEqual([]);
      const s = x.sessions[0];
      expect(s).toMatchObject({ version: c.maxVersion === "TLSv1.3" ? "TLS 1.3" : "TLS 1.2", cipher: { name: c.suite }, sni: "sip.example.test", decrypted: true, undecryptedRecords: 0, handshakeComplete: true, sipMessages: 4 });
      // TLS 1.3 certificates are encrypted: only the key log makes them visible.
      expect(s.certificates.map((x) => x.subjectCN)).toEqual(["sip.example.test"]);
      // With keys, TLS 1.3 handshake records (EncryptedExtensions…Finished, NewSessionTicket) are
      // recognised for what they are: only the SIP records count as application data.
      expect(s.applicationDataRecords).toEqual({ client: 2, server: 2 });
      if (hasTshark()) {
        const file = join(TMP, `${c.suite}-${mss}.pcap`);
        const keys = join(TMP, `${c.suite}.keys`);
        writeFileSync(file, pcap);
        writeFileSync(keys, rec.keylog);
        expect(rows(x)).toEqual(tsharkRows(file, keys));
      }
    });
  }

  it("without keys: the session but no SIP (TLS 1.3: no certificate either)", async () => {
    const x = await extract(buildPcap(rec.writes, { startNs: START }));
    expect(x.messages).toEqual([]);
    const s = x.sessions[0];
    expect(s.decrypted).toBe(false);
    expect(s.undecryptedRecords).toBeGreaterThan(0);
    expect(s.certificates.length).toBe(c.maxVersion === "TLSv1.3" ? 0 : 1);
  });

  it("after a lost segment, finds the sequence number again and decrypts what follows", async () => {
    const whole = await extract(buildPcap(rec.writes, { startNs: START }), rec.keylog);
    const lost = whole.messages[1].frame; // the 401
    const x = await extract(buildPcap(rec.writes, { startNs: START, edit: (segs) => segs.filter((_s, i) => i + 1 !== lost) }), rec.keylog);
    expect(x.messages.map(kindOf)).toEqual(["REGISTER", "REGISTER", "200"]);
    expect(x.summary.issues.map((i) => i.code)).not.toContain("tls_decrypt_failed");
  });
});

describe("TLS 1.3 key log variants", () => {
  it("decrypts application data with only the application traffic secrets logged", async () => {
    const rec = await recordTls({ maxVersion: "TLSv1.3", ciphers: "TLS_AES_128_GCM_SHA256", steps: registerSteps("app-only@198.51.100.7") });
    const appOnly = rec.keylog.split("\n").filter((l) => l.startsWith("CLIENT_TRAFFIC_SECRET_0") || l.startsWith("SERVER_TRAFFIC_SECRET_0")).join("\n");
    const x = await extract(buildPcap(rec.writes, { startNs: START }), appOnly);
    expect(x.messages.map(kindOf)).toEqual(["REGISTER", "401", "REGISTER", "200"]);
    expect(x.sessions[0].certificates).toEqual([]);
  });

  it("reads SIP over secure WebSocket (WSS, RFC 7118) inside TLS", async () => {
    const reg = registerSteps("wss@198.51.100.7");
    const rec = await recordTls({
      maxVersion: "TLSv1.3",
      steps: [
        { from: "client", data: "GET / HTTP/1.1\r\nHost: sip.example.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: sip\r\nSec-WebSocket-Version: 13\r\n\r\n" },
        { from: "server", data: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: sip\r\n\r\n" },
        { from: "client", data: wsFrame(reg[0].data as string) },
        { from: "server", data: new Uint8Array([0x81, 126, ((reg[1].data as string).length >> 8) & 0xff, (reg[1].data as string).length & 0xff, ...Buffer.from(reg[1].data as string, "latin1")]) },
      ],
    });
    const x = await extract(buildPcap(rec.writes, { startNs: START, server: { ip: "192.0.2.10", port: 443 } }), rec.keylog);
    expect(x.messages.map((m) => [kindOf(m), m.transport])).toEqual([["REGISTER", "WSS"], ["401", "WSS"]]);
  });
});

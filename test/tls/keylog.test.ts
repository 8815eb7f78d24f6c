/**
 * Key logs (NSS SSLKEYLOGFILE format) and the key schedule primitives, checked against node's own
 * HKDF and against decryption of real sessions elsewhere (decrypt.test.ts).
 */
import { createHmac, hkdfSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { hkdfExpand, hkdfExpandLabel, tls12Prf, xorNonce } from "../../src/tls/crypto.js";
import { parseKeyLog } from "../../src/tls/keylog.js";
import { LAB } from "../helpers/corpus.js";

const R = "ab".repeat(32);
const MS = "cd".repeat(48);
const TS = "ef".repeat(32);

describe("key log parsing", () => {
  it("keeps the secrets sip401 uses, skips comments, counts other labels and malformed lines", () => {
    const text = [
      "# SSL/TLS secrets log file",
      "",
      `CLIENT_RANDOM ${R} ${MS}`,
      `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${R.toUpperCase()} ${TS}`,
      `SERVER_TRAFFIC_SECRET_0 ${R} ${"12".repeat(48)}`,
      `EXPORTER_SECRET ${R} ${TS}`,
      `CLIENT_RANDOM ${R} ${"cd".repeat(10)}`,
      "CLIENT_RANDOM zz 00",
      `BOGUS_LABEL ${R} ${TS}`,
      "just text",
    ].join("\r\n");
    const { keys, stats } = parseKeyLog(text);
    expect(stats).toEqual({ accepted: 3, ignored: 1, malformed: [7, 8, 9, 10], malformedCount: 4 });
    expect(keys.sessions).toBe(1);
    expect(keys.get(R.toUpperCase(), "CLIENT_RANDOM")?.toString("hex")).toBe(MS);
    expect(keys.get(R, "CLIENT_HANDSHAKE_TRAFFIC_SECRET")?.toString("hex")).toBe(TS);
    expect(keys.get(R, "CLIENT_TRAFFIC_SECRET_0")).toBeUndefined();
    expect(keys.has("00".repeat(32))).toBe(false);
  });

  it("never shows a secret when printed or serialised", () => {
    const { keys } = parseKeyLog(`CLIENT_RANDOM ${R} ${MS}\n`);
    const shown = `${inspect(keys)} ${JSON.stringify(keys)} ${String(keys)} ${JSON.stringify({ keys })}`;
    expect(shown).not.toContain("cdcd");
    expect(shown).not.toContain(R);
    expect(inspect(keys)).toBe("TlsKeyLog { sessions: 1 }");
  });

  it("reads the lab key log: one CLIENT_RANDOM line (the s_client connection never reached key exchange)", () => {
    const { keys, stats } = parseKeyLog(readFileSync(`${LAB}/tls_expired_cert.keys`));
    expect(stats.accepted).toBe(1);
    expect(stats.malformedCount).toBe(0);
    expect(keys.get("745dd88a764b543c3ad28e3684245247aa743fad4d6d18f6af26b6cff0d3d827", "CLIENT_RANDOM")).toBeDefined();
  });

  it("bumps its generation only when secrets are added", () => {
    const { keys } = parseKeyLog("");
    expect(keys.generation).toBe(0);
    keys.add("# nothing\n");
    expect(keys.generation).toBe(0);
    keys.add(new TextEncoder().encode(`CLIENT_RANDOM ${R} ${MS}`));
    expect(keys.generation).toBe(1);
  });
});

describe("key schedule primitives", () => {
  it("HKDF-Expand agrees with node's HKDF (extract done by hand, RFC 5869 §2.2)", () => {
    const ikm = Buffer.from("input keying material");
    const salt = Buffer.from("salt");
    const info = Buffer.from("info");
    for (const hash of ["sha256", "sha384"]) {
      const prk = createHmac(hash, salt).update(ikm).digest();
      expect(hkdfExpand(hash, prk, info, 80).toString("hex")).toBe(Buffer.from(hkdfSync(hash, ikm, salt, info, 80)).toString("hex"));
    }
  });

  it("HKDF-Expand-Label encodes HkdfLabel as RFC 8446 §7.1 defines it", () => {
    const secret = Buffer.alloc(32, 7);
    const info = Buffer.concat([Buffer.from([0, 16, 9]), Buffer.from("tls13 key"), Buffer.from([0])]);
    expect(hkdfExpandLabel("sha256", secret, "key", new Uint8Array(0), 16).equals(hkdfExpand("sha256", secret, info, 16))).toBe(true);
  });

  it("the TLS 1.2 PRF chains HMACs as P_hash (RFC 5246 §5)", () => {
    const secret = Buffer.from("secret");
    const seed = Buffer.concat([Buffer.from("label"), Buffer.from("seed")]);
    const h = (k: Buffer, d: Buffer): Buffer => createHmac("sha256", k).update(d).digest();
    const a1 = h(secret, seed);
    const a2 = h(secret, a1);
    const expected = Buffer.concat([h(secret, Buffer.concat([a1, seed])), h(secret, Buffer.concat([a2, seed]))]).subarray(0, 40);
    expect(tls12Prf("sha256", secret, "label", Buffer.from("seed"), 40).equals(expected)).toBe(true);
  });

  it("XORs the sequence number into the low bytes of the IV (RFC 8446 §5.3)", () => {
    expect(xorNonce(Buffer.alloc(12, 0xff), 0x0102n).toString("hex")).toBe("fffffffffffffffffffffefd");
  });
});

/**
 * The compact challenge and credentials views the correlator keeps (RFC 7616 §3.3/§3.4; RFC 8760
 * §2.4: several challenges in one response, the most preferred first).
 */
import { describe, expect, it } from "vitest";
import { challengeOf, credentialsOf, normalizeAlgorithm } from "../../src/correlate/auth-info.js";
import { parseSip } from "../../src/sip/parse.js";
import type { SipMessage } from "../../src/sip/message.js";

const HEAD = "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK-a\r\nFrom: <sip:a@x.test>;tag=1\r\nTo: <sip:a@x.test>\r\nCall-ID: ai\r\nCSeq: 1 REGISTER\r\n";

function response(status: string, headers: string[]): SipMessage {
  return parseSip(new TextEncoder().encode(`SIP/2.0 ${status}\r\n${HEAD}${headers.join("\r\n")}\r\nContent-Length: 0\r\n\r\n`)).message as SipMessage;
}

function request(headers: string[]): SipMessage {
  return parseSip(new TextEncoder().encode(`REGISTER sip:x.test SIP/2.0\r\n${HEAD}Max-Forwards: 70\r\n${headers.join("\r\n")}\r\nContent-Length: 0\r\n\r\n`)).message as SipMessage;
}

const challenge = (m: SipMessage): { algorithm: string; offered: readonly string[]; nonce?: string } | undefined => {
  const c = challengeOf(m, 1, 0n);
  return c && { algorithm: c.algorithm, offered: c.algorithmsOffered, nonce: c.nonce };
};

describe("challengeOf", () => {
  it("takes the first digest challenge and lists every algorithm offered once, in order", () => {
    const m = response("401 Unauthorized", [
      'WWW-Authenticate: Digest realm="x", nonce="n1", algorithm=SHA-256',
      'WWW-Authenticate: digest realm="x", nonce="n2", algorithm=md5',
      'WWW-Authenticate: Digest realm="y", nonce="n3"',
    ]);
    expect(challenge(m)).toEqual({ algorithm: "SHA-256", offered: ["SHA-256", "MD5"], nonce: "n1" });
  });

  it("prefers the header its status calls for, and falls back to the other", () => {
    const both = response("407 Proxy Authentication Required", [
      'WWW-Authenticate: Digest realm="x", nonce="w", algorithm=SHA-256',
      'Proxy-Authenticate: Digest realm="x", nonce="p"',
    ]);
    expect(challenge(both)).toEqual({ algorithm: "MD5", offered: ["MD5"], nonce: "p" });
    const wrong = response("407 Proxy Authentication Required", ['WWW-Authenticate: Digest realm="x", nonce="w"']);
    expect(challenge(wrong)?.nonce).toBe("w");
  });

  it("ignores other schemes; none left is no challenge", () => {
    expect(challenge(response("401 Unauthorized", ['WWW-Authenticate: Basic realm="x"']))).toBeUndefined();
    expect(challenge(response("401 Unauthorized", ['WWW-Authenticate: Basic realm="x"', 'WWW-Authenticate: Digest realm="x", nonce="d"']))?.nonce).toBe("d");
  });
});

describe("credentialsOf", () => {
  it("takes the first digest credentials that carry a response", () => {
    const m = request([
      'Authorization: Digest username="imsi@ims.test", realm="x", nonce="", uri="sip:x.test", response=""',
      'Authorization: Digest username="a", realm="x", nonce="n1", uri="sip:x.test", response="0123456789abcdef0123456789abcdef", algorithm=sha-256',
    ]);
    expect(credentialsOf(m)).toMatchObject({ username: "a", nonce: "n1", algorithm: "SHA-256" });
    expect(credentialsOf(request(['Authorization: Basic YTpi']))).toBeUndefined();
  });
});

describe("normalizeAlgorithm", () => {
  it("upper-cases the algorithms of RFC 7616 and RFC 8760 in any case, others too; none is MD5", () => {
    for (const a of ["MD5", "MD5-sess", "SHA-256", "SHA-256-sess", "SHA-512-256", "SHA-512-256-sess"]) {
      expect(normalizeAlgorithm(a)).toBe(a.toUpperCase());
      expect(normalizeAlgorithm(a.toLowerCase())).toBe(a.toUpperCase());
    }
    expect(normalizeAlgorithm("sha-1")).toBe("SHA-1");
    expect(normalizeAlgorithm("AKAv1-MD5")).toBe("AKAV1-MD5");
    expect(normalizeAlgorithm(undefined)).toBe("MD5");
    expect(normalizeAlgorithm("")).toBe("MD5");
  });
});

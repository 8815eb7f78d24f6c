/**
 * Typed headers are parsed on first use (src/sip/message.ts), so some issues arise only when the
 * pipeline reads them: a digest parameter sent unquoted shows when the correlator reads the
 * credentials. The capture's issue list must still name them, with their frame.
 */
import { describe, expect, it } from "vitest";
import { analyze } from "../../src/analyze/index.js";
import { parseSip } from "../../src/sip/parse.js";
import * as S from "../../src/synth/index.js";
import { bytesOf, PHONE, REGISTRAR, T0 } from "../limits/build.js";

const REGISTER =
  `REGISTER sip:example.test SIP/2.0\r\nVia: SIP/2.0/UDP ${PHONE.ip}:${PHONE.port};branch=z9hG4bK-lazy1\r\n` +
  `From: <sip:alice@example.test>;tag=a1\r\nTo: <sip:alice@example.test>\r\nCall-ID: lazy-issues@${PHONE.ip}\r\nCSeq: 2 REGISTER\r\n` +
  `Max-Forwards: 70\r\nContact: <sip:alice@${PHONE.ip}>\r\n` +
  // realm and nonce must be quoted strings (RFC 7616 §3.4); this phone sends them bare.
  `Authorization: Digest username="alice", realm=example.test, nonce=abc123, uri="sip:example.test", response="0123456789abcdef0123456789abcdef"\r\n` +
  `Content-Length: 0\r\n\r\n`;

describe("issues of headers parsed on first use", () => {
  it("reach the capture's issue list once the pipeline has read the header", async () => {
    // The premise: parsing alone does not see it (the header is parsed lazily).
    const parsed = parseSip(S.toBytes(REGISTER));
    expect(parsed.issues.map((i) => i.code)).not.toContain("unquoted_auth_param");
    expect(parsed.message?.credentials[0]?.realm).toBe("example.test");
    expect(parsed.issues.map((i) => i.code)).toContain("unquoted_auth_param");

    const w = new S.PcapWriter({ linkType: S.LINKTYPE.RAW });
    w.writePacket(T0, S.udpPacket({ src: PHONE, dst: REGISTRAR, payload: S.toBytes(REGISTER) }));
    const r = await analyze([{ input: bytesOf(Uint8Array.from(w.toBytes())), name: "lazy.pcap" }]);
    const issue = r.captures[0].issues.find((i) => i.code === "unquoted_auth_param");
    expect(issue).toMatchObject({ code: "unquoted_auth_param", count: 2 });
    expect(issue?.samples.map((x) => x.frame)).toEqual([1, 1]);
  });
});

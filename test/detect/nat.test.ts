/**
 * A Via naming another address than the packet source is a NAT, unless the source is a loopback
 * address: loopback traffic never leaves a host (RFC 1122 §3.2.1.3, RFC 4291 §2.5.3), so there the
 * client runs on the capture host and merely advertises another of its addresses (seen in a
 * public capture of a GB28181 camera registering to 127.0.0.1 with Via 192.168.41.130).
 */
import { describe, expect, it } from "vitest";
import { analyze } from "../../src/analyze/index.js";
import type { Report } from "../../src/report/model.js";
import * as S from "../../src/synth/index.js";
import { bytesOf, T0 } from "../limits/build.js";

interface Hop {
  ip: string;
  port: number;
}

/**
 * run captures one REGISTER sent from `source` whose Via and Contact name `advertised`, answered
 * 200 with received/rport filled in, and returns the analysis.
 */
async function run(source: Hop, server: Hop, advertised: Hop): Promise<Report> {
  // IPv6 references in brackets (RFC 3261 §25.1).
  const host = advertised.ip.includes(":") ? `[${advertised.ip}]` : advertised.ip;
  const via = `SIP/2.0/UDP ${host}:${advertised.port};branch=z9hG4bK-nat1;rport`;
  const common = `From: <sip:alice@example.test>;tag=a1\r\nCall-ID: nat-test@${host}\r\nCSeq: 1 REGISTER\r\n`;
  const request =
    `REGISTER sip:example.test SIP/2.0\r\nVia: ${via}\r\n${common}To: <sip:alice@example.test>\r\nMax-Forwards: 70\r\n` +
    `Contact: <sip:alice@${host}:${advertised.port}>\r\nExpires: 60\r\nContent-Length: 0\r\n\r\n`;
  const response =
    `SIP/2.0 200 OK\r\nVia: ${via}=${source.port};received=${source.ip}\r\n${common}To: <sip:alice@example.test>;tag=r1\r\n` +
    `Contact: <sip:alice@${host}:${advertised.port}>;expires=60\r\nContent-Length: 0\r\n\r\n`;
  const w = new S.PcapWriter({ linkType: S.LINKTYPE.RAW });
  w.writePacket(T0, S.udpPacket({ src: source, dst: server, payload: S.toBytes(request) }));
  w.writePacket(T0 + 20_000_000n, S.udpPacket({ src: server, dst: source, payload: S.toBytes(response) }));
  return analyze([{ input: bytesOf(Uint8Array.from(w.toBytes())), name: "nat.pcap" }]);
}

const codes = (r: Report): string[] => r.findings.map((f) => `${f.severity}:${f.code}`);

describe("Via address other than the packet source", () => {
  it("from a public source: a NAT (nat_mismatch)", async () => {
    const r = await run({ ip: "198.51.100.20", port: 40312 }, { ip: "203.0.113.10", port: 5060 }, { ip: "192.168.1.20", port: 5060 });
    expect(codes(r)).toEqual(["info:nat_mismatch"]);
    expect(r.findings[0].title).toContain("registers from behind NAT");
  });

  it("from loopback: a client on the capture host, not a NAT (local_source_mismatch)", async () => {
    const r = await run({ ip: "127.0.0.1", port: 7101 }, { ip: "127.0.0.1", port: 5061 }, { ip: "192.168.41.130", port: 7101 });
    expect(codes(r)).toEqual(["info:local_source_mismatch"]);
    const f = r.findings[0];
    expect(f.title).toBe("sip:alice@example.test sends from loopback 127.0.0.1:7101 but advertises 192.168.41.130:7101: a client on the capture host, not a NAT");
    expect(f.explanation).not.toMatch(/a NAT sits/);
    expect(f.explanation).toContain("The server added received/rport (RFC 3581)");
    expect(f.explanation).toContain("Requests to the stored Contact sip:alice@192.168.41.130:7101");
    expect(f.evidence.map((e) => e.frame)).toEqual([1, 2]);
    expect(f.evidence[0].text).toBe("Via sent-by 192.168.41.130:7101, Contact sip:alice@192.168.41.130:7101; packet source 127.0.0.1:7101 (loopback)");
    expect(f.filter).toBe('sip.Call-ID == "nat-test@192.168.41.130"');
    expect(f.fix[0]).toContain("bind the client to 192.168.41.130");
  });

  it("from IPv6 loopback too", async () => {
    const r = await run({ ip: "::1", port: 7101 }, { ip: "::1", port: 5060 }, { ip: "2001:db8::20", port: 7101 });
    expect(codes(r)).toEqual(["info:local_source_mismatch"]);
    expect(r.findings[0].title).toContain("sends from loopback [::1]:7101 but advertises [2001:db8::20]:7101");
  });

  it("a loopback Via from loopback is no finding at all", async () => {
    const r = await run({ ip: "127.0.0.1", port: 7101 }, { ip: "127.0.0.1", port: 5060 }, { ip: "127.0.0.1", port: 7101 });
    expect(codes(r)).toEqual([]);
  });
});

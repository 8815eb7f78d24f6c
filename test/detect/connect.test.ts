/**
 * tcp_connect_failed: TCP connections toward a SIP port refused with a reset or never answered
 * (RFC 9293 §3.5). A client set to TCP toward a server that only listens on UDP sends no SIP at
 * all; the SYNs and resets are the whole story. Found on the public voipshark capture, where a
 * phone tried TCP for a 1,332-byte INVITE (RFC 3261 §18.1.1), was refused three times and sent
 * it over UDP a second later.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyze } from "../../src/analyze/index.js";
import type { Finding } from "../../src/detect/model.js";
import type { Report } from "../../src/report/model.js";
import * as S from "../../src/synth/index.js";
import { hasTshark, tsharkFields } from "../helpers/tshark.js";
import { bytesOf, PHONE, REGISTRAR, registrationPackets, T0 } from "../limits/build.js";

const { SYN, RST, ACK } = S.TCP_FLAGS;
const MS = 1_000_000n;

/** A packet at `ms` milliseconds into the capture. */
interface At {
  ms: number;
  bytes: Uint8Array;
}

const syn = (ms: number, port: number, dst = REGISTRAR): At => ({ ms, bytes: S.tcpPacket({ src: { ip: PHONE.ip, port }, dst, seq: 1000, flags: SYN }) });
const rst = (ms: number, port: number, src = REGISTRAR): At => ({ ms, bytes: S.tcpPacket({ src, dst: { ip: PHONE.ip, port }, seq: 0, ack: 1001, flags: RST | ACK }) });
/** An unrelated packet that makes the capture last until `ms`. */
const tick = (ms: number): At => ({ ms, bytes: S.udpPacket({ src: { ip: "192.0.2.1", port: 53 }, dst: { ip: "192.0.2.2", port: 53 }, payload: new Uint8Array(12) }) });

function pcap(packets: At[]): Uint8Array {
  const w = new S.PcapWriter({ linkType: S.LINKTYPE.RAW });
  for (const p of [...packets].sort((a, b) => a.ms - b.ms)) w.writePacket(T0 + BigInt(p.ms) * MS, p.bytes);
  return Uint8Array.from(w.toBytes());
}

async function run(packets: At[]): Promise<Report> {
  return analyze([{ input: bytesOf(pcap(packets)), name: "connect.pcap" }]);
}

function failures(r: Report): Finding[] {
  return r.findings.filter((f) => f.code === "tcp_connect_failed");
}

describe("tcp_connect_failed", () => {
  it("a refused connection with no SIP at all is an error with the SYN, the reset and a filter showing both", async () => {
    const packets = [syn(0, 40001), rst(1, 40001), tick(10_000)];
    const [f, ...rest] = failures(await run(packets));
    expect(rest).toEqual([]);
    expect(f.severity).toBe("error");
    expect(f.title).toBe(`TCP connection to ${REGISTRAR.ip}:5060 refused: 1 attempt from ${PHONE.ip} answered with a reset`);
    expect(f.evidence.map((e) => [e.frame, e.text])).toEqual([
      [1, `SYN from ${PHONE.ip}:40001 to ${REGISTRAR.ip}:5060`],
      [2, `reset (RST) from ${REGISTRAR.ip}:5060: connection refused`],
    ]);
    expect(f.explanation).toContain("so no SIP message could be sent over one: the capture holds nothing of what was meant to go there");
    expect(f.fix[0]).toMatch(/^Make the SIP server listen for TCP on 203\.0\.113\.10:5060/);
    expect(f.subject).toEqual({ client: PHONE.ip, server: `${REGISTRAR.ip}:5060` });
    expect(f.filter).toBe(
      `(ip.src == ${PHONE.ip} && ip.dst == ${REGISTRAR.ip} && tcp.dstport == 5060 && tcp.flags.syn == 1 && tcp.flags.ack == 0) || ` +
        `(ip.src == ${REGISTRAR.ip} && ip.dst == ${PHONE.ip} && tcp.srcport == 5060 && tcp.flags.reset == 1)`,
    );
    if (hasTshark()) {
      const dir = mkdtempSync(join(tmpdir(), "sip401-connect-"));
      try {
        const file = join(dir, "connect.pcap");
        writeFileSync(file, pcap(packets));
        expect(tsharkFields(file, f.filter, ["frame.number"]).map(([n]) => Number(n))).toEqual([1, 2]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it("SYNs resent after each reset on one port are one attempt; new ports are new attempts", async () => {
    // Windows sends the SYN again twice after a reset; a Linux client that retries opens a new port.
    const packets = [syn(0, 40001), rst(1, 40001), syn(500, 40001), rst(501, 40001), syn(1000, 40001), rst(1001, 40001), syn(9000, 40002), rst(9001, 40002), tick(20_000)];
    const [f] = failures(await run(packets));
    expect(f.title).toBe(`TCP connection to ${REGISTRAR.ip}:5060 refused: 2 attempts from ${PHONE.ip} answered with a reset (4 SYNs)`);
    expect(f.evidence.map((e) => e.frame)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("a server that refuses every client is one finding naming them, with a filter for all", async () => {
    const other = (n: number): S.Endpoint => ({ ip: `198.51.100.${30 + n}`, port: 41000 });
    const packets: At[] = [tick(10_000)];
    for (let n = 0; n < 3; n++) {
      packets.push({ ms: n * 100, bytes: S.tcpPacket({ src: other(n), dst: REGISTRAR, seq: 1, flags: SYN }) });
      packets.push({ ms: n * 100 + 1, bytes: S.tcpPacket({ src: REGISTRAR, dst: other(n), seq: 0, ack: 2, flags: RST | ACK }) });
    }
    const [f, ...rest] = failures(await run(packets));
    expect(rest).toEqual([]);
    expect(f.title).toBe(`TCP connection to ${REGISTRAR.ip}:5060 refused: 3 attempts from 3 clients answered with a reset`);
    expect(f.subject).toEqual({ server: `${REGISTRAR.ip}:5060` });
    expect(f.explanation).toMatch(/^3 clients \(198\.51\.100\.30, 198\.51\.100\.31, 198\.51\.100\.32\) tried to open a TCP connection/);
    expect(f.filter).toBe(`(ip.dst == ${REGISTRAR.ip} && tcp.dstport == 5060 && tcp.flags.syn == 1 && tcp.flags.ack == 0) || (ip.src == ${REGISTRAR.ip} && tcp.srcport == 5060 && tcp.flags.reset == 1)`);
  });

  it("lists 64 clients per server and counts the attempts of the others", async () => {
    const packets: At[] = [tick(10_000)];
    for (let n = 0; n < 70; n++) {
      const c = { ip: `198.51.100.${100 + n}`, port: 41000 };
      packets.push({ ms: n * 10, bytes: S.tcpPacket({ src: c, dst: REGISTRAR, seq: 1, flags: SYN }) });
      packets.push({ ms: n * 10 + 1, bytes: S.tcpPacket({ src: REGISTRAR, dst: c, seq: 0, ack: 2, flags: RST | ACK }) });
    }
    const [f] = failures(await run(packets));
    expect(f.title).toBe(`TCP connection to ${REGISTRAR.ip}:5060 refused: 70 attempts from 64+ clients answered with a reset`);
  });

  it("a capture clock that leaps by years between SYN and SYN-ACK does not make the attempt unanswered", async () => {
    const year = 365 * 86_400_000;
    const packets = [
      syn(0, 40001),
      { ms: year, bytes: S.tcpPacket({ src: REGISTRAR, dst: { ip: PHONE.ip, port: 40001 }, seq: 5000, ack: 1001, flags: SYN | ACK }) },
      tick(year + 10_000),
    ];
    expect(failures(await run(packets))).toEqual([]);
  });

  it("SYNs never answered: an error naming the SYNs and their span", async () => {
    const [f] = failures(await run([syn(0, 40001), syn(1000, 40001), syn(3000, 40001), tick(10_000)]));
    expect(f.severity).toBe("error");
    expect(f.title).toBe(`TCP connection to ${REGISTRAR.ip}:5060 never answered: 1 attempt from ${PHONE.ip}, 3 SYNs over 3 s`);
    expect(f.evidence.map((e) => e.frame)).toEqual([1, 3]);
    expect(f.explanation).toContain("No attempt got any answer, neither SYN-ACK nor reset");
  });

  it("says nothing of connections made, of ports other than SIP's, or of a SYN just before the capture ends", async () => {
    const made = [
      syn(0, 40001),
      { ms: 1, bytes: S.tcpPacket({ src: REGISTRAR, dst: { ip: PHONE.ip, port: 40001 }, seq: 5000, ack: 1001, flags: SYN | ACK }) },
      { ms: 2, bytes: S.tcpPacket({ src: { ip: PHONE.ip, port: 40001 }, dst: REGISTRAR, seq: 1001, ack: 5001, flags: ACK }) },
    ];
    const web = { ip: REGISTRAR.ip, port: 80 };
    const r = await run([...made, syn(10, 40002, web), rst(11, 40002, web), tick(10_000), syn(9_000, 40003)]);
    expect(failures(r)).toEqual([]);
  });

  it("a refusal the client recovered from over UDP is a warning that names the large request it meant for TCP", async () => {
    // Alice's registration over UDP answers; then an 1,500-byte OPTIONS goes over UDP after a refused SYN.
    const reg = registrationPackets().packets.map((bytes, i) => ({ ms: i * 10, bytes }));
    const big =
      `OPTIONS sip:${REGISTRAR.ip} SIP/2.0\r\nVia: SIP/2.0/UDP ${PHONE.ip}:${PHONE.port};branch=z9hG4bK-big\r\nFrom: <sip:alice@example.test>;tag=b\r\n` +
      `To: <sip:${REGISTRAR.ip}>\r\nCall-ID: big@${PHONE.ip}\r\nCSeq: 1 OPTIONS\r\nX-Padding: ${"x".repeat(1300)}\r\nContent-Length: 0\r\n\r\n`;
    const packets = [...reg, syn(1000, 40001), rst(1001, 40001), { ms: 1500, bytes: S.udpPacket({ src: PHONE, dst: REGISTRAR, payload: S.toBytes(big) }) }, tick(10_000)];
    const [f] = failures(await run(packets));
    const frame = reg.length + 3;
    expect(f.severity).toBe("warning");
    expect(f.evidence.at(-1)).toEqual({ frame, capture: 0, text: `OPTIONS sip:${REGISTRAR.ip}: ${big.length} bytes, sent over UDP instead` });
    expect(f.explanation).toContain(`The client turned to TCP for OPTIONS sip:${REGISTRAR.ip}, a request of ${big.length} bytes: over 1300 bytes RFC 3261 §18.1.1`);
    expect(f.explanation).toContain(`(frame ${frame}, 0.5 s after the first SYN)`);
    expect(f.explanation).not.toContain("holds nothing");
    expect(f.filter).toMatch(new RegExp(`\\|\\| frame\\.number == ${frame}$`));
  });
});

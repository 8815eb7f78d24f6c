/**
 * HEP (HOMER encapsulation) v1/v2/v3: the public hep-wireshark capture checked by hand (tshark 4.0
 * has no HEP dissector: the expected values below were read from `tshark -x` hex dumps), crafted
 * v2/v3 packets (IPv6, compressed payloads, TCP streams), malformed packets as issues, and
 * property tests that the decoder never throws.
 */
import fc from "fast-check";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { readCapture } from "../../src/capture/source.js";
import { extractMessages, DEFAULT_EXTRACT_OPTIONS } from "../../src/extract/extractor.js";
import type { CapturedMessage, ExtractSummary } from "../../src/extract/model.js";
import { decodeHep, HepStream, isHepError, looksLikeHep, type HepPacket } from "../../src/net/hep.js";
import { ethernetFrame, ETHERTYPE, LINKTYPE, MemorySink, PcapWriter, tcpConversation, tcpPacket, udpPacket } from "../../src/synth/index.js";
import { PUBLIC } from "../helpers/corpus.js";

const HEPWS = join(PUBLIC, "hepws__hep.pcap");
const T0 = 1_700_000_000_000_000_000n;

function be(n: number, bytes: number): number[] {
  const out: number[] = [];
  for (let i = bytes - 1; i >= 0; i--) out.push(Math.floor(n / 2 ** (8 * i)) & 0xff);
  return out;
}

function chunk(type: number, value: number[] | Uint8Array, vendor = 0): number[] {
  const v = [...value];
  return [...be(vendor, 2), ...be(type, 2), ...be(v.length + 6, 2), ...v];
}

const ip4 = (s: string): number[] => s.split(".").map(Number);
const ip6 = (groups: number[]): number[] => groups.flatMap((g) => be(g, 2));

function sipText(method: string, callId: string): string {
  return `${method} sip:bob@example.test SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\nFrom: <sip:alice@example.test>;tag=1\r\nTo: <sip:bob@example.test>\r\nCall-ID: ${callId}\r\nCSeq: 1 ${method}\r\nContent-Length: 0\r\n\r\n`;
}

interface Hep3Options {
  v6?: boolean;
  proto?: number;
  payload?: Uint8Array;
  compressed?: Uint8Array;
  type?: number;
  sec?: number;
  usec?: number;
}

/** hep3 builds a HEPv3 packet from generic chunks (vendor 0). */
function hep3(o: Hep3Options): Uint8Array {
  const body = [
    ...chunk(1, [o.v6 ? 10 : 2]),
    ...chunk(2, [o.proto ?? 17]),
    ...(o.v6 ? [...chunk(5, ip6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1])), ...chunk(6, ip6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 2]))] : [...chunk(3, ip4("10.0.0.1")), ...chunk(4, ip4("10.0.0.2"))]),
    ...chunk(7, be(5062, 2)),
    ...chunk(8, be(5060, 2)),
    ...chunk(9, be(o.sec ?? 1_600_000_000, 4)),
    ...chunk(10, be(o.usec ?? 250_000, 4)),
    ...chunk(11, [o.type ?? 1]),
    ...chunk(12, be(42, 4)),
    ...chunk(14, [...Buffer.from("secret-auth-key")]),
    ...chunk(99, [1, 2, 3], 0x0b5e), // a vendor chunk, skipped
    ...(o.compressed ? chunk(16, o.compressed) : chunk(15, o.payload ?? new Uint8Array(0))),
    ...chunk(17, [...Buffer.from("corr-1")]),
  ];
  return Uint8Array.from([...Buffer.from("HEP3"), ...be(body.length + 6, 2), ...body]);
}

/** hep2 builds a HEPv1/v2 packet (time header in little-endian host order, as agents write it). */
function hep2(o: { version: 1 | 2; v6?: boolean; payload: Uint8Array; pad?: boolean }): Uint8Array {
  const addrs = o.v6 ? [...ip6([0xfd00, 0, 0, 0, 0, 0, 0, 1]), ...ip6([0xfd00, 0, 0, 0, 0, 0, 0, 2])] : [...ip4("172.16.0.1"), ...ip4("172.16.0.2")];
  const time = o.version === 2 ? [...Buffer.from(Uint32Array.of(1_650_000_000, 123_456).buffer), 7, 0, ...(o.pad === false ? [] : [0, 0])] : [];
  const hl = 8 + addrs.length + time.length;
  return Uint8Array.from([o.version, hl, o.v6 ? 10 : 2, 17, ...be(5060, 2), ...be(5080, 2), ...addrs, ...time, ...o.payload]);
}

function pkt(p: HepPacket | ReturnType<typeof decodeHep>): HepPacket {
  if (isHepError(p)) throw new Error(p.detail);
  return p;
}

async function run(packets: Uint8Array[], write: (w: PcapWriter, ts: bigint, frame: Uint8Array) => void = (w, ts, f) => w.writePacket(ts, f)): Promise<{ messages: CapturedMessage[]; summary: ExtractSummary }> {
  const w = new PcapWriter({ linkType: LINKTYPE.ETHERNET, precision: "nsec" });
  packets.forEach((p, i) => write(w, T0 + BigInt(i) * 1_000_000n, p));
  const bytes = (w.sink as MemorySink).toBytes();
  const messages: CapturedMessage[] = [];
  async function* input(): AsyncIterable<Uint8Array> {
    yield bytes;
  }
  const summary = await extractMessages(input(), "mem", (m) => messages.push(m), DEFAULT_EXTRACT_OPTIONS);
  return { messages, summary };
}

function udp(payload: Uint8Array, dstPort = 9060): Uint8Array {
  return ethernetFrame(udpPacket({ src: { ip: "192.0.2.50", port: 40000 }, dst: { ip: "192.0.2.60", port: dstPort }, payload }), { etherType: ETHERTYPE.IPV4 });
}

describe.skipIf(!existsSync(HEPWS))("public capture hepws__hep.pcap (8 HEP3 packets on UDP/9060)", () => {
  it("delivers the six SIP messages inside with their original addresses and HEP timestamps", async () => {
    const messages: CapturedMessage[] = [];
    const summary = await extractMessages(HEPWS, HEPWS, (m) => messages.push(m));
    const rows = messages.map((m) => [
      m.frame,
      m.message?.kind === "request" ? m.message.method : m.message?.status,
      m.message?.callId,
      `${m.src}:${m.srcPort}`,
      `${m.dst}:${m.dstPort}`,
      m.transport,
      m.tsNs,
    ]);
    // Read from the hex dumps: chunks 3/4 (IPv4 src/dst), 7/8 (ports 0x13c4), 9/10 (seconds 0x584d365c…, µs), 15 (payload).
    expect(rows).toEqual([
      [1, "INVITE", "qgf3dm9rudi@127.0.0.1", "192.168.1.1:5060", "192.168.1.2:5060", "UDP", 1481455196_000100000n],
      [2, 100, "qgf3dm9rudi@127.0.0.1", "192.168.1.2:5060", "192.168.1.1:5060", "UDP", 1481455196_000325000n],
      [3, 407, "qgf3dm9rudi@127.0.0.1", "192.168.1.2:5060", "192.168.1.1:5060", "UDP", 1481455197_000126000n],
      [4, "OPTIONS", "qgf3dm9rudi@127.0.0.1", "192.168.1.1:5060", "192.168.1.2:5060", "UDP", 1481455198_000127000n],
      [6, 200, "qgf3dm9rudi@127.0.0.1", "192.168.1.2:5060", "192.168.1.1:5060", "UDP", 1481455200_000326000n],
      [7, "PUBLISH", "qgf3dm9rudi@127.0.0.1", "192.168.1.1:5060", "192.168.1.2:5060", "UDP", 1481455201_000627000n],
    ]);
    // Frame 5 carries a log line (payload type 100) and frame 8 an RTCP report as JSON (type 5): not SIP.
    expect(summary.sipMessages).toBe(6);
    expect(summary.issues.map((i) => i.code)).not.toContain("hep_bad_packet");
  });

  it("decodes every packet's chunks", async () => {
    const decoded: HepPacket[] = [];
    await readCapture(HEPWS, (f) => decoded.push(pkt(decodeHep(f.data.subarray(42)))));
    expect(decoded.map((p) => p.payloadType)).toEqual([1, 1, 1, 1, 100, 1, 1, 5]);
    expect(decoded.every((p) => p.version === 3 && p.captureId === 2001 && p.correlationId === "qgf3dm9rudi@127.0.0.1" && p.ipProto === 17)).toBe(true);
  });
});

describe("HEP decoding", () => {
  it("HEPv3 with IPv4, TCP inside, vendor chunks skipped, the auth key not kept", () => {
    const p = pkt(decodeHep(hep3({ proto: 6, payload: Buffer.from(sipText("REGISTER", "c1")) })));
    expect(p).toMatchObject({ version: 3, ipVersion: 4, ipProto: 6, src: "10.0.0.1", dst: "10.0.0.2", srcPort: 5062, dstPort: 5060, tsNs: 1_600_000_000_250_000_000n, payloadType: 1, captureId: 42, correlationId: "corr-1", compressed: false });
    expect(Object.values(p).some((v) => String(v).includes("secret-auth-key"))).toBe(false);
  });

  it("HEPv3 with IPv6 addresses and a zlib-compressed payload (chunk 16)", () => {
    const text = sipText("OPTIONS", "c6");
    const p = pkt(decodeHep(hep3({ v6: true, compressed: deflateSync(Buffer.from(text)) })));
    expect(p).toMatchObject({ ipVersion: 6, src: "2001:db8::1", dst: "2001:db8::2", compressed: true });
    expect(Buffer.from(p.payload).toString("latin1")).toBe(text);
  });

  it("bounds what a compressed payload may inflate to", () => {
    const bomb = deflateSync(Buffer.alloc(1_000_000));
    expect(decodeHep(hep3({ compressed: bomb }), { maxPayloadBytes: 4096 })).toMatchObject({ code: "hep_bad_compressed" });
    expect(decodeHep(hep3({ compressed: Uint8Array.of(1, 2, 3, 4) }))).toMatchObject({ code: "hep_bad_compressed" });
  });

  it("HEPv2 (with time header, padded or packed) and HEPv1 (without)", () => {
    const payload = new Uint8Array(Buffer.from(sipText("INVITE", "v2")));
    const v2 = pkt(decodeHep(hep2({ version: 2, payload })));
    expect(v2).toMatchObject({ version: 2, ipVersion: 4, ipProto: 17, src: "172.16.0.1", dst: "172.16.0.2", srcPort: 5060, dstPort: 5080, tsNs: 1_650_000_000_123_456_000n, captureId: 7 });
    expect(Buffer.from(v2.payload).toString("latin1")).toBe(sipText("INVITE", "v2"));
    expect(pkt(decodeHep(hep2({ version: 2, payload, pad: false }))).tsNs).toBe(1_650_000_000_123_456_000n);
    expect(pkt(decodeHep(hep2({ version: 2, v6: true, payload }))).src).toBe("fd00::1");
    const v1 = pkt(decodeHep(hep2({ version: 1, payload })));
    expect(v1.tsNs).toBeUndefined();
    expect(looksLikeHep(hep2({ version: 1, payload }))).toBe(true);
  });

  it("returns errors for malformed packets", () => {
    const good = hep3({ payload: Buffer.from("x") });
    expect(decodeHep(good.subarray(0, good.length - 3))).toMatchObject({ code: "hep_bad_packet" });
    const overrun = Uint8Array.from(good);
    overrun[11] = 0xff; // first chunk claims 255 bytes
    expect(decodeHep(overrun)).toMatchObject({ code: "hep_bad_packet" });
    expect(decodeHep(Uint8Array.from([...Buffer.from("HEP3"), 0, 6]))).toMatchObject({ code: "hep_bad_packet", detail: expect.stringContaining("address") });
    expect(decodeHep(Uint8Array.of(2, 99, 2, 17, 0, 0, 0, 0))).toMatchObject({ code: "hep_bad_packet" });
    expect(looksLikeHep(Buffer.from("INVITE sip:x SIP/2.0"))).toBe(false);
  });
});

describe("HEP in the extractor", () => {
  it("unwraps UDP on 9060 (v2, v3), HEP3 on any port and v2 by its header anywhere; the frame stays the carrier", async () => {
    const { messages, summary } = await run([
      udp(hep3({ payload: Buffer.from(sipText("REGISTER", "a")) })),
      udp(hep2({ version: 2, payload: new Uint8Array(Buffer.from(sipText("INVITE", "b"))) })),
      udp(hep3({ v6: true, proto: 6, payload: Buffer.from(sipText("BYE", "c")) }), 9999),
      udp(hep2({ version: 2, payload: new Uint8Array(Buffer.from(sipText("OPTIONS", "d"))) }), 12345),
      udp(hep3({ type: 100, payload: Buffer.from("log line") })),
      udp(Uint8Array.from(Buffer.from("not hep at all, but on 9060"))),
    ]);
    expect(messages.map((m) => [m.frame, m.message?.method, m.transport, m.ipVersion, `${m.src}:${m.srcPort}`])).toEqual([
      [1, "REGISTER", "UDP", 4, "10.0.0.1:5062"],
      [2, "INVITE", "UDP", 4, "172.16.0.1:5060"],
      [3, "BYE", "TCP", 6, "2001:db8::1:5062"],
      [4, "OPTIONS", "UDP", 4, "172.16.0.1:5060"],
    ]);
    expect(messages[0].tsNs).toBe(1_600_000_000_250_000_000n);
    expect(summary.issues.filter((i) => i.code.startsWith("hep_")).map((i) => [i.code, i.samples[0].frame])).toEqual([["hep_bad_packet", 6]]);
  });

  it("splits a TCP stream of HEP3 packets (several per segment, one over several segments)", async () => {
    const a = hep3({ proto: 6, payload: Buffer.from(sipText("REGISTER", "t1")) });
    const b = hep3({ proto: 6, payload: Buffer.from(sipText("INVITE", "t2")) });
    const c = hep3({ proto: 6, payload: Buffer.from(sipText("ACK", "t3")) });
    const segs = tcpConversation({
      client: { ip: "192.0.2.50", port: 41000 },
      server: { ip: "192.0.2.60", port: 9060 },
      writes: [{ from: "client", data: Buffer.concat([a, b, c]), segmentSizes: [a.length + 10, b.length - 10, 50] }],
    });
    const frames = segs.map((s) => ethernetFrame(tcpPacket(s), { etherType: ETHERTYPE.IPV4 }));
    const { messages, summary } = await run(frames);
    // Frames 1–3 are the TCP handshake; then [a + 10 bytes of b] [rest of b] [50 bytes of c] [rest of c].
    expect(messages.map((m) => [m.message?.method, m.frames])).toEqual([["REGISTER", [4]], ["INVITE", [4, 5]], ["ACK", [6, 7]]]);
    expect(summary.issues.filter((i) => i.code.startsWith("hep_"))).toEqual([]);
  });
});

describe("property: HEP decoding never throws", () => {
  it("on arbitrary bytes, with or without the HEP3 magic", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (b, magic) => {
        const bytes = magic ? Uint8Array.from([...Buffer.from("HEP3"), ...b]) : b;
        const r = decodeHep(bytes);
        expect(isHepError(r) || r.payload instanceof Uint8Array).toBe(true);
        looksLikeHep(bytes);
      }),
      { numRuns: 1000 },
    );
  });

  it("on mutations of valid v2/v3 packets", () => {
    const seeds = [hep3({ payload: Buffer.from(sipText("INVITE", "m")) }), hep3({ v6: true, compressed: deflateSync(Buffer.from(sipText("BYE", "z"))) }), hep2({ version: 2, payload: new Uint8Array(Buffer.from("x")) })];
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.nat(), (seed, flips, cut) => {
        const b = Uint8Array.from(seed);
        for (const [at, v] of flips) b[at % b.length] = v;
        decodeHep(b.subarray(0, cut % (b.length + 1)));
        decodeHep(b);
      }),
      { numRuns: 1000 },
    );
  });

  it("on arbitrary chunks of a HEP stream", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 20 }), (parts) => {
        const s = new HepStream(() => undefined, () => undefined);
        parts.forEach((p, i) => s.push(i % 3 === 0 ? Uint8Array.from([...Buffer.from("HEP3"), ...p]) : p, i + 1, i + 1, 0n));
        s.gap();
        s.end();
      }),
      { numRuns: 500 },
    );
  });
});

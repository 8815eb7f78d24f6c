/**
 * Issue 9, adversarial captures built in code: each finishes in bounded time and memory, says
 * which limit it hit, and still gives the right answer for the ordinary traffic around it.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyze } from "../../src/analyze/index.js";
import type { CapturedMessage, ExtractSummary } from "../../src/extract/model.js";
import * as S from "../../src/synth/index.js";
import { extract, rawPcap, REGISTRAR, registrationPackets, retainedHeapMb, T0, tempDir, writeCallIdFlood } from "./build.js";

const codes = (s: ExtractSummary): string[] => s.issues.map((i) => i.code);
const kinds = (ms: CapturedMessage[]): string[] => ms.map((m) => `${m.frame} ${m.message?.method ?? m.message?.status}`);

describe("adversarial captures", () => {
  it("1 M distinct Call-IDs: every message counted, tracking limits hit and reported, retained heap flat", async () => {
    const { dir, remove } = tempDir();
    try {
      const path = join(dir, "flood.pcap");
      const n = 1_000_000;
      const { callId } = writeCallIdFlood(path, n);
      const heap = retainedHeapMb();
      const samples: number[] = [];
      let chunks = 0;
      const t0 = performance.now();
      const report = await analyze([{ input: path, name: "flood.pcap" }], {
        // Called between the 1 MiB chunks read: sample the retained heap every 40 MiB of capture.
        ready: () => {
          if (++chunks % 40 === 0) samples.push(heap());
          return undefined;
        },
      });
      const seconds = (performance.now() - t0) / 1000;
      expect(report.summary.sipMessages).toBe(n + 4);
      expect(report.summary.transactions.total).toBe(n + 2);
      // Every AOR is counted, 10,000 are listed, the oldest were folded into the counts.
      expect(report.summary.registrations.total).toBe(n + 1);
      expect(report.registrations).toHaveLength(10_000);
      expect(report.limits.registrationsUntracked).toBe(n + 1 - 10_000);
      expect(report.limits.transactionsEvicted).toBeGreaterThan(n - 60_000);
      // The ordinary registration at the end is diagnosed as usual.
      const alice = report.registrations.find((r) => r.callIds.includes(callId));
      expect(alice).toMatchObject({ aor: "sip:alice@example.test", outcome: "registered", attempts: 2 });
      // Bounded: the retained heap does not grow with the number of Call-IDs.
      expect(samples.length).toBeGreaterThanOrEqual(5);
      expect(Math.max(...samples)).toBeLessThan(400);
      expect(samples[samples.length - 1] - samples[1]).toBeLessThan(64);
      expect(seconds).toBeLessThan(240);
    } finally {
      remove();
    }
  }, 300_000);

  it("a TCP stream that never ends a message: skipped at 64 KiB with message_too_large, other traffic intact", async () => {
    const w = new S.PcapWriter({ linkType: S.LINKTYPE.RAW });
    let ts = T0;
    const { packets } = registrationPackets();
    w.writePacket((ts += 1000n), packets[0]);
    w.writePacket((ts += 1000n), packets[1]);
    // 8 MB of header lines after a request line, never a blank line; then the rest of the registration.
    const client = { ip: "198.51.100.40", port: 40000 };
    let seq = 1000;
    const send = (payload: Uint8Array): void => {
      w.writePacket((ts += 1000n), S.tcpPacket({ src: client, dst: REGISTRAR, seq, ack: 1, flags: S.TCP_FLAGS.ACK | S.TCP_FLAGS.PSH, payload }));
      seq += payload.length;
    };
    send(S.toBytes("REGISTER sip:example.test SIP/2.0\r\nVia: SIP/2.0/TCP 198.51.100.40:40000;branch=z9hG4bKendless\r\n"));
    const junk = S.toBytes(`X-Filler: ${"a".repeat(1384)}\r\n`);
    for (let i = 0; i < 6000; i++) send(junk);
    w.writePacket((ts += 1000n), packets[2]);
    w.writePacket((ts += 1000n), packets[3]);
    const heap = retainedHeapMb();
    const before = heap();
    const x = await extract(w.toBytes());
    expect(heap() - before).toBeLessThan(32);
    expect(x.ms).toBeLessThan(5000);
    expect(codes(x.summary)).toContain("message_too_large");
    expect(kinds(x.messages)).toEqual(["1 REGISTER", "2 401", "6004 REGISTER", "6005 200"]);
  });

  it("10,000 overlapping fragments of one datagram: ip_fragment_limit, then a fragmented INVITE still reassembles", async () => {
    const w = new S.PcapWriter({ linkType: S.LINKTYPE.RAW });
    let ts = T0;
    const attacker = { src: "192.0.2.66", dst: REGISTRAR.ip, protocol: 17, id: 0x4242 };
    const block = new Uint8Array(1480).fill(0x41);
    for (let i = 0; i < 10_000; i++) {
      // Every ~1000th is a last fragment, so the datagram's length is known and reassembly is tried.
      const last = i % 1000 === 0;
      w.writePacket((ts += 1000n), S.ipv4Packet({ ...attacker, mf: !last, fragmentOffset: last ? 8000 : (i * 8) % 4000, payload: last ? block.subarray(0, 16) : block }));
    }
    // A real REGISTER sent as three fragments (one datagram over a small MTU).
    const { packets } = registrationPackets();
    const frags = S.fragmentIpv4(packets[2], 300);
    for (const f of frags) w.writePacket((ts += 1000n), f);
    const x = await extract(w.toBytes());
    expect(x.ms).toBeLessThan(5000);
    expect(codes(x.summary)).toContain("ip_fragment_limit");
    expect(kinds(x.messages)).toEqual([`${10_000 + frags.length} REGISTER`]);
    expect(x.messages[0].frames).toHaveLength(frags.length);
  });

  it("a pcap whose header claims a 2 GB snaplen: nothing is allocated for it, every frame is read", async () => {
    const bytes = rawPcap(registrationPackets().packets);
    new DataView(bytes.buffer).setUint32(16, 0x80000000, true); // snaplen field (draft-ietf-opsawg-pcap §4)
    const x = await extract(bytes);
    expect(x.summary.damage).toBeUndefined();
    expect(kinds(x.messages)).toEqual(["1 REGISTER", "2 401", "3 REGISTER", "4 200"]);
  });

  it("a pcap record claiming 2 GB: corruption at that record, the frames before it are read, no 2 GB wait", async () => {
    const bytes = rawPcap(registrationPackets().packets);
    const third = recordOffsets(bytes)[2];
    new DataView(bytes.buffer).setUint32(third + 8, 0x80000000, true); // caplen
    const x = await extract(bytes);
    expect(x.summary.damage).toMatchObject({ kind: "corrupt", afterFrame: 2, byteOffset: third });
    expect(x.summary.damage?.reason).toMatch(/claims 2147483648 captured bytes \(limit 16777216/);
    expect(kinds(x.messages)).toEqual(["1 REGISTER", "2 401"]);
    expect(x.ms).toBeLessThan(2000);
  });

  it("a pcapng block claiming 4 GB: corruption at that block, the packets before it are read", async () => {
    const w = new S.PcapngWriter({});
    w.addInterface({ linkType: S.LINKTYPE.RAW, snaplen: 0x7fffffff });
    const { packets } = registrationPackets();
    let ts = T0;
    w.writeEnhancedPacket(0, (ts += 1000n), packets[0]);
    w.writeEnhancedPacket(0, (ts += 1000n), packets[1]);
    const at = w.toBytes().length;
    // An unknown block type whose length field says 0xFFFFFFFC (the largest multiple of 4).
    w.writeBlock(0x00001234, new Uint8Array(16));
    w.writeEnhancedPacket(0, (ts += 1000n), packets[2]);
    const bytes = w.toBytes();
    new DataView(bytes.buffer).setUint32(at + 4, 0xfffffffc, true);
    const x = await extract(bytes);
    expect(x.summary.damage).toMatchObject({ kind: "corrupt", afterFrame: 2, byteOffset: at });
    expect(x.summary.damage?.reason).toMatch(/claims 4294967292 bytes/);
    expect(kinds(x.messages)).toEqual(["1 REGISTER", "2 401"]);
  });
});

/** recordOffsets lists where each record header of a little-endian pcap starts. */
function recordOffsets(b: Uint8Array): number[] {
  const v = new DataView(b.buffer, b.byteOffset);
  const out: number[] = [];
  for (let at = 24; at + 16 <= b.length; at += 16 + v.getUint32(at + 8, true)) out.push(at);
  return out;
}



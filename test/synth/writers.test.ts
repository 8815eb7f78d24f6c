/**
 * Unit and property tests of the synth builders and writers: byte building, checksums,
 * addresses, link headers, IP fragmentation, TCP conversations, pcap/pcapng layout and
 * timestamp conversion, sinks, SIP text and digest known-answer tests (RFC 2617, RFC 7616).
 */

import { mkdtempSync, readFileSync, rmSync, createWriteStream } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as S from "../../src/synth/index.js";
import { walkFrames } from "./helpers.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const be16 = (b: Uint8Array, o: number): number => (b[o] << 8) | b[o + 1];
const be32 = (b: Uint8Array, o: number): number => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;

/** Folded RFC 1071 sum; 0xffff over data that includes a valid checksum. */
function sum16(data: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < data.length; i += 2) s += (data[i] << 8) | (data[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

describe("ByteBuilder", () => {
  it("keeps every write when it grows past its initial capacity", () => {
    // Regression: a write must land in the grown buffer, not the discarded one.
    const b = new S.ByteBuilder("be", 16);
    for (let i = 0; i < 100; i++) b.u8(i).u16(0x0102).u32(0x03040506).u64(0x0708090a0b0c0d0en).bytes("xy").zeros(1);
    const out = b.finish();
    expect(out.length).toBe(100 * 18);
    expect(hex(out.subarray(18 * 99, 18 * 100))).toBe("63" + "0102" + "03040506" + "0708090a0b0c0d0e" + "7879" + "00");
  });

  it("writes little-endian when asked and pads to alignment", () => {
    const out = new S.ByteBuilder("le").u16(0x0102).u32(0x03040506).u8(7).padTo(4).finish();
    expect(hex(out)).toBe("0201" + "06050403" + "07" + "00");
  });
});

describe("checksums and addresses", () => {
  it("matches the RFC 1071 §3 numerical example", () => {
    // Bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2; the checksum is its complement.
    expect(S.internetChecksum(Uint8Array.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]))).toBe(0x220d);
  });

  it("parses IPv6 text forms (RFC 4291 §2.2)", () => {
    expect(hex(S.parseIpv6("2001:db8::1"))).toBe("20010db8000000000000000000000001");
    expect(hex(S.parseIpv6("::"))).toBe("0".repeat(32));
    expect(hex(S.parseIpv6("::ffff:192.0.2.1"))).toBe("00000000000000000000ffffc0000201");
    expect(hex(S.parseIpv6("fe80:0:0:0:1:2:3:4"))).toBe("fe800000000000000001000200030004");
    expect(() => S.parseIpv6("1::2::3")).toThrow();
    expect(() => S.parseIpv4("256.1.1.1")).toThrow();
  });

  it("formats endpoints with IPv6 brackets", () => {
    expect(S.formatEndpoint("2001:db8::1", 5060)).toBe("[2001:db8::1]:5060");
    expect(S.formatEndpoint("192.0.2.1", 5060)).toBe("192.0.2.1:5060");
  });
});

describe("link layers", () => {
  const ip = S.ipv4Packet({ src: "192.0.2.1", dst: "192.0.2.2", protocol: 17, payload: new Uint8Array(8) });

  it("Ethernet with QinQ tags and minimum-size padding", () => {
    const f = S.ethernetFrame(ip, { etherType: S.ETHERTYPE.IPV4, vlans: [{ tpid: 0x88a8, vid: 200 }, { vid: 100, pcp: 5, dei: true }], padToMinimum: true });
    expect(be16(f, 12)).toBe(0x88a8);
    expect(be16(f, 14)).toBe(200);
    expect(be16(f, 16)).toBe(0x8100);
    expect(be16(f, 18)).toBe((5 << 13) | (1 << 12) | 100);
    expect(be16(f, 20)).toBe(0x0800);
    expect(f.length).toBe(60);
  });

  it("SLL and SLL2 headers", () => {
    const sll = S.sllFrame(ip, { protocol: 0x0800, packetType: 4 });
    expect(sll.length).toBe(16 + ip.length);
    expect([be16(sll, 0), be16(sll, 2), be16(sll, 4), be16(sll, 14)]).toEqual([4, 1, 6, 0x0800]);
    const sll2 = S.sll2Frame(ip, { protocol: 0x86dd, interfaceIndex: 7 });
    expect(sll2.length).toBe(20 + ip.length);
    expect([be16(sll2, 0), be32(sll2, 4), be16(sll2, 8), sll2[10], sll2[11]]).toEqual([0x86dd, 7, 1, 0, 6]);
  });

  it("null (host order) and loop (network order) address families", () => {
    expect(hex(S.encapsulate({ type: "null", hostOrder: "le" }, ip).subarray(0, 4))).toBe("02000000");
    expect(hex(S.encapsulate({ type: "loop" }, ip).subarray(0, 4))).toBe("00000002");
    const v6 = S.ipv6Packet({ src: "::1", dst: "::1", protocol: 17, payload: new Uint8Array(8) });
    expect(hex(S.encapsulate({ type: "null", hostOrder: "be", inet6Family: 28 }, v6).subarray(0, 4))).toBe("0000001c");
    expect(() => S.encapsulate({ type: "ipv6" }, ip)).toThrow();
  });
});

describe("IPv4", () => {
  it("builds a header with valid checksum, flags and offset", () => {
    const p = S.ipv4Packet({ src: "10.0.0.1", dst: "10.0.0.2", protocol: 17, id: 0xbeef, mf: true, fragmentOffset: 1480, payload: new Uint8Array(16), options: Uint8Array.of(0x94, 4, 0, 0) });
    expect(p[0]).toBe(0x46);
    expect(be16(p, 2)).toBe(24 + 16);
    expect(be16(p, 4)).toBe(0xbeef);
    expect(be16(p, 6)).toBe(0x2000 | 185);
    expect(sum16(p.subarray(0, 24))).toBe(0xffff);
  });

  it("fragments into ≤MTU pieces that reassemble to the original (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9000 }), fc.integer({ min: 68, max: 1500 }), fc.boolean(), (size, mtu, withOptions) => {
        const payload = Uint8Array.from({ length: size }, (_, i) => (i * 7) & 0xff);
        // Router Alert (copied) then a non-copied record-route-ish option.
        const options = withOptions ? Uint8Array.of(0x94, 4, 0, 0, 0x07, 3, 4, 0) : undefined;
        const p = S.ipv4Packet({ src: "10.0.0.1", dst: "10.0.0.2", protocol: 17, id: 7, payload, options });
        const frags = S.fragmentIpv4(p, mtu);
        if (p.length <= mtu) expect(frags).toEqual([p]);
        const out = new Uint8Array(size);
        let sawLast = false;
        for (const f of frags) {
          expect(f.length).toBeLessThanOrEqual(mtu);
          const ihl = (f[0] & 15) * 4;
          expect(sum16(f.subarray(0, ihl))).toBe(0xffff);
          const off = (be16(f, 6) & 0x1fff) * 8;
          const mf = (be16(f, 6) & 0x2000) !== 0;
          if (!mf) sawLast = true;
          if (off > 0 && withOptions) expect(ihl).toBe(24); // only the copied option survives
          out.set(f.subarray(ihl, be16(f, 2)), off);
        }
        expect(sawLast).toBe(true);
        expect(hex(out)).toBe(hex(payload));
      }),
      { numRuns: 200 },
    );
  });

  it("slices arbitrary, overlapping ranges and refuses DF datagrams", () => {
    const p = S.ipv4Packet({ src: "10.0.0.1", dst: "10.0.0.2", protocol: 17, payload: new Uint8Array(100) });
    const frags = S.sliceIpv4(p, [{ offset: 0, length: 56 }, { offset: 48, length: 52 }]);
    expect(frags.map((f) => [(be16(f, 6) & 0x1fff) * 8, be16(f, 6) & 0x2000])).toEqual([[0, 0x2000], [48, 0]]);
    expect(() => S.fragmentIpv4(S.ipv4Packet({ src: "10.0.0.1", dst: "10.0.0.2", protocol: 17, df: true, payload: new Uint8Array(2000) }), 1500)).toThrow();
  });
});

describe("IPv6", () => {
  it("chains extension headers with Next Header values and 8-byte lengths", () => {
    const p = S.ipv6Packet({
      src: "2001:db8::1",
      dst: "2001:db8::2",
      protocol: 17,
      payload: new Uint8Array(8),
      extensions: [{ type: "hopByHop", options: S.routerAlertOption() }, { type: "destinationOptions", options: S.ipv6Option(0x1e, new Uint8Array(7)) }],
    });
    expect(p[6]).toBe(0); // hop-by-hop
    expect([p[40], p[41]]).toEqual([60, 0]); // -> dest opts, 8 bytes
    expect([p[48], p[49]]).toEqual([17, 1]); // -> UDP, 16 bytes
    expect(be16(p, 4)).toBe(8 + 16 + 8);
  });

  it("fragments per RFC 8200 §4.5 and reassembles (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1500, max: 12000 }), fc.integer({ min: 1280, max: 1500 }), fc.boolean(), (size, mtu, ext) => {
        const payload = Uint8Array.from({ length: size }, (_, i) => (i * 13) & 0xff);
        const extensions: S.Ipv6ExtensionHeader[] = ext ? [{ type: "hopByHop" }, { type: "destinationOptions" }] : [];
        const p = S.ipv6Packet({ src: "2001:db8::1", dst: "2001:db8::2", protocol: 17, payload, extensions });
        const unfragLen = ext ? 48 : 40;
        const fragmentable = p.subarray(unfragLen);
        const out = new Uint8Array(fragmentable.length);
        const frags = S.fragmentIpv6(p, mtu, 0x12345678);
        expect(frags.length).toBeGreaterThan(1);
        frags.forEach((f, i) => {
          expect(f.length).toBeLessThanOrEqual(mtu);
          expect(be16(f, 4)).toBe(f.length - 40);
          expect(f[ext ? 40 : 6]).toBe(44); // the last unfragmentable header points at the fragment header
          const fh = unfragLen;
          expect(f[fh]).toBe(ext ? 60 : 17); // fragment header's Next Header: first fragmentable header
          expect(be32(f, fh + 4)).toBe(0x12345678);
          const offField = be16(f, fh + 2);
          expect(offField & 1).toBe(i < frags.length - 1 ? 1 : 0);
          out.set(f.subarray(fh + 8), offField & 0xfff8);
        });
        expect(hex(out)).toBe(hex(fragmentable));
      }),
      { numRuns: 100 },
    );
  });

  it("makes an atomic fragment from a single full range (RFC 6946)", () => {
    const p = S.ipv6Packet({ src: "::1", dst: "::1", protocol: 17, payload: new Uint8Array(20) });
    const [f] = S.sliceIpv6(p, [{ offset: 0, length: 20 }], 9);
    expect(f[6]).toBe(44);
    expect(be16(f, 42)).toBe(0); // offset 0, M = 0
    expect(f.length).toBe(p.length + 8);
  });
});

describe("UDP and TCP", () => {
  const pseudo4 = (src: string, dst: string, proto: number, len: number): Uint8Array =>
    Uint8Array.from([...S.parseIpv4(src), ...S.parseIpv4(dst), 0, proto, len >> 8, len & 255]);
  const pseudo6 = (src: string, dst: string, proto: number, len: number): Uint8Array =>
    Uint8Array.from([...S.parseIpv6(src), ...S.parseIpv6(dst), 0, 0, len >> 8, len & 255, 0, 0, 0, proto]);

  it("UDP checksums verify over the v4 and v6 pseudo-headers (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 1, max: 65535 }), fc.boolean(), (payload, port, v6) => {
        const [a, b] = v6 ? ["2001:db8::1", "2001:db8::2"] : ["192.0.2.1", "198.51.100.2"];
        const d = S.udpDatagram({ src: { ip: a, port }, dst: { ip: b, port: 5060 }, payload });
        expect(be16(d, 4)).toBe(d.length);
        expect(be16(d, 6)).not.toBe(0);
        const ph = v6 ? pseudo6(a, b, 17, d.length) : pseudo4(a, b, 17, d.length);
        expect(sum16(Buffer.concat([ph, d]))).toBe(0xffff);
      }),
    );
  });

  it("TCP header fields, options and checksum", () => {
    const src = { ip: "192.0.2.1", port: 40000 };
    const dst = { ip: "192.0.2.2", port: 5060 };
    const seg = S.tcpSegment({
      src,
      dst,
      seq: 0xfffffff0,
      ack: 5,
      flags: S.TCP_FLAGS.SYN | S.TCP_FLAGS.ACK,
      options: [{ kind: "mss", value: 1460 }, { kind: "sackPermitted" }, { kind: "timestamps", tsval: 1, tsecr: 2 }, { kind: "nop" }, { kind: "wscale", shift: 7 }],
      payload: S.toBytes("odd"),
    });
    expect(be32(seg, 4)).toBe(0xfffffff0);
    expect(seg[12] >> 4).toBe(10); // 20 + 20 option bytes
    expect(seg[13]).toBe(0x12);
    expect(hex(seg.subarray(20, 24))).toBe("020405b4");
    expect(sum16(Buffer.concat([pseudo4(src.ip, dst.ip, 6, seg.length), seg]))).toBe(0xffff);
  });
});

describe("TCP conversations", () => {
  it("sequence numbers track the streams, across the 2^32 wrap (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ from: fc.constantFrom("client" as const, "server" as const), size: fc.integer({ min: 1, max: 4000 }) }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.boolean(),
        (writes, clientIsn, serverIsn, handshake) => {
          const data = writes.map((w, i) => ({ from: w.from, data: Uint8Array.from({ length: w.size }, (_, j) => (i + j) & 0xff) }));
          const segs = S.tcpConversation({ client: { ip: "192.0.2.1", port: 1 }, server: { ip: "192.0.2.2", port: 2 }, writes: data, clientIsn, serverIsn, handshake, mss: 536 });
          const isn = { client: clientIsn, server: serverIsn };
          const streams = { client: [] as number[], server: [] as number[] };
          const finSent = { client: 0, server: 0 };
          for (const s of segs) {
            if (s.kind === "syn" || s.kind === "syn-ack") {
              expect(s.seq).toBe(isn[s.from]);
              continue;
            }
            // SYN and FIN each take one sequence number (RFC 9293 §3.4).
            expect(s.seq).toBe((isn[s.from] + 1 + s.streamOffset + finSent[s.from]) % 2 ** 32);
            if (s.kind === "fin") finSent[s.from] = 1;
            expect(s.payload.length).toBeLessThanOrEqual(536);
            if (s.payload.length > 0) {
              expect(s.streamOffset).toBe(streams[s.from].length);
              streams[s.from].push(...s.payload);
            }
          }
          for (const side of ["client", "server"] as const) {
            expect(streams[side]).toEqual(data.filter((w) => w.from === side).flatMap((w) => [...w.data]));
          }
          // The final ACK acknowledges the server's FIN: ISN + 1 + bytes + 1.
          const last = segs[segs.length - 1];
          expect(last.ack).toBe((serverIsn + 2 + streams.server.length) % 2 ** 32);
        },
      ),
    );
  });

  it("honours explicit segment sizes, handshake options and coalescing", () => {
    const segs = S.tcpConversation({
      client: { ip: "192.0.2.1", port: 1 },
      server: { ip: "192.0.2.2", port: 2 },
      writes: [{ from: "client", data: "x".repeat(100), segmentSizes: [10, 20] }],
      timestamps: { client: 100, server: 200 },
    });
    expect(segs.map((s) => s.kind)).toEqual(["syn", "syn-ack", "ack", "data", "data", "data", "fin", "fin", "ack"]);
    expect(segs.filter((s) => s.kind === "data").map((s) => s.payload.length)).toEqual([10, 20, 70]);
    expect(segs[3].flags & S.TCP_FLAGS.PSH).toBe(0);
    expect(segs[5].flags & S.TCP_FLAGS.PSH).toBe(S.TCP_FLAGS.PSH);
    expect(segs[1].options.some((o) => o.kind === "timestamps" && o.tsecr === 100)).toBe(true);
    const merged = S.coalesceSegments([segs[4], segs[5]]);
    expect([merged.seq, merged.streamOffset, merged.payload.length]).toEqual([segs[4].seq, 10, 90]);
    expect(() => S.coalesceSegments([segs[3], segs[5]])).toThrow();
  });

  it("arrange reorders, duplicates and drops", () => {
    expect(S.arrange(["a", "b", "c"], [2, 0, 0])).toEqual(["c", "a", "a"]);
    expect(() => S.arrange(["a"], [1])).toThrow();
  });
});

describe("pcap writer", () => {
  for (const [order, precision, magic] of [
    ["le", "usec", "d4c3b2a1"],
    ["be", "usec", "a1b2c3d4"],
    ["le", "nsec", "4d3cb2a1"],
    ["be", "nsec", "a1b23c4d"],
  ] as const) {
    it(`${order} ${precision}: magic, header and records`, () => {
      const w = new S.PcapWriter({ linkType: 1, byteOrder: order, precision, snaplen: 100 });
      const stored = w.writePacket(1_700_000_000_123_456_789n, new Uint8Array(150).fill(1));
      const bytes = w.toBytes();
      expect(hex(bytes.subarray(0, 4))).toBe(magic);
      expect(stored).toBe(precision === "nsec" ? 1_700_000_000_123_456_789n : 1_700_000_000_123_456_000n);
      const [frame] = walkFrames(bytes).frames;
      expect(frame.tsNs).toBe(stored);
      expect(frame.data.length).toBe(100);
      expect(frame.origLen).toBe(150);
      expect(bytes.length).toBe(24 + 16 + 100);
    });
  }
});

describe("pcapng writer", () => {
  it("converts timestamps per interface resolution and offset", () => {
    const w = new S.PcapngWriter({ section: { byteOrder: "be" } });
    w.addInterface({ linkType: 1 });
    w.addInterface({ linkType: 101, tsresol: { base: 10, exponent: 9 } });
    w.addInterface({ linkType: 113, tsresol: { base: 2, exponent: 20 }, tsoffsetSeconds: 1_600_000_000n });
    w.addInterface({ linkType: 1, tsresol: { base: 10, exponent: 3 } });
    const t = 1_700_000_000_123_456_789n;
    const stored = [0, 1, 2, 3].map((i) => w.writeEnhancedPacket(i, t, new Uint8Array(5)));
    expect(stored[0]).toBe(1_700_000_000_123_456_000n);
    expect(stored[1]).toBe(t);
    // floor((t - offset) * 2^20 / 1e9) ticks, back to ns (floored).
    const ticks = ((t - 1_600_000_000_000_000_000n) * 1_048_576n) / 1_000_000_000n;
    expect(stored[2]).toBe(1_600_000_000_000_000_000n + (ticks * 1_000_000_000n) / 1_048_576n);
    expect(stored[3]).toBe(1_700_000_000_123_000_000n);
    const walked = walkFrames(w.toBytes());
    expect(walked.frames.map((f) => f.tsNs)).toEqual(stored);
    expect(walked.blocks.every((b) => b.trailerOk && b.length % 4 === 0 && !b.littleEndian)).toBe(true);
  });

  it("writes if_tsresol with the MSB set for powers of two", () => {
    const w = new S.PcapngWriter();
    w.addInterface({ linkType: 1, tsresol: { base: 2, exponent: 20 } });
    const bytes = w.toBytes();
    const idb = bytes.subarray(28);
    // IDB body: linktype, reserved, snaplen, then option 9 length 1 value 0x94.
    expect(hex(idb.subarray(16, 21))).toBe("0900" + "0100" + "94");
  });

  it("SPB data is truncated to the interface snaplen; 0 means unlimited", () => {
    const w = new S.PcapngWriter();
    w.addInterface({ linkType: 1, snaplen: 0 });
    w.writeSimplePacket(new Uint8Array(7).fill(9));
    w.startSection({ byteOrder: "be" });
    w.addInterface({ linkType: 1, snaplen: 4 });
    w.writeSimplePacket(new Uint8Array(7).fill(9));
    const { frames, blocks } = walkFrames(w.toBytes());
    expect(frames.map((f) => [f.data.length, f.origLen, f.tsNs])).toEqual([[7, 7, null], [4, 7, null]]);
    expect(blocks.map((b) => b.type)).toEqual([0x0a0d0d0a, 1, 3, 0x0a0d0d0a, 1, 3]);
  });

  it("frames unknown blocks with padding and both lengths", () => {
    const w = new S.PcapngWriter();
    w.writeBlock(0x80000001, new Uint8Array(13));
    w.writeCustomBlock(32473, "abc", false);
    const { blocks } = walkFrames(w.toBytes());
    expect(blocks.slice(1).map((b) => [b.type, b.length, b.trailerOk])).toEqual([
      [0x80000001, 28, true],
      [0x40000bad, 20, true],
    ]);
    expect(() => w.writeEnhancedPacket(0, 0n, new Uint8Array(1))).toThrow(/no interface/);
  });
});

describe("sinks", () => {
  it("FileSink and StreamSink write the same bytes as MemorySink", async () => {
    const dir = mkdtempSync(join(tmpdir(), "synth-sink-"));
    try {
      const build = (sink?: S.ByteSink): S.PcapWriter => {
        const w = new S.PcapWriter({ linkType: 101, sink });
        for (let i = 0; i < 300; i++) w.writePacket(BigInt(i), new Uint8Array(i * 10).fill(i & 0xff));
        return w;
      };
      const memory = build().toBytes();
      const file = new S.FileSink(join(dir, "a.pcap"), 4096);
      build(file);
      file.close();
      expect(hex(readFileSync(join(dir, "a.pcap")))).toBe(hex(memory));
      const stream = new S.StreamSink(createWriteStream(join(dir, "b.pcap")));
      build(stream);
      await stream.ready();
      await stream.end();
      expect(hex(readFileSync(join(dir, "b.pcap")))).toBe(hex(memory));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("SIP text and digest", () => {
  it("RFC 2617 §3.5 example (MD5, qop=auth)", () => {
    expect(
      S.digestResponse({
        username: "Mufasa",
        realm: "testrealm@host.com",
        password: "Circle Of Life",
        method: "GET",
        uri: "/dir/index.html",
        nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
        nc: 1,
        cnonce: "0a4f113b",
        qop: "auth",
      }),
    ).toBe("6629fae49393a05397450978507c4ef1");
  });

  it("RFC 7616 §3.9.1 examples (MD5 and SHA-256)", () => {
    const base = {
      username: "Mufasa",
      realm: "http-auth@example.org",
      password: "Circle of Life",
      method: "GET",
      uri: "/dir/index.html",
      nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
      nc: 1,
      cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
      qop: "auth" as const,
    };
    expect(S.digestResponse({ ...base, algorithm: "MD5" })).toBe("8ca523f5e9506fed4657c9700eebdbec");
    expect(S.digestResponse({ ...base, algorithm: "SHA-256" })).toBe("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
  });

  it("Content-Length counts UTF-8 bytes and responses mirror the request", () => {
    const request: S.SipRequestSpec = {
      method: "INVITE",
      uri: "sip:bob@example.test",
      via: { transport: "UDP", host: "2001:db8::1", port: 5060, branch: "z9hG4bKabc", rport: true },
      from: { uri: "sip:alice@example.test", tag: "t1", display: "Alice" },
      to: { uri: "sip:bob@example.test" },
      callId: "cid@example.test",
      cseq: 7,
      body: "s=Café\r\n",
    };
    const req = S.sipRequest(request);
    expect(req).toMatch(/\r\nContent-Length: 9\r\n\r\ns=Café\r\n$/);
    expect(req).toMatch(/^INVITE sip:bob@example.test SIP\/2.0\r\nVia: SIP\/2.0\/UDP \[2001:db8::1\]:5060;branch=z9hG4bKabc;rport\r\n/);
    const res = S.sipResponse({ request, status: 180, toTag: "t2" });
    expect(res.split("\r\n").slice(0, 6)).toEqual([
      "SIP/2.0 180 Ringing",
      "Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKabc;rport=5060",
      'From: "Alice" <sip:alice@example.test>;tag=t1',
      "To: <sip:bob@example.test>;tag=t2",
      "Call-ID: cid@example.test",
      "CSeq: 7 INVITE",
    ]);
    expect(S.sipRequest({ ...request, contentLength: 99 })).toContain("Content-Length: 99\r\n");
  });

  it("registration flow: stale challenge, real credentials, final status", () => {
    const flow = S.registrationFlow({
      agent: { user: "bob", domain: "example.test", ip: "198.51.100.21", port: 5060, transport: "UDP" },
      registrar: { ip: "203.0.113.10", port: 5060 },
      ids: new S.SipIds(5),
      password: "wrong",
      stale: true,
      finalStatus: 403,
    });
    expect(flow.map((m) => m.method ?? m.status)).toEqual(["REGISTER", 401, "REGISTER", 403]);
    expect(flow.map((m) => m.cseq)).toEqual(["1 REGISTER", "1 REGISTER", "2 REGISTER", "2 REGISTER"]);
    expect(flow[1].text).toMatch(/WWW-Authenticate: Digest realm="example.test", nonce="[0-9a-f]+", stale=true, qop="auth"/);
    const nonce = /nonce="([^"]+)"/.exec(flow[1].text)?.[1];
    const cnonce = /cnonce="([^"]+)"/.exec(flow[2].text)?.[1];
    const response = /response="([^"]+)"/.exec(flow[2].text)?.[1];
    expect(response).toBe(
      S.digestResponse({ username: "bob", realm: "example.test", password: "wrong", method: "REGISTER", uri: "sip:example.test", nonce: nonce!, cnonce, nc: 1, qop: "auth" }),
    );
    expect(new Set(flow.map((m) => m.callId)).size).toBe(1);
  });

  it("invite flow: ACK for the 407 reuses the INVITE branch", () => {
    const flow = S.inviteFlow({
      caller: { user: "alice", domain: "example.test", ip: "198.51.100.20", port: 5060, transport: "UDP" },
      callee: "bob",
      proxy: { ip: "203.0.113.10", port: 5060 },
      ids: new S.SipIds(9),
      password: "pw",
    });
    expect(flow.map((m) => m.method ?? m.status)).toEqual(["INVITE", 407, "ACK", "INVITE", 100, 180, 200, "ACK", "BYE", 200]);
    const branch = (t: string): string | undefined => /branch=([^;\r]+)/.exec(t)?.[1];
    expect(branch(flow[2].text)).toBe(branch(flow[0].text));
    expect(branch(flow[7].text)).not.toBe(branch(flow[3].text));
    expect(flow[3].text).toContain("Proxy-Authorization: Digest username=\"alice\"");
  });

  it("seeded ids are deterministic", () => {
    const a = new S.SipIds(42);
    const b = new S.SipIds(42);
    expect([a.branch(), a.tag(), a.callId("h"), a.nonce()]).toEqual([b.branch(), b.tag(), b.callId("h"), b.nonce()]);
    expect(a.branch()).toMatch(/^z9hG4bK[0-9a-f]{16}$/);
    expect(new S.SipIds(0).tag()).not.toBe(new S.SipIds(1).tag());
  });
});

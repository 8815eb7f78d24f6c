/**
 * Issue 9, property tests of the decoders the other suites do not fuzz (test/capture, test/sip,
 * test/tls and test/net/hep cover the containers, the SIP parser, TLS and HEP): links, IP,
 * tunnels, fragment reassembly, TCP stream reassembly, SIP stream framing, WebSocket, SCTP, SDP
 * and digest parameters. Random bytes and mutations of the real fixtures' frames (bit flips,
 * truncation at every offset, 16/32-bit fields set to 0 or their maximum, duplicated blocks)
 * never throw, and what comes out lies inside what went in. Where a decoder has a correct answer
 * (any arrival order of fragments or segments, any chunking of a stream), it is checked.
 */
import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Frame } from "../../src/capture/model.js";
import { CaptureParser } from "../../src/capture/parser.js";
import { readCapture } from "../../src/capture/source.js";
import { SipExtractor } from "../../src/extract/extractor.js";
import type { CapturedMessage } from "../../src/extract/model.js";
import { NetDecoder, type NetSink } from "../../src/net/decoder.js";
import type { L3 } from "../../src/net/link.js";
import { SctpDecoder } from "../../src/net/sctp.js";
import { decodeGre, decodeGtpU, decodePpp, decodeVxlan } from "../../src/net/tunnels.js";
import { WebSocketStream, type WsMessage } from "../../src/net/websocket.js";
import { parseChallenges, parseCredentials } from "../../src/sip/auth.js";
import { verifyDigest } from "../../src/sip/digest.js";
import { SipStreamFramer, type FramedMessage } from "../../src/sip/framing.js";
import { parseSdp } from "../../src/sip/sdp.js";
import { parseSip } from "../../src/sip/parse.js";
import type { Issue } from "../../src/util/issues.js";
import * as S from "../../src/synth/index.js";
import { capturesIn, GENERATED, LAB, REPO } from "../helpers/corpus.js";

/** A frame kept from a fixture (owned bytes). */
interface Kept {
  file: string;
  linkType: number;
  data: Uint8Array;
  tsNs: bigint;
}

const LINK_TYPES = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276];
const noop = (): undefined => undefined;

/** checkMessage: what the extractor hands up names frames it has seen and parse offsets inside the bytes. */
function checkMessage(m: CapturedMessage, lastFrame: number): void {
  expect(m.frame).toBeGreaterThanOrEqual(1);
  expect(m.frame).toBeLessThanOrEqual(lastFrame);
  for (const f of m.frames) expect(f).toBeLessThanOrEqual(m.frame);
  for (const i of m.issues) expect(i.offset ?? 0).toBeLessThanOrEqual(m.bytes.length);
}

/** A SipExtractor fed frames one by one; every message is checked as it comes out. */
class Harness {
  readonly x: SipExtractor;
  private index = 0;
  messages = 0;

  constructor() {
    this.x = new SipExtractor((m) => {
      this.messages++;
      checkMessage(m, this.index);
    });
  }

  frame(linkType: number, data: Uint8Array, tsNs = 0n): void {
    const f: Frame = { index: ++this.index, tsNs, linkType, data, origLen: data.length, interfaceId: 0 };
    this.x.frame(f);
  }

  finish(): void {
    this.x.finish();
  }
}

/** A NetDecoder whose sink checks that every view it gets lies inside its buffer. */
function checkingNet(): NetDecoder {
  const sink: NetSink = {
    udp: (d) => {
      expect(d.ip.payloadOff).toBeLessThanOrEqual(d.ip.payloadEnd);
      expect(d.ip.payloadEnd).toBeLessThanOrEqual(d.ip.buf.length);
      expect(d.payload.length).toBeLessThanOrEqual(65535);
    },
    wantTcp: () => true,
    tcp: { data: (_d, bytes) => expect(bytes.length).toBeGreaterThan(0), gap: noop, end: noop },
    sctp: (m) => expect(m.payload.length).toBeLessThanOrEqual(256 * 1024 + 65535),
    unreachable: noop,
  };
  return new NetDecoder(sink, noop);
}

let corpus: Kept[] = [];
/** One frame per fixture file that carries SIP, to mutate exhaustively (every offset). */
let representative: Kept[] = [];

beforeAll(async () => {
  const files = [...capturesIn(LAB), ...capturesIn(GENERATED)];
  for (const file of files) {
    const frames: Kept[] = [];
    await readCapture(file, (f) => frames.push({ file, linkType: f.linkType, data: Uint8Array.from(f.data), tsNs: f.tsNs }));
    corpus.push(...frames);
    // The first frame that yields a SIP message on its own.
    const pick = frames.find((k) => {
      const h = new Harness();
      h.frame(k.linkType, k.data);
      h.finish();
      return h.messages > 0;
    });
    if (pick) representative.push(pick);
  }
  corpus = corpus.filter((k) => k.linkType >= 0);
}, 60_000);

describe("links, IP, tunnels, transports: the whole frame path", () => {
  it("has a corpus of real frames", () => {
    expect(corpus.length).toBeGreaterThan(600);
    expect(representative.length).toBeGreaterThan(50);
  });

  it("random bytes as a frame of every link type never throw; views stay in bounds", () => {
    fc.assert(
      fc.property(fc.constantFrom(...LINK_TYPES, 9, 147, -1), fc.uint8Array({ maxLength: 300 }), (linkType, data) => {
        const net = checkingNet();
        net.frame({ index: 1, tsNs: 0n, linkType, data, origLen: data.length, interfaceId: 0 });
        net.finish();
      }),
      { numRuns: 2000 },
    );
  });

  it("every real frame truncated at every offset, through the whole extractor", () => {
    let decoded = 0;
    for (const k of representative) {
      const h = new Harness();
      for (let cut = 0; cut <= k.data.length; cut++) {
        h.frame(k.linkType, k.data.subarray(0, cut), k.tsNs);
        decoded++;
      }
      h.finish();
    }
    expect(decoded).toBeGreaterThan(20_000);
  });

  it("every 16-bit and 32-bit field of the first 160 bytes set to 0 and to its maximum", () => {
    for (const k of representative) {
      const h = new Harness();
      for (let at = 0; at + 2 <= Math.min(k.data.length, 160); at++) {
        for (const [width, value] of [[2, 0], [2, 0xffff], [4, 0], [4, 0xffffffff]] as const) {
          if (at + width > k.data.length) continue;
          const b = Uint8Array.from(k.data);
          for (let i = 0; i < width; i++) b[at + i] = value === 0 ? 0 : 0xff;
          h.frame(k.linkType, b, k.tsNs);
        }
      }
      h.finish();
    }
  });

  it("random bit flips, byte values and duplicated blocks in sequences of real frames", () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.record({ at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }), op: fc.constantFrom("flip", "zero", "max", "dup", "cut") }), { minLength: 1, maxLength: 8 }),
        (start, count, edits) => {
          const h = new Harness();
          for (let i = 0; i < count; i++) {
            const k = corpus[(start + i) % corpus.length];
            let b = Uint8Array.from(k.data);
            for (const e of edits) {
              if (b.length === 0) break;
              const at = e.at % b.length;
              if (e.op === "flip") b[at] ^= 1 << e.bit;
              else if (e.op === "zero") b[at] = 0;
              else if (e.op === "max") b[at] = 0xff;
              else if (e.op === "cut") b = b.subarray(0, at);
              else b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at % 64, at % 64 + 64), ...b.subarray(at)]);
            }
            h.frame(k.linkType, b, k.tsNs + BigInt(i));
          }
          h.finish();
        },
      ),
      { numRuns: 1500 },
    );
  });

  it("tunnel decoders report an inner offset inside the packet, or false", () => {
    const out: L3 = { etherType: 0, offset: 0 };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.nat(40), (b, off) => {
        for (const dec of [decodeGre, decodeVxlan, decodeGtpU, decodePpp]) {
          out.offset = -1;
          if (dec(b, Math.min(off, b.length), b.length, out)) {
            expect(out.offset).toBeGreaterThanOrEqual(Math.min(off, b.length));
            expect(out.offset).toBeLessThanOrEqual(b.length);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
});

/** Runs raw IP packets through a NetDecoder; returns UDP payloads, TCP stream bytes and gaps. */
function through(packets: Uint8Array[]): { udp: Uint8Array[]; tcp: Uint8Array[]; gaps: number } {
  const udp: Uint8Array[] = [];
  const tcp: Uint8Array[] = [];
  let gaps = 0;
  const net = new NetDecoder(
    { udp: (d) => udp.push(Uint8Array.from(d.payload)), wantTcp: () => true, tcp: { data: (_d, b) => tcp.push(Uint8Array.from(b)), gap: () => void gaps++, end: noop }, sctp: noop },
    noop,
  );
  packets.forEach((p, i) => net.frame({ index: i + 1, tsNs: BigInt(i) * 1000n, linkType: 101, data: p, origLen: p.length, interfaceId: 0 }));
  net.finish();
  return { udp, tcp, gaps };
}

const A = { ip: "198.51.100.20", port: 5060 };
const B = { ip: "203.0.113.10", port: 5060 };

describe("reassembly gives back exactly what was sent, in any arrival order", () => {
  it("IPv4 fragments: any cut points, any order, duplicates: one datagram equal to the original", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 4000 }), fc.array(fc.nat(), { maxLength: 8 }), fc.nat(), fc.array(fc.nat(), { maxLength: 4 }), (payload, cuts, seed, dups) => {
        const packet = S.udpPacket({ src: A, dst: B, payload }, { id: 0x77 });
        const len = packet.length - 20;
        const points = [...new Set(cuts.map((c) => (c % Math.ceil(len / 8)) * 8))].filter((p) => p > 0 && p < len).sort((x, y) => x - y);
        const bounds = [0, ...points, len];
        const frags = S.sliceIpv4(packet, bounds.slice(0, -1).map((o, i) => ({ offset: o, length: bounds[i + 1] - o })));
        const order = frags.map((_, i) => i);
        const rng = new S.SeededRandom(seed);
        for (let i = order.length - 1; i > 0; i--) {
          const j = rng.int(i + 1);
          [order[i], order[j]] = [order[j], order[i]];
        }
        // Duplicates arrive before the last missing piece (a repeat after completion would start a
        // new datagram); a single "fragment" is an unfragmented packet.
        const last = order[order.length - 1];
        const sequence = frags.length === 1 ? order : [...order.slice(0, -1), ...dups.map((d) => order[d % (order.length - 1)]), last];
        const r = through(sequence.map((i) => frags[i]));
        expect(r.udp).toHaveLength(1);
        expect(Buffer.compare(r.udp[0], payload)).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it("TCP: any segmentation, arrival order, retransmissions and repacketisation, sequence wrap: the stream exactly once", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 6000 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.nat(),
        fc.constantFrom(0x1000, 0xfffff000, 0xffffffff),
        fc.array(fc.record({ from: fc.nat(), len: fc.integer({ min: 1, max: 3000 }) }), { maxLength: 4 }),
        (stream, cuts, seed, isn, resends) => {
          const points = [...new Set(cuts.map((c) => c % stream.length))].filter((p) => p > 0).sort((x, y) => x - y);
          const bounds = [0, ...points, stream.length];
          const seg = (from: number, to: number): Uint8Array =>
            S.tcpPacket({ src: A, dst: B, seq: (isn + 1 + from) % 2 ** 32, ack: 1, flags: S.TCP_FLAGS.ACK, payload: stream.subarray(from, to) });
          const segs = bounds.slice(0, -1).map((o, i) => seg(o, bounds[i + 1]));
          const rng = new S.SeededRandom(seed);
          // Local disorder only (a segment overtakes at most 3 others), as on a real path.
          for (let i = 0; i + 1 < segs.length; i++) {
            const j = Math.min(segs.length - 1, i + rng.int(4));
            [segs[i], segs[j]] = [segs[j], segs[i]];
          }
          // Retransmissions of arbitrary ranges (already delivered or not).
          for (const r of resends) {
            const from = r.from % stream.length;
            segs.splice(rng.int(segs.length + 1), 0, seg(from, Math.min(stream.length, from + r.len)));
          }
          const syn = S.tcpPacket({ src: A, dst: B, seq: isn, flags: S.TCP_FLAGS.SYN });
          const r = through([syn, ...segs]);
          expect(r.gaps).toBe(0);
          expect(Buffer.compare(Buffer.concat(r.tcp), stream)).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("SCTP: a user message in any number of DATA pieces is joined back, with every carrying frame", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 3000 }), fc.array(fc.nat(), { maxLength: 6 }), (msg, cuts) => {
        const points = [...new Set(cuts.map((c) => c % msg.length))].filter((p) => p > 0).sort((x, y) => x - y);
        const bounds = [0, ...points, msg.length];
        const got: { payload: Uint8Array; frames: number[] }[] = [];
        const d = new SctpDecoder((m) => got.push({ payload: Uint8Array.from(m.payload), frames: [...m.frames] }));
        bounds.slice(0, -1).forEach((o, i) => {
          const flags = (i === 0 ? S.SCTP_DATA_FLAGS.BEGIN : 0) | (i === bounds.length - 2 ? S.SCTP_DATA_FLAGS.END : 0);
          const sctp = S.sctpPacket(5060, 5060, 7, [S.sctpData({ tsn: i, data: msg.subarray(o, bounds[i + 1]), flags })]);
          const ip = S.ipv4Packet({ src: A.ip, dst: B.ip, protocol: S.ENCAP_PROTO.SCTP, payload: sctp });
          d.packet({ version: 4, buf: ip, srcOff: 12, dstOff: 16, proto: 132, payloadOff: 20, payloadEnd: ip.length, truncated: false, isFragment: false, fragId: 0, fragOffset: 0, moreFragments: false }, 20, ip.length, i + 1);
        });
        expect(got).toHaveLength(1);
        expect(Buffer.compare(got[0].payload, msg)).toBe(0);
        expect(got[0].frames).toEqual(bounds.slice(0, -1).map((_, i) => i + 1));
      }),
      { numRuns: 300 },
    );
  });
});

/** Real SIP messages: the payloads cut from the lab captures. */
function labMessages(): Uint8Array[] {
  const dir = join(REPO, "test/sip/lab");
  return readdirSync(dir).filter((f) => f.endsWith(".sip")).sort().map((f) => new Uint8Array(readFileSync(join(dir, f))));
}

/** Splits `b` at the given points (taken modulo its length). */
function chunks(b: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of [...points, b.length]) {
    if (p > at) out.push(b.subarray(at, p));
    at = Math.max(at, p);
  }
  return out;
}

describe("stream decoders: chunking never changes the result; garbage never throws", () => {
  // Messages a stream can frame: Content-Length present and equal to the body (RFC 3261 §18.3).
  const messages = labMessages().filter((m) => {
    const r = parseSip(m);
    return r.message?.contentLength !== undefined && !r.issues.some((i) => i.code === "content_length_mismatch");
  });

  function frame(parts: Uint8Array[]): { msgs: string[]; maxBuffered: number } {
    const msgs: string[] = [];
    const f = new SipStreamFramer((m: FramedMessage) => msgs.push(Buffer.from(m.bytes).toString("latin1")), noop);
    let maxBuffered = 0;
    parts.forEach((p, i) => {
      f.push(p, i + 1, i + 1, 0n);
      maxBuffered = Math.max(maxBuffered, (f as unknown as { sb: { len: number } }).sb.len);
    });
    f.end(parts.length);
    return { msgs, maxBuffered };
  }

  it("SIP framer: a stream of real messages and keep-alives gives the same messages for any chunking", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(messages.length - 1), { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 20 }), fc.boolean(), (picks, cuts, crlf) => {
        const stream = Buffer.concat(picks.flatMap((i) => (crlf ? [Buffer.from("\r\n\r\n"), messages[i]] : [messages[i]])));
        const whole = frame([stream]);
        expect(whole.msgs).toHaveLength(picks.length);
        expect(frame(chunks(stream, cuts)).msgs).toEqual(whole.msgs);
      }),
      { numRuns: 300 },
    );
  });

  it("SIP framer: random and mutated streams never throw and never buffer past the limit plus one chunk", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.uint8Array({ maxLength: 2000 }), fc.nat(messages.length - 1).map((i) => messages[i])), { maxLength: 40 }), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 10 }), (parts, flips) => {
        const stream = Uint8Array.from(Buffer.concat(parts));
        for (const [at, v] of flips) if (stream.length > 0) stream[at % stream.length] = v;
        const r = frame(chunks(stream, [500, 1500, 4000, 9000, 30000, 70000]));
        expect(r.maxBuffered).toBeLessThanOrEqual(64 * 1024 + 70_000);
      }),
      { numRuns: 300 },
    );
  });

  function ws(parts: Uint8Array[]): string[] {
    const out: string[] = [];
    const w = new WebSocketStream((m: WsMessage) => out.push(Buffer.from(m.payload).toString("latin1")), noop, { maxMessageBytes: 64 * 1024 });
    parts.forEach((p, i) => w.push(p, i + 1, i + 1, 0n));
    w.end();
    return out;
  }

  it("WebSocket: masked, fragmented messages with control frames between fragments, any chunking", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ text: fc.string({ maxLength: 400 }), pieces: fc.integer({ min: 1, max: 4 }), mask: fc.option(fc.uint8Array({ minLength: 4, maxLength: 4 })), ping: fc.boolean() }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (msgs, cuts) => {
          const hs = S.webSocketHandshake("example.test", "/", "dGhlIHNhbXBsZSBub25jZQ==");
          const frames: Uint8Array[] = [S.toBytes(hs.request)];
          for (const m of msgs) {
            const data = Buffer.from(m.text, "latin1");
            const step = Math.ceil(data.length / m.pieces) || 1;
            for (let at = 0, i = 0; at < data.length || i === 0; at += step, i++) {
              const fin = at + step >= data.length;
              frames.push(S.webSocketFrame({ opcode: i === 0 ? S.WS_OPCODE.TEXT : S.WS_OPCODE.CONTINUATION, payload: data.subarray(at, at + step), fin, mask: m.mask ?? undefined }));
              if (m.ping && !fin) frames.push(S.webSocketFrame({ opcode: S.WS_OPCODE.PING, payload: "p", mask: m.mask ?? undefined }));
            }
          }
          const stream = Uint8Array.from(Buffer.concat(frames));
          const expected = msgs.map((m) => m.text);
          expect(ws([stream])).toEqual(expected);
          expect(ws(chunks(stream, cuts))).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("WebSocket: random bytes after a handshake, and mutated frames, never throw", () => {
    const hs = S.toBytes(S.webSocketHandshake("example.test", "/", "dGhlIHNhbXBsZSBub25jZQ==").request);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.array(fc.nat(), { maxLength: 10 }), (junk, cuts) => {
        ws(chunks(Uint8Array.from(Buffer.concat([hs, junk])), cuts));
      }),
      { numRuns: 500 },
    );
  });
});

describe("SDP and digest parameters", () => {
  const bodies = labMessages()
    .map((m) => {
      const at = Buffer.from(m).indexOf("\r\n\r\nv=");
      return at < 0 ? null : m.subarray(at + 4);
    })
    .filter((b): b is Uint8Array => b !== null);

  const inBounds = (issues: Issue[], offset: number, length: number): void => {
    for (const i of issues) {
      expect(i.offset ?? offset).toBeGreaterThanOrEqual(offset);
      expect(i.offset ?? offset).toBeLessThanOrEqual(offset + length);
    }
  };

  it("SDP: random bytes and mutated real bodies never throw; issue offsets stay in the body", () => {
    expect(bodies.length).toBeGreaterThan(0);
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 600 }), fc.nat(bodies.length - 1).map((i) => bodies[i])), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 8 }), fc.nat(1000), (body, edits, offset) => {
        const b = Uint8Array.from(body);
        for (const [at, v] of edits) if (b.length > 0) b[at % b.length] = v;
        const issues: Issue[] = [];
        parseSdp(b, issues, offset);
        inBounds(issues, offset, b.length);
      }),
      { numRuns: 1000 },
    );
  });

  const param = fc.constantFrom("Digest", "Basic", "realm", "nonce", "qop", "uri", "response", "username", "cnonce", "nc", "algorithm", "opaque", "stale", "userhash", "=", ",", '"', "\\", " ", "\t", "auth", "auth-int", "MD5", "SHA-256", "SHA-512-256-sess", "true", "00000001", "sip:a@b", "\u00e9", "");
  const header = fc.array(fc.oneof(param, fc.string({ maxLength: 6 })), { maxLength: 40 }).map((p) => p.join(""));

  it("challenges and credentials: arbitrary header values never throw; offsets in bounds", () => {
    fc.assert(
      fc.property(header, fc.nat(500), (value, offset) => {
        const issues: Issue[] = [];
        parseChallenges(value, "WWW-Authenticate", issues, offset);
        parseCredentials(value, "Authorization", issues, offset);
        inBounds(issues, offset, value.length);
      }),
      { numRuns: 2000 },
    );
  });

  it("digest verification with arbitrary credentials and secrets never throws", () => {
    fc.assert(
      fc.property(header, fc.string({ maxLength: 20 }), fc.option(fc.string({ maxLength: 70 })), fc.string({ maxLength: 10 }), (value, password, ha1, method) => {
        for (const c of parseCredentials(value, "Authorization", [], 0)) {
          const r = verifyDigest(c, method, { password, ha1: ha1 ?? undefined, username: "alice" });
          expect(typeof r.ok).toBe("boolean");
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe("capture containers under src/synth/mutate's operators", () => {
  it("every operator on every fixture: the reader never throws except 'not a capture', frames stay inside the input", () => {
    const files = [...capturesIn(LAB), ...capturesIn(GENERATED)].filter((f) => !f.endsWith(".gz") && !f.endsWith(".cap"));
    const rng = new S.SeededRandom(401);
    let runs = 0;
    for (const file of files) {
      const bytes = new Uint8Array(readFileSync(file));
      for (const op of S.MUTATIONS) {
        const m = S.mutateOnce(bytes, rng, bytes, op).bytes;
        const p = new CaptureParser((f) => {
          expect(f.data.length).toBeLessThanOrEqual(m.length);
        });
        try {
          p.push(m);
          p.end();
        } catch (err) {
          expect((err as Error).name).toBe("NotACaptureError");
        }
        runs++;
      }
    }
    expect(runs).toBeGreaterThan(800);
  });
});

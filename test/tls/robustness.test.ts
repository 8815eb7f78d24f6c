/**
 * Bad bytes never throw: generated captures with broken TLS (truncated records, impossible
 * lengths, garbage, SSL 2.0) come out as issues, and property tests feed arbitrary bytes and
 * mutations of the lab TLS streams (with their keys) through the TLS decoder.
 */
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readCapture } from "../../src/capture/source.js";
import { NetDecoder } from "../../src/net/decoder.js";
import { TlsKeyLog } from "../../src/tls/keylog.js";
import type { TlsSide } from "../../src/tls/model.js";
import { TlsConnection } from "../../src/tls/session.js";
import type { TcpWrite } from "../../src/synth/index.js";
import { labCapture, LAB } from "../helpers/corpus.js";
import { ascii, cat, clientHello, handshake, record, serverHello } from "./bytes.js";
import { buildPcap, extract } from "./helpers.js";

const START = 1_800_000_000_000_000_000n;
const HELLO = record(22, handshake(1, clientHello({ sni: "sip.example.test" })));

async function issuesOf(writes: TcpWrite[], server = { ip: "192.0.2.10", port: 5061 }): Promise<{ codes: string[]; sessions: number }> {
  const x = await extract(buildPcap(writes, { startNs: START, server }));
  return { codes: x.summary.issues.map((i) => i.code), sessions: x.sessions.length };
}

describe("broken TLS in generated captures", () => {
  it("a connection closed inside a record: the lost record is said", async () => {
    const r = await issuesOf([{ from: "client", data: HELLO }, { from: "server", data: record(22, handshake(2, serverHello())).subarray(0, 30) }]);
    expect(r).toEqual({ codes: ["tls_incomplete_record"], sessions: 1 });
  });

  it("a record length beyond 2^14 + 2048", async () => {
    const r = await issuesOf([{ from: "client", data: HELLO }, { from: "server", data: Uint8Array.of(22, 3, 3, 0xff, 0xff, 1, 2, 3) }]);
    expect(r.codes).toEqual(["tls_bad_record"]);
  });

  it("garbage on the TLS port after the hello, then valid records again", async () => {
    const r = await issuesOf([
      { from: "client", data: HELLO },
      { from: "server", data: cat(ascii("\x00\x01garbage garbage"), record(22, handshake(2, serverHello())), record(22, handshake(14, new Uint8Array(0)))) },
    ]);
    expect(r.codes).toEqual(["tls_bad_record"]);
  });

  it("a handshake message longer than everything that follows, an empty handshake record, a bad alert", async () => {
    const r = await issuesOf([
      { from: "client", data: cat(record(22, handshake(1, clientHello()).subarray(0, 20)), Uint8Array.of(22, 3, 3, 0, 0), record(21, Uint8Array.of(2))) },
      { from: "server", data: record(22, cat(Uint8Array.of(11, 0xff, 0xff, 0xff), new Uint8Array(100))) },
    ]);
    expect(r.codes.sort()).toEqual(["tls_bad_alert", "tls_bad_record", "tls_handshake_too_large"]);
  });

  it("an SSL 2.0-format ClientHello, refused by the server with protocol_version", async () => {
    const v2 = Uint8Array.of(0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10, ...new Array(37).fill(7));
    const x = await extract(buildPcap([{ from: "client", data: v2 }, { from: "server", data: record(21, Uint8Array.of(2, 70)) }], { startNs: START }));
    expect(x.messages).toEqual([]);
    expect(x.summary.issues.map((i) => i.code)).toEqual(["tls_sslv2"]);
    expect(x.sessions.map((s) => [s.client, s.alerts.map((a) => `${a.from} ${a.name}`)])).toEqual([["198.51.100.7:40001", ["server protocol_version"]]]);
  });

  it("TLS on a non-SIP port is found from its ClientHello; other bytes there are not followed", async () => {
    const r = await issuesOf([{ from: "client", data: HELLO }, { from: "server", data: record(22, handshake(2, serverHello())) }], { ip: "192.0.2.10", port: 7443 });
    expect(r.sessions).toBe(1);
    const other = await issuesOf([{ from: "client", data: record(23, new Uint8Array(50)) }], { ip: "192.0.2.10", port: 7443 });
    expect(other.sessions).toBe(0);
  });
});

/** The lab's TLS connections as in-order chunks per side (client = the side that sent the ClientHello). */
interface Chunk {
  side: TlsSide;
  bytes: Uint8Array;
  frame: number;
}

async function labStreams(): Promise<Map<number, Chunk[]>> {
  const conns = new Map<number, Chunk[]>();
  const net = new NetDecoder({
    udp: () => undefined,
    sctp: () => undefined,
    wantTcp: () => true,
    tcp: {
      data: (dir, bytes, carrier) => {
        const clientPort = dir.dstPort === 5061 ? dir.srcPort : dir.dstPort;
        const list = conns.get(clientPort) ?? [];
        conns.set(clientPort, list);
        list.push({ side: dir.dstPort === 5061 ? "client" : "server", bytes: bytes.slice(), frame: carrier });
      },
      gap: () => undefined,
      end: () => undefined,
    },
  }, () => undefined);
  await readCapture(labCapture("tls_expired_cert"), (f) => net.frame(f));
  net.finish();
  return conns;
}

function run(chunks: Chunk[], keys: TlsKeyLog, gaps: Set<number> = new Set()): void {
  const c = new TlsConnection({ addr: "198.51.100.20", port: 5071 }, { addr: "203.0.113.10", port: 5061 }, 4, 0, keys, {
    issue: () => undefined,
    data: () => undefined,
    dataGap: () => undefined,
  }, { left: 64 * 1024 });
  chunks.forEach((ch, i) => {
    if (gaps.has(i)) c.gap(ch.side, ch.frame);
    c.push(ch.side, ch.bytes, ch.frame, ch.frame, BigInt(ch.frame));
  });
  c.end("client");
  c.end("server");
  c.retry();
  c.close(99);
}

describe("property: the TLS decoder never throws", () => {
  let streams: Map<number, Chunk[]>;
  const keys = new TlsKeyLog();
  beforeAll(async () => {
    streams = await labStreams();
    keys.add(readFileSync(join(LAB, "tls_expired_cert.keys")));
  });

  it("holds the lab's two connections", () => {
    expect([...streams.keys()].sort()).toEqual([5071, 5072]);
    expect(streams.get(5071)?.length).toBeGreaterThan(8);
  });

  it("on arbitrary bytes in arbitrary chunks, from both sides", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ side: fc.constantFrom<TlsSide>("client", "server"), bytes: fc.uint8Array({ maxLength: 400 }) }), { maxLength: 30 }), (parts) => {
        run(parts.map((p, i) => ({ ...p, frame: i + 1 })), keys);
      }),
      { numRuns: 300 },
    );
  });

  it("on arbitrary bytes behind a valid record header prefix", () => {
    fc.assert(
      fc.property(fc.constantFrom(20, 21, 22, 23, 24), fc.uint8Array({ maxLength: 600 }), (type, body) => {
        const rec = record(type, body);
        run([{ side: "client", bytes: HELLO, frame: 1 }, { side: "server", bytes: rec, frame: 2 }, { side: "client", bytes: rec, frame: 3 }], keys);
      }),
      { numRuns: 300 },
    );
  });

  it("on mutations of the lab TLS streams (flipped, inserted, deleted bytes, re-chunked, gaps), with the keys", () => {
    const flat = (port: number): Chunk[] => streams.get(port) ?? [];
    fc.assert(
      fc.property(
        fc.constantFrom(5071, 5072),
        fc.array(fc.record({ chunk: fc.nat(), at: fc.nat(), op: fc.constantFrom("flip", "insert", "delete", "truncate"), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 3 }),
        (port, edits, gapAt) => {
          const chunks: Chunk[] = flat(port).map((c) => ({ ...c, bytes: Uint8Array.from(c.bytes) }));
          for (const e of edits) {
            const ch = chunks[e.chunk % chunks.length];
            const at = ch.bytes.length === 0 ? 0 : e.at % ch.bytes.length;
            if (e.op === "flip" && ch.bytes.length > 0) ch.bytes[at] ^= e.value || 1;
            else if (e.op === "insert") ch.bytes = cat(ch.bytes.subarray(0, at), Uint8Array.of(e.value), ch.bytes.subarray(at));
            else if (e.op === "delete") ch.bytes = cat(ch.bytes.subarray(0, at), ch.bytes.subarray(at + 1));
            else ch.bytes = ch.bytes.subarray(0, at);
          }
          run(chunks, keys, new Set(gapAt.map((g) => g % chunks.length)));
        },
      ),
      { numRuns: 400 },
    );
  });
});

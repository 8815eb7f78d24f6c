/**
 * Issue 9, limits: every bound on what a capture can make sip401 hold raises a named issue (or a
 * counted entry in the report's `limits`) when it is hit, never silence; the `--max-*` options
 * move them; and what is kept is owned, so it cannot pin the reader's 1 MiB chunks.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyze } from "../../src/analyze/index.js";
import { DEFAULT_EXTRACT_OPTIONS, extractMessages } from "../../src/extract/extractor.js";
import type { CapturedMessage, ExtractSummary } from "../../src/extract/model.js";
import { MAX_ATTEMPTS, type TcpConnectFailure } from "../../src/net/tcp-connect.js";
import { parseSip } from "../../src/sip/parse.js";
import { MAX_HEADERS } from "../../src/sip/issues.js";
import * as S from "../../src/synth/index.js";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { OldestFirst } from "../../src/util/oldest.js";
import { capturesIn, GENERATED, LAB, labCapture, REPO } from "../helpers/corpus.js";
import { bytesOf, extract, rawPcap, REGISTRAR, registrationPackets } from "./build.js";

const D = DEFAULT_EXTRACT_OPTIONS;

const issue = (s: ExtractSummary, code: string): { count: number; detail: string } | undefined => {
  const i = s.issues.find((x) => x.code === code);
  return i && { count: i.count, detail: i.samples[0]?.detail ?? "" };
};

/** One TCP data segment from `client` to the registrar. */
function segment(client: S.Endpoint, seq: number, payload: string | Uint8Array): Uint8Array {
  return S.tcpPacket({ src: client, dst: REGISTRAR, seq, ack: 1, flags: S.TCP_FLAGS.ACK | S.TCP_FLAGS.PSH, payload: S.toBytes(payload) });
}

const REGISTER = (from: string, n: number): string =>
  `REGISTER sip:example.test SIP/2.0\r\nVia: SIP/2.0/TCP ${from};branch=z9hG4bK-${n}\r\nFrom: <sip:u${n}@example.test>;tag=${n}\r\n` +
  `To: <sip:u${n}@example.test>\r\nCall-ID: limits-${n}\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n`;

describe("limits raise named issues", () => {
  it("open TCP streams: beyond --max-tcp-streams the least recently active is flushed (tcp_stream_limit)", async () => {
    const packets = Array.from({ length: 6 }, (_, i) => segment({ ip: `198.51.100.${50 + i}`, port: 40000 }, 1, REGISTER(`198.51.100.${50 + i}:40000`, i)));
    const x = await extract(rawPcap(packets), { net: { ...D.net, streams: { ...D.net.streams, maxConnections: 4 } } });
    expect(issue(x.summary, "tcp_stream_limit")?.count).toBe(2);
    expect(x.messages).toHaveLength(6);
  });

  it("TCP acknowledgement watches: 64 requests per direction await their ACK; older ones and flushed connections become unknown", async () => {
    const client = { ip: "198.51.100.61", port: 40000 };
    const packets: Uint8Array[] = [];
    let seq = 1;
    for (let i = 0; i < 70; i++) {
      const text = REGISTER(`${client.ip}:${client.port}`, i);
      packets.push(segment(client, seq, text));
      seq += text.length;
    }
    // The registrar acknowledges everything up to the end of request 64 (its ACK is frame 71).
    const endOf = (n: number): number => 1 + Array.from({ length: n }, (_, i) => REGISTER(`${client.ip}:${client.port}`, i).length).reduce((a, b) => a + b, 0);
    packets.push(S.tcpPacket({ src: REGISTRAR, dst: client, seq: 1, ack: endOf(65), flags: S.TCP_FLAGS.ACK, payload: new Uint8Array(0) }));
    // Two more connections with a request each; the third flushes the first (two connections at most).
    const other = { ip: "198.51.100.62", port: 40000 };
    packets.push(segment(other, 1, REGISTER(`${other.ip}:${other.port}`, 100)));
    packets.push(segment({ ip: "198.51.100.63", port: 40000 }, 1, REGISTER("198.51.100.63:40000", 101)));
    const x = await extract(rawPcap(packets), { net: { ...D.net, streams: { ...D.net.streams, maxConnections: 2 } } });
    const states = x.messages.map((m) => m.tcpAck?.state);
    // Requests 0-5 were pushed out of the 64 followed; 6-64 acknowledged in frame 71; 65-69
    // awaited their ACK when their connection was flushed for the third one, so nobody knows.
    expect(states.slice(0, 6)).toEqual(Array(6).fill("unknown"));
    expect(states.slice(6, 65)).toEqual(Array(59).fill("acked"));
    expect(x.messages[6].tcpAck?.frame).toBe(71);
    expect(states.slice(65, 70)).toEqual(Array(5).fill("unknown"));
    // The other two were never acknowledged while followed (to the end of the capture).
    expect(states.slice(70)).toEqual(["waiting", "waiting"]);
    expect(issue(x.summary, "tcp_stream_limit")?.count).toBe(1);
  });

  it("TCP connection attempts awaiting an answer: beyond 4,096 the oldest is forgotten (tcp_connect_limit)", async () => {
    const packets = Array.from({ length: MAX_ATTEMPTS + 1 }, (_, i) => S.tcpPacket({ src: { ip: "198.51.100.64", port: 10000 + i }, dst: REGISTRAR, seq: 1, flags: S.TCP_FLAGS.SYN }));
    const failed: TcpConnectFailure[] = [];
    const x = await extract(rawPcap(packets), { onTcpConnectFailure: (f) => failed.push(f) });
    expect(issue(x.summary, "tcp_connect_limit")).toEqual({ count: 1, detail: `more than 4096 TCP connection attempts awaiting an answer; forgot 198.51.100.64:10000 → ${REGISTRAR.ip}:5060` });
    // At the end of the capture the attempts 3 s old or more are unanswered ones; the forgotten one is not among them.
    expect(failed.length).toBeGreaterThan(1000);
    expect(failed.every((f) => f.outcome === "unanswered" && f.clientPort !== 10000)).toBe(true);
  });

  it("bytes buffered per stream: out-of-order bytes beyond the per-direction bound skip the hole (tcp_buffer_limit)", async () => {
    const client = { ip: "198.51.100.60", port: 40000 };
    // A hole at byte 1, then 20 KB that can never be delivered in order.
    const packets = [segment(client, 1, "R")];
    for (let i = 0; i < 20; i++) packets.push(segment(client, 100 + i * 1000, "x".repeat(1000)));
    const x = await extract(rawPcap(packets), { net: { ...D.net, streams: { ...D.net.streams, maxPendingBytes: 8192 } } });
    expect(issue(x.summary, "tcp_buffer_limit")?.detail).toMatch(/out-of-order bytes queued; skipping the hole/);
    expect(issue(x.summary, "tcp_gap")).toBeDefined();
  });

  it("bytes buffered over all streams: the total out-of-order bound holds across connections (tcp_buffer_limit)", async () => {
    const packets: Uint8Array[] = [];
    for (let c = 0; c < 10; c++) {
      const client = { ip: `198.51.100.${70 + c}`, port: 40000 };
      packets.push(segment(client, 1, "R"));
      for (let i = 0; i < 3; i++) packets.push(segment(client, 100 + i * 1000, "x".repeat(1000)));
    }
    const x = await extract(rawPcap(packets), { net: { ...D.net, streams: { ...D.net.streams, maxPendingBytesTotal: 10_000 } } });
    expect(issue(x.summary, "tcp_buffer_limit")?.detail).toMatch(/out-of-order bytes queued over all TCP connections/);
  });

  it("pending fragments: beyond the datagram bound the oldest is dropped (ip_fragment_limit)", async () => {
    const packets = [];
    for (let id = 0; id < 10; id++) packets.push(S.ipv4Packet({ src: "192.0.2.66", dst: REGISTRAR.ip, protocol: 17, id, mf: true, payload: new Uint8Array(64) }));
    const x = await extract(rawPcap(packets), { net: { ...D.net, reassembly: { ...D.net.reassembly, maxDatagrams: 4 } } });
    expect(issue(x.summary, "ip_fragment_limit")?.detail).toMatch(/pending fragment state full/);
    expect(issue(x.summary, "ip_fragment_limit")?.count).toBe(6);
  });

  it("SIP message size on a stream: over --max-message-kb is skipped (message_too_large), the next one is read", async () => {
    const client = { ip: "198.51.100.80", port: 40000 };
    const big = REGISTER("198.51.100.80:40000", 1).replace("Content-Length: 0\r\n\r\n", `Content-Length: 3000\r\n\r\n${"b".repeat(3000)}`);
    const next = REGISTER("198.51.100.80:40000", 2);
    const x = await extract(rawPcap([segment(client, 1, big), segment(client, 1 + big.length, next)]), { framer: { maxMessageBytes: 2048 } });
    expect(issue(x.summary, "message_too_large")?.detail).toMatch(/exceeds 2048; skipped/);
    expect(x.messages.map((m) => m.message?.callId)).toEqual(["limits-2"]);
  });

  it("a WebSocket message over the limit stops that connection (websocket_error)", async () => {
    const client = { ip: "198.51.100.81", port: 40000 };
    const hs = S.webSocketHandshake(REGISTRAR.ip, "/", "dGhlIHNhbXBsZSBub25jZQ==");
    const frame = S.webSocketFrame({ opcode: S.WS_OPCODE.TEXT, payload: "x".repeat(5000), mask: Uint8Array.of(1, 2, 3, 4) });
    const x = await extract(rawPcap([segment(client, 1, hs.request), segment(client, 1 + hs.request.length, frame)]), { framer: { maxMessageBytes: 4096 } });
    expect(issue(x.summary, "websocket_error")?.detail).toMatch(/WebSocket message over 4096 bytes/);
  });

  it(`headers per message: more than ${MAX_HEADERS} header lines are skipped (too_many_headers), the message still parses`, () => {
    const many = Array.from({ length: MAX_HEADERS + 50 }, (_, i) => `X-H${i}: ${i}\r\n`).join("");
    const text = REGISTER("198.51.100.82:5060", 3).replace("Content-Length: 0\r\n", `Content-Length: 0\r\n${many}\tfolded continuation of a skipped header\r\n`);
    const r = parseSip(S.toBytes(text));
    expect(r.issues.map((i) => i.code)).toContain("too_many_headers");
    expect(r.issues.map((i) => i.code)).not.toContain("folded_header");
    expect(r.message?.callId).toBe("limits-3");
    expect(r.message?.header("x-h900")).toBe("900");
    expect(r.message?.header("x-h1020")).toBeUndefined();
  });

  it("SCTP: a user message joined from fragments over 256 KiB is dropped (sctp_message_limit)", async () => {
    const piece = new Uint8Array(60_000).fill(0x41);
    const packets = [];
    for (let i = 0; i < 6; i++) {
      const flags = i === 0 ? S.SCTP_DATA_FLAGS.BEGIN : i === 5 ? S.SCTP_DATA_FLAGS.END : 0;
      const chunk = S.sctpData({ tsn: 100 + i, data: piece, flags });
      packets.push(S.ipv4Packet({ src: "198.51.100.83", dst: REGISTRAR.ip, protocol: S.ENCAP_PROTO.SCTP, payload: S.sctpPacket(5060, 5060, 1, [chunk]) }));
    }
    const x = await extract(rawPcap(packets));
    expect(issue(x.summary, "sctp_message_limit")?.detail).toMatch(/over 262144 bytes/);
  });

  it("transactions and registrations: the oldest are folded into the counts, which stay right (report.limits)", async () => {
    const full = await analyze([{ input: labCapture("scanner"), name: "scanner" }]);
    const folded = await analyze([{ input: labCapture("scanner"), name: "scanner" }], {
      correlation: { transactions: { maxOpen: 5 }, registrations: { maxRegistrations: 3 } },
    });
    expect(folded.registrations).toHaveLength(3);
    expect(folded.limits.registrationsUntracked).toBe(full.registrations.length - 3);
    // Every scanner request was answered: closing answered transactions early loses nothing, so
    // nothing counts as evicted and the totals are the same.
    expect(folded.limits.transactionsEvicted).toBe(0);
    expect(folded.summary.registrations).toEqual(full.summary.registrations);
    expect(folded.summary.transactions).toEqual(full.summary.transactions);
  });

  it("transactions: evicting unanswered ones is counted (limits.transactionsEvicted)", async () => {
    const packets = Array.from({ length: 6 }, (_, i) => segment({ ip: `198.51.100.${60 + i}`, port: 40000 }, 1, REGISTER(`198.51.100.${60 + i}:40000`, i)));
    const input = rawPcap(packets);
    const full = await analyze([{ input: bytesOf(input), name: "unanswered" }]);
    const folded = await analyze([{ input: bytesOf(input), name: "unanswered" }], { correlation: { transactions: { maxOpen: 4 } } });
    expect(full.limits.transactionsEvicted).toBe(0);
    expect(folded.limits.transactionsEvicted).toBe(2);
    expect(folded.summary.transactions.total).toBe(6);
  });

  it("transactions: answered ones make room first, and a late retransmission of one is still a retransmission", async () => {
    const client = (n: number): S.Endpoint => ({ ip: `198.51.100.${90 + n}`, port: 40000 });
    const ok = (n: number): string =>
      `SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP ${client(n).ip}:40000;branch=z9hG4bK-${n}\r\nFrom: <sip:u${n}@example.test>;tag=${n}\r\n` +
      `To: <sip:u${n}@example.test>;tag=r${n}\r\nCall-ID: limits-${n}\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n`;
    const reply = (n: number, seq: number): Uint8Array =>
      S.tcpPacket({ src: REGISTRAR, dst: client(n), seq, ack: 1, flags: S.TCP_FLAGS.ACK | S.TCP_FLAGS.PSH, payload: S.toBytes(ok(n)) });
    const reg = (n: number): string => REGISTER(`${client(n).ip}:40000`, n);
    const packets = [
      segment(client(1), 1, reg(1)), // never answered
      segment(client(2), 1, reg(2)),
      reply(2, 1),
      segment(client(3), 1, reg(3)), // the table (room for 2) is full: REGISTER 2, answered, goes
      segment(client(2), 1 + reg(2).length, reg(2)), // its response was lost: the client sends it again
      reply(2, 1 + ok(2).length),
      segment(client(4), 1, reg(4)), // only unanswered ones are left: REGISTER 1 goes, counted
    ];
    const r = await analyze([{ input: bytesOf(rawPcap(packets)), name: "evict" }], { correlation: { transactions: { maxOpen: 2 } } });
    expect(r.summary.transactions).toMatchObject({ total: 4, requestRetransmissions: 1, responseRetransmissions: 1, orphanResponses: 0, completed: 1 });
    expect(r.limits.transactionsEvicted).toBe(1);
  });

  it("the --max-* options reach the limits; bad values are usage errors", () => {
    const cli = (args: string[]): { code: number; stdout: string; stderr: string } => {
      const r = spawnSync(process.execPath, [join(REPO, "bin/sip401.js"), ...args], { encoding: "utf8", cwd: REPO });
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    };
    const r = cli(["analyze", labCapture("scanner"), "-f", "json", "--max-registrations", "2"]);
    const report = JSON.parse(r.stdout);
    expect(report.registrations).toHaveLength(2);
    expect(report.limits.registrationsUntracked).toBeGreaterThan(0);
    const dir = mkdtempSync(join(tmpdir(), "sip401-limits-"));
    try {
      // Six REGISTERs nobody answers: with room for four, two are evicted unfinished.
      const unanswered = join(dir, "unanswered.pcap");
      writeFileSync(unanswered, rawPcap(Array.from({ length: 6 }, (_, i) => segment({ ip: `198.51.100.${70 + i}`, port: 40000 }, 1, REGISTER(`198.51.100.${70 + i}:40000`, i)))));
      expect(JSON.parse(cli(["analyze", unanswered, "-f", "json", "--max-transactions", "4"]).stdout).limits.transactionsEvicted).toBe(2);
      const file = join(dir, "big-tcp.pcap");
      const big = REGISTER("198.51.100.84:40000", 4).replace("Content-Length: 0\r\n\r\n", `Content-Length: 3000\r\n\r\n${"b".repeat(3000)}`);
      writeFileSync(file, rawPcap([segment({ ip: "198.51.100.84", port: 40000 }, 1, big)]));
      const issuesWith = (args: string[]): string[] => JSON.parse(cli(["analyze", file, "-f", "json", ...args]).stdout).captures[0].issues.map((i: { code: string }) => i.code);
      expect(issuesWith([])).not.toContain("message_too_large");
      expect(issuesWith(["--max-message-kb", "2", "--max-tcp-streams", "1"])).toContain("message_too_large");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const cut = cli(["messages", labCapture("ok_register_udp"), "--max-record-mb", "1"]);
    expect(cut.code).toBe(0);
    for (const bad of [["--max-transactions", "0"], ["--max-registrations", "-3"], ["--max-record-mb", "1.5"], ["--max-tcp-streams", "many"]]) {
      const e = cli(["analyze", labCapture("ok_register_udp"), ...bad]);
      expect(e.code, bad.join(" ")).toBe(2);
      expect(e.stderr.trim().split("\n")).toHaveLength(1);
    }
  });
});

describe("OldestFirst (eviction order under churn)", () => {
  it("finds the oldest live entry, skipping deleted and replaced ones, in insertion order", () => {
    const map = new Map<string, number>();
    // The values are numbers, so a value is its own stamp.
    const order = new OldestFirst<string, number>((v) => v);
    for (let i = 0; i < 5; i++) {
      map.set(`k${i}`, i);
      order.added(map, `k${i}`, i);
    }
    map.delete("k0");
    map.set("k1", 99); // replaced: its recorded value no longer matches
    order.added(map, "k1", 99);
    expect(order.oldest(map)).toBe(2);
    map.delete("k2");
    map.delete("k3");
    expect(order.oldest(map)).toBe(4);
    map.delete("k4");
    expect(order.oldest(map)).toBe(99);
  });

  it("with stamps it is least-recently-used order, and it stays small under a million refreshes", () => {
    const map = new Map<string, { stamp: number }>();
    const order = new OldestFirst<string, { stamp: number }>((v) => v.stamp);
    let clock = 0;
    const touch = (k: string): void => {
      const v = map.get(k) ?? { stamp: 0 };
      v.stamp = ++clock;
      map.set(k, v);
      order.added(map, k, v);
    };
    for (const k of ["a", "b", "c"]) touch(k);
    touch("a");
    expect(order.oldest(map)).toBe(map.get("b"));
    for (let i = 0; i < 1_000_000; i++) touch(["a", "b", "c"][i % 3]);
    expect(order.oldest(map)).toBe(map.get(["a", "b", "c"][1_000_000 % 3]));
    // The record holds a bounded number of entries, not one per refresh.
    expect((order as unknown as { keys: string[] }).keys.length).toBeLessThan(2 * map.size + 1024 + 3000);
  });

  it("keeps no deleted value alive: only keys and stamps are recorded", async () => {
    const map = new Map<string, { id: number; payload: number[] }>();
    const order = new OldestFirst<string, { id: number; payload: number[] }>((v) => v.id);
    const gone = new FinalizationRegistry<number>(() => collected++);
    let collected = 0;
    for (let i = 0; i < 200; i++) {
      const v = { id: i, payload: new Array<number>(1000).fill(i) };
      map.set(`k${i}`, v);
      order.added(map, `k${i}`, v);
      gone.register(v, i);
    }
    for (let i = 0; i < 199; i++) map.delete(`k${i}`);
    expect(order.oldest(map)?.id).toBe(199);
    // A full collection on demand: the flag exposes gc() to contexts created after it is set.
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    for (let round = 0; round < 20 && collected < 199; round++) {
      gc();
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(collected).toBe(199);
  });
});

describe("kept bytes own their memory", () => {
  it("every captured message's bytes are a copy, not a view of the reader's chunk (UDP, fragments, TCP, SCTP, HEP, WS, TLS)", async () => {
    const files = [...capturesIn(LAB), ...capturesIn(GENERATED)];
    let checked = 0;
    for (const file of files) {
      await extractMessages(file, file, (m) => {
        // At most a slab of Buffer's small-allocation pool (8 KiB), never a reader chunk (1 MiB).
        expect(m.bytes.buffer.byteLength, `${file} frame ${m.frame}`).toBeLessThanOrEqual(Math.max(m.bytes.byteLength, Buffer.poolSize));
        checked++;
      });
    }
    expect(checked).toBeGreaterThan(400);
  });

  it("a fragmented REGISTER still reassembles after its first fragment's chunk was overwritten", async () => {
    const frags = S.fragmentIpv4(registrationPackets().packets[0], 300);
    const chunks = frags.map((f) => rawPcap([f]));
    // The same buffer is reused for every chunk, as a caller reading into one buffer would.
    const reused = new Uint8Array(Math.max(...chunks.map((c) => c.length)));
    async function* source(): AsyncIterable<Uint8Array> {
      yield chunks[0].subarray(0, 24); // file header once
      for (const c of chunks) {
        reused.set(c.subarray(24));
        yield reused.subarray(0, c.length - 24);
        reused.fill(0xee);
      }
    }
    const got: CapturedMessage[] = [];
    await extractMessages(source(), "reused", (m) => got.push(m));
    expect(got.map((m) => m.message?.method)).toEqual(["REGISTER"]);
    expect(got[0].issues).toEqual([]);
  });
});

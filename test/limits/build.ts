/**
 * Hostile captures built in code with src/synth (issue 9): floods, endless streams, fragment
 * storms and absurd length claims, each mixed with an ordinary registration whose messages must
 * still come out. Big ones stream into a temporary file through a FileSink.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import { DEFAULT_EXTRACT_OPTIONS, extractMessages, type ExtractOptions } from "../../src/extract/extractor.js";
import type { CapturedMessage, ExtractSummary } from "../../src/extract/model.js";
import * as S from "../../src/synth/index.js";

export const T0 = 1_800_000_000_000_000_000n;
export const PHONE = { ip: "198.51.100.20", port: 5060 };
export const REGISTRAR = { ip: "203.0.113.10", port: 5060 };

/** A temporary directory removed by the returned function. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "sip401-limits-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** alice's REGISTER → 401 → REGISTER → 200 over UDP, as raw IPv4 packets (LINKTYPE_RAW). */
export function registrationPackets(seed = 9): { packets: Uint8Array[]; callId: string } {
  const flow = S.registrationFlow({
    agent: { user: "alice", domain: "example.test", ip: PHONE.ip, port: PHONE.port, transport: "UDP" },
    registrar: { ...REGISTRAR, server: "limits-test registrar" },
    ids: new S.SipIds(seed),
    password: "Al1ce-Secret",
  });
  const packets = flow.map((m) => {
    const [src, dst] = m.from === "client" ? [PHONE, REGISTRAR] : [REGISTRAR, PHONE];
    return S.udpPacket({ src, dst, payload: S.toBytes(m.text) });
  });
  return { packets, callId: flow[0].callId };
}

/**
 * writeCallIdFlood writes `n` unanswered UDP REGISTERs, each with its own Call-ID, branch and
 * AOR (so each is a new transaction and a new registration), 10 µs apart, then alice's ordinary
 * registration. Packets are patched in place from one template (hex counters of equal width,
 * UDP checksum 0 as RFC 768 allows for IPv4), so a million take a few seconds to write.
 */
export function writeCallIdFlood(path: string, n: number): { callId: string } {
  const text =
    "REGISTER sip:example.test SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.30:5060;branch=z9hG4bK00000000\r\n" +
    "From: <sip:u00000000@example.test>;tag=1\r\nTo: <sip:u00000000@example.test>\r\nCall-ID: 00000000@198.51.100.30\r\n" +
    "CSeq: 1 REGISTER\r\nMax-Forwards: 70\r\nContact: <sip:u@198.51.100.30>\r\nContent-Length: 0\r\n\r\n";
  const src = { ip: "198.51.100.30", port: 5060 };
  const template = S.udpPacket({ src, dst: REGISTRAR, payload: S.toBytes(text), checksum: "none" });
  const marks: number[] = [];
  const latin = Buffer.from(template).toString("latin1");
  for (let i = latin.indexOf("00000000"); i >= 0; i = latin.indexOf("00000000", i + 8)) marks.push(i);
  const w = new S.PcapWriter({ linkType: S.LINKTYPE.RAW, sink: new S.FileSink(path) });
  const pkt = Uint8Array.from(template);
  const hex = "0123456789abcdef";
  let ts = T0;
  for (let k = 0; k < n; k++) {
    for (const p of marks) for (let d = 0; d < 8; d++) pkt[p + d] = hex.charCodeAt((k >>> (4 * (7 - d))) & 15);
    w.writePacket((ts += 10_000n), pkt);
  }
  const normal = registrationPackets();
  for (const p of normal.packets) w.writePacket((ts += 1_000_000n), p);
  (w.sink as S.FileSink).close();
  return { callId: normal.callId };
}

/** A function that forces a full GC (V8's gc exposed at run time) and returns the heap in use, MB. */
export function retainedHeapMb(): () => number {
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as () => void;
  return () => {
    gc();
    return process.memoryUsage().heapUsed / 1048576;
  };
}

/** bytesOf turns bytes into the async iterable `analyze` and `extractMessages` read. */
export async function* bytesOf(b: Uint8Array, chunk = 1 << 20): AsyncIterable<Uint8Array> {
  for (let at = 0; at < b.length; at += chunk) yield b.subarray(at, at + chunk);
}

/** rawPcap writes raw IP packets into a little-endian µs pcap (LINKTYPE_RAW), 1 ms apart. */
export function rawPcap(packets: Uint8Array[]): Uint8Array {
  const w = new S.PcapWriter({ linkType: S.LINKTYPE.RAW });
  let ts = T0;
  for (const p of packets) w.writePacket((ts += 1_000_000n), p);
  return Uint8Array.from(w.toBytes());
}

/** extract runs the extractor over in-memory capture bytes (with limits changed by `opts`), timed. */
export async function extract(bytes: Uint8Array, opts: Partial<ExtractOptions> = {}): Promise<{ messages: CapturedMessage[]; summary: ExtractSummary; ms: number }> {
  const messages: CapturedMessage[] = [];
  const t0 = performance.now();
  const summary = await extractMessages(bytesOf(bytes), "limits", (m) => messages.push(m), { ...DEFAULT_EXTRACT_OPTIONS, ...opts });
  return { messages, summary, ms: performance.now() - t0 };
}

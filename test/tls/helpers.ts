/**
 * TLS test helpers: record a real node TLS conversation (through a TCP proxy that sees the bytes
 * on the wire, with the client's key log), and turn recorded writes into a pcap with src/synth,
 * at a capture time the test chooses (certificate validity is judged against it).
 */
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer as createTcpServer, connect as tcpConnect, type AddressInfo, type Socket } from "node:net";
import { join } from "node:path";
import { connect as tlsConnect, createServer as createTlsServer, type SecureVersion, type TLSSocket } from "node:tls";
import { ethernetFrame, ETHERTYPE, LINKTYPE, PcapWriter, PcapngWriter, MemorySink, tcpConversation, tcpPacket, type TcpSegmentSpec, type TcpWrite } from "../../src/synth/index.js";
import { readCapture } from "../../src/capture/source.js";
import { SECRETS_TLS_KEYLOG } from "../../src/capture/pcapng.js";
import { extractMessages, DEFAULT_EXTRACT_OPTIONS } from "../../src/extract/extractor.js";
import type { CapturedMessage, ExtractSummary } from "../../src/extract/model.js";
import type { TlsSession } from "../../src/tls/model.js";

export const FIXTURES = join(import.meta.dirname, "fixtures");
export const TEST_KEY = readFileSync(join(FIXTURES, "server.key"));
export const TEST_CERT = readFileSync(join(FIXTURES, "server.crt"));

/** One scripted application write. */
export interface Step {
  from: "client" | "server";
  /** Text (sent as latin1) or bytes. */
  data: string | Uint8Array;
}

/** What a recorded conversation gives: the wire bytes by direction (in order) and the key log. */
export interface Recording {
  writes: TcpWrite[];
  keylog: string;
}

export interface RecordOptions {
  maxVersion: SecureVersion;
  minVersion?: SecureVersion;
  /** Client cipher list: OpenSSL names for TLS ≤ 1.2, `TLS_…` names select TLS 1.3 suites. */
  ciphers?: string;
  sni?: string;
  steps: Step[];
}

/**
 * recordTls runs a TLS client and server on localhost with a proxy in between that records every
 * chunk each side sends. The client does not verify the certificate (it is self-signed).
 */
export async function recordTls(o: RecordOptions): Promise<Recording> {
  const server = createTlsServer({ key: TEST_KEY, cert: TEST_CERT, minVersion: o.minVersion ?? "TLSv1.2", maxVersion: o.maxVersion });
  let serverSock: TLSSocket | undefined;
  const serverGot: string[] = [];
  server.on("secureConnection", (s) => {
    serverSock = s;
    s.on("data", (d: Buffer) => serverGot.push(d.toString("latin1")));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const serverPort = (server.address() as AddressInfo).port;

  const writes: TcpWrite[] = [];
  const proxy = createTcpServer((down: Socket) => {
    const up = tcpConnect(serverPort, "127.0.0.1");
    down.on("data", (d) => {
      writes.push({ from: "client", data: new Uint8Array(d) });
      up.write(d);
    });
    up.on("data", (d) => {
      writes.push({ from: "server", data: new Uint8Array(d) });
      down.write(d);
    });
    down.on("end", () => up.end());
    up.on("end", () => down.end());
    down.on("error", () => up.destroy());
    up.on("error", () => down.destroy());
  });
  proxy.listen(0, "127.0.0.1");
  await once(proxy, "listening");
  const proxyPort = (proxy.address() as AddressInfo).port;

  const keylog: string[] = [];
  const client = tlsConnect({
    host: "127.0.0.1",
    port: proxyPort,
    servername: o.sni,
    rejectUnauthorized: false,
    minVersion: o.minVersion ?? "TLSv1.2",
    maxVersion: o.maxVersion,
    ciphers: o.ciphers,
  });
  client.on("keylog", (line: Buffer) => keylog.push(line.toString("latin1")));
  const clientGot: string[] = [];
  client.on("data", (d: Buffer) => clientGot.push(d.toString("latin1")));
  await once(client, "secureConnect");

  const waitFor = async (got: string[], text: string): Promise<void> => {
    for (let i = 0; i < 500 && !got.join("").includes(text); i++) await new Promise((r) => setTimeout(r, 5));
  };
  for (const step of o.steps) {
    const bytes = typeof step.data === "string" ? Buffer.from(step.data, "latin1") : Buffer.from(step.data);
    const text = bytes.toString("latin1");
    if (step.from === "client") {
      client.write(bytes);
      await waitFor(serverGot, text);
    } else {
      for (let i = 0; i < 500 && !serverSock; i++) await new Promise((r) => setTimeout(r, 5));
      serverSock?.write(bytes);
      await waitFor(clientGot, text);
    }
  }
  client.end();
  await new Promise((r) => setTimeout(r, 50));
  client.destroy();
  serverSock?.destroy();
  await new Promise<void>((r) => proxy.close(() => r()));
  await new Promise<void>((r) => server.close(() => r()));
  return { writes, keylog: keylog.join("") };
}

export const CLIENT = { ip: "198.51.100.7", port: 40001 };
export const SERVER = { ip: "192.0.2.10", port: 5061 };

export interface PcapOptions {
  /** Capture time of the first packet. */
  startNs: bigint;
  client?: { ip: string; port: number };
  server?: { ip: string; port: number };
  /** Cut every write into segments of at most this many bytes (records then span segments). */
  mss?: number;
  /** Rewrite the segment list (drop, reorder) before writing. */
  edit?: (segs: TcpSegmentSpec[]) => TcpSegmentSpec[];
}

/** buildPcap turns application writes into an Ethernet pcap of one TCP connection, 1 ms apart. */
export function buildPcap(writes: readonly TcpWrite[], o: PcapOptions): Uint8Array {
  let segs = tcpConversation({ client: o.client ?? CLIENT, server: o.server ?? SERVER, writes, mss: o.mss ?? 1460 });
  if (o.edit) segs = o.edit(segs);
  const w = new PcapWriter({ linkType: LINKTYPE.ETHERNET, precision: "nsec" });
  segs.forEach((s, i) => w.writePacket(o.startNs + BigInt(i) * 1_000_000n, ethernetFrame(tcpPacket(s), { etherType: ETHERTYPE.IPV4 })));
  return (w.sink as MemorySink).toBytes();
}

/**
 * pcapngWithSecrets rewrites a capture as pcapng with a Decryption Secrets Block holding `keylog`
 * first (what `editcap --inject-secrets` produces).
 */
export async function pcapngWithSecrets(path: string, keylog: string): Promise<Uint8Array> {
  const w = new PcapngWriter();
  w.writeDecryptionSecrets(SECRETS_TLS_KEYLOG, keylog);
  let iface = -1;
  await readCapture(path, (f) => {
    if (iface < 0) iface = w.addInterface({ linkType: f.linkType, tsresol: { base: 10, exponent: 9 } });
    w.writeEnhancedPacket(iface, f.tsNs, f.data.slice());
  });
  return (w.sink as MemorySink).toBytes();
}

/** wsFrame builds a masked WebSocket text frame (RFC 6455 §5.2), as a browser client sends it. */
export function wsFrame(text: string): Uint8Array {
  const payload = Buffer.from(text, "latin1");
  const mask = Buffer.from([1, 2, 3, 4]);
  const head = payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length]) : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i & 3]));
  return new Uint8Array(Buffer.concat([head, mask, body]));
}

/** Result of running the extractor over a capture held in memory. */
export interface Extracted {
  messages: CapturedMessage[];
  sessions: TlsSession[];
  summary: ExtractSummary;
}

/** extract runs the extractor over capture bytes, with an optional key log. */
export async function extract(bytes: Uint8Array, tlsKeylog?: string): Promise<Extracted> {
  const messages: CapturedMessage[] = [];
  const sessions: TlsSession[] = [];
  async function* input(): AsyncIterable<Uint8Array> {
    yield bytes;
  }
  const summary = await extractMessages(input(), "mem", (m) => messages.push(m), { ...DEFAULT_EXTRACT_OPTIONS, tlsKeylog, onTls: (s) => sessions.push(s) });
  return { messages, sessions, summary };
}

/** extractFile is extract for a capture on disk. */
export async function extractFile(path: string, tlsKeylog?: string): Promise<Extracted> {
  const messages: CapturedMessage[] = [];
  const sessions: TlsSession[] = [];
  const summary = await extractMessages(path, path, (m) => messages.push(m), { ...DEFAULT_EXTRACT_OPTIONS, tlsKeylog, onTls: (s) => sessions.push(s) });
  return { messages, sessions, summary };
}

/** kindOf renders a message as tshark's method / status column would. */
export function kindOf(m: CapturedMessage): string {
  const s = m.message;
  return s?.kind === "request" ? (s.method ?? "") : s?.kind === "response" ? String(s.status) : "";
}

/** A SIP REGISTER → 401 → REGISTER → 200 script for recorded sessions. */
export function registerSteps(callId: string): Step[] {
  const req = (cseq: number, auth: string): string =>
    `REGISTER sip:example.test SIP/2.0\r\nVia: SIP/2.0/TLS 198.51.100.7:40001;branch=z9hG4bK-${cseq}\r\nMax-Forwards: 70\r\n` +
    `From: <sip:alice@example.test>;tag=a1\r\nTo: <sip:alice@example.test>\r\nCall-ID: ${callId}\r\nCSeq: ${cseq} REGISTER\r\n` +
    `Contact: <sip:alice@198.51.100.7:40001;transport=tls>\r\n${auth}Content-Length: 0\r\n\r\n`;
  const resp = (cseq: number, status: string, extra: string): string =>
    `SIP/2.0 ${status}\r\nVia: SIP/2.0/TLS 198.51.100.7:40001;branch=z9hG4bK-${cseq}\r\nFrom: <sip:alice@example.test>;tag=a1\r\n` +
    `To: <sip:alice@example.test>;tag=s1\r\nCall-ID: ${callId}\r\nCSeq: ${cseq} REGISTER\r\n${extra}Content-Length: 0\r\n\r\n`;
  return [
    { from: "client", data: req(1, "") },
    { from: "server", data: resp(1, "401 Unauthorized", 'WWW-Authenticate: Digest realm="example.test", nonce="n1", algorithm=MD5\r\n') },
    { from: "client", data: req(2, 'Authorization: Digest username="alice", realm="example.test", nonce="n1", uri="sip:example.test", response="00000000000000000000000000000000"\r\n') },
    { from: "server", data: resp(2, "200 OK", "Expires: 3600\r\n") },
  ];
}

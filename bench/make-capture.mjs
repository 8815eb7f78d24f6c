// Generates a realistic SIP capture for benchmarks, deterministically from a seed, of any size,
// streamed to disk (memory stays bounded however large the file). Run after `npx tsc -p tsconfig.json`:
//
//   node bench/make-capture.mjs --out big.pcap [--size 1GB] [--users 5000] [--seed 1]
//        [--format pcap|pcapng] [--gzip] [--rate 2700]
//
// The traffic imitates the sipp benchmark of ../shared/bench/make-bench-capture.sh (about 1.76 M SIP
// messages and 396 k Call-IDs per GB), with what sipp on loopback cannot show: NAT'd clients (private
// Via and Contact, the registrar adding received/rport), TCP clients on persistent connections,
// public addresses, refreshes on the same Call-ID with nc counting up, stale nonces, OPTIONS
// keep-alives, busy callees and REGISTERs that time out. Per started flow:
//   76.5 % REGISTER → 401 → REGISTER+Authorization → 200 (401 again for the 10 % of users whose
//          password is wrong); 8 % refresh on the registration's Call-ID (REGISTER+Authorization → 200,
//          1 in 10 re-challenged with stale=true); 7 % INVITE → 407 → ACK → INVITE+Proxy-Authorization
//          → 100 → 180 → 200 → ACK → BYE → 200 (1 in 30 callees busy: 486 → ACK); 8 % OPTIONS → 200;
//          0.5 % REGISTER retransmitted for 32 s without an answer (UDP clients only).
import { createWriteStream } from "node:fs";
import { createGzip } from "node:zlib";
import { fileURLToPath } from "node:url";
import {
  digestChallenge, digestCredentials, ethernetFrame, FileSink, hostPort, PcapngWriter, PcapWriter, sdpOffer, SipIds,
  sipRequest, sipResponse, StreamSink, TCP_FLAGS, tcpPacket, toBytes, udpPacket,
} from "../dist/synth/index.js";

export const DEFAULTS = { size: 64 * 1024 * 1024, users: 5000, seed: 1, format: "pcap", gzip: false, rate: 2700 };

const DOMAIN = "bench.example.com";
const SERVER = { ip: "203.0.113.10", port: 5060 };
const SERVER_AGENT = "BenchRegistrar/3.1 (sip401 synth)";
const USER_AGENT = "BenchPhone/2.4.1 (sip401 synth)";
const ALLOW = "INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE";
const LINKTYPE_ETHERNET = 1;
/** Capture start: 2024-01-01T00:00:00Z, in µs (timestamps are kept as µs numbers, exact below 2^53). */
const START_US = 1_704_067_200_000_000;
/** RFC 3261 §17.1.2.2 Timer E schedule for an unanswered REGISTER over UDP (T1 = 0.5 s, T2 = 4 s), µs after the first send. */
const RETRANSMIT_US = [0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5].map((s) => s * 1e6);

/** parseSize reads "64MB", "1GB", "4GiB", "1000000" (decimal units are binary here: 1GB = 2^30 bytes). */
export function parseSize(s) {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(String(s).trim());
  if (!m) throw new Error(`cannot read size "${s}" (e.g. 64MB, 1GB)`);
  return Math.round(Number(m[1]) * 1024 ** " kmgt".indexOf((m[2] || " ").toLowerCase()));
}

/** EventQueue orders packets of interleaved flows by time (a binary min-heap; ties keep insertion order). */
class EventQueue {
  heap = [];
  seq = 0;
  get size() {
    return this.heap.length;
  }
  push(tUs, frame) {
    const h = this.heap;
    const e = { tUs, seq: this.seq++, frame };
    let i = h.length;
    h.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(e, h[p])) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = e;
  }
  peekTime() {
    return this.heap[0]?.tUs ?? Infinity;
  }
  pop() {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const c = l + 1 < h.length && before(h[l + 1], h[l]) ? l + 1 : l;
        if (!before(h[c], last)) break;
        h[i] = h[c];
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

function before(a, b) {
  return a.tUs < b.tUs || (a.tUs === b.tUs && a.seq < b.seq);
}

/** Traffic builds the flows of every user and hands their frames, time-stamped, to the queue. */
class Traffic {
  constructor(users, seed, queue) {
    this.ids = new SipIds(seed);
    this.rnd = this.ids.random;
    this.queue = queue;
    this.users = Array.from({ length: users }, (_, i) => this.makeUser(i));
    this.cursor = 0;
    this.ipId = 1;
    this.sipMessages = 0;
    this.callIds = 0;
  }

  makeUser(i) {
    const name = String(100000 + i);
    // One in four behind NAT (many phones share a public address, each on its own mapped port),
    // one in ten on TCP, one in ten with a wrong password (as in the sipp bench's users.csv).
    const nat = i % 4 === 1;
    const tcp = i % 10 === 3;
    // Public addresses from the benchmarking block 198.18.0.0/15 (RFC 2544); NATs from 198.51.100.0/24.
    const pub = nat ? `198.51.100.${1 + (i % 200)}` : `198.${18 + ((i >> 16) & 1)}.${(i >> 8) & 255}.${i & 255}`;
    return {
      i, name, password: `pw-${name}`, wrongPassword: i % 10 === 9, transport: tcp ? "TCP" : "UDP",
      ip: nat ? `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` : pub,
      port: 5060,
      pub: { ip: pub, port: nat ? 20000 + (Math.floor(i / 200) % 45000) : tcp ? 40000 + (i % 20000) : 5060 },
      busyUntil: 0,
      reg: undefined, // { callId, fromTag, cseq, nonce, nc } once registered
      tcp: undefined, // { cSeq, sSeq } once connected
    };
  }

  /** startFlow starts one flow at `t` (µs) for the next idle user; returns false when every user is busy. */
  startFlow(t) {
    const n = this.users.length;
    for (let k = 0; k < n; k++) {
      const u = this.users[this.cursor];
      this.cursor = (this.cursor + 1) % n;
      if (u.busyUntil > t) continue;
      const r = this.rnd.int(1000);
      let end;
      if (r < 80 && u.reg && !u.wrongPassword) end = this.refresh(u, t);
      else if (r < 150 && u.reg && !u.wrongPassword) end = this.invite(u, t);
      else if (r < 230) end = this.options(u, t);
      else if (r < 235 && u.transport === "UDP") end = this.timeout(u, t);
      else end = this.register(u, t);
      u.busyUntil = end + 20_000;
      return true;
    }
    return false;
  }

  // ---- flows ------------------------------------------------------------------------------

  register(u, t) {
    const callId = this.newCallId(u);
    const fromTag = this.ids.tag();
    const first = this.registerSpec(u, callId, fromTag, 1, []);
    t = this.send(u, t, true, sipRequest(first));
    const nonce = this.ids.nonce();
    t = this.reply(u, t, first, 401, [["WWW-Authenticate", this.challenge(nonce)]]);
    const second = this.registerSpec(u, callId, fromTag, 2, [["Authorization", this.credentials(u, "REGISTER", `sip:${DOMAIN}`, nonce, 1)]]);
    t = this.send(u, t + this.think(), true, sipRequest(second));
    if (u.wrongPassword) return this.reply(u, t, second, 401, [["WWW-Authenticate", this.challenge(this.ids.nonce())]]);
    u.reg = { callId, fromTag, cseq: 2, nonce, nc: 1 };
    return this.reply(u, t, second, 200, [], `${this.contact(u)};expires=3600`);
  }

  refresh(u, t) {
    const reg = u.reg;
    reg.cseq++;
    reg.nc++;
    const req = this.registerSpec(u, reg.callId, reg.fromTag, reg.cseq, [["Authorization", this.credentials(u, "REGISTER", `sip:${DOMAIN}`, reg.nonce, reg.nc)]]);
    t = this.send(u, t, true, sipRequest(req));
    if (this.rnd.int(10) === 0) {
      // The registrar retired the nonce: stale=true, the phone retries at once with the new one.
      reg.nonce = this.ids.nonce();
      reg.nc = 1;
      t = this.reply(u, t, req, 401, [["WWW-Authenticate", this.challenge(reg.nonce, true)]]);
      reg.cseq++;
      const again = this.registerSpec(u, reg.callId, reg.fromTag, reg.cseq, [["Authorization", this.credentials(u, "REGISTER", `sip:${DOMAIN}`, reg.nonce, 1)]]);
      t = this.send(u, t + this.think(), true, sipRequest(again));
      return this.reply(u, t, again, 200, [], `${this.contact(u)};expires=3600`);
    }
    return this.reply(u, t, req, 200, [], `${this.contact(u)};expires=3600`);
  }

  invite(u, t) {
    const callee = this.users[this.rnd.int(this.users.length)].name;
    const uri = `sip:${callee}@${DOMAIN}`;
    const callId = this.newCallId(u);
    const fromTag = this.ids.tag();
    const sdp = sdpOffer({ username: u.name, sessionId: 1000 + this.rnd.int(9000), ip: u.ip, audioPort: 40000 + 2 * this.rnd.int(5000) });
    const spec = (method, cseq, branch, extra = [], body, to = { uri }) => ({
      method, uri, via: this.via(u, branch), from: { display: u.name, uri: this.aor(u), tag: fromTag }, to, callId, cseq,
      contact: method === "INVITE" ? this.contact(u) : undefined, userAgent: USER_AGENT, headers: extra, body,
    });
    const nonce = this.ids.nonce();
    const invite1 = spec("INVITE", 1, this.ids.branch(), [["Allow", ALLOW], ["Supported", "replaces, timer"]], sdp);
    t = this.send(u, t, true, sipRequest(invite1));
    const proxyTag = this.ids.tag();
    t = this.reply(u, t, invite1, 407, [["Proxy-Authenticate", this.challenge(nonce)]], undefined, proxyTag);
    t = this.send(u, t + 300, true, sipRequest(spec("ACK", 1, invite1.via.branch, [], undefined, { uri, tag: proxyTag })));
    const auth = this.credentials(u, "INVITE", uri, nonce, 1);
    const invite2 = spec("INVITE", 2, this.ids.branch(), [["Allow", ALLOW], ["Supported", "replaces, timer"], ["Proxy-Authorization", auth]], sdp);
    t = this.send(u, t + this.think(), true, sipRequest(invite2));
    t = this.reply(u, t, invite2, 100);
    const calleeTag = this.ids.tag();
    const remote = `<sip:${callee}@${hostPort(SERVER.ip, SERVER.port)}>`;
    t = this.reply(u, t + 30_000, invite2, 180, [], remote, calleeTag);
    const to = { uri, tag: calleeTag };
    if (this.rnd.int(30) === 0) {
      t = this.reply(u, t + 2_000_000, invite2, 486, [], undefined, calleeTag);
      return this.send(u, t + 300, true, sipRequest(spec("ACK", 2, invite2.via.branch, [], undefined, to)));
    }
    const answer = sdpOffer({ sessionId: 4242, ip: SERVER.ip, audioPort: 30000 + 2 * this.rnd.int(5000) });
    t = this.reply(u, t + 1_000_000 + this.rnd.int(2_000_000), invite2, 200, [], remote, calleeTag, answer);
    const inDialog = (method, cseq) => ({ ...spec(method, cseq, this.ids.branch(), [], undefined, to), uri: remote.slice(1, -1) });
    t = this.send(u, t + this.think(), true, sipRequest(inDialog("ACK", 2)));
    const bye = inDialog("BYE", 3);
    t = this.send(u, t + 2_000_000 + this.rnd.int(3_000_000), true, sipRequest(bye));
    return this.reply(u, t, bye, 200);
  }

  options(u, t) {
    const req = {
      method: "OPTIONS", uri: `sip:${DOMAIN}`, via: this.via(u, this.ids.branch()), from: { uri: this.aor(u), tag: this.ids.tag() },
      to: { uri: `sip:${DOMAIN}` }, callId: this.newCallId(u), cseq: 1, userAgent: USER_AGENT, headers: [["Accept", "application/sdp"]],
    };
    t = this.send(u, t, true, sipRequest(req));
    return this.reply(u, t, req, 200, [["Allow", ALLOW], ["Accept", "application/sdp"]]);
  }

  timeout(u, t) {
    const text = sipRequest(this.registerSpec(u, this.newCallId(u), this.ids.tag(), 1, []));
    for (const dt of RETRANSMIT_US) this.send(u, t + dt, true, text);
    return t + 32_000_000;
  }

  // ---- message pieces ---------------------------------------------------------------------

  registerSpec(u, callId, fromTag, cseq, extra) {
    return {
      method: "REGISTER", uri: `sip:${DOMAIN}`, via: this.via(u, this.ids.branch()),
      from: { display: u.name, uri: this.aor(u), tag: fromTag }, to: { display: u.name, uri: this.aor(u) }, callId, cseq,
      contact: this.contact(u), userAgent: USER_AGENT,
      headers: [["Expires", "3600"], ["Allow", ALLOW], ["Supported", "replaces, outbound, path"], ...extra],
    };
  }

  via(u, branch) {
    return { transport: u.transport, host: u.ip, port: u.port, branch, rport: true };
  }

  aor(u) {
    return `sip:${u.name}@${DOMAIN}`;
  }

  contact(u) {
    return `<sip:${u.name}@${hostPort(u.ip, u.port)};transport=${u.transport.toLowerCase()}>;+sip.instance="<urn:uuid:00000000-0000-1000-8000-${u.name.padStart(12, "0")}>"`;
  }

  challenge(nonce, stale = false) {
    return digestChallenge({ realm: DOMAIN, nonce, qop: "auth", algorithm: "MD5", stale });
  }

  credentials(u, method, uri, nonce, nc) {
    return digestCredentials({
      username: u.name, realm: DOMAIN, password: u.wrongPassword ? "not-the-password" : u.password, method, uri, nonce, qop: "auth", nc,
      cnonce: this.ids.cnonce(), algorithm: "MD5",
    });
  }

  newCallId(u) {
    this.callIds++;
    return this.ids.callId(u.ip);
  }

  /** think is a phone's reaction time, µs. */
  think() {
    return 2_000 + this.rnd.int(8_000);
  }

  /**
   * reply sends the server's response to `req` after a short processing delay; the top Via gets
   * what the registrar saw: the NAT's public address in `received`, its port in `rport` (RFC 3581).
   */
  reply(u, t, req, status, headers = [], contact, toTag = this.ids.tag(), body) {
    const via = { ...req.via, rport: u.pub.port };
    if (u.pub.ip !== u.ip) via.received = u.pub.ip;
    const text = sipResponse({
      request: { ...req, via }, status, toTag: status === 100 ? undefined : toTag, server: SERVER_AGENT, contact, headers, body,
      contentType: body ? "application/sdp" : undefined,
    });
    return this.send(u, t + 500 + this.rnd.int(2_500), false, text);
  }

  /** send queues one SIP message from the client (`up`) or the server at `t`; returns `t`. */
  send(u, t, up, text) {
    const payload = toBytes(text);
    const src = up ? u.pub : SERVER;
    const dst = up ? SERVER : u.pub;
    this.sipMessages++;
    if (u.transport === "UDP") {
      this.frame(t, udpPacket({ src, dst, payload }, { id: this.nextIpId() }), up);
      return t;
    }
    let c = u.tcp;
    if (!c) {
      // A persistent connection per phone (RFC 5626 style): the handshake precedes its first message.
      c = u.tcp = { cSeq: 1_000_000 + u.i * 7919, sSeq: 3_000_000 + u.i * 104_729 };
      this.frame(t - 300, tcpPacket({ src: u.pub, dst: SERVER, seq: c.cSeq - 1, flags: TCP_FLAGS.SYN }, { id: this.nextIpId() }), true);
      this.frame(t - 200, tcpPacket({ src: SERVER, dst: u.pub, seq: c.sSeq - 1, ack: c.cSeq, flags: TCP_FLAGS.SYN | TCP_FLAGS.ACK }, { id: this.nextIpId() }), false);
      this.frame(t - 100, tcpPacket({ src: u.pub, dst: SERVER, seq: c.cSeq, ack: c.sSeq, flags: TCP_FLAGS.ACK }, { id: this.nextIpId() }), true);
    }
    const seq = up ? c.cSeq : c.sSeq;
    const ack = up ? c.sSeq : c.cSeq;
    this.frame(t, tcpPacket({ src, dst, seq: seq >>> 0, ack: ack >>> 0, flags: TCP_FLAGS.ACK | TCP_FLAGS.PSH, payload }, { id: this.nextIpId() }), up);
    if (up) c.cSeq += payload.length;
    else c.sSeq += payload.length;
    return t;
  }

  frame(t, ip, up) {
    this.queue.push(t, ethernetFrame(ip, { etherType: 0x0800, src: up ? "02:00:00:00:00:01" : "02:00:00:00:00:02", dst: up ? "02:00:00:00:00:02" : "02:00:00:00:00:01" }));
  }

  nextIpId() {
    this.ipId = (this.ipId + 1) & 0xffff;
    return this.ipId;
  }
}

/** openOutput returns the byte sink for `out` and how to finish it. */
function openOutput(out, gzip) {
  if (!gzip) {
    const sink = new FileSink(out);
    return { sink, ready: () => undefined, close: async () => sink.close() };
  }
  const gz = createGzip({ level: 6 });
  const file = createWriteStream(out);
  gz.pipe(file);
  const sink = new StreamSink(gz);
  const closed = new Promise((resolve, reject) => {
    file.on("close", resolve);
    file.on("error", reject);
  });
  return { sink, ready: () => sink.ready(), close: async () => (await sink.end(), await closed) };
}

/**
 * makeCapture writes a capture of about `size` bytes (uncompressed) to `out` and returns what it
 * holds. Same options, same bytes.
 */
export async function makeCapture(options) {
  const o = { ...DEFAULTS, ...options };
  if (o.format !== "pcap" && o.format !== "pcapng") throw new Error(`unknown format ${o.format}`);
  const output = openOutput(o.out, o.gzip);
  // Uncompressed bytes are counted here, so --gzip files hold the same capture as plain ones.
  let bytes = 0;
  const counting = { write: (chunk) => ((bytes += chunk.length), output.sink.write(chunk)) };
  let write;
  if (o.format === "pcap") {
    const w = new PcapWriter({ linkType: LINKTYPE_ETHERNET, sink: counting });
    write = (ts, f) => w.writePacket(ts, f);
  } else {
    const w = new PcapngWriter({ sink: counting, section: { userAppl: "sip401 bench/make-capture.mjs" } });
    const ifc = w.addInterface({ linkType: LINKTYPE_ETHERNET, name: "bench0" });
    write = (ts, f) => w.writeEnhancedPacket(ifc, ts, f);
  }
  const queue = new EventQueue();
  const traffic = new Traffic(o.users, o.seed, queue);
  const gapUs = 1e6 / o.rate;
  let t = START_US;
  let packets = 0;
  const started = performance.now();
  const flush = (until) => {
    while (queue.size > 0 && queue.peekTime() <= until) {
      const e = queue.pop();
      write(BigInt(Math.round(e.tUs)) * 1000n, e.frame);
      packets++;
    }
  };
  while (bytes < o.size) {
    traffic.startFlow(t);
    // Frames due before the next flow starts are final: no later flow can precede them.
    t += gapUs * (0.5 + traffic.rnd.int(1000) / 1000);
    flush(t - 1_000);
    if (packets % 64 === 0) await output.ready();
  }
  flush(Infinity);
  await output.close();
  return {
    out: o.out, format: o.format, gzip: o.gzip, bytes, packets, sipMessages: traffic.sipMessages, callIds: traffic.callIds,
    users: o.users, seed: o.seed, captureSeconds: (t - START_US) / 1e6, generateSeconds: (performance.now() - started) / 1000,
  };
}

/** parseArgs reads `--name value` / `--flag` pairs. */
export function parseArgs(argv, flags = []) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) throw new Error(`unexpected argument ${a}`);
    const name = a.slice(2);
    if (flags.includes(name)) out[name] = true;
    else if (i + 1 < argv.length) out[name] = argv[++i];
    else throw new Error(`${a} needs a value`);
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const a = parseArgs(process.argv.slice(2), ["gzip"]);
  if (!a.out) {
    console.error("usage: node bench/make-capture.mjs --out FILE [--size 1GB] [--users 5000] [--seed 1] [--format pcap|pcapng] [--gzip] [--rate 2700]");
    process.exit(2);
  }
  const r = await makeCapture({
    out: a.out, size: a.size ? parseSize(a.size) : DEFAULTS.size, users: Number(a.users ?? DEFAULTS.users), seed: Number(a.seed ?? DEFAULTS.seed),
    format: a.format ?? DEFAULTS.format, gzip: a.gzip === true, rate: Number(a.rate ?? DEFAULTS.rate),
  });
  const perGb = (n) => Math.round((n * 2 ** 30) / r.bytes).toLocaleString("en-US");
  console.log(
    `${r.out}: ${r.format}${r.gzip ? " (gzip)" : ""}, ${(r.bytes / 2 ** 20).toFixed(1)} MiB uncompressed, ${r.packets} frames, ` +
      `${r.sipMessages} SIP messages (${perGb(r.sipMessages)}/GB), ${r.callIds} Call-IDs (${perGb(r.callIds)}/GB), ` +
      `${r.captureSeconds.toFixed(1)} s of traffic; generated in ${r.generateSeconds.toFixed(1)} s`,
  );
}

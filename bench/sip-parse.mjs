// Micro-benchmark of the SIP parser on a realistic REGISTER/401 mix (lab captures).
// Run after `npx tsc -p tsconfig.json`: `node bench/sip-parse.mjs [seconds-per-case]`.
// Prints msgs/s and MB/s for (1) parse only and (2) parse plus the fields the pipeline reads of
// every message (see correlatorFields).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseSip } from "../dist/sip/index.js";

const lab = fileURLToPath(new URL("../test/sip/lab/", import.meta.url));
// One REGISTER without credentials, its 401, an authenticated REGISTER and its 200 / 401, as a
// registrar sees them; plus an INVITE with SDP and its 407 for some variety.
const MIX = [
  "bad_password_udp_1.sip", "bad_password_udp_2.sip", "bad_password_udp_3.sip", "ok_register_udp_3.sip",
  "ok_register_udp_4.sip", "stale_nonce_6.sip", "scanner_1.sip", "scanner_3.sip", "scanner_4.sip",
  "invite_407_2.sip",
].map((f) => new Uint8Array(readFileSync(lab + f)));
const mixBytes = MIX.reduce((s, m) => s + m.length, 0);

/**
 * correlatorFields reads what the pipeline reads of every message, so lazy parsing is measured
 * too. It mirrors src/extract/extractor.ts (issues), src/detect/observe.ts (Content-Length,
 * identity, User-Agent, top Via, first Contact), src/correlate/transactions.ts and auth-info.ts
 * (transaction key, From/To AOR and tag, Contact, Expires, Server, Min-Expires, challenges of a
 * 401/407, credentials of a request) and src/analyze/ladders.ts (Call-ID, branch, CSeq).
 */
function correlatorFields(m) {
  let x = 0;
  for (const i of m.issues) x += i.code.length;
  x += m.contentLength ?? 0;
  x += m.callId?.length ?? 0;
  const cseq = m.cseq;
  if (cseq) x += cseq.seq + cseq.method.length;
  const v = m.topVia;
  if (v) x += v.branch?.length ?? 0, x += v.host.length, x += v.port ?? 0, x += v.received?.length ?? 0, x += v.rport === true ? 1 : v.rport ?? 0;
  for (const na of [m.from, m.to]) {
    if (na) x += (na.tag?.length ?? 0) + na.uri.scheme.length + (na.uri.user?.length ?? 0) + (na.uri.host?.length ?? 0) + na.uri.raw.length;
  }
  const request = m.kind === "request";
  if (request || (m.status >= 200 && m.status < 300)) {
    for (const c of m.contacts) x += (c.star ? 1 : 0) + c.uri.raw.length + (c.uri.host?.length ?? 0) + (c.expires ?? 0);
    x += m.expires ?? 0;
  }
  if (request) {
    x += m.requestUri.length + m.methodUpper.length + (m.userAgent?.length ?? 0);
    for (const c of m.credentials) {
      x += c.scheme.length + (c.response?.length ?? 0) + (c.username?.length ?? 0) + (c.realm?.length ?? 0) + (c.nonce?.length ?? 0);
      x += (c.uri?.length ?? 0) + (c.algorithm?.length ?? 0) + (c.qop?.length ?? 0) + (c.nc?.length ?? 0) + (c.cnonce?.length ?? 0);
      x += (c.opaque?.length ?? 0) + (c.userhash === true ? 1 : 0);
    }
  } else {
    x += m.status + m.reason.length + ((m.server ?? m.userAgent)?.length ?? 0) + (m.minExpires ?? 0);
    if (m.status === 401 || m.status === 407) {
      for (const c of m.challenges) {
        x += c.header.length + c.scheme.length + (c.realm?.length ?? 0) + (c.nonce?.length ?? 0) + (c.algorithm?.length ?? 0);
        x += c.qop.length + (c.stale === true ? 1 : 0) + (c.opaque?.length ?? 0);
      }
    }
  }
  return x;
}

/** run times one case; reports rates against wall-clock time and against this process's CPU time. */
function run(name, withFields, seconds) {
  let sink = 0;
  // Warm up so the JIT has optimised the hot paths before timing.
  for (let i = 0; i < 200_000; i++) {
    const r = parseSip(MIX[i % MIX.length]);
    if (withFields) sink += correlatorFields(r.message);
  }
  let msgs = 0;
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const limit = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  while (elapsed < limit) {
    for (let i = 0; i < 50_000; i++) {
      const r = parseSip(MIX[i % MIX.length]);
      sink += r.issues.length;
      if (withFields) sink += correlatorFields(r.message);
    }
    msgs += 50_000;
    elapsed = process.hrtime.bigint() - t0;
  }
  const wall = Number(elapsed) / 1e9;
  const cu = process.cpuUsage(c0);
  // CPU time of this process: on a shared machine, wall time also counts time spent preempted.
  const cpu = (cu.user + cu.system) / 1e6;
  const mean = mixBytes / MIX.length;
  const fmt = (rate) => `${Math.round(rate).toLocaleString("en-US").padStart(11)} msgs/s ${((rate * mean) / 1e6).toFixed(1).padStart(6)} MB/s`;
  console.log(`${name.padEnd(26)} wall: ${fmt(msgs / wall)}   cpu: ${fmt(msgs / cpu)}   (${msgs} msgs, ${wall.toFixed(2)} s, sink ${sink % 10})`);
}

const seconds = Number(process.argv[2] ?? 2);
console.log(`mix: ${MIX.length} messages, mean ${Math.round(mixBytes / MIX.length)} bytes; node ${process.version}`);
run("parse only", false, seconds);
run("parse + correlator fields", true, seconds);

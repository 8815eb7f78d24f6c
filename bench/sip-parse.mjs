// Micro-benchmark of the SIP parser on a realistic REGISTER/401 mix (lab captures).
// Run after `npx tsc -p tsconfig.json`: `node bench/sip-parse.mjs [seconds-per-case]`.
// Prints msgs/s and MB/s for (1) parse only and (2) parse plus the fields the pipeline reads of
// every message (see correlatorFields). With `--fields [REPS]` it prints instead what each group
// of fields adds to parsing, in CPU ns per message (see costs). With `--compare DIST [GROUP]` it
// compares another build's parser (its dist/ folder, e.g. of a `git worktree` of the base commit)
// with this one, in one process (see compare).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
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
 * FIELD_GROUPS read what the pipeline reads of every message, so lazy parsing is measured too,
 * one group per kind of header. They mirror src/extract/extractor.ts (issues), src/detect/observe.ts
 * (Content-Length, identity, User-Agent, top Via, first Contact), src/correlate/transactions.ts and
 * auth-info.ts (transaction key, From/To AOR and tag, Contact, Expires, Server, Min-Expires,
 * challenges of a 401/407, credentials of a request) and src/analyze/ladders.ts (Call-ID, branch,
 * CSeq).
 */
const FIELD_GROUPS = {
  issues(m) {
    let x = 0;
    for (const i of m.issues) x += i.code.length;
    return x + (m.contentLength ?? 0);
  },
  callId: (m) => m.callId?.length ?? 0,
  cseq(m) {
    const cseq = m.cseq;
    return cseq ? cseq.seq + cseq.method.length : 0;
  },
  via(m) {
    const v = m.topVia;
    return v ? (v.branch?.length ?? 0) + v.host.length + (v.port ?? 0) + (v.received?.length ?? 0) + (v.rport === true ? 1 : v.rport ?? 0) : 0;
  },
  fromTo(m) {
    let x = 0;
    for (const na of [m.from, m.to]) {
      if (na) x += (na.tag?.length ?? 0) + na.uri.scheme.length + (na.uri.user?.length ?? 0) + (na.uri.host?.length ?? 0) + na.uri.raw.length;
    }
    return x;
  },
  contact(m) {
    let x = 0;
    if (m.kind === "request" || (m.status >= 200 && m.status < 300)) {
      for (const c of m.contacts) x += (c.star ? 1 : 0) + c.uri.raw.length + (c.uri.host?.length ?? 0) + (c.expires ?? 0);
      x += m.expires ?? 0;
    }
    return x;
  },
  startLine(m) {
    if (m.kind === "request") return m.requestUri.length + m.methodUpper.length + (m.userAgent?.length ?? 0);
    return m.status + m.reason.length + ((m.server ?? m.userAgent)?.length ?? 0) + (m.minExpires ?? 0);
  },
  credentials(m) {
    let x = 0;
    if (m.kind !== "request") return x;
    for (const c of m.credentials) {
      x += c.scheme.length + (c.response?.length ?? 0) + (c.username?.length ?? 0) + (c.realm?.length ?? 0) + (c.nonce?.length ?? 0);
      x += (c.uri?.length ?? 0) + (c.algorithm?.length ?? 0) + (c.qop?.length ?? 0) + (c.nc?.length ?? 0) + (c.cnonce?.length ?? 0);
      x += (c.opaque?.length ?? 0) + (c.userhash === true ? 1 : 0);
    }
    return x;
  },
  challenges(m) {
    let x = 0;
    if (m.status !== 401 && m.status !== 407) return x;
    for (const c of m.challenges) {
      x += c.header.length + c.scheme.length + (c.realm?.length ?? 0) + (c.nonce?.length ?? 0) + (c.algorithm?.length ?? 0);
      x += c.qop.length + (c.stale === true ? 1 : 0) + (c.opaque?.length ?? 0);
    }
    return x;
  },
};

/** correlatorFields reads every group (direct calls, which the JIT inlines, not a loop over them). */
function correlatorFields(m) {
  const g = FIELD_GROUPS;
  return g.issues(m) + g.callId(m) + g.cseq(m) + g.via(m) + g.fromTo(m) + g.contact(m) + g.startLine(m) + g.credentials(m) + g.challenges(m);
}

/**
 * measure parses the mix for `seconds` after a warm-up, reading `fields` of every message, and
 * returns the messages done, wall seconds and CPU seconds.
 */
function measure(fields, seconds) {
  let sink = 0;
  // Warm up so the JIT has optimised the hot paths before timing.
  for (let i = 0; i < 200_000; i++) {
    const r = parseSip(MIX[i % MIX.length]);
    if (fields) sink += fields(r.message);
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
      if (fields) sink += fields(r.message);
    }
    msgs += 50_000;
    elapsed = process.hrtime.bigint() - t0;
  }
  const cu = process.cpuUsage(c0);
  // CPU time of this process: on a shared machine, wall time also counts time spent preempted.
  return { msgs, wall: Number(elapsed) / 1e9, cpu: (cu.user + cu.system) / 1e6, sink };
}

/** run times one case; reports rates against wall-clock time and against this process's CPU time. */
function run(name, fields, seconds) {
  const { msgs, wall, cpu, sink } = measure(fields, seconds);
  const mean = mixBytes / MIX.length;
  const fmt = (rate) => `${Math.round(rate).toLocaleString("en-US").padStart(11)} msgs/s ${((rate * mean) / 1e6).toFixed(1).padStart(6)} MB/s`;
  console.log(`${name.padEnd(26)} wall: ${fmt(msgs / wall)}   cpu: ${fmt(msgs / cpu)}   (${msgs} msgs, ${wall.toFixed(2)} s, sink ${sink % 10})`);
}

/**
 * costs prints what each field group adds to parsing, in CPU ns per message of the mix (groups
 * that apply to some messages only are averaged over all of them). Each group runs in a process
 * of its own, `reps` times, alternating with parse alone: in one process the JIT's work for one
 * group changes the next one's timing, and this machine's speed drifts within minutes.
 */
function costs(seconds, reps) {
  const self = fileURLToPath(import.meta.url);
  const once = (group) => {
    const r = spawnSync(process.execPath, [self, String(seconds), "--group", group], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`--group ${group} failed: ${r.stderr}`);
    return Number(r.stdout.trim());
  };
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const names = [...Object.keys(FIELD_GROUPS), "all"];
  const base = [];
  const added = Object.fromEntries(names.map((n) => [n, []]));
  for (let k = 0; k < reps; k++) {
    for (const n of names) {
      // Paired with a run of parse alone just before it: the difference of the two.
      const b = once("none");
      base.push(b);
      added[n].push(once(n) - b);
    }
  }
  console.log(`parse alone               ${median(base).toFixed(0).padStart(6)} ns/msg   (median of ${base.length} runs, ${Math.min(...base).toFixed(0)}–${Math.max(...base).toFixed(0)})`);
  for (const n of names) {
    console.log(`+ ${n.padEnd(23)} ${median(added[n]).toFixed(0).padStart(6)} ns/msg   (median of ${reps} pairs: ${added[n].map((x) => x.toFixed(0)).join(" ")})`);
  }
}

/**
 * compare times `parseSip` of the build in `dist` (A) against this checkout's (B), reading `group`
 * ("all", "none" or a FIELD_GROUPS name), in one process: rounds of 150,000 messages alternate
 * A and B, and the medians are compared. Separate processes, as costs() runs, differ by ±100 ns
 * per message on this machine (speed drifts, JIT decisions differ from run to run); alternating
 * in one process resolves changes of 20–30 ns, which is what one parser change usually is worth.
 * Both builds share the process's JIT and heap, so a function of one never competes with a
 * differently optimised copy of itself.
 */
async function compare(dist, group, rounds) {
  const other = await import(pathToFileURL(resolve(dist, "sip/index.js")).href);
  // A fresh closure per build: the JIT's type feedback for the field readers stays per build.
  const reader = () => (group === "none" ? () => 0 : group === "all" ? (m) => correlatorFields(m) : (m) => FIELD_GROUPS[group](m));
  const sides = [
    { name: "A", parse: other.parseSip, fields: reader(), ns: [] },
    { name: "B", parse: parseSip, fields: reader(), ns: [] },
  ];
  let sink = 0;
  const round = (side, n) => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) sink += side.fields(side.parse(MIX[i % MIX.length]).message);
    return Number(process.hrtime.bigint() - t0) / n;
  };
  for (let w = 0; w < 3; w++) for (const side of sides) round(side, 200_000);
  for (let k = 0; k < rounds; k++) for (const side of sides) side.ns.push(round(side, 150_000));
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const [a, b] = sides.map((side) => median(side.ns));
  console.log(`A ${dist}: ${a.toFixed(0)} ns/msg (${Math.round(1e9 / a).toLocaleString("en-US")} msgs/s)`);
  console.log(`B this checkout: ${b.toFixed(0)} ns/msg (${Math.round(1e9 / b).toLocaleString("en-US")} msgs/s)`);
  console.log(`B - A: ${(b - a).toFixed(0)} ns/msg (${((100 * (b - a)) / a).toFixed(1)} %), medians of ${rounds} alternating rounds, group ${group} (sink ${sink % 10})`);
}

const args = process.argv.slice(2);
const seconds = Number(args.find((a) => /^\d/.test(a)) ?? 2);
const group = args.includes("--group") ? args[args.indexOf("--group") + 1] : undefined;
if (group !== undefined) {
  // One measurement for costs(): CPU ns per message.
  const fields = group === "none" ? undefined : group === "all" ? correlatorFields : FIELD_GROUPS[group];
  const { msgs, cpu } = measure(fields, seconds);
  console.log(((cpu * 1e9) / msgs).toFixed(1));
} else if (args.includes("--compare")) {
  const at = args.indexOf("--compare");
  const rest = args.slice(at + 1).filter((a) => !/^\d/.test(a));
  await compare(rest[0], rest[1] ?? "all", 15);
} else if (args.includes("--fields")) {
  console.log(`mix: ${MIX.length} messages, mean ${Math.round(mixBytes / MIX.length)} bytes; node ${process.version}; CPU ns per message added to parsing, by field group`);
  costs(seconds, Number(args[args.indexOf("--fields") + 1]) || 3);
} else {
  console.log(`mix: ${MIX.length} messages, mean ${Math.round(mixBytes / MIX.length)} bytes; node ${process.version}`);
  run("parse only", undefined, seconds);
  run("parse + correlator fields", correlatorFields, seconds);
}

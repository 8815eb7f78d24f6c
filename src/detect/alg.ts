/**
 * SIP ALG and message-integrity diagnosis: comparing the same messages seen at two capture points
 * (definitive), single-capture rewriting signatures, Content-Length disagreeing with the body
 * (RFC 3261 §20.14: the ALG's usual footprint, answered with 400), and IP fragmentation of large
 * UDP messages (RFC 3261 §18.1.1).
 */
import { NET_ISSUES } from "../net/issues.js";
import { callIdFilter, finding, type DetectContext } from "./context.js";
import type { Evidence, Finding } from "./model.js";
import type { Fingerprint } from "./observe.js";

const ALG_FIX = [
  "Disable the SIP ALG on the router/firewall between the phone and the server (often called \"SIP ALG\", \"SIP helper\", \"SIP passthrough\", \"SIP fixup/inspection\"; on Linux: unload nf_nat_sip / nf_conntrack_sip or remove the CT helper rule).",
  "Or move SIP to TCP/TLS or a non-standard port, which most ALGs do not touch.",
  "Then capture again on both sides of the router and run: sip401 analyze lan.pcap wan.pcap.",
];

/** Rewrites is what a LAN/WAN comparison found: per field, the message pairs that differ. */
export type Rewrites = Map<string, { before: Fingerprint; after: Fingerprint; values: [string, string] }[]>;

/**
 * compareCaptures lines up the same messages seen at two capture points (same branch, Call-ID,
 * CSeq and kind) and lists every SIP field that differs. A plain NAT changes none of them.
 */
export function compareCaptures(ctx: DetectContext): { rewrites: Rewrites; compared: number } {
  const rewrites: Rewrites = new Map();
  let compared = 0;
  if (ctx.captures.length < 2) return { rewrites, compared };
  for (const list of ctx.observations.fingerprints.values()) {
    if (list.length < 2) continue;
    compared++;
    const [a, b] = list;
    for (const field of new Set([...Object.keys(a.fields), ...Object.keys(b.fields)])) {
      const va = a.fields[field] ?? "";
      const vb = b.fields[field] ?? "";
      if (va === vb) continue;
      let arr = rewrites.get(field);
      if (!arr) rewrites.set(field, (arr = []));
      arr.push({ before: a, after: b, values: [va, vb] });
    }
  }
  return { rewrites, compared };
}

export function detectAlg(ctx: DetectContext, cmp: { rewrites: Rewrites; compared: number }): Finding[] {
  const confirmed = crossCapture(ctx, cmp.rewrites, cmp.compared);
  // A comparison of two capture points settles the question the single-capture hints only raise.
  const hints = confirmed.length > 0 ? [] : singleCapture(ctx);
  return [...confirmed, ...hints, ...contentLength(ctx), ...fragmentation(ctx)];
}

/** crossCapture reports what the comparison of two capture points proves. */
function crossCapture(ctx: DetectContext, changed: Rewrites, compared: number): Finding[] {
  if (changed.size === 0) return [];
  const evidence: Evidence[] = [];
  const lines: string[] = [];
  const callIds = new Set<string>();
  const where = (i: number): string => ctx.captures[i]?.name ?? `capture ${i}`;
  for (const [field, list] of changed) {
    const x = list[0];
    lines.push(`${field}: "${x.values[0]}" → "${x.values[1]}" (${list.length} message${list.length === 1 ? "" : "s"})`);
    for (const y of list.slice(0, 4)) {
      evidence.push({ frame: y.before.frame, capture: y.before.capture, text: `${y.before.label} at ${where(y.before.capture)}: ${field} "${y.values[0]}"` });
      evidence.push({ frame: y.after.frame, capture: y.after.capture, text: `same message at ${where(y.after.capture)}: ${field} "${y.values[1]}"` });
      if (y.before.callId) callIds.add(y.before.callId);
    }
  }
  const authBroken = changed.has("digest uri");
  const bodyBroken = changed.has("body length") && !changed.has("Content-Length");
  const failures = authBroken || bodyBroken;
  return [finding("sip_alg", {
    title: `SIP ALG confirmed: the same messages differ between ${ctx.captures.map((c) => c.name).join(" and ")} (${[...changed.keys()].join(", ")})`,
    subject: {},
    evidence,
    filter: callIdFilter([...callIds]),
    severity: failures ? "error" : "warning",
    explanation:
      `${compared} messages were seen at both capture points; a plain NAT changes only IP and port headers, yet the SIP content differs: ${lines.join("; ")}. ` +
      (authBroken ? "The digest uri was rewritten, so the server verifies the response over another uri and rejects it even when the password is right: the 401s of these requests are caused by the ALG, not by the password. " : "") +
      (bodyBroken ? "The body was rewritten without fixing Content-Length, so the server rejects the message (400). " : "") +
      "A SIP-aware device between the capture points (an ALG) is rewriting SIP.",
    fix: ALG_FIX,
  })];
}

/** singleCapture turns rewriting signatures seen in one capture into one finding per capture. */
function singleCapture(ctx: DetectContext): Finding[] {
  const out: Finding[] = [];
  const byCapture = new Map<number, typeof ctx.observations.alg.samples>();
  for (const s of ctx.observations.alg.samples) {
    const list = byCapture.get(s.capture) ?? [];
    list.push(s);
    byCapture.set(s.capture, list);
  }
  for (const [capture, signals] of byCapture) {
    const kinds = [...new Set(signals.map((s) => s.kind))];
    const first = signals[0];
    out.push(finding("sip_alg", {
      title: `SIP ALG suspected in ${ctx.captures[capture]?.name ?? "the capture"}: ${kinds.map((k) => k.replace(/_/g, " ")).join("; ")}`,
      subject: { client: first.src, server: first.dst },
      evidence: signals.slice(0, 8).map((s) => ({ frame: s.frame, capture: s.capture, text: `${s.label}: ${s.detail}` })),
      filter: callIdFilter([...new Set(signals.map((s) => s.callId ?? ""))].filter((c) => c !== "")),
      explanation:
        "These SIP fields contradict each other in a way no phone or server writes by itself: some addresses were rewritten between the phone and the server while others were left alone. That is the work of a SIP ALG in a router or firewall. " +
        "It is often harmless until it breaks something: SDP, Content-Length or the digest uri. A capture on the other side of the router settles it (sip401 analyze lan.pcap wan.pcap).",
      fix: ALG_FIX,
    }));
  }
  return out;
}

/**
 * contentLength reports messages whose Content-Length disagrees with the body, and 400 responses
 * complaining about it while the message as seen here was consistent (modified after this point).
 */
function contentLength(ctx: DetectContext): Finding[] {
  const out: Finding[] = [];
  const obs = ctx.observations;
  for (const s of obs.contentLength.samples) {
    const bad = obs.badRequests.samples.find((r) => r.capture === s.capture && r.callId === s.callId && r.cseq === s.cseq && r.frame > s.frame);
    const evidence: Evidence[] = [{ frame: s.frame, capture: s.capture, text: `${s.label}: Content-Length ${s.declared}, body ${s.actual} bytes` }];
    if (bad) evidence.push({ frame: bad.frame, capture: bad.capture, text: `400 ${bad.reason}` });
    out.push(finding("content_length_mismatch", {
      title: `${s.label.split(" ")[0]} with Content-Length ${s.declared} but a ${s.actual}-byte body${bad ? ", rejected with 400" : ""}`,
      subject: { client: s.src, server: s.dst, callId: s.callId },
      evidence,
      filter: s.callId ? callIdFilter([s.callId]) : undefined,
      severity: bad ? "error" : "warning",
      explanation:
        `Content-Length says ${s.declared} bytes but ${s.actual} follow (RFC 3261 §20.14). ` +
        (s.hasSdp ? "The body is SDP: a SIP ALG that rewrites SDP addresses (a shorter or longer IP) without fixing Content-Length leaves exactly this footprint. " : "") +
        (bad ? "The server rejected the message with 400, so the call or request fails." : "Strict servers reject such messages with 400."),
      fix: s.hasSdp ? ALG_FIX : ["Find the device that modifies the message between sender and this capture point; the sender must compute Content-Length over the body it sends."],
    }));
  }
  // A 400 that cites the length while every message here was consistent: it changed after this point.
  for (const r of obs.badRequests.samples) {
    if (!/length|content/i.test(r.reason)) continue;
    if (obs.contentLength.samples.some((s) => s.capture === r.capture && s.callId === r.callId)) continue;
    out.push(finding("sip_alg", {
      title: `Server rejected a request with "400 ${r.reason}" although it left here with a correct Content-Length`,
      subject: { client: r.dst, server: r.src, callId: r.callId },
      evidence: [{ frame: r.frame, capture: r.capture, text: `400 ${r.reason} for CSeq ${r.cseq ?? "?"} ${r.method ?? ""}` }],
      filter: r.callId ? callIdFilter([r.callId]) : undefined,
      severity: "error",
      explanation:
        "The request was consistent at this capture point, yet the server complains about its length: it was modified between here and the server. A SIP ALG rewriting the SDP without fixing Content-Length is the usual cause.",
      fix: ALG_FIX,
    }));
  }
  return out;
}

/** fragmentation reports SIP over UDP that needed IP fragmentation (or lost fragments). */
function fragmentation(ctx: DetectContext): Finding[] {
  const obs = ctx.observations;
  const out: Finding[] = [];
  const lost = ctx.captures.flatMap((c, i) => c.issues.filter((x) => x.code === "ip_fragment_incomplete").map((x) => ({ ...x, capture: i })));
  if (obs.fragmented.count > 0 || lost.length > 0) {
    const samples = obs.fragmented.samples;
    const evidence: Evidence[] = samples.slice(0, 6).map((s) => ({ frame: s.frame, capture: s.capture, text: `${s.label}: ${s.bytes} bytes over UDP in ${s.frames.length} IP fragments (frames ${s.frames.join(", ")})` }));
    for (const l of lost) for (const s of l.samples.slice(0, 3)) evidence.push({ frame: s.frame, capture: l.capture, text: s.detail });
    const largest = samples.reduce((m, s) => Math.max(m, s.bytes), 0);
    out.push(finding("ip_fragmentation", {
      title: `${obs.fragmented.count} SIP message${obs.fragmented.count === 1 ? "" : "s"} over UDP ${obs.fragmented.count === 1 ? "was" : "were"} IP-fragmented (largest ${largest} bytes)${lost.length > 0 ? "; fragments were lost" : ""}`,
      subject: samples[0] ? { client: samples[0].src, server: samples[0].dst, callId: samples[0].callId } : {},
      evidence,
      filter: "sip && (ip.flags.mf == 1 || ip.frag_offset > 0 || ipv6.fragment)",
      severity: lost.length > 0 ? "error" : "warning",
      explanation:
        `SIP messages larger than the path MTU were split into IP fragments. RFC 3261 §18.1.1 says requests over 1300 bytes should go over TCP. Firewalls, NATs and some providers drop fragments (${NET_ISSUES.ip_fragment_incomplete.summary}); then the request silently times out — typically INVITEs with large SDP (many codecs, ICE candidates, SRTP keys).` +
        (lost.length > 0 ? " This capture shows fragments that never completed." : " Here every fragment arrived, so it works on this path — but it is fragile."),
      fix: [
        "Use TCP (or TLS) for SIP on this phone/trunk, which has no size problem.",
        "Or shrink the messages: fewer codecs in the offer, no video, fewer ICE candidates, compact headers.",
        "Check that firewalls and NATs on the path pass IP fragments (and reassemble for UDP 5060 if they inspect it).",
      ],
    }));
  }
  return out;
}

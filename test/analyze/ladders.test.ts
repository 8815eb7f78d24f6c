/**
 * LadderRecorder: one flow per Call-ID and capture point, retransmissions flagged by message
 * identity (top Via branch, method or status, CSeq number) within the latest 64 identities.
 */
import { describe, expect, it } from "vitest";
import { flowSteps, LadderRecorder, type FlowLog } from "../../src/analyze/ladders.js";
import type { CapturedMessage } from "../../src/extract/model.js";
import { parseSip } from "../../src/sip/index.js";

/** sip builds a request (method given) or response (status given) of one Call-ID. */
function sip(o: { callId: string; branch: string; seq: number; method?: string; status?: number; uri?: string; reason?: string }): Uint8Array {
  const method = o.method ?? "REGISTER";
  const start = o.status === undefined ? `${method} ${o.uri ?? "sip:example.com"} SIP/2.0` : `SIP/2.0 ${o.status} ${o.reason ?? "Reason"}`;
  const text = [
    start,
    `Via: SIP/2.0/UDP 192.0.2.10:5060;branch=${o.branch}`,
    "From: <sip:alice@example.com>;tag=a1",
    "To: <sip:alice@example.com>",
    `Call-ID: ${o.callId}`,
    `CSeq: ${o.seq} ${method}`,
    "Max-Forwards: 70",
    "Content-Length: 0",
    "",
    "",
  ].join("\r\n");
  return new TextEncoder().encode(text);
}

let frame = 0;
/** captured wraps a message as the extractor hands it over. */
function captured(bytes: Uint8Array, capture = 0): CapturedMessage {
  frame++;
  return {
    frame, frames: [frame], tsNs: 1_700_000_000_000_000_000n + BigInt(frame) * 1_000_000n, relNs: BigInt(frame) * 1_000_000n,
    src: "192.0.2.10", srcPort: 5060, dst: "198.51.100.1", dstPort: 5060, transport: "UDP", ipVersion: 4, capture, bytes,
    message: parseSip(bytes).message, issues: [],
  };
}

const flow = (r: LadderRecorder, callId: string, capture = 0): FlowLog | undefined => r.logs().find((l) => l.callId === callId && l.capture === capture);

describe("LadderRecorder", () => {
  it("labels every step by its own start line, whatever the step before it", () => {
    const r = new LadderRecorder();
    const specs = [
      { method: "REGISTER", uri: "sip:example.com" },
      { status: 401, reason: "Unauthorized" },
      { method: "REGISTER", uri: "sip:example.com" },
      { method: "REGISTER", uri: "sip:other.example.com" },
      { method: "INVITE", uri: "sip:other.example.com" },
      { status: 401, reason: "Unauthorized" },
      { status: 401, reason: "Authentication needed" },
      { status: 407, reason: "Authentication needed" },
      { status: 200, reason: "" },
      { method: "register", uri: "sip:example.com" },
    ];
    specs.forEach((o, i) => r.record(captured(sip({ callId: "labels", branch: `z9hG4bK-l${i}`, seq: i + 1, ...o }))));
    expect(flowSteps(flow(r, "labels") as FlowLog).map((s) => s.label)).toEqual([
      "REGISTER sip:example.com", "401 Unauthorized", "REGISTER sip:example.com", "REGISTER sip:other.example.com",
      "INVITE sip:other.example.com", "401 Unauthorized", "401 Authentication needed", "407 Authentication needed", "200",
      "register sip:example.com",
    ]);
  });

  it("flags a repeated message as a retransmission, a new branch or CSeq not", () => {
    const r = new LadderRecorder();
    const msgs = [
      sip({ callId: "c1", branch: "z9hG4bK1", seq: 1 }),
      sip({ callId: "c1", branch: "z9hG4bK1", seq: 1 }),
      sip({ callId: "c1", branch: "z9hG4bK1", seq: 1, status: 401 }),
      sip({ callId: "c1", branch: "z9hG4bK1", seq: 1, status: 401 }),
      sip({ callId: "c1", branch: "z9hG4bK2", seq: 2 }),
      sip({ callId: "c1", branch: "z9hG4bK2", seq: 3 }),
    ];
    for (const m of msgs) r.record(captured(m));
    const steps = flowSteps(flow(r, "c1") as FlowLog);
    expect(steps.map((s) => s.retransmission)).toEqual([false, true, false, true, false, false]);
    expect(steps.map((s) => s.status)).toEqual([undefined, undefined, 401, 401, undefined, undefined]);
    expect(steps.map((s) => s.label)).toEqual(["REGISTER sip:example.com", "REGISTER sip:example.com", "401 Reason", "401 Reason", "REGISTER sip:example.com", "REGISTER sip:example.com"]);
    // A retransmission is a failure sign: the flow is kept in the sticky pool.
    expect(flow(r, "c1")?.sticky).toBe(true);
  });

  it("remembers the latest 64 identities only", () => {
    const r = new LadderRecorder();
    r.record(captured(sip({ callId: "c2", branch: "z9hG4bKfirst", seq: 1 })));
    for (let i = 0; i < 64; i++) r.record(captured(sip({ callId: "c2", branch: `z9hG4bKn${i}`, seq: 2 + i })));
    // The first identity was pushed out by 64 newer ones: seeing it again is no retransmission,
    // so the flow is not marked failed (sticky).
    r.record(captured(sip({ callId: "c2", branch: "z9hG4bKfirst", seq: 1 })));
    const log = flow(r, "c2") as FlowLog;
    expect(log.sticky).toBe(false);
    expect(log.seen.size).toBe(64);
    // The latest one is still remembered: this one is.
    r.record(captured(sip({ callId: "c2", branch: "z9hG4bKn63", seq: 65 })));
    expect(log.sticky).toBe(true);
    // Steps stop at 40; the rest is counted.
    expect(flowSteps(log)).toHaveLength(40);
    expect(log.omitted).toBe(67 - 40);
  });

  it("keeps the flows of one Call-ID apart per capture point, with their own steps", () => {
    const r = new LadderRecorder();
    const m = sip({ callId: "c3", branch: "z9hG4bK3", seq: 1 });
    r.record(captured(m, 0));
    r.record(captured(m, 1));
    // A Call-ID that looks like another point's key is its own flow.
    r.record(captured(sip({ callId: "1|c3", branch: "z9hG4bK4", seq: 1 }), 0));
    expect(flowSteps(flow(r, "c3", 0) as FlowLog).map((s) => [s.capture, s.retransmission])).toEqual([[0, false]]);
    expect(flowSteps(flow(r, "c3", 1) as FlowLog).map((s) => [s.capture, s.retransmission])).toEqual([[1, false]]);
    expect(flowSteps(flow(r, "1|c3", 0) as FlowLog)).toHaveLength(1);
    expect(r.logs()).toHaveLength(3);
  });

  it("evicts the least recently used flow when full", () => {
    const r = new LadderRecorder(2, 1);
    r.record(captured(sip({ callId: "a", branch: "z9hG4bKa", seq: 1 })));
    r.record(captured(sip({ callId: "b", branch: "z9hG4bKb", seq: 1 })));
    r.record(captured(sip({ callId: "a", branch: "z9hG4bKa2", seq: 2 })));
    r.record(captured(sip({ callId: "c", branch: "z9hG4bKc", seq: 1 })));
    expect(r.logs().map((l) => l.callId).sort()).toEqual(["a", "c"]);
  });
});

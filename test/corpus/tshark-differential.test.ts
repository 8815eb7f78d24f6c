/**
 * Differential test against Wireshark (issue 2): for every capture we have, the (frame, method or
 * status, Call-ID) triples sip401 extracts equal what `tshark -Y sip` shows. Differences with a
 * good reason are listed in EXCEPTIONS with the reason.
 */
import { basename } from "node:path";
import { describe, expect, it } from "vitest";
import { extractMessages } from "../../src/extract/extractor.js";
import { capturesIn, GENERATED, LAB, PUBLIC } from "../helpers/corpus.js";
import { hasTshark, tsharkFields } from "../helpers/tshark.js";

/** Captures whose SIP runs on ports tshark does not know: tell it, as a user would with "Decode As". */
const DECODE_AS: Record<string, string[]> = {
  "heplify__sip_ipv4_tcp_fragmented.pcap": ["-d", "tcp.port==6060,sip"],
  "nonstandard-port.pcap": ["-d", "udp.port==6060,sip", "-d", "tcp.port==6061,sip"],
};

/**
 * Known, justified differences: rows only tshark shows, rows only sip401 shows (as produced by
 * rowsByFrame below), and why.
 */
const EXCEPTIONS: Record<string, { onlyTshark?: string[]; onlySip401?: string[]; why: string }> = {};

type Rows = Map<number, { kinds: string[]; callIds: string[] }>;

function addRow(rows: Rows, frame: number, kind: string, callId: string): void {
  let r = rows.get(frame);
  if (!r) rows.set(frame, (r = { kinds: [], callIds: [] }));
  if (kind) r.kinds.push(kind);
  if (callId) r.callIds.push(callId);
}

function flatten(rows: Rows): string[] {
  return [...rows.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([f, r]) => `${f} ${[...r.kinds].sort().join(",")} ${[...r.callIds].sort().join(",")}`);
}

async function sip401Rows(file: string): Promise<string[]> {
  const rows: Rows = new Map();
  await extractMessages(file, file, (m) => {
    const s = m.message;
    const kind = s?.kind === "request" ? (s.method ?? "") : s?.kind === "response" ? String(s.status) : "";
    addRow(rows, m.frame, kind, s?.callId ?? "");
  });
  return flatten(rows);
}

function tsharkRows(file: string): string[] {
  const rows: Rows = new Map();
  // SIP quoted inside ICMP errors is not a message on the wire: sip401 does not list it.
  const out = tsharkFields(file, "sip && !icmp && !icmpv6", ["frame.number", "sip.Method", "sip.Status-Code", "sip.Call-ID"], DECODE_AS[basename(file)] ?? []);
  for (const [frame, methods = "", statuses = "", callIds = ""] of out) {
    // Frames without a start line (CRLF keep-alives, continuation) carry no message.
    if (!methods && !statuses) continue;
    const f = Number(frame);
    const r = rows.get(f) ?? { kinds: [], callIds: [] };
    rows.set(f, r);
    for (const k of [...methods.split("|"), ...statuses.split("|")]) if (k) r.kinds.push(k);
    for (const c of callIds.split("|")) if (c) r.callIds.push(c);
  }
  return flatten(rows);
}

const files = [...capturesIn(LAB), ...capturesIn(GENERATED), ...capturesIn(PUBLIC)];

describe.skipIf(!hasTshark())("sip401 messages equals tshark -Y sip", () => {
  it("has captures to compare", () => {
    expect(capturesIn(LAB).length).toBeGreaterThanOrEqual(20);
  });
  for (const file of files) {
    it(basename(file), async () => {
      const ours = await sip401Rows(file);
      const theirs = tsharkRows(file);
      const onlyTshark = theirs.filter((r) => !ours.includes(r));
      const onlySip401 = ours.filter((r) => !theirs.includes(r));
      const ex = EXCEPTIONS[basename(file)];
      expect({ onlyTshark, onlySip401 }).toEqual({ onlyTshark: ex?.onlyTshark ?? [], onlySip401: ex?.onlySip401 ?? [] });
      if (!ex) expect(ours.length).toBe(theirs.length);
    });
  }
});

describe("public corpus", () => {
  it.skipIf(capturesIn(PUBLIC).length === 0)("has the 27 public captures", () => {
    expect(capturesIn(PUBLIC).length).toBe(27);
  });
});

/**
 * Differential test against Wireshark (issue 2): for every capture we have, the (frame, method or
 * status, Call-ID) triples sip401 extracts equal what `tshark -Y sip` shows. Differences with a
 * good reason are listed in EXCEPTIONS with the reason.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { extractMessages } from "../../src/extract/extractor.js";
import { capturesIn, GENERATED, LAB, PUBLIC, RECORDED } from "../helpers/corpus.js";
import { hasTshark, tsharkFields } from "../helpers/tshark.js";

/**
 * Extra tshark options per capture, as a user would set them: "Decode As" for SIP on ports tshark
 * does not know, and out-of-order TCP reassembly (off by default in Wireshark 4.0) where the
 * generated fixture tests it. Generated fixtures declare theirs in fixtures/generated/MANIFEST.json.
 */
const TSHARK_ARGS: Record<string, string[]> = {
  "heplify__sip_ipv4_tcp_fragmented.pcap": ["-d", "tcp.port==6060,sip"],
};
const manifestPath = join(GENERATED, "MANIFEST.json");
if (existsSync(manifestPath)) {
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { files: Record<string, { tsharkArgs?: string[] }> };
  for (const [name, f] of Object.entries(manifest.files)) if (f.tsharkArgs) TSHARK_ARGS[name] = f.tsharkArgs;
}

/**
 * Known, justified differences: rows only tshark shows, rows only sip401 shows (as produced by
 * rowsByFrame below), and why.
 */
const EXCEPTIONS: Record<string, { onlyTshark?: string[]; onlySip401?: string[]; why: string }> = {
  "pcap-snaplen-truncated.pcap": {
    why: "frame 3 is cut by the snaplen inside the Authorization header; tshark stops dissecting it before it adds the Call-ID field, sip401 reads every header that was captured (and flags the cut)",
    onlyTshark: ["3 REGISTER "],
    onlySip401: ["3 REGISTER a9f6dfe43346bac167c3@198.51.100.20"],
  },
  "tcp-in-order.pcap": {
    why: "frame 12 carries REGISTER, a CRLF, then OPTIONS; Wireshark 4.0 does not dissect a message that a CRLF precedes, but RFC 3261 §7.5 says CRLFs before a start line are ignored",
    onlyTshark: ["12 REGISTER 5602a2264a8a03a5552a@198.51.100.20"],
    onlySip401: ["12 OPTIONS,REGISTER 5602a2264a8a03a5552a@198.51.100.20,d4ffd0c2f2177191988e@198.51.100.20"],
  },
  "tcp-gap-midstream.pcap": {
    why: "a segment before frame 4 was not captured; Wireshark never resynchronises inside frame 4, so it misses the OPTIONS that follows the broken REGISTER. sip401 skips the hole when the server acknowledges the missing bytes (frame 5) and finds the OPTIONS",
    onlyTshark: ["5 200 5f71f4025fc11bbaea7a@198.51.100.20"],
    onlySip401: ["5 200,OPTIONS 38e40550b1857797f184@198.51.100.20,5f71f4025fc11bbaea7a@198.51.100.20"],
  },
  "hepws__hep.pcap": {
    why: "tshark 4.0 has no HEP dissector (it shows the HEP3 packets on UDP/9060 as data); sip401 decodes HEPv3 and lists the SIP inside. Checked by hand in test/net/hep.test.ts",
    onlySip401: [
      "1 INVITE qgf3dm9rudi@127.0.0.1", "2 100 qgf3dm9rudi@127.0.0.1", "3 407 qgf3dm9rudi@127.0.0.1",
      "4 OPTIONS qgf3dm9rudi@127.0.0.1", "6 200 qgf3dm9rudi@127.0.0.1", "7 PUBLISH qgf3dm9rudi@127.0.0.1",
    ],
  },
  "hep3-udp.pcap": {
    why: "tshark 4.0 has no HEP dissector (the HEP3 packets on UDP/9060 are shown as data); the SIP inside is checked against the generator's manifest in test/extract/generated.test.ts",
    onlySip401: [
      "1 REGISTER ca154104248bf3de04f3@198.51.100.20", "2 401 ca154104248bf3de04f3@198.51.100.20",
      "3 REGISTER ca154104248bf3de04f3@198.51.100.20", "4 200 ca154104248bf3de04f3@198.51.100.20",
    ],
  },
  "hep3-tcp.pcap": {
    why: "tshark 4.0 has no HEP dissector (the HEP3 stream on TCP/9060 is shown as data); the SIP inside is checked against the generator's manifest in test/extract/generated.test.ts",
    onlySip401: [
      "4 REGISTER f5b9e336f237bcf9b0bb@198.51.100.21",
      "6 401,REGISTER f5b9e336f237bcf9b0bb@198.51.100.21,f5b9e336f237bcf9b0bb@198.51.100.21",
      "9 200 f5b9e336f237bcf9b0bb@198.51.100.21",
    ],
  },
  "tls-bad-record-length.pcapng": {
    why: "the record in frame 10 claims 65535 bytes, more than RFC 5246 §6.2.3 allows (2^14 + 2048); Wireshark waits for them and swallows the next record, sip401 skips to the next valid record and decrypts the OPTIONS of frame 12",
    onlySip401: ["12 OPTIONS d2495908d46c923c834d@198.51.100.20"],
  },
  "tls-garbage-between-records.pcapng": {
    why: "frame 10 starts with 37 bytes that are no TLS record; Wireshark shows the whole segment as an ignored unknown record, sip401 scans to the record after the garbage and decrypts the REGISTER",
    onlySip401: ["10 REGISTER 32626348bf60d5ed1e79@198.51.100.20"],
  },
};

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
  const out = tsharkFields(file, "sip && !icmp && !icmpv6", ["frame.number", "sip.Method", "sip.Status-Code", "sip.Call-ID"], TSHARK_ARGS[basename(file)] ?? []);
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

const files = [...capturesIn(LAB), ...capturesIn(RECORDED), ...capturesIn(GENERATED), ...capturesIn(PUBLIC)];

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

/**
 * Issue 3: every message's Call-ID, CSeq and Via branches equal tshark's sip.Call-ID, sip.CSeq
 * and sip.Via.branch (all Via headers), frame by frame, for the frames both list.
 */
async function sip401Fields(file: string): Promise<Map<number, string>> {
  const per = new Map<number, { callIds: string[]; cseqs: string[]; branches: string[] }>();
  await extractMessages(file, file, (m) => {
    const s = m.message;
    if (!s) return;
    let r = per.get(m.frame);
    if (!r) per.set(m.frame, (r = { callIds: [], cseqs: [], branches: [] }));
    if (s.callId !== undefined) r.callIds.push(s.callId);
    if (s.cseq) r.cseqs.push(`${s.cseq.seq} ${s.cseq.method}`);
    for (const v of s.via) if (v.branch !== undefined) r.branches.push(v.branch);
  });
  return new Map([...per].map(([f, r]) => [f, fieldKey(r.callIds, r.cseqs, r.branches)]));
}

function fieldKey(callIds: string[], cseqs: string[], branches: string[]): string {
  const sorted = (xs: string[]): string => [...xs].sort().join(",");
  return `${sorted(callIds)} | ${sorted(cseqs)} | ${sorted(branches)}`;
}

function tsharkFieldsByFrame(file: string): Map<number, string> {
  const out = new Map<number, string>();
  const rows = tsharkFields(file, "sip && !icmp && !icmpv6", ["frame.number", "sip.Call-ID", "sip.CSeq", "sip.Via.branch", "sip.Method", "sip.Status-Code"], TSHARK_ARGS[basename(file)] ?? []);
  for (const [frame, callIds = "", cseqs = "", branches = "", methods = "", statuses = ""] of rows) {
    if (!methods && !statuses) continue;
    const split = (x: string): string[] => (x ? x.split("|") : []);
    out.set(Number(frame), fieldKey(split(callIds), split(cseqs), split(branches)));
  }
  return out;
}

/**
 * Captures where tshark reads no Via branch at all while sip401 does, and why. The Call-IDs and
 * CSeqs must still agree.
 */
const BRANCH_EXCEPTIONS: Record<string, string> = {
  "heplify__sip_ipv6.pcap": "the Via sent-by is an IPv6 address without the brackets RFC 3261 §25.1 requires; tshark stops parsing the Via there, sip401 reads the branch after it",
};

describe.skipIf(!hasTshark())("Call-ID, CSeq and Via branches equal tshark's", () => {
  for (const file of files) {
    const ex = EXCEPTIONS[basename(file)];
    // Frames an exception already explains (tshark cannot decode them, or reads them differently).
    const skip = new Set([...(ex?.onlyTshark ?? []), ...(ex?.onlySip401 ?? [])].map((r) => Number(r.split(" ")[0])));
    it(basename(file), async () => {
      const ours = await sip401Fields(file);
      const theirs = tsharkFieldsByFrame(file);
      const diffs: string[] = [];
      const noBranches = BRANCH_EXCEPTIONS[basename(file)] !== undefined;
      for (const [frame, t] of theirs) {
        if (skip.has(frame) || !ours.has(frame)) continue;
        const mine = noBranches ? (ours.get(frame) ?? "").replace(/\| [^|]*$/, "| ") : ours.get(frame);
        if (noBranches) expect(t.endsWith("| "), "tshark still shows no branch").toBe(true);
        if (mine !== t) diffs.push(`frame ${frame}: sip401 ${ours.get(frame)} / tshark ${t}`);
      }
      expect(diffs).toEqual([]);
    });
  }
});

/**
 * Several files: capture points (LAN and WAN of the same traffic) versus rotated sets (one point
 * cut into files by tcpdump -C/-G), which must be analysed as if they were one file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { analyze } from "../../src/analyze/index.js";
import { NotACaptureError } from "../../src/capture/parser.js";
import { InputFileError } from "../../src/capture/source.js";
import { groupCapturePoints, type Span } from "../../src/analyze/points.js";
import type { Report } from "../../src/report/model.js";
import * as S from "../../src/synth/index.js";
import { labCapture } from "../helpers/corpus.js";

const dir = mkdtempSync(join(tmpdir(), "sip401-points-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** splitPcap cuts a classic little-endian pcap after the given record counts, as tcpdump -C would (each part has the file header). */
function splitPcap(path: string, counts: number[]): Buffer[] {
  const b = readFileSync(path);
  const header = b.subarray(0, 24);
  const parts: Buffer[] = [];
  let pos = 24;
  for (const n of [...counts, Infinity]) {
    const start = pos;
    for (let i = 0; i < n && pos < b.length; i++) pos += 16 + b.readUInt32LE(pos + 8);
    parts.push(Buffer.concat([header, b.subarray(start, pos)]));
    if (pos >= b.length) break;
  }
  return parts;
}

const s = (first: number, last: number): Span => ({ first: BigInt(first), last: BigInt(last) });

/** The parts of a report that must not depend on how the capture was cut into files. */
function story(r: Report): unknown {
  return {
    registrations: r.registrations.map(({ capture, ...g }) => g),
    handshakes: r.handshakes,
    findings: r.findings.map((f) => ({ code: f.code, severity: f.severity, title: f.title, evidence: f.evidence, filter: f.filter })),
    summary: r.summary,
  };
}

describe("groupCapturePoints", () => {
  it("files that follow one another are one point, in time order whatever the argument order", () => {
    // tcpdump -C names sort badly (cap, cap1, cap10, cap2): time decides.
    expect(groupCapturePoints([s(0, 10), s(30, 40), s(10, 20), s(20, 30)])).toEqual([[0, 2, 3, 1]]);
  });

  it("files that overlap in time are separate points, numbered in argument order", () => {
    expect(groupCapturePoints([s(5, 15), s(0, 10)])).toEqual([[0], [1]]);
  });

  it("two rotated sets captured side by side (LAN and WAN) are two points of two files each", () => {
    // lan1 0–10, wan1 0.5–10.5, lan2 10.1–20, wan2 10.6–20.6
    expect(groupCapturePoints([s(0, 100), s(101, 200), s(5, 105), s(106, 206)])).toEqual([[0, 1], [2, 3]]);
  });

  it("files without frames or unreadable stay points of their own", () => {
    expect(groupCapturePoints([s(0, 10), undefined, s(10, 20)])).toEqual([[0, 2], [1]]);
  });
});

describe("analyze with a rotated set", () => {
  it("a registration cut across three files is diagnosed as from the whole file, frames numbered across the set", async () => {
    const whole = labCapture("bad_password_udp");
    const parts = splitPcap(whole, [3, 2]);
    expect(parts).toHaveLength(3);
    const names = parts.map((_, i) => join(dir, `cap.pcap${i === 0 ? "" : i}`));
    parts.forEach((p, i) => writeFileSync(names[i], i === 1 ? gzipSync(p) : p));
    const one = await analyze([{ input: whole, name: "whole" }]);
    // Given out of order, one of them gzip-compressed.
    const set = await analyze([2, 0, 1].map((i) => ({ input: names[i], name: names[i] })));
    expect(set.captures).toHaveLength(1);
    expect(set.captures[0].frames).toBe(one.captures[0].frames);
    expect(set.captures[0].name).toBe(names.join(" + "));
    expect(set.captures[0].files?.map((f) => [f.name, f.firstFrame, f.frames])).toEqual([[names[0], 1, 3], [names[1], 4, 2], [names[2], 6, 3]]);
    expect(story(set)).toEqual(story(one));
    expect(set.registrations[0]).toMatchObject({ outcome: "failed", attempts: 4 });
  });

  it("a SIP message over TCP cut by the rotation is read whole, wherever the cut falls", async () => {
    // alice registers over TCP; every message is sent in two segments (split inside its headers),
    // so most cuts between frames fall inside a message.
    const agent = { user: "alice", domain: "example.test", ip: "198.51.100.20", port: 40512, transport: "TCP" as const };
    const registrar = { ip: "203.0.113.10", port: 5060 };
    const flow = S.registrationFlow({ agent, registrar, ids: new S.SipIds(7), password: "Al1ce-Secret" });
    const segs = S.tcpConversation({
      client: agent, server: registrar, close: "none",
      writes: flow.map((m) => ({ from: m.from === "client" ? "client" : "server", data: m.text, segmentSizes: [120] })),
    });
    const w = new S.PcapWriter({ linkType: S.LINKTYPE.RAW });
    let ts = 1_800_000_000_000_000_000n;
    for (const seg of segs) w.writePacket((ts += 1_000_000n), S.tcpPacket(seg));
    const whole = join(dir, "tcp-whole.pcap");
    writeFileSync(whole, w.toBytes());
    const one = await analyze([{ input: whole, name: "whole" }]);
    expect(one.summary.sipMessages).toBe(4);
    expect(one.registrations[0]).toMatchObject({ outcome: "registered", attempts: 2 });
    for (let cut = 1; cut < segs.length; cut++) {
      const names = splitPcap(whole, [cut]).map((p, i) => {
        const name = join(dir, `tcp-cut${cut}.pcap${i === 0 ? "" : i}`);
        writeFileSync(name, p);
        return name;
      });
      const set = await analyze(names.map((n) => ({ input: n, name: n })));
      expect(set.captures, `cut after frame ${cut}`).toHaveLength(1);
      expect(story(set), `cut after frame ${cut}`).toEqual(story(one));
      expect(set.captures[0].issues, `cut after frame ${cut}`).toEqual(one.captures[0].issues);
    }
  });

  it("overlapping captures stay two capture points (the LAN/WAN comparison is unchanged)", async () => {
    const r = await analyze([
      { input: labCapture("alg_kernel_lan"), name: "lan" },
      { input: labCapture("alg_kernel_wan"), name: "wan" },
    ]);
    expect(r.captures.map((c) => [c.index, c.name, c.files])).toEqual([[0, "lan", undefined], [1, "wan", undefined]]);
  });
});

describe("analyze with a file of the set that cannot be read", () => {
  it("fails before analysing, with InputFileError naming that file and the cause", async () => {
    const text = join(dir, "notes.txt");
    writeFileSync(text, "not a capture\n");
    for (const [bad, cause] of [
      [join(dir, "missing.pcap"), (e: unknown) => (e as NodeJS.ErrnoException).code === "ENOENT"],
      [text, (e: unknown) => e instanceof NotACaptureError],
    ] as const) {
      for (const order of [[labCapture("ok_register_udp"), bad], [bad, labCapture("ok_register_udp")]]) {
        const err = await analyze(order.map((p) => ({ input: p, name: p }))).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(InputFileError);
        expect((err as InputFileError).file).toBe(bad);
        expect(cause((err as InputFileError).cause)).toBe(true);
      }
    }
  });

  it("a single file's errors stay as readCapture throws them (library callers test for NotACaptureError)", async () => {
    const text = join(dir, "alone.txt");
    writeFileSync(text, "not a capture either\n");
    await expect(analyze([{ input: text, name: text }])).rejects.toBeInstanceOf(NotACaptureError);
  });

  it("a truncated file of the set is analysed up to the damage, not refused", async () => {
    const whole = readFileSync(labCapture("bad_password_udp"));
    const cut = join(dir, "cut.pcap");
    writeFileSync(cut, whole.subarray(0, whole.length - 40));
    const r = await analyze([labCapture("ok_register_udp"), cut].map((p) => ({ input: p, name: p })));
    expect(r.captures.some((c) => c.damage !== undefined)).toBe(true);
  });
});

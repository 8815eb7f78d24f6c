/**
 * Extraction against the generated fixtures: every SIP message the MANIFEST says a file holds is
 * found with its frame (Wireshark numbering), the frames that carried it, addresses, transport,
 * Call-ID and CSeq — and nothing else is found.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { extractMessages } from "../../src/extract/extractor.js";
import type { CapturedMessage, ExtractSummary } from "../../src/extract/model.js";
import { formatEndpoint } from "../../src/net/addr.js";
import { GENERATED } from "../helpers/corpus.js";
import { manifest, type ManifestMessage } from "../helpers/manifest.js";

/** Frames shift by the custom blocks Wireshark lists as frames (see test/capture/reader.test.ts). */
function wiresharkFrame(name: string, frame: number): number {
  if (name !== "pcapng-unknown-blocks.pcapng") return frame;
  // Custom blocks follow packet 1 and packet 3.
  return frame + (frame > 1 ? 1 : 0) + (frame > 3 ? 1 : 0);
}

/**
 * Where the manifest marks a message `resync` (it follows bytes the capture never shows), its frame
 * is the earliest possible; sip401 declares the hole when the receiver acknowledges the missing
 * bytes, so it may complete the message in a later frame.
 */
function shape(name: string, m: ManifestMessage, ours?: CapturedMessage): Record<string, unknown> {
  return {
    kind: m.method ?? m.status,
    callId: m.callId,
    cseq: m.cseq,
    src: m.src,
    dst: m.dst,
    transport: m.transport,
    frame: m.resync && ours && ours.frame >= m.frame ? ours.frame : wiresharkFrame(name, m.frame),
    frames: m.resync && ours ? ours.frames : m.frames.map((f) => wiresharkFrame(name, f)),
  };
}

function ourShape(m: CapturedMessage): Record<string, unknown> {
  const s = m.message;
  return {
    kind: s?.kind === "request" ? s.method : s?.status,
    callId: s?.callId,
    cseq: s?.cseq ? `${s.cseq.seq} ${s.cseq.method}` : undefined,
    src: formatEndpoint(m.src, m.srcPort),
    dst: formatEndpoint(m.dst, m.dstPort),
    transport: m.transport,
    frame: m.frame,
    frames: m.frames,
  };
}

describe("extraction vs generated manifest", () => {
  for (const [name, f] of Object.entries(manifest.files)) {
    if (name.endsWith(".txt") || !f.sip) continue;
    it(name, async () => {
      const all: CapturedMessage[] = [];
      const summary: ExtractSummary = await extractMessages(join(GENERATED, name), name, (m) => all.push(m));
      // A message cut by the snaplen is still listed (it is evidence, as in tshark), flagged as
      // truncated; the manifest keeps such messages apart under notExtracted.
      const cut = all.filter((m) => m.truncated);
      expect(cut.map((m) => m.frame)).toEqual((f.notExtracted ?? []).filter((n) => n.reason === "snaplen").flatMap((n) => n.frames));
      const ours = all.filter((m) => !m.truncated);
      const expected = f.sip ?? [];
      expect(ours.length, "message count").toBe(expected.length);
      const sorted = [...ours].sort((a, b) => a.frame - b.frame);
      expected.forEach((m, i) => expect(ourShape(sorted[i]), `message ${i + 1}`).toEqual(shape(name, m, sorted[i])));
      for (const code of f.expectedIssues ?? []) expect(summary.issues.map((x) => x.code)).toContain(code);
    });
  }
});

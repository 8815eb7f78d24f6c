/**
 * The capture reader against the generated fixtures (whose MANIFEST says, by construction, how
 * many frames, which link types, which timestamps and what damage each file has), plus chunking
 * independence, gzip, stdin-like streams and the not-a-capture error.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CaptureParser, NotACaptureError, readCapture, type Frame } from "../../src/capture/index.js";
import { GENERATED, LAB, REPO } from "../helpers/corpus.js";
import { manifest } from "../helpers/manifest.js";

interface Seen {
  index: number;
  tsNs: bigint;
  linkType: number;
  len: number;
}

async function framesOf(input: string | AsyncIterable<Uint8Array>): Promise<{ frames: Seen[]; result: Awaited<ReturnType<typeof readCapture>> }> {
  const frames: Seen[] = [];
  const result = await readCapture(input, (f: Frame) => frames.push({ index: f.index, tsNs: f.tsNs, linkType: f.linkType, len: f.data.length }));
  return { frames, result };
}

async function* chunked(bytes: Uint8Array, sizes: number[]): AsyncIterable<Uint8Array> {
  let off = 0;
  let i = 0;
  while (off < bytes.length) {
    const n = Math.max(1, sizes[i++ % sizes.length]);
    yield bytes.subarray(off, off + n);
    off += n;
  }
}

const captureFiles = Object.entries(manifest.files).filter(([name, f]) => !name.endsWith(".txt") && f.frames !== undefined);

/**
 * The manifest counts packet records only; sip401 numbers frames as Wireshark does, which also
 * lists pcapng custom blocks as frames (checked against tshark in the differential test).
 */
const CUSTOM_BLOCK_FRAMES: Record<string, number> = { "pcapng-unknown-blocks.pcapng": 2 };

describe("reader vs generated manifest", () => {
  for (const [name, f] of captureFiles) {
    it(name, async () => {
      const { frames: all, result } = await framesOf(join(GENERATED, name));
      const extra = CUSTOM_BLOCK_FRAMES[name] ?? 0;
      expect(result.frames).toBe((f.frames ?? 0) + extra);
      expect(all.map((x) => x.index)).toEqual(Array.from({ length: result.frames }, (_, i) => i + 1));
      const frames = all.filter((x) => x.linkType >= 0);
      expect(frames.length).toBe(f.frames);
      if (f.linkTypes && frames.length > 0) expect(result.linkTypes).toEqual([...f.linkTypes].sort((a, b) => a - b));
      if (f.gzip !== undefined) expect(result.gzip).toBe(f.gzip);
      f.timestampsNs?.forEach((ts, i) => {
        if (ts !== null) expect(frames[i].tsNs, `frame ${i + 1} timestamp`).toBe(BigInt(ts));
      });
      if (f.damage) {
        expect(result.damage).toMatchObject({ kind: f.damage.kind, afterFrame: f.damage.afterFrame, byteOffset: f.damage.byteOffset });
      } else {
        expect(result.damage).toBeUndefined();
      }
    });
  }
});

describe("reader", () => {
  it("gives the same frames whatever the chunking (property)", async () => {
    const bytes = readFileSync(join(GENERATED, "pcapng-two-interfaces.pcapng"));
    const whole = (await framesOf(join(GENERATED, "pcapng-two-interfaces.pcapng"))).frames;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 20 }), async (sizes) => {
        const { frames } = await framesOf(chunked(bytes, sizes));
        expect(frames).toEqual(whole);
      }),
      { numRuns: 60 },
    );
  });

  it("reads a gzip stream from a non-file source (stdin) the same as the file", async () => {
    const raw = readFileSync(join(LAB, "ok_register_tcp.pcap"));
    const direct = await framesOf(join(LAB, "ok_register_tcp.pcap"));
    const gz = await framesOf(chunked(gzipSync(raw), [17, 100, 3]));
    expect(gz.frames).toEqual(direct.frames);
    expect(gz.result.gzip).toBe(true);
  });

  it("says where a cut gzip stream stopped, after delivering what it could", async () => {
    const gz = gzipSync(readFileSync(join(LAB, "scanner.pcap")));
    const { frames, result } = await framesOf(chunked(gz.subarray(0, Math.floor(gz.length / 2)), [4096]));
    expect(frames.length).toBeGreaterThan(10);
    expect(result.damage?.kind).toBe("truncated");
    expect(result.damage?.afterFrame).toBe(frames.length);
  });

  it("rejects a text file with NotACaptureError naming its first bytes", async () => {
    await expect(readCapture(join(GENERATED, "not-a-capture.txt"), () => {})).rejects.toThrow(NotACaptureError);
    await expect(readCapture(join(GENERATED, "not-a-capture.txt"), () => {})).rejects.toThrow(/not a pcap or pcapng capture \(starts with [0-9a-f ]+/);
  });

  it("rejects an empty input", async () => {
    await expect(readCapture(chunked(new Uint8Array(0), [1]), () => {})).rejects.toThrow(/empty file/);
  });

  it("a gzip stream cut before any content is named as such, not as an empty file", async () => {
    const gz = gzipSync(readFileSync(join(LAB, "ok_register_udp.pcap")));
    for (const cut of [2, 10, 14]) {
      await expect(readCapture(chunked(gz.subarray(0, cut), [cut]), () => {}), `${cut} bytes`).rejects.toThrow(
        "not a pcap or pcapng capture (gzip stream damaged (unexpected end of file) before any content)",
      );
    }
  });

  it("stops at a record claiming more than the limit, as corruption, keeping earlier frames", () => {
    const bytes = new Uint8Array(readFileSync(join(LAB, "ok_register_udp.pcap")));
    // Second record header: captured length field set to 0x7fffffff.
    const firstLen = new DataView(bytes.buffer).getUint32(24 + 8, true);
    const second = 24 + 16 + firstLen;
    new DataView(bytes.buffer).setUint32(second + 8, 0x7fffffff, true);
    const frames: number[] = [];
    const p = new CaptureParser((f) => frames.push(f.index));
    p.push(bytes);
    p.end();
    expect(frames).toEqual([1]);
    expect(p.damage).toMatchObject({ kind: "corrupt", afterFrame: 1, byteOffset: second });
  });

  it("never throws on arbitrary bytes after a valid header (property)", () => {
    const header = readFileSync(join(LAB, "ok_register_udp.pcap")).subarray(0, 24);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.boolean(), (junk, ng) => {
        const p = new CaptureParser(() => {});
        if (ng) {
          // A pcapng section header followed by junk blocks.
          const shb = new Uint8Array([0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255, 28, 0, 0, 0]);
          p.push(shb);
        } else {
          p.push(header);
        }
        p.push(junk);
        p.end();
        expect(p.bytes).toBeLessThanOrEqual(junk.length + 28);
      }),
      { numRuns: 300 },
    );
  });
});

describe("reader closes its file on every way out", () => {
  it("not a capture, damage, a consumer that throws: no file left for the garbage collector (DEP0137 on stderr)", () => {
    // In a child with a collector we can run: a file handle left open is closed by it, with a
    // warning that would be a second line under the CLI's one-line error.
    const script = `
      const { readCapture } = await import(${JSON.stringify(`${REPO}/dist/capture/source.js`)});
      const warnings = [];
      process.on("warning", (w) => warnings.push(w.code ?? w.name));
      const outcomes = [];
      const read = async (file, onFrame) => {
        try {
          const r = await readCapture(file, onFrame);
          outcomes.push(r.damage ? "damage" : "ok");
        } catch (e) {
          outcomes.push(e.name);
        }
      };
      await read(${JSON.stringify(join(GENERATED, "not-a-capture.txt"))}, () => {});
      await read(${JSON.stringify(join(GENERATED, "truncated.pcap"))}, () => {});
      await read(${JSON.stringify(join(LAB, "bad_password_udp.pcap"))}, () => { throw new TypeError("consumer failed"); });
      for (let i = 0; i < 5; i++) {
        globalThis.gc();
        await new Promise((r) => setTimeout(r, 20));
      }
      console.log(JSON.stringify({ outcomes, warnings }));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", script], { encoding: "utf8" }));
    expect(out.outcomes).toEqual(["NotACaptureError", "damage", "TypeError"]);
    expect(out.warnings).toEqual([]);
  });
});

/**
 * Discovery: which files of a tree are scanned, in which order, with which globs.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { discover, hasCaptureName, looksLikeCapture } from "../../src/batch/discover.js";
import { shardOf } from "../../src/batch/shard.js";
import { makeArchive } from "./tree.js";

const archive = makeArchive();
afterAll(() => rmSync(archive.root, { recursive: true, force: true }));
const rels = (files: { path: string }[]): string[] => files.map((f) => f.path.slice(archive.root.length + 1));

describe("discover", () => {
  it("walks nested folders, finds captures by name and by magic, sorted by path", async () => {
    const d = await discover([archive.root]);
    expect(rels(d.files)).toEqual(archive.rows);
    expect(d.skipped).toBe(archive.skipped.length);
    expect(d.missing).toEqual([]);
    expect(d.files.find((f) => f.rel === "lab/scanner.pcap")?.size).toBeGreaterThan(60_000);
  });

  it("rel is relative to the root it was found under; a file root is its own name", async () => {
    const d = await discover([join(archive.root, "lab"), join(archive.root, "bad/notes.pcap")]);
    expect(d.files.map((f) => f.rel)).toEqual(["notes.pcap", "bad_password_udp.pcap", "nested/deeper/ok_register_tcp.pcap", "nested/unknown_user.pcap.gz", "scanner.pcap"]);
  });

  it("a file reached twice is listed once; missing roots are reported", async () => {
    const d = await discover([archive.root, join(archive.root, "lab/scanner.pcap"), join(archive.root, "nope")]);
    expect(rels(d.files)).toEqual(archive.rows);
    expect(d.missing).toEqual([join(archive.root, "nope")]);
  });

  it("with a shard, keeps exactly that shard's part of the same list (bad files included)", async () => {
    const whole = await discover([archive.root, join(archive.root, "lab/scanner.pcap")]);
    const parts = await Promise.all([0, 1, 2].map((index) => discover([archive.root, join(archive.root, "lab/scanner.pcap")], { shard: { index, count: 3 } })));
    for (const [index, part] of parts.entries()) for (const f of part.files) expect(shardOf(f.rel, 3), f.rel).toBe(index);
    expect(parts.flatMap((p) => p.files).sort((a, b) => (a.path < b.path ? -1 : 1))).toEqual(whole.files);
    expect(parts.reduce((n, p) => n + p.skipped, 0)).toBe(whole.skipped);
  });

  it("a file named on the command line and also reached by the walk stays reported even when it is not a capture", async () => {
    const d = await discover([join(archive.root, "generated"), join(archive.root, "generated/rotated/messages.log.gz")]);
    expect(d.files.map((f) => f.rel)).toContain("rotated/messages.log.gz");
  });

  // A FIFO named on the command line was read, and the read waited for a writer forever; in a
  // tree, FIFOs, sockets and devices were already passed over.
  const hasMkfifo = spawnSync("mkfifo", ["--version"]).status === 0;
  it.skipIf(!hasMkfifo)("a FIFO or a device named on the command line is an error row, never opened (skipped without mkfifo)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sip401-fifo-"));
    try {
      const fifo = join(dir, "live.pcap");
      expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
      const d = await discover([fifo, "/dev/null", dir]);
      // The FIFO, also met by the walk of its folder, is listed once.
      expect(new Map(d.files.map((f) => [f.rel, f.error]))).toEqual(
        new Map([
          ["live.pcap", { code: "not_a_capture", message: "a named pipe (FIFO), not a capture file (sip401 analyze reads a pipe)" }],
          ["null", { code: "not_a_capture", message: "a device, not a capture file (sip401 analyze reads a pipe)" }],
        ]),
      );
      expect(d.files).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--include keeps matching files; --exclude drops files and whole folders", async () => {
    const gz = await discover([archive.root], { include: ["*.gz"] });
    expect(rels(gz.files)).toEqual(["lab/nested/unknown_user.pcap.gz"]);
    const noBad = await discover([archive.root], { exclude: ["bad", "*.cap"] });
    expect(rels(noBad.files)).toEqual(archive.rows.filter((r) => !r.startsWith("bad/") && !r.endsWith(".cap")));
    const deep = await discover([archive.root], { include: ["lab/**/*.pcap"] });
    expect(rels(deep.files)).toEqual(["lab/bad_password_udp.pcap", "lab/nested/deeper/ok_register_tcp.pcap", "lab/scanner.pcap"]);
  });

  it("capture names and magics", () => {
    expect(["a.pcap", "a.PCAPNG", "a.cap.gz", "x.dmp", "b.pcapng.gz"].every(hasCaptureName)).toBe(true);
    expect([".pcap", "a.pcap1", "a.gz", "notes.txt"].some(hasCaptureName)).toBe(false);
    expect(looksLikeCapture(Buffer.from([0xd4, 0xc3, 0xb2, 0xa1, 2, 0]))).toBe(true);
    expect(looksLikeCapture(Buffer.from([0x0a, 0x0d, 0x0d, 0x0a]))).toBe(true);
    expect(looksLikeCapture(gzipSync(Buffer.from([0x0a, 0x0d, 0x0d, 0x0a, 1, 2, 3, 4])))).toBe(true);
    expect(looksLikeCapture(gzipSync("plain text log line\n"))).toBe(false);
    expect(looksLikeCapture(Buffer.from("hello"))).toBe(false);
    expect(looksLikeCapture(new Uint8Array(0))).toBe(false);
  });
});

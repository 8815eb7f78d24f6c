/**
 * Cross-checks the generated fixtures with Wireshark's command-line tools, an implementation
 * independent of both the synth writer and the sip401 pipeline: every file must open with the
 * frame count the manifest states (capinfos), every IPv4/UDP/TCP checksum must verify, and
 * tshark's SIP dissection must list the manifest's messages in the manifest's frames — except
 * where the manifest records a known, explained difference (`tsharkDiff`). Skipped when
 * tshark/capinfos are not installed.
 */

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as S from "../../src/synth/index.js";
import { GENERATED, hasTool, loadManifest, type ManifestFile } from "./helpers.js";

const available = hasTool("tshark") && hasTool("capinfos");
const manifest = loadManifest();

function run(cmd: string, args: string[]): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 << 20 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** `frame:method|status` keys and Call-IDs per frame, as tshark dissects the file. */
function tsharkSip(path: string, extraArgs: string[]): { keys: string[]; callIds: Map<number, Set<string>> } {
  const r = run("tshark", [
    "-r", path, ...extraArgs, "-Y", "sip", "-T", "fields",
    "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=,",
    "-e", "frame.number", "-e", "sip.Method", "-e", "sip.Status-Code", "-e", "sip.Call-ID",
  ]);
  const keys: string[] = [];
  const callIds = new Map<number, Set<string>>();
  for (const line of r.stdout.split("\n")) {
    if (line.trim() === "") continue;
    const [frame, methods, statuses, ids] = line.split("\t");
    const kinds = [...methods.split(","), ...statuses.split(",")].filter((k) => k !== "");
    // Frames that tshark calls SIP without a start line (CRLF keep-alives, continuations)
    // carry no message.
    if (kinds.length === 0) continue;
    for (const k of kinds) keys.push(`${frame}:${k}`);
    callIds.set(Number(frame), new Set(ids.split(",")));
  }
  return { keys: keys.sort(), callIds };
}

function expectedKeys(f: ManifestFile): string[] {
  const drop = new Set(f.tsharkDiff?.onlyInManifest ?? []);
  const keys = f.sip.map((m) => `${m.frame}:${m.method ?? m.status}`).filter((k) => !drop.has(k));
  return [...keys, ...(f.tsharkDiff?.onlyInTshark ?? [])].sort();
}

describe.skipIf(!available)("generated fixtures vs tshark", () => {
  for (const [name, f] of Object.entries(manifest.files)) {
    const path = join(GENERATED, name);
    if (f.format === null) {
      it(`${name}: capinfos refuses it`, () => {
        expect(run("capinfos", ["-c", path]).status).not.toBe(0);
      });
      continue;
    }
    it(`${name}: capinfos counts ${f.frames} frames`, () => {
      const r = run("capinfos", ["-c", "-M", path]);
      const m = /Number of packets:\s+(\d+)/.exec(r.stdout);
      expect(m?.[1]).toBe(String(f.frames));
      // capinfos fails (and says "cut short") exactly for the damaged files.
      expect(r.status !== 0).toBe(f.damage !== undefined);
    });
    it(`${name}: every IPv4/UDP/TCP checksum verifies`, () => {
      const r = run("tshark", [
        "-r", path,
        "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
        "-Y", "ip.checksum.status==0 || udp.checksum.status==0 || tcp.checksum.status==0",
      ]);
      expect(r.stdout.trim()).toBe("");
    });
    it(`${name}: tshark reads the manifest's timestamps`, () => {
      const r = run("tshark", ["-r", path, "-T", "fields", "-e", "frame.protocols", "-e", "frame.time_epoch"]);
      const times = r.stdout
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => l.split("\t"))
        // Wireshark 4.0 shows pcapng Custom Blocks as timeless "data" frames; not packets.
        .filter(([protocols]) => protocols !== "data")
        .map(([, t]) => {
          if (t === "") return null;
          const [sec, frac] = t.split(".");
          return (BigInt(sec) * 1_000_000_000n + BigInt(frac.padEnd(9, "0"))).toString();
        });
      expect(times).toEqual(f.timestampsNs);
    });
    it(`${name}: tshark finds the manifest's SIP messages`, () => {
      const got = tsharkSip(path, f.tsharkArgs ?? []);
      expect(got.keys).toEqual(expectedKeys(f));
      const skip = new Set(f.tsharkDiff?.onlyInManifest ?? []);
      for (const m of f.sip) {
        if (skip.has(`${m.frame}:${m.method ?? m.status}`)) continue;
        expect(got.callIds.get(m.frame)?.has(m.callId), `${name} frame ${m.frame} Call-ID`).toBe(true);
      }
    });
  }

  it("the checksum filter used above does flag a corrupt packet", () => {
    const dir = mkdtempSync(join(tmpdir(), "synth-bad-"));
    try {
      const w = new S.PcapWriter({ linkType: S.LINKTYPE.RAW });
      const src = { ip: "192.0.2.1", port: 5060 };
      const dst = { ip: "192.0.2.2", port: 5060 };
      w.writePacket(0n, S.udpPacket({ src, dst, payload: S.toBytes("x"), checksum: 0x1234 }));
      w.writePacket(1n, S.ipv4Packet({ src: src.ip, dst: dst.ip, protocol: 17, payload: new Uint8Array(8), checksum: 1 }));
      const file = join(dir, "bad.pcap");
      writeFileSync(file, w.toBytes());
      const r = run("tshark", [
        "-r", file,
        "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
        "-Y", "ip.checksum.status==0 || udp.checksum.status==0", "-T", "fields", "-e", "frame.number",
      ]);
      expect(r.stdout.trim().split("\n")).toEqual(["1", "2"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

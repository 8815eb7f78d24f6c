/**
 * Structural checks of every generated fixture with the independent walker in helpers.ts
 * (no tshark needed): frame counts, damage, timestamps and link types agree with the
 * manifest; pcapng blocks are well-formed; every fully captured IPv4 header, UDP datagram and
 * TCP segment has a valid checksum; the manifest is self-consistent; and the digest
 * responses in the fixtures verify against the manifest's credentials.
 */

import { createHash } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GENERATED, ipOffset, loadManifest, readCapture, walkFrames, type WalkedFrame } from "./helpers.js";

const manifest = loadManifest();
const md5Hex = (s: string): string => createHash("md5").update(s).digest("hex");
const captures = Object.entries(manifest.files).filter(([, f]) => f.format !== null);

/** RFC 1071 sum over the concatenation, folded; a valid checksum makes it 0xffff. */
function sum16(...parts: Uint8Array[]): number {
  const all = Buffer.concat(parts);
  let s = 0;
  for (let i = 0; i < all.length; i += 2) s += (all[i] << 8) | (all[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

interface Transport {
  proto: number;
  src: Uint8Array;
  dst: Uint8Array;
  segment: Uint8Array;
  ipv4Header?: Uint8Array;
  fragment: boolean;
}

/** Finds the transport segment of a frame (walking IPv6 extension headers). */
function transportOf(f: WalkedFrame): Transport | null {
  const off = ipOffset(f.linkType, f.data);
  if (off === null) return null;
  const ip = f.data.subarray(off);
  if (ip[0] >> 4 === 4) {
    const ihl = (ip[0] & 15) * 4;
    const total = (ip[2] << 8) | ip[3];
    const fragment = (((ip[6] << 8) | ip[7]) & 0x3fff) !== 0;
    return { proto: ip[9], src: ip.subarray(12, 16), dst: ip.subarray(16, 20), segment: ip.subarray(ihl, total), ipv4Header: ip.subarray(0, ihl), fragment };
  }
  let next = ip[6];
  let at = 40;
  let fragment = false;
  while (next === 0 || next === 43 || next === 60 || next === 44) {
    if (next === 44) fragment = true;
    const len = next === 44 ? 8 : (ip[at + 1] + 1) * 8;
    next = ip[at];
    at += len;
  }
  return { proto: next, src: ip.subarray(8, 24), dst: ip.subarray(24, 40), segment: ip.subarray(at, 40 + ((ip[4] << 8) | ip[5])), fragment };
}

function pseudo(t: Transport): Uint8Array {
  const len = t.segment.length;
  if (t.src.length === 4) return Uint8Array.from([...t.src, ...t.dst, 0, t.proto, len >> 8, len & 255]);
  return Uint8Array.from([...t.src, ...t.dst, 0, 0, len >> 8, len & 255, 0, 0, 0, t.proto]);
}

describe.each(captures)("%s", (name, f) => {
  const walked = walkFrames(readCapture(join(GENERATED, name)));

  it("frame count, damage, timestamps and link types match the manifest", () => {
    expect(walked.frames.length).toBe(f.frames);
    expect(walked.truncated).toBe(f.damage !== undefined);
    expect(walked.frames.map((x) => (x.tsNs === null ? null : x.tsNs.toString()))).toEqual(f.timestampsNs);
    expect([...new Set(walked.frames.map((x) => x.linkType))].sort((a, b) => a - b)).toEqual(f.linkTypes);
  });

  it("pcapng blocks are well-formed", () => {
    for (const b of walked.blocks) {
      expect(b.length % 4, `block at ${b.offset}`).toBe(0);
      expect(b.length).toBeGreaterThanOrEqual(12);
      expect(b.trailerOk, `block at ${b.offset}`).toBe(true);
    }
  });

  it("IPv4 header, UDP and TCP checksums are valid", () => {
    for (const frame of walked.frames) {
      if (frame.data.length < frame.origLen) continue; // snaplen-cut: checksums cover missing bytes
      const t = transportOf(frame);
      if (!t) continue;
      if (t.ipv4Header) expect(sum16(t.ipv4Header)).toBe(0xffff);
      if (t.fragment || (t.proto !== 6 && t.proto !== 17)) continue;
      expect(sum16(pseudo(t), t.segment)).toBe(0xffff);
    }
  });

  it("the manifest is self-consistent", () => {
    for (const m of f.sip) {
      expect(m.frames.length).toBeGreaterThan(0);
      expect(m.frames[m.frames.length - 1]).toBe(m.frame);
      expect([...m.frames].sort((a, b) => a - b)).toEqual(m.frames);
      expect(m.frame).toBeLessThanOrEqual(f.frames);
      expect("method" in m !== "status" in m).toBe(true);
    }
    if (f.damage) expect(f.damage.afterFrame).toBe(f.frames);
  });
});

describe("credentials in the fixtures", () => {
  it("every Authorization in an unfragmented UDP message verifies with the manifest password", () => {
    let checked = 0;
    const passwords = new Map(manifest.credentials.map((c) => [`${c.username}@${c.realm}`, c.password]));
    for (const [name] of captures) {
      for (const frame of walkFrames(readCapture(join(GENERATED, name))).frames) {
        if (frame.data.length < frame.origLen) continue;
        const t = transportOf(frame);
        if (!t || t.proto !== 17 || t.fragment) continue;
        const text = Buffer.from(t.segment.subarray(8)).toString("utf8");
        const auth = /^(?:Proxy-)?Authorization: Digest (.*)$/m.exec(text)?.[1];
        if (!auth) continue;
        const p = Object.fromEntries([...auth.matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]+))/g)].map((x) => [x[1], x[2] ?? x[3]]));
        // Only SIP sent as UDP payload: tunnels and HEP carry whole inner packets whose text
        // holds an Authorization line too, but not at the start of the datagram.
        const method = /^(\w+) /.exec(text)?.[1];
        if (method === undefined) continue;
        const ha1 = md5Hex(`${p.username}:${p.realm}:${passwords.get(`${p.username}@${p.realm}`)}`);
        const ha2 = md5Hex(`${method}:${p.uri}`);
        expect(md5Hex(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`), `${name}`).toBe(p.response);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });
});

/**
 * The committed fixtures must be exactly what fixtures/make-fixtures.mjs produces now:
 * regenerate into a temporary directory and compare, so neither the generator nor the files
 * can drift silently. Gzip files are compared after decompression, because the compressed
 * bytes depend on the zlib build bundled with Node, not on the generator.
 */

import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GENERATED, regenerate } from "./helpers.js";

const isGzip = (b: Uint8Array): boolean => b[0] === 0x1f && b[1] === 0x8b;

describe("fixtures/generated is reproducible", () => {
  let fresh = "";
  beforeAll(() => {
    fresh = mkdtempSync(join(tmpdir(), "synth-fixtures-"));
    regenerate(fresh);
  });
  afterAll(() => rmSync(fresh, { recursive: true, force: true }));

  it("has exactly the files the generator writes", () => {
    expect(readdirSync(GENERATED).sort()).toEqual(readdirSync(fresh).sort());
  });

  it("every file is identical to a fresh generation", () => {
    for (const name of readdirSync(fresh)) {
      const committed = readFileSync(join(GENERATED, name));
      const now = readFileSync(join(fresh, name));
      if (isGzip(now)) {
        expect(isGzip(committed), name).toBe(true);
        expect(Buffer.compare(gunzipSync(committed), gunzipSync(now)), name).toBe(0);
      } else {
        expect(Buffer.compare(committed, now), name).toBe(0);
      }
    }
  });

  it("two runs in a row give the same bytes (no hidden randomness or clock)", () => {
    const again = mkdtempSync(join(tmpdir(), "synth-fixtures-"));
    try {
      regenerate(again);
      for (const name of readdirSync(fresh)) {
        expect(Buffer.compare(readFileSync(join(fresh, name)), readFileSync(join(again, name))), name).toBe(0);
      }
    } finally {
      rmSync(again, { recursive: true, force: true });
    }
  });
});

/**
 * Every finding carries a Wireshark display filter that shows its evidence: tshark must accept it
 * and it must match every evidence frame (single-capture runs, so frame numbers are the file's).
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LAB, labCapture } from "../helpers/corpus.js";
import { labReport } from "../helpers/analyze.js";
import { hasTshark, tsharkFields } from "../helpers/tshark.js";

const names = readdirSync(LAB).filter((f) => f.endsWith(".pcap")).map((f) => f.replace(/\.pcap$/, ""));

describe.skipIf(!hasTshark())("finding filters show their evidence in tshark", () => {
  for (const name of names) {
    it(name, async () => {
      const r = await labReport([name]);
      for (const f of r.findings) {
        const shown = new Set(tsharkFields(labCapture(name), f.filter, ["frame.number"]).map(([n]) => Number(n)));
        const missing = f.evidence.map((e) => e.frame).filter((n) => !shown.has(n));
        expect(missing, `${f.code}: filter ${f.filter}`).toEqual([]);
      }
    });
  }
});

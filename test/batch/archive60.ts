/**
 * A 60-capture archive for the sharding tests (issue 11): every lab capture several times over, in
 * nested customer/day folders, some gzip-compressed, plus two bad files (an empty capture and a
 * text file named like one) so error rows travel through shards and merge as well.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { LAB } from "../helpers/corpus.js";

/** Archive60 is the tree: its root and every file's path relative to it, sorted. */
export interface Archive60 {
  root: string;
  rels: string[];
  /** The two bad files (error rows). */
  errors: string[];
}

/** Captures in the archive, and bad files: 58 + 2 = 60. */
const CAPTURES = 58;

/** makeArchive60 builds the tree in a fresh temporary directory. */
export function makeArchive60(): Archive60 {
  const root = mkdtempSync(join(tmpdir(), "sip401-shard-"));
  const labs = readdirSync(LAB).filter((f) => f.endsWith(".pcap")).sort();
  const rels: string[] = [];
  const put = (rel: string, write: (path: string) => void): void => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    write(join(root, rel));
    rels.push(rel);
  };
  for (let i = 0; i < CAPTURES; i++) {
    const lab = labs[i % labs.length];
    const dir = `cust-${i % 3}/2026-11-${String(1 + (i % 5)).padStart(2, "0")}`;
    const name = `${String(i).padStart(2, "0")}-${lab}`;
    if (i % 7 === 3) put(`${dir}/${name}.gz`, (p) => writeFileSync(p, gzipSync(readFileSync(join(LAB, lab)))));
    else put(`${dir}/${name}`, (p) => copyFileSync(join(LAB, lab), p));
  }
  const errors = ["cust-0/bad/empty.pcap", "cust-2/2026-11-03/notes.pcap"];
  put(errors[0], (p) => writeFileSync(p, ""));
  put(errors[1], (p) => writeFileSync(p, "call notes, not a capture\n"));
  return { root, rels: rels.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), errors };
}

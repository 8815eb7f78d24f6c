/**
 * Where test captures live: the lab captures, our recordings and generated fixtures in fixtures/
 * (ours), and the public corpus in ../shared/captures/public (not redistributable: used in place,
 * skipped when absent).
 */
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";

export const REPO = resolve(import.meta.dirname, "../..");
export const LAB = join(REPO, "fixtures/lab");
export const GENERATED = join(REPO, "fixtures/generated");
export const RECORDED = join(REPO, "fixtures/recorded");
export const PUBLIC = resolve(REPO, "../shared/captures/public");

const CAPTURE_NAME = /\.(pcap|pcapng|cap|dmp)(\.gz)?$/;

/** capturesIn lists capture files of a folder (by name), sorted; empty when the folder is absent. */
export function capturesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => CAPTURE_NAME.test(f))
    .sort()
    .map((f) => join(dir, f));
}

/** labCapture is the path of a lab capture by scenario name. */
export function labCapture(name: string): string {
  return join(LAB, `${name}.pcap`);
}

/**
 * tshark as the reference oracle: what SIP a capture holds, as Wireshark sees it.
 */
import { execFileSync, spawnSync } from "node:child_process";

let available: boolean | undefined;

/** hasTshark says whether tshark can be run here. */
export function hasTshark(): boolean {
  if (available === undefined) {
    try {
      execFileSync("tshark", ["--version"], { stdio: "ignore" });
      available = true;
    } catch {
      available = false;
    }
  }
  return available;
}

/**
 * tsharkFields runs `tshark -r file -Y filter -T fields` and returns one array of values per
 * frame, multiple occurrences in a frame joined by "|".
 */
export function tsharkFields(file: string, filter: string, fields: string[], extra: string[] = []): string[][] {
  const args = ["-r", file, ...extra, "-Y", filter, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|"];
  for (const f of fields) args.push("-e", f);
  // tshark exits non-zero on a truncated capture after printing what it read: keep that output.
  const r = spawnSync("tshark", args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
  if (r.error) throw r.error;
  if (r.status !== 0 && !/cut short|truncated|appears to be damaged/i.test(r.stderr)) throw new Error(`tshark failed on ${file}: ${r.stderr.trim()}`);
  return r.stdout
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => l.split("\t"));
}

// Preloaded by bench/run.mjs (`node --import ./bench/usage.mjs bin/sip401.js ...`): at exit, writes
// the process's CPU time and peak RSS as JSON to the file named by SIP401_BENCH_USAGE, so the CLI
// is measured as users run it, without /usr/bin/time.
import { writeFileSync } from "node:fs";

const out = process.env.SIP401_BENCH_USAGE;
if (out) {
  process.on("exit", () => {
    const u = process.resourceUsage();
    writeFileSync(out, JSON.stringify({ userS: u.userCPUTime / 1e6, sysS: u.systemCPUTime / 1e6, maxRssKB: u.maxRSS }));
  });
}

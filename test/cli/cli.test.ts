/**
 * The command line as a user meets it: outputs, stdin, one-line errors, exit codes, --output,
 * credentials handling. Runs the built CLI (`npm test` builds first).
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { GENERATED, labCapture, REPO } from "../helpers/corpus.js";
import { LAB_CREDENTIALS } from "../helpers/analyze.js";

const BIN = join(REPO, "bin/sip401.js");

function run(args: string[], input?: Buffer, env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", ...env }, cwd: REPO });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), "sip401-cli-"));

describe("help examples", () => {
  // yargs' two-column layout cut long example commands in the middle of their arguments, so they
  // could not be pasted into a shell (src/cli/examples.ts).
  it.each(["messages", "analyze", "flow", "scan", "merge"])("%s --help: each example is a # comment and the whole command, within 80 columns", (command) => {
    const r = run([command, "--help"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    const examples = lines.slice(lines.indexOf("Examples:") + 1).map((l) => l.trim());
    expect(examples.length).toBeGreaterThanOrEqual(4);
    const commands: string[] = [];
    for (let i = 0; i < examples.length; i++) {
      expect(examples[i], `line ${i} of ${command}'s examples`).toMatch(/^# \S/);
      let cmd = examples[++i];
      // A command continued with a backslash, as a shell reads it.
      while (cmd.endsWith("\\")) cmd = `${cmd.slice(0, -1)}${examples[++i]}`;
      commands.push(cmd);
    }
    for (const cmd of commands) expect(cmd).toMatch(new RegExp(`(^|\\| )sip401 ${command === "scan" ? "(scan|merge)" : command} `));
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
  });
});

describe("sip401 messages", () => {
  it("lists one line per SIP message with frame, time, addresses, transport, start line, Call-ID, CSeq", () => {
    const r = run(["messages", labCapture("ok_register_tcp")]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/frame\s+time\s+source\s+destination\s+proto\s+message\s+Call-ID\s+CSeq/);
    expect(lines.slice(1).map((l) => l.trim().split(/\s+/)[0])).toEqual(["4", "6", "9", "11"]);
    expect(lines[3]).toMatch(/^\s+9\s+0\.\d{6}\s+198\.51\.100\.20:5060\s+→ 203\.0\.113\.10:5060\s+TCP\s+REGISTER sip:example\.test\s+1-29169@198\.51\.100\.20\s+2 REGISTER$/);
  });

  it("--format ndjson: one JSON object per message with the documented fields", () => {
    const r = run(["messages", labCapture("ok_register_tcp"), "--format", "ndjson"]);
    const recs = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(recs).toHaveLength(4);
    expect(recs[2]).toMatchObject({
      frame: 9, frames: [8, 9], src: "198.51.100.20:5060", dst: "203.0.113.10:5060", transport: "TCP", method: "REGISTER",
      callId: "1-29169@198.51.100.20", cseq: { seq: 2, method: "REGISTER" },
    });
    expect(recs[2].time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    expect(recs[1]).toMatchObject({ frame: 6, status: 401, reason: "Unauthorized" });
  });

  it("reads the capture from stdin with -, gzip-compressed too", () => {
    const raw = readFileSync(labCapture("bad_password_udp"));
    const a = run(["messages", "-", "-f", "ndjson"], raw);
    const b = run(["messages", "-", "-f", "ndjson"], gzipSync(raw));
    expect(a.code).toBe(0);
    expect(a.stdout.trimEnd().split("\n")).toHaveLength(8);
    expect(b.stdout).toBe(a.stdout);
  });

  it("a gzip file that is not a capture names the inflated content's first bytes", () => {
    const f = join(tmp, "notes.txt.gz");
    writeFileSync(f, gzipSync(Buffer.from("hello, these are notes, not packets\n")));
    const r = run(["messages", f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`sip401: ${f}: not a pcap or pcapng capture (gzip-compressed; inflated content starts with 68 65 6c 6c 6f 2c 20 74 "hello, t")\n`);
  });

  it("not a capture: exit 2 and one line naming the first bytes", () => {
    const f = join(GENERATED, "not-a-capture.txt");
    const r = run(["messages", f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^sip401: ${f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: not a pcap or pcapng capture \\(starts with [0-9a-f ]+.*\\)\\n$`));
    expect(r.stdout).toBe("");
  });

  it("missing file, directory, empty file: one line each, exit 2, no stack", () => {
    const empty = join(tmp, "empty.pcap");
    writeFileSync(empty, "");
    for (const [arg, msg] of [["/nonexistent.pcap", "no such file"], [tmp, "is a directory"], [empty, "not a pcap or pcapng capture (empty file)"]] as const) {
      const r = run(["messages", arg]);
      expect(r.code).toBe(2);
      expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(msg);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it("truncated capture: messages up to the damage, a stderr line saying where, exit 0", () => {
    const r = run(["messages", join(GENERATED, "truncated.pcap"), "-f", "ndjson"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/truncated\.pcap: truncated at byte 1760 after frame 3/);
    expect(r.stdout.trimEnd().split("\n")).toHaveLength(3);
  });

  it("--debug adds the stack to an internal error only", () => {
    const r = run(["messages", "/nonexistent.pcap", "--debug"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no such file/);
  });

  it("usage errors exit 2", () => {
    expect(run([]).code).toBe(2);
    expect(run(["messages", labCapture("ok_register_udp"), "--format", "xml"]).code).toBe(2);
  });
});

describe("sip401 analyze", () => {
  it("exit code follows --fail-on", () => {
    expect(run(["analyze", labCapture("ok_register_udp")]).code).toBe(0);
    expect(run(["analyze", labCapture("bad_password_udp")]).code).toBe(1);
    expect(run(["analyze", labCapture("bad_password_udp"), "--fail-on", "none"]).code).toBe(0);
    expect(run(["analyze", labCapture("big_udp_fragmented")]).code).toBe(0);
    expect(run(["analyze", labCapture("big_udp_fragmented"), "--fail-on", "warning"]).code).toBe(1);
    expect(run(["analyze", labCapture("nat_register_wan"), "--fail-on", "info"]).code).toBe(1);
  });

  it("a busy capture's table and Markdown show 50 registrations and 5 findings of a kind; --all lists everything", () => {
    // 300 kB of bench/make-capture.mjs traffic: 120 registrations (11 failed or timed out), 48 findings.
    const busy = join(tmp, "busy.pcap");
    const gen = spawnSync(process.execPath, [join(REPO, "bench/make-capture.mjs"), "--out", busy, "--size", "300kB", "--users", "200"], { encoding: "utf8" });
    expect(gen.status, gen.stderr).toBe(0);
    const model = JSON.parse(run(["analyze", busy, "--format", "json", "--fail-on", "none"]).stdout);
    const regs: number = model.registrations.length;
    const failing: string[] = model.registrations.filter((g: { outcome: string }) => g.outcome === "failed" || g.outcome === "timeout").map((g: { aor: string }) => g.aor);
    expect(regs).toBeGreaterThan(50);
    const rows = (text: string): number => (text.match(/^\| `sip:/gm) ?? []).length;
    const md = run(["analyze", busy, "--format", "markdown", "--fail-on", "none"]).stdout;
    const regTable = md.slice(md.indexOf("## Registrations"), md.indexOf("## ", md.indexOf("## Registrations") + 3));
    expect(rows(regTable)).toBe(50);
    for (const aor of failing) expect(regTable).toContain(aor);
    expect(md).toContain(`50 of ${regs} registrations shown, failed and timed-out ones first`);
    const all = run(["analyze", busy, "--format", "markdown", "--fail-on", "none", "--all"]).stdout;
    const allTable = all.slice(all.indexOf("## Registrations"), all.indexOf("## ", all.indexOf("## Registrations") + 3));
    expect(rows(allTable)).toBe(regs);
    expect((all.match(/^### \d+\. /gm) ?? []).length).toBe(model.findings.length);
    const table = run(["analyze", busy, "--fail-on", "none"]).stdout;
    expect(table).toContain(`50 of ${regs} registrations shown`);
    expect(table).toMatch(/findings listed, the first 5 of each kind/);
    expect(run(["analyze", busy, "--fail-on", "none", "--all"]).stdout).not.toContain("left out");
  });

  it("--format json prints the report model", () => {
    const r = run(["analyze", labCapture("bad_password_udp"), "--format", "json"]);
    const model = JSON.parse(r.stdout);
    expect(model.schemaVersion).toBe(1);
    expect(model.registrations[0]).toMatchObject({ aor: "sip:alice@example.test", outcome: "failed", attempts: 4 });
    expect(model.findings[0].code).toBe("bad_credentials");
    expect(model.summary.transactions.total).toBe(4);
  });

  it("reads the capture from stdin with - (the same report as from the file), alone only", () => {
    const file = run(["analyze", labCapture("bad_password_udp"), "--format", "json"]);
    const stdin = run(["analyze", "-", "--format", "json"], readFileSync(labCapture("bad_password_udp")));
    expect(stdin.code).toBe(1);
    const a = JSON.parse(file.stdout);
    const b = JSON.parse(stdin.stdout);
    expect(b.captures).toHaveLength(1);
    expect(b.captures[0].name).toBe("-");
    expect(b.registrations).toEqual(a.registrations);
    expect(b.findings).toEqual(a.findings);
    const both = run(["analyze", labCapture("bad_password_udp"), "-"], Buffer.alloc(0));
    expect(both.code).toBe(2);
    expect(both.stderr).toBe("sip401: stdin (-) can only be analysed alone\n");
  });

  it("--output writes the file (format from the extension) and nothing on stdout", () => {
    const out = join(tmp, "report.json");
    const r = run(["analyze", labCapture("unknown_user"), "-o", out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(JSON.parse(readFileSync(out, "utf8")).findings[0].code).toBe("unknown_user");
    expect(readdirSync(tmp).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("the same capture named twice, under any spelling, is a usage error (it showed every registration twice)", () => {
    const capture = labCapture("stale_nonce");
    const twice = run(["analyze", capture, capture]);
    expect([twice.code, twice.stdout, twice.stderr]).toEqual([2, "", `sip401: ${capture} is given twice\n`]);
    const rel = relative(REPO, capture);
    const spelled = run(["analyze", rel, `./${rel}`]);
    expect([spelled.code, spelled.stderr]).toEqual([2, `sip401: ${rel} and ./${rel} are the same file\n`]);
  });

  it("-o - is standard output (it wrote a file named '-'), for analyze, scan and merge", () => {
    const dir = mkdtempSync(join(tmpdir(), "sip401-dash-"));
    const capture = labCapture("unknown_user");
    const cases = [
      [["analyze", capture, "-f", "json", "-o", "-"], ["analyze", capture, "-f", "json"]],
      [["scan", capture, "-f", "ndjson", "-o", "-"], ["scan", capture, "-f", "ndjson"]],
    ];
    for (const [withDash, plain] of cases) {
      const a = spawnSync(process.execPath, [BIN, ...withDash], { encoding: "utf8", cwd: dir });
      const b = spawnSync(process.execPath, [BIN, ...plain], { encoding: "utf8", cwd: dir });
      expect(a.stdout.length).toBeGreaterThan(100);
      expect(a.stdout).toBe(b.stdout);
      expect(a.status).toBe(b.status);
    }
    writeFileSync(join(dir, "shard.ndjson"), run(["scan", capture, "-f", "ndjson"]).stdout);
    const merged = spawnSync(process.execPath, [BIN, "merge", "shard.ndjson", "-f", "json", "-o", "-"], { encoding: "utf8", cwd: dir });
    expect(JSON.parse(merged.stdout).totals).toBeDefined();
    expect(readdirSync(dir)).toEqual(["shard.ndjson"]);
  });

  // A device, FIFO or socket is written in place: the atomic rename replaced it with a regular
  // file, which for root running `-o /dev/null` was /dev/null itself. A FIFO stands in for it.
  const hasMkfifo = spawnSync("mkfifo", ["--version"]).status === 0;
  it.skipIf(!hasMkfifo)("--output to a FIFO (like /dev/null or /dev/stdout) writes into it and leaves it a FIFO (skipped without mkfifo)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sip401-fifo-out-"));
    const fifo = join(dir, "report.pipe");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    // The reader of the FIFO, as `cat` or a shell's process substitution would be.
    const reader = spawn("cat", [fifo]);
    let read = "";
    reader.stdout.setEncoding("utf8").on("data", (d: string) => (read += d));
    const readerDone = new Promise<void>((resolve) => reader.on("close", () => resolve()));
    const r = spawnSync(process.execPath, [BIN, "analyze", labCapture("unknown_user"), "-f", "json", "-o", fifo], { encoding: "utf8", timeout: 20_000 });
    await readerDone;
    expect(r.stderr).toBe("");
    expect(r.status).toBe(1);
    expect(JSON.parse(read).findings[0].code).toBe("unknown_user");
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(dir)).toEqual(["report.pipe"]);
  });

  it("refuses a world-readable credentials file, accepts it when private; passwords never printed", () => {
    const file = join(tmp, "users.txt");
    writeFileSync(file, LAB_CREDENTIALS);
    chmodSync(file, 0o644);
    const refused = run(["analyze", labCapture("bad_password_udp"), "--credentials", file]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/readable by everyone/);
    chmodSync(file, 0o600);
    for (const format of ["json", "table", "markdown", "html"]) {
      const r = run(["analyze", labCapture("bad_password_udp"), "--credentials", file, "--format", format]);
      expect(r.code).toBe(1);
      for (const secret of ["Al1ce-Secret", "B0b-Secret", "Car0l-Secret"]) {
        expect(r.stdout + r.stderr).not.toContain(secret);
      }
    }
    expect(run(["analyze", labCapture("bad_password_udp"), "--credentials", file, "-f", "json"]).stdout).toMatch(/"verified": "mismatch"/);
    const insecure = join(tmp, "open.txt");
    writeFileSync(insecure, LAB_CREDENTIALS);
    chmodSync(insecure, 0o644);
    expect(run(["analyze", labCapture("ok_register_udp"), "--credentials", insecure, "--insecure-credentials"]).code).toBe(0);
  });

  it("--password for the single user in the capture", () => {
    const r = run(["analyze", labCapture("bad_password_udp"), "--password", "alice123", "-f", "json"]);
    expect(r.stdout).toMatch(/"verified": "match"/);
    expect(r.stdout).not.toContain("alice123");
  });

  it("two capture points: lan.pcap wan.pcap", () => {
    const r = run(["analyze", labCapture("alg_sim_authuri_lan"), labCapture("alg_sim_authuri_wan"), "-f", "json"]);
    const model = JSON.parse(r.stdout);
    expect(model.captures).toHaveLength(2);
    expect(model.findings[0]).toMatchObject({ code: "sip_alg", severity: "error" });
  });
});

describe("several captures, one of them bad", () => {
  it("the one-line error names the file that failed, not the whole list (exit 2, nothing on stdout)", () => {
    const good = labCapture("ok_register_udp");
    for (const [bad, reason] of [
      ["no-such-capture.pcap", "no such file"],
      ["README.md", 'not a pcap or pcapng capture (starts with 23 20 73 69 70 34 30 31 "# sip401")'],
      ["src", "is a directory (use `sip401 scan` for directories)"],
    ]) {
      for (const args of [[good, bad], [bad, good]]) {
        const r = run(["analyze", ...args]);
        expect(r.code).toBe(2);
        expect(r.stdout).toBe("");
        expect(r.stderr).toBe(`sip401: ${bad}: ${reason}\n`);
      }
    }
  });
});

describe("--user and --password", () => {
  it("--user without --password, or an empty --password, is a usage error rather than a run that verifies nothing", () => {
    const capture = labCapture("bad_password_udp");
    const noPassword = run(["analyze", capture, "--user", "alice"]);
    expect(noPassword.code).toBe(2);
    expect(noPassword.stdout).toBe("");
    expect(noPassword.stderr).toBe("sip401: --user names whose password --password is; give --password too (or use --credentials FILE)\n");
    for (const args of [["--password", ""], ["--password", "--fail-on", "none"]]) {
      const r = run(["analyze", capture, ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe("sip401: --password needs a value (for an account without a password, write user: in a --credentials file)\n");
    }
  });
});

describe("--output that cannot be written", () => {
  it("names the output, not the capture, before any capture is read (analyze and scan, exit 2)", () => {
    const missing = join(tmp, "no-such-dir", "report.json");
    const cases: [string[], string][] = [
      [["analyze", labCapture("bad_password_udp"), "-o", missing], missing],
      [["analyze", labCapture("bad_password_udp"), "-f", "json", "-o", tmp], tmp],
      [["scan", join(REPO, "fixtures/lab"), "-o", missing], missing],
      [["scan", join(REPO, "fixtures/lab"), "-f", "ndjson", "-o", missing], missing],
    ];
    for (const [args, out] of cases) {
      const r = run(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      const why = out === tmp ? "it is a directory" : "its directory does not exist";
      // scan may first say which files it skipped; the error is the last line.
      expect(r.stderr.trimEnd().split("\n").at(-1)).toBe(`sip401: ${out}: cannot write the output (${why})`);
    }
  });
});

describe("--color=WHEN", () => {
  const capture = labCapture("bad_password_udp");
  const escapes = (s: string) => s.split("\x1b[").length - 1;

  it("always colours a piped table (NO_COLOR set), never and auto do not, as with grep and ls", () => {
    const always = run(["analyze", capture, "--color=always", "--fail-on", "none"]);
    expect(always.code).toBe(0);
    expect(escapes(always.stdout)).toBeGreaterThan(0);
    expect(always.stdout).toBe(run(["analyze", capture, "--color", "--fail-on", "none"]).stdout);
    for (const when of ["never", "auto"]) {
      const r = run(["analyze", capture, `--color=${when}`, "--fail-on", "none"], undefined, { FORCE_COLOR: when === "never" ? "1" : "0" });
      expect(r.code).toBe(0);
      expect(escapes(r.stdout)).toBe(0);
      expect(r.stdout).toBe(run(["analyze", capture, "--fail-on", "none"]).stdout);
    }
  });

  it("an unknown value is a usage error: one line, exit 2, nothing on stdout", () => {
    const r = run(["analyze", capture, "--color=sometimes"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("sip401: --color=sometimes: expected always, never or auto\n");
  });
});

describe("sip401 flow", () => {
  it("draws the ladder of the flow a frame belongs to", () => {
    const r = run(["flow", labCapture("bad_password_udp"), "--frame", "5"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("REGISTER");
    expect(r.stdout).toContain("401");
    expect(existsSync(BIN)).toBe(true);
  });

  it("neither --call-id nor --frame: the usage line, exit 2, no stack (it was an unhandled rejection)", () => {
    const r = run(["flow", labCapture("bad_password_udp")]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("sip401: give --call-id or --frame\nRun 'sip401 --help' for usage.\n");
  });

  it("--frame that is not a frame number: the usage line, exit 2", () => {
    for (const [frame, shown] of [["abc", "a number"], ["0", "0"], ["2.5", "2.5"]]) {
      const r = run(["flow", labCapture("bad_password_udp"), "--frame", frame]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`sip401: --frame must be a frame number (Wireshark's, from 1), not ${shown}\nRun 'sip401 --help' for usage.\n`);
    }
  });

  it("unknown Call-ID: one line, exit 2", () => {
    const r = run(["flow", labCapture("bad_password_udp"), "--call-id", "nope"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no SIP message with Call-ID nope/);
  });
});

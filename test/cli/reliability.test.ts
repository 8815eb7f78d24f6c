/**
 * Issue 9, the command line on bad input and with secrets: every error path a user meets gives one
 * line and the documented exit code (`--debug` adds the stack), and no password, HA1 or TLS secret
 * given to sip401 ever appears in stdout, stderr, a report file or an error message, in any format
 * of any command. Runs the built CLI (`npm test` builds first); test/cli/cli.test.ts covers the
 * ordinary runs.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GENERATED, LAB, labCapture, RECORDED, REPO } from "../helpers/corpus.js";

const BIN = join(REPO, "bin/sip401.js");
const tmp = mkdtempSync(join(tmpdir(), "sip401-cli-rel-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, cwd: REPO });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** oneLine: stderr is exactly one `sip401: …` line without a stack. */
function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split("\n");
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^sip401: /);
  expect(stderr).not.toMatch(/\n\s+at /);
  return lines[0];
}

/** Root reads any file whatever its mode, so permission errors cannot be produced for it. */
const isRoot = process.getuid?.() === 0;
const ROOT_SKIP = "(skipped when run as root: root can read files of any mode, so no permission error can be caused)";

describe("error paths: one line, documented exit code", () => {
  const empty = join(tmp, "empty.pcap");
  const text = join(GENERATED, "not-a-capture.txt");
  writeFileSync(empty, "");

  for (const command of ["analyze", "messages"]) {
    it(`${command}: missing file, directory, empty file, text file → exit 2`, () => {
      const cases: [string, RegExp][] = [
        ["/nonexistent/capture.pcap", /: no such file$/],
        [tmp, /: is a directory \(use `sip401 scan` for directories\)$/],
        [empty, /: not a pcap or pcapng capture \(empty file\)$/],
        [text, /: not a pcap or pcapng capture \(starts with [0-9a-f ]+/],
      ];
      for (const [path, message] of cases) {
        const r = run([command, path]);
        expect(r.code, path).toBe(2);
        expect(oneLine(r.stderr)).toMatch(message);
        expect(r.stdout).toBe("");
      }
    });
  }

  it.skipIf(isRoot)(`permission denied → one line, exit 2 ${isRoot ? ROOT_SKIP : ""}`, () => {
    const locked = join(tmp, "locked.pcap");
    writeFileSync(locked, readFileSync(labCapture("ok_register_udp")));
    chmodSync(locked, 0o000);
    for (const command of ["analyze", "messages"]) {
      const r = run([command, locked]);
      expect(r.code).toBe(2);
      expect(oneLine(r.stderr)).toBe(`sip401: ${locked}: permission denied`);
    }
  });

  it("a capture with zero SIP → the report, one stderr line, exit 0 (nothing failed)", () => {
    const file = join(GENERATED, "not-sip.pcap");
    for (const args of [["analyze", file], ["analyze", file, "-f", "json"], ["messages", file]]) {
      const r = run(args);
      expect(r.code, args.join(" ")).toBe(0);
      expect(oneLine(r.stderr)).toBe(`sip401: ${file}: no SIP messages found in 18 frames`);
    }
    expect(JSON.parse(run(["analyze", file, "-f", "json"]).stdout).summary.sipMessages).toBe(0);
  });

  it("zero SIP because TCP connections to the SIP port failed → the stderr line says so, exit 1 for the error", () => {
    const file = join(RECORDED, "tcp_refused.pcap");
    const r = run(["analyze", file]);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe(`sip401: ${file}: no SIP messages found in 2 frames; TCP connections to SIP ports failed (see tcp_connect_failed)`);
    expect(r.stdout).toContain("ERROR tcp_connect_failed");
  });

  it("a truncated capture → analysed up to the damage, one stderr line saying where", () => {
    const r = run(["analyze", join(GENERATED, "truncated.pcap"), "-f", "json"]);
    expect(r.code).toBe(0);
    expect(oneLine(r.stderr)).toMatch(/truncated\.pcap: truncated at byte 1760 after frame 3 \(/);
    expect(JSON.parse(r.stdout).summary.sipMessages).toBe(3);
  });

  it("--debug adds the stack before the same one line", () => {
    const file = join(GENERATED, "not-a-capture.txt");
    const plain = run(["analyze", file]);
    const debug = run(["analyze", file, "--debug"]);
    expect(oneLine(plain.stderr)).toMatch(/not a pcap or pcapng capture/);
    expect(debug.code).toBe(2);
    expect(debug.stderr).toMatch(/^NotACaptureError: .*\n\s+at /);
    expect(debug.stderr.trimEnd().split("\n").pop()).toBe(plain.stderr.trimEnd());
  });

  it("credentials and key log problems name the file they are about", () => {
    const dir = join(tmp, "creds-dir");
    mkdirSync(dir, { recursive: true });
    const r = run(["analyze", labCapture("ok_register_udp"), "--credentials", dir, "--insecure-credentials"]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe(`sip401: ${dir}: is a directory, not a credentials file`);
    // Without --insecure-credentials it said "readable by everyone", which a directory is.
    expect(oneLine(run(["analyze", labCapture("ok_register_udp"), "--credentials", dir]).stderr)).toBe(`sip401: ${dir}: is a directory, not a credentials file`);
    const missing = run(["analyze", labCapture("ok_register_udp"), "--credentials", join(tmp, "nope.txt")]);
    expect(oneLine(missing.stderr)).toBe(`sip401: ${join(tmp, "nope.txt")}: credentials file not found`);
    // A file without one credential verified nothing, silently (exit 0).
    const empty = join(tmp, "empty-creds.txt");
    writeFileSync(empty, "# passwords go here\n\n", { mode: 0o600 });
    for (const command of [["analyze", labCapture("ok_register_udp")], ["scan", labCapture("ok_register_udp")]]) {
      const e = run([...command, "--credentials", empty]);
      expect(e.code).toBe(2);
      expect(oneLine(e.stderr)).toBe(`sip401: ${empty}: no credentials in the file (lines user:password, user@realm:password or user:realm:HA1)`);
    }
    const noKeys = run(["messages", labCapture("ok_register_udp"), "--tls-keylog", join(tmp, "nope.keys")]);
    expect(oneLine(noKeys.stderr)).toBe(`sip401: ${join(tmp, "nope.keys")}: cannot read the TLS key log (no such file)`);
    expect(oneLine(run(["messages", labCapture("ok_register_udp"), "--tls-keylog", dir]).stderr)).toBe(`sip401: ${dir}: cannot read the TLS key log (is a directory)`);
    const keys = join(tmp, "bad.keys");
    writeFileSync(keys, "not a key log\n");
    const k = run(["messages", labCapture("ok_register_udp"), "--tls-keylog", keys]);
    expect(k.code).toBe(2);
    expect(oneLine(k.stderr)).toMatch(new RegExp(`^sip401: ${keys.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: no TLS secrets in the key log format`));
  });
});

describe("secrets never reach any output", () => {
  const md5 = (s: string): string => createHash("md5").update(s).digest("hex");
  const passwords = ["Al1ce-Secret", "B0b-Secret", "Car0l-Secret", "alice123", "S3cret-Line-Without-Colon"];
  const ha1 = md5("carol:example.test:Car0l-Secret");
  const keylog = readFileSync(join(LAB, "tls_expired_cert.keys"), "utf8");
  // The secrets of a key log are its last column (the first is public: the ClientHello random).
  const tlsSecrets = keylog.split("\n").filter((l) => /^[A-Z_]+ [0-9a-f]+ [0-9a-f]+$/i.test(l.trim())).map((l) => l.trim().split(/\s+/)[2]);
  const secrets = [...passwords, ha1, ...tlsSecrets].flatMap((s) => [s, s.toUpperCase()]);

  const credFile = join(tmp, "users.txt");
  writeFileSync(credFile, `alice:Al1ce-Secret\nbob@example.test:B0b-Secret\ncarol:example.test:${ha1}\n`, { mode: 0o600 });
  chmodSync(credFile, 0o600);
  const badCreds = join(tmp, "bad-users.txt");
  writeFileSync(badCreds, "alice:Al1ce-Secret\nS3cret-Line-Without-Colon\n", { mode: 0o600 });
  chmodSync(badCreds, 0o600);
  const openCreds = join(tmp, "open-users.txt");
  writeFileSync(openCreds, "alice:Al1ce-Secret\n");
  chmodSync(openCreds, 0o644);
  const keys = join(tmp, "lab.keys");
  writeFileSync(keys, `${keylog}\nCLIENT_RANDOM zz-not-hex ${tlsSecrets[0]}\n`);
  const outDir = join(tmp, "out");
  mkdirSync(outDir, { recursive: true });

  const seen: string[] = [];
  const check = (label: string, ...texts: string[]): void => {
    seen.push(label);
    for (const t of texts) for (const s of secrets) expect(t.includes(s), `${label} contains a secret`).toBe(false);
  };

  const captures = ["bad_password_udp", "tls_expired_cert"].map(labCapture);

  it("analyze: every format, to stdout and to files, with --credentials (passwords and HA1), --password and --tls-keylog", () => {
    for (const capture of captures) {
      for (const format of ["table", "json", "markdown", "html"]) {
        const r = run(["analyze", capture, "-f", format, "--credentials", credFile, "--tls-keylog", keys, "--password", "alice123", "--fail-on", "none"]);
        expect(r.code, `${capture} ${format}: ${r.stderr}`).toBe(0);
        check(`analyze ${format}`, r.stdout, r.stderr);
        const out = join(outDir, `report.${format === "table" ? "txt" : format === "markdown" ? "md" : format}`);
        const f = run(["analyze", capture, "-f", format, "-o", out, "--credentials", credFile, "--password", "alice123", "--tls-keylog", keys]);
        check(`analyze -o ${format}`, f.stdout, f.stderr, readFileSync(out, "utf8"));
      }
    }
    expect(readdirSync(outDir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("the credentials checks really ran (a match and a mismatch are reported, by verdict only)", () => {
    const r = run(["analyze", labCapture("bad_password_udp"), "-f", "json", "--credentials", credFile, "--password", "alice123"]);
    expect(r.stdout).toMatch(/"verified": "(match|mismatch)"/);
  });

  it("messages: text and ndjson with --tls-keylog (the decrypted REGISTER is listed)", () => {
    for (const format of ["text", "ndjson"]) {
      const r = run(["messages", labCapture("tls_expired_cert"), "-f", format, "--tls-keylog", keys]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/REGISTER/);
      check(`messages ${format}`, r.stdout, r.stderr);
    }
  });

  it("error paths: a malformed or world-readable credentials file, a bad key log line, a bad capture", () => {
    const bad = run(["analyze", labCapture("ok_register_udp"), "--credentials", badCreds]);
    expect(bad.code).toBe(2);
    expect(oneLine(bad.stderr)).toBe(`sip401: ${badCreds}: line 2: expected user:password, user@realm:password or user:realm:HA1`);
    check("malformed credentials", bad.stdout, bad.stderr);
    const open = run(["analyze", labCapture("ok_register_udp"), "--credentials", openCreds]);
    expect(open.code).toBe(2);
    check("world-readable credentials", open.stdout, open.stderr);
    const keysWarn = run(["messages", labCapture("ok_register_udp"), "--tls-keylog", keys]);
    expect(keysWarn.stderr).toMatch(/1 line\(s\) not in the key log format were ignored \(line \d+\)/);
    check("bad key log line", keysWarn.stdout, keysWarn.stderr);
    for (const debug of [[], ["--debug"]]) {
      const notCapture = run(["analyze", join(GENERATED, "not-a-capture.txt"), "--credentials", credFile, "--password", "alice123", "--tls-keylog", keys, ...debug]);
      expect(notCapture.code).toBe(2);
      check(`not a capture ${debug.join("")}`, notCapture.stdout, notCapture.stderr);
      const usage = run(["analyze", labCapture("ok_register_udp"), "--password", "alice123", "--no-such-option", ...debug]);
      expect(usage.code).toBe(2);
      check(`usage error ${debug.join("")}`, usage.stdout, usage.stderr);
    }
    expect(seen.length).toBeGreaterThan(5);
  });
});

/**
 * The sip401 command line. The only module that touches `process`: it parses arguments, runs a
 * command, prints one-line errors and sets the exit code.
 */
import { readFile, stat } from "node:fs/promises";
import yargs from "yargs";
import type { CaptureInput } from "../capture/source.js";
import type { ExtractSummary } from "../extract/model.js";
import { describeInputError, describeInputReason, EXIT_INPUT, OutputError, UsageError } from "./errors.js";
import { boundHeapGrowth } from "./heap.js";
import { MESSAGE_FORMATS, runMessages, type MessageFormat } from "./messages.js";
import { FAIL_ON, runAnalyze, type FailOn } from "./analyze.js";
import { loadCredentials } from "./credentials.js";
import { findFlow } from "./flow.js";
import { checkWritable, writeChunksAtomic } from "./write.js";
import { renderFlow } from "../report/flow-text.js";
import { colorEnabled } from "../report/color.js";
import { REPORT_FORMATS, type ReportFormat } from "../report/index.js";
import { LineWriter, PipeClosedError } from "./output.js";
import { parseKeyLog } from "../tls/keylog.js";
import { correlationLimits, correlationOptions, extractLimits, limitOptions } from "./limits.js";
import { interruptOnSignals, runScan, scanOptions } from "./scan.js";
import { mergeOptions, runMerge } from "./merge.js";
import { colorHelp, colorWhenArgs } from "./color.js";
import { withExamples } from "./examples.js";

const VERSION = "0.1.0";

/**
 * STDIN_ARG stands in for a lone "-" while yargs parses: yargs drops "-" from array positionals
 * (`analyze -` arrived as no capture at all) and turns a single one into "". Every "-" is swapped
 * for it before parsing and restoreDashes swaps it back.
 */
const STDIN_ARG = "\u0000stdin";

/** nameOf keeps an empty path argument meaning standard input, as it did before STDIN_ARG. */
function nameOf(arg: string): string {
  return arg === "" ? "-" : arg;
}

/**
 * refuseRepeats rejects a capture named twice (under any spelling: same device and inode). Every
 * file is a capture point, so the same one twice showed every registration twice, as if seen at
 * two places, which a shell glob plus a name (`*.pcap trace.pcap`) does by accident.
 */
async function refuseRepeats(names: readonly string[]): Promise<void> {
  const seen = new Map<string, string>();
  for (const name of names) {
    const st = await stat(name).catch(() => undefined);
    if (!st?.isFile()) continue;
    const id = `${st.dev}:${st.ino}`;
    const first = seen.get(id);
    if (first !== undefined) throw new UsageError(first === name ? `${name} is given twice` : `${first} and ${name} are the same file`);
    seen.set(id, name);
  }
}

/** outputOf reads --output: `-o -` is standard output, as for the inputs (it wrote a file named "-"). */
function outputOf(arg: string | undefined): string | undefined {
  return arg === "-" ? undefined : arg;
}

/** restoreDashes is yargs middleware: every option and positional value that was "-" is "-" again. */
function restoreDashes(args: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(args)) {
    if (v === STDIN_ARG) args[k] = "-";
    else if (Array.isArray(v)) args[k] = v.map((x) => (x === STDIN_ARG ? "-" : x));
  }
}

/** inputOf maps a path argument to a capture input; "-" is standard input. */
function inputOf(name: string): CaptureInput {
  return name === "-" ? (process.stdin as AsyncIterable<Uint8Array>) : name;
}

function fail(line: string): void {
  process.stderr.write(`sip401: ${line}\n`);
  process.exitCode = EXIT_INPUT;
}

/** reportDamage says on stderr where a damaged capture stopped; the run still succeeds. */
function reportDamage(name: string, s: ExtractSummary): void {
  if (s.damage) reportDamageOf(name, s.damage);
}

function reportDamageOf(name: string, d: NonNullable<ExtractSummary["damage"]>): void {
  process.stderr.write(`sip401: ${name}: ${d.kind} at byte ${d.byteOffset} after frame ${d.afterFrame} (${d.reason})\n`);
}

/**
 * reportNoSip says on stderr that a capture held no SIP (the run still succeeds: exit 0), and,
 * when TCP connections to SIP ports failed in it, that this is why (not a capture of the wrong
 * traffic).
 */
function reportNoSip(name: string, sipMessages: number, frames: number, connectFailed = false): void {
  if (sipMessages === 0) {
    const why = connectFailed ? "; TCP connections to SIP ports failed (see tcp_connect_failed)" : "";
    process.stderr.write(`sip401: ${name}: no SIP messages found in ${frames} frames${why}\n`);
  }
}

/**
 * readKeylog reads a TLS key log; its content is secret and never echoed. Lines that are not in
 * the key log format are named by number only; a file without one usable secret is refused.
 */
async function readKeylog(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === "EISDIR" ? "is a directory" : describeInputReason(err);
    throw new UsageError(`${path}: cannot read the TLS key log (${reason})`);
  }
  const { stats } = parseKeyLog(text);
  if (stats.accepted === 0) throw new UsageError(`${path}: no TLS secrets in the key log format (NSS SSLKEYLOGFILE: LABEL <client random> <secret>)`);
  if (stats.malformedCount > 0) {
    const lines = stats.malformed.join(", ") + (stats.malformedCount > stats.malformed.length ? ", …" : "");
    process.stderr.write(`sip401: ${path}: ${stats.malformedCount} line(s) not in the key log format were ignored (line ${lines})\n`);
  }
  return text;
}

/** guard runs a command, turning expected failures into one-line errors. */
async function guard(name: string, debug: boolean, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    if (err instanceof PipeClosedError) return;
    if (debug && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    fail(err instanceof UsageError || err instanceof OutputError ? err.message : describeInputError(name, err));
  }
}

/** main runs the CLI with the given arguments (without node and script). */
export async function main(argv: string[]): Promise<void> {
  const stdout = new LineWriter(process.stdout);
  let args: string[];
  try {
    args = colorWhenArgs(argv);
  } catch (err) {
    fail((err as Error).message);
    return;
  }
  const program = yargs(args.map((a) => (a === "-" ? STDIN_ARG : a)))
    .middleware(restoreDashes, true)
    .scriptName("sip401")
    .usage("$0 <command> [options]\n\nExplains why SIP authentication and registration fail, from packet captures.")
    .option("debug", { type: "boolean", default: false, describe: "Print stack traces of internal errors" })
    .command(
      "messages <capture>",
      "List every SIP message in a capture (like `tshark -Y sip`, but readable)",
      (y) =>
        withExamples(
          limitOptions(y)
            .positional("capture", { type: "string", demandOption: true, describe: "pcap / pcapng file (optionally gzip-compressed), or - for stdin" })
            .option("format", { alias: "f", choices: MESSAGE_FORMATS, default: "text" as MessageFormat, describe: "Output format" })
            .option("tls-keylog", { type: "string", describe: "SSLKEYLOGFILE-format key log to decrypt SIP over TLS" }),
          [
            ["$0 messages capture.pcapng", "one line per SIP message"],
            ["tcpdump -i any -U -w - port 5060 | $0 messages -", "live, from stdin"],
            ["$0 messages capture.pcap -f ndjson | jq .callId", "JSON lines"],
          ],
        ),
      async (args) => {
        boundHeapGrowth();
        const name = nameOf(args.capture);
        await guard(name, args.debug, async () => {
          const tlsKeylog = args["tls-keylog"] !== undefined ? await readKeylog(args["tls-keylog"]) : undefined;
          const summary = await runMessages(inputOf(name), name, args.format, stdout, tlsKeylog, extractLimits(args));
          reportDamage(name, summary);
          reportNoSip(name, summary.sipMessages, summary.frames);
        });
      },
    )
    .command(
      "analyze <captures..>",
      "Diagnose registration and authentication failures (several files = several capture points of the same traffic)",
      (y) =>
        withExamples(
          correlationOptions(limitOptions(y))
            .positional("captures", { type: "string", array: true, demandOption: true, describe: "pcap / pcapng files (gzip ok), or - for stdin" })
            .option("format", { alias: "f", choices: REPORT_FORMATS, describe: "Report format (default: table, or from --output's extension)" })
            .option("output", { alias: "o", type: "string", describe: "Write the report to FILE (atomically; - is stdout)" })
            .option("fail-on", { choices: FAIL_ON, default: "error" as FailOn, describe: "Exit 1 when a finding of this severity or worse exists" })
            .option("credentials", { type: "string", describe: "File of user:password, user@realm:password or user:realm:HA1 lines, to verify captured digests" })
            .option("password", { type: "string", describe: "Password to verify captured digests with (for --user, or whichever user the capture shows)" })
            .option("user", { type: "string", describe: "User the --password belongs to" })
            .option("insecure-credentials", { type: "boolean", default: false, describe: "Accept a credentials file readable by everyone" })
            .option("tls-keylog", { type: "string", describe: "SSLKEYLOGFILE-format key log to decrypt SIP over TLS (1.2 AES-GCM/ChaCha20, 1.3)" })
            .option("redact", { type: "boolean", default: false, describe: "Mask user names, addresses, nonces and Call-IDs consistently" })
            .option("color", { type: "boolean", describe: colorHelp("table") })
            .option("all", { type: "boolean", default: false, describe: "List every registration and finding in the table and Markdown reports (by default: 50 rows, failures first, and 5 findings of each kind)" }),
          [
            ["$0 analyze capture.pcapng", "table report in the terminal"],
            ["$0 analyze lan.pcap wan.pcap", "compare two capture points (SIP ALG)"],
            ["$0 analyze capture.pcap -o report.html", "self-contained HTML for the customer"],
            ["$0 analyze capture.pcap --credentials users.txt", "prove wrong password vs other causes"],
          ],
        ),
      async (args) => {
        boundHeapGrowth();
        const names = args.captures.map(nameOf);
        const output = outputOf(args.output);
        await guard(names.join(", "), args.debug, async () => {
          if (names.filter((n) => n === "-").length > 0 && names.length > 1) throw new UsageError("stdin (-) can only be analysed alone");
          await refuseRepeats(names);
          const credentials = await loadCredentials({ file: args.credentials, password: args.password, user: args.user, insecure: args["insecure-credentials"] });
          const tlsKeylog = args["tls-keylog"] !== undefined ? await readKeylog(args["tls-keylog"]) : undefined;
          if (output) await checkWritable(output);
          const r = await runAnalyze({
            inputs: names.map((n) => ({ input: inputOf(n), name: n })),
            format: args.format as ReportFormat | undefined,
            output,
            failOn: args["fail-on"],
            redact: args.redact,
            color: args.color,
            all: args.all,
            credentials,
            tlsKeylog,
            extract: extractLimits(args),
            correlation: correlationLimits(args),
            isTTY: process.stdout.isTTY,
            columns: process.stdout.columns,
            env: process.env,
          });
          for (const c of r.report.captures) {
            if (c.damage) reportDamageOf(c.name, c.damage);
            const connectFailed = r.report.findings.some((f) => f.code === "tcp_connect_failed" && f.evidence.some((e) => e.capture === c.index));
            reportNoSip(c.name, c.sipMessages, c.frames, connectFailed);
          }
          if (output) await writeChunksAtomic(output, r.chunks);
          else {
            for (const chunk of r.chunks) {
              stdout.text(chunk);
              await stdout.ready();
            }
            await stdout.flush();
          }
          process.exitCode = r.code;
        });
      },
    )
    .command(
      "flow <capture>",
      "Show the ladder of one flow (by Call-ID or by a frame of it), like sngrep's call flow",
      (y) =>
        withExamples(
          y
            .positional("capture", { type: "string", demandOption: true, describe: "pcap / pcapng file (gzip ok), or - for stdin" })
            .option("call-id", { alias: "i", type: "string", describe: "Call-ID of the flow" })
            .option("frame", { alias: "n", type: "number", describe: "A frame number of the flow" })
            .option("color", { type: "boolean", describe: colorHelp("ladder") })
            .check((a) => {
              if (a["call-id"] === undefined && a.frame === undefined) throw new UsageError("give --call-id or --frame");
              // yargs turns `--frame abc` into NaN, which then "carried no SIP message".
              if (a.frame !== undefined && !(Number.isInteger(a.frame) && a.frame >= 1)) throw new UsageError(`--frame must be a frame number (Wireshark's, from 1), not ${Number.isNaN(a.frame) ? "a number" : String(a.frame)}`);
              return true;
            }),
          [
            ["$0 flow capture.pcap --call-id 1-28850@198.51.100.20", "the ladder of one Call-ID (analyze lists them)"],
            ["$0 flow capture.pcap --frame 42", "the flow that frame 42 belongs to (Wireshark's frame number)"],
          ],
        ),
      async (args) => {
        boundHeapGrowth();
        const name = nameOf(args.capture);
        await guard(name, args.debug, async () => {
          const ladder = await findFlow(inputOf(name), name, { callId: args["call-id"], frame: args.frame });
          const color = colorEnabled({ isTTY: process.stdout.isTTY, env: process.env, flag: args.color });
          stdout.line(renderFlow(ladder, { width: process.stdout.isTTY ? (process.stdout.columns ?? 100) : 100, color }).replace(/\n$/, ""));
          await stdout.flush();
        });
      },
    )
    .command(
      "scan <paths..>",
      "Analyse every capture under files and directories, each on its own, in parallel; one summary or one JSON record per capture",
      (y) => scanOptions(y),
      async (args) => {
        await guard(args.paths.join(", "), args.debug, async () => {
          const tlsKeylog = args["tls-keylog"] !== undefined ? await readKeylog(args["tls-keylog"]) : undefined;
          const interrupt = interruptOnSignals();
          const r = await runScan({
            paths: args.paths.map(nameOf), format: args.format, output: outputOf(args.output), jobs: args.jobs, workerMemory: args["worker-memory"], timeout: args.timeout,
            include: args.include, exclude: args.exclude,
            failOn: args["fail-on"], credentials: args.credentials, insecureCredentials: args["insecure-credentials"], tlsKeylog, redact: args.redact,
            progress: args.progress, color: args.color, stdout, stdoutIsTTY: process.stdout.isTTY, columns: process.stdout.columns,
            stderr: process.stderr, env: process.env,
            shard: args.shard, shardFromEnv: args["shard-from-env"], shardCount: args["shard-count"], arrayBase: args["array-base"], limits: args, signal: interrupt.signal,
          }).finally(() => interrupt.dispose());
          interrupt.finish();
          process.exitCode = r.code;
        });
      },
    )
    .command(
      "merge <files..>",
      "Combine the NDJSON outputs of scan --shard K/N into the summary one scan of the whole archive prints",
      (y) => mergeOptions(y),
      (args) =>
        guard(args.files.join(", "), args.debug, async () => {
          const terminal = { stdout, stdoutIsTTY: process.stdout.isTTY, columns: process.stdout.columns, env: process.env };
          process.exitCode = (await runMerge({ files: args.files.map(nameOf), format: args.format, output: outputOf(args.output), failOn: args["fail-on"], color: args.color, ...terminal })).code;
        }),
    )
    .demandCommand(1, "Name a command: sip401 analyze FILE, sip401 messages FILE, sip401 flow FILE --call-id ID, sip401 scan DIR, sip401 merge SHARDS")
    .strict()
    .version(VERSION)
    .help()
    .alias("h", "help")
    .wrap(Math.min(100, process.stdout.columns ?? 80))
    .fail((msg, err) => {
      // Only argument errors arrive here (command handlers catch their own in guard): yargs'
      // messages, or what a .check() callback says. One line, exit 2, never a stack.
      process.stderr.write(`sip401: ${msg ?? (err instanceof Error ? err.message : String(err))}\nRun 'sip401 --help' for usage.\n`);
      process.exit(EXIT_INPUT);
    });
  await program.parseAsync();
}

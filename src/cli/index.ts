/**
 * The sip401 command line. The only module that touches `process`: it parses arguments, runs a
 * command, prints one-line errors and sets the exit code.
 */
import yargs from "yargs";
import type { CaptureInput } from "../capture/source.js";
import type { ExtractSummary } from "../extract/model.js";
import { describeInputError, EXIT_INPUT, UsageError } from "./errors.js";
import { MESSAGE_FORMATS, runMessages, type MessageFormat } from "./messages.js";
import { LineWriter, PipeClosedError } from "./output.js";

const VERSION = "0.1.0";

/** nameOf restores "-": yargs hands a lone "-" positional over as an empty string. */
function nameOf(arg: string): string {
  return arg === "" ? "-" : arg;
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
  if (!s.damage) return;
  const d = s.damage;
  process.stderr.write(`sip401: ${name}: ${d.kind} at byte ${d.byteOffset} after frame ${d.afterFrame} (${d.reason})\n`);
}

/** guard runs a command, turning expected failures into one-line errors. */
async function guard(name: string, debug: boolean, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    if (err instanceof PipeClosedError) return;
    if (debug && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    fail(err instanceof UsageError ? err.message : describeInputError(name, err));
  }
}

/** main runs the CLI with the given arguments (without node and script). */
export async function main(argv: string[]): Promise<void> {
  const stdout = new LineWriter(process.stdout);
  const program = yargs(argv)
    .scriptName("sip401")
    .usage("$0 <command> [options]\n\nExplains why SIP authentication and registration fail, from packet captures.")
    .option("debug", { type: "boolean", default: false, describe: "Print stack traces of internal errors" })
    .command(
      "messages <capture>",
      "List every SIP message in a capture (like `tshark -Y sip`, but readable)",
      (y) =>
        y
          .positional("capture", { type: "string", demandOption: true, describe: "pcap / pcapng file (optionally gzip-compressed), or - for stdin" })
          .option("format", { alias: "f", choices: MESSAGE_FORMATS, default: "text" as MessageFormat, describe: "Output format" })
          .example("$0 messages capture.pcapng", "one line per SIP message")
          .example("tcpdump -i any -w - port 5060 | $0 messages -", "live, from stdin")
          .example("$0 messages capture.pcap -f ndjson | jq .callId", "JSON lines"),
      async (args) => {
        const name = nameOf(args.capture);
        await guard(name, args.debug, async () => {
          const summary = await runMessages(inputOf(name), name, args.format, stdout);
          reportDamage(name, summary);
          if (summary.sipMessages === 0) process.stderr.write(`sip401: ${name}: no SIP messages found in ${summary.frames} frames\n`);
        });
      },
    )
    .demandCommand(1, "Name a command: sip401 messages FILE")
    .strict()
    .version(VERSION)
    .help()
    .alias("h", "help")
    .wrap(Math.min(100, process.stdout.columns ?? 80))
    .fail((msg, err) => {
      if (err) throw err;
      process.stderr.write(`sip401: ${msg}\nRun 'sip401 --help' for usage.\n`);
      process.exit(EXIT_INPUT);
    });
  await program.parseAsync();
}

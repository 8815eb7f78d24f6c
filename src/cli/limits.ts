/**
 * The `--max-*` options of `analyze` and `messages`: the limits that keep memory and time bounded
 * on hostile or huge captures (docs/reliability.md), raised or lowered from the command line.
 * Unset options keep the library defaults.
 */
import type { Argv } from "yargs";
import { DEFAULT_CAPTURE_LIMITS } from "../capture/parser.js";
import { DEFAULT_CORRELATION_LIMITS, type CorrelationLimits } from "../correlate/correlator.js";
import { DEFAULT_EXTRACT_OPTIONS, type ExtractOptions } from "../extract/extractor.js";
import { UsageError } from "./errors.js";

const D = DEFAULT_EXTRACT_OPTIONS;

/** limitOptions declares the extraction limits (both commands). */
export function limitOptions<T>(y: Argv<T>) {
  return y
    .option("max-record-mb", { type: "number", defaultDescription: String(DEFAULT_CAPTURE_LIMITS.maxRecordBytes / 1048576), describe: "Largest capture record or block accepted, MiB; a bigger claim ends reading as corruption" })
    .option("max-tcp-streams", { type: "number", defaultDescription: String(D.net.streams.maxConnections), describe: "TCP connections followed at once; the least recently active is flushed beyond" })
    .option("max-message-kb", { type: "number", defaultDescription: String(D.framer.maxMessageBytes / 1024), describe: "Largest SIP message on a stream (TCP, TLS, WebSocket), KiB; bigger ones are skipped" });
}

/** correlationOptions declares the tracking limits (analyze). */
export function correlationOptions<T>(y: Argv<T>) {
  return y
    .option("max-transactions", { type: "number", defaultDescription: String(DEFAULT_CORRELATION_LIMITS.transactions.maxOpen), describe: "Transactions tracked at once; beyond, the oldest answered one (else the oldest) is closed early" })
    .option("max-registrations", { type: "number", defaultDescription: String(DEFAULT_CORRELATION_LIMITS.registrations.maxRegistrations), describe: "Registrations listed in detail; the oldest are folded into the counts beyond" });
}

/** LimitArgs are the parsed `--max-*` values. */
export interface LimitArgs {
  "max-record-mb"?: number;
  "max-tcp-streams"?: number;
  "max-message-kb"?: number;
  "max-transactions"?: number;
  "max-registrations"?: number;
}

function positive(args: LimitArgs, name: keyof LimitArgs): number | undefined {
  const v = args[name];
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v <= 0) throw new UsageError(`--${name} must be a positive integer`);
  return v;
}

/** extractLimits turns the options into extraction options (only what was given differs from the defaults). */
export function extractLimits(args: LimitArgs): Partial<ExtractOptions> {
  const out: Partial<ExtractOptions> = {};
  const record = positive(args, "max-record-mb");
  const streams = positive(args, "max-tcp-streams");
  const message = positive(args, "max-message-kb");
  if (record !== undefined) out.capture = { ...D.capture, maxRecordBytes: record * 1048576 };
  if (streams !== undefined) out.net = { ...D.net, streams: { ...D.net.streams, maxConnections: streams } };
  if (message !== undefined) out.framer = { ...D.framer, maxMessageBytes: message * 1024 };
  return out;
}

/** correlationLimits turns the options into correlation limits. */
export function correlationLimits(args: LimitArgs): Partial<CorrelationLimits> {
  const out: Partial<CorrelationLimits> = {};
  const tx = positive(args, "max-transactions");
  const regs = positive(args, "max-registrations");
  if (tx !== undefined) out.transactions = { ...DEFAULT_CORRELATION_LIMITS.transactions, maxOpen: tx };
  if (regs !== undefined) out.registrations = { ...DEFAULT_CORRELATION_LIMITS.registrations, maxRegistrations: regs };
  return out;
}

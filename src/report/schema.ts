/**
 * The report model described as data: every object type of `model.ts` (and the finding types it
 * embeds) with its fields in output order, their JSON types and what they mean. One description
 * serves three purposes: `json.ts` orders keys by it, `reportJsonSchema()` turns it into a JSON
 * Schema (docs/report-schema.json), and `reportSchemaMarkdown()` into the field reference
 * (docs/report-schema.md). The `fields<T>()` helper makes the compiler check that a description
 * names exactly the fields of its TypeScript type, with the same optionality, so the three cannot
 * drift from the model.
 */
import { SEVERITIES, type Evidence, type Finding, type Subject } from "../detect/model.js";
import type { IssueSample, IssueSummary } from "../util/issue-log.js";
import { HANDSHAKE_FIRST_ATTEMPTS, HANDSHAKE_MAX_ATTEMPTS } from "../correlate/handshakes.js";
import { REGISTRATION_FIRST_ATTEMPTS, REGISTRATION_MAX_ATTEMPTS } from "../correlate/registrations.js";
import {
  SCHEMA_VERSION,
  type Ladder,
  type LadderStep,
  type Report,
  type ReportAttempt,
  type ReportCapture,
  type ReportHandshake,
  type ReportNonce,
  type ReportRegistration,
  type ReportSummary,
} from "./model.js";

/** FieldType is the JSON shape of one value. */
export type FieldType =
  | { kind: "string"; enum?: readonly string[]; format?: "date-time" }
  | { kind: "integer"; minimum?: number }
  | { kind: "number" }
  | { kind: "boolean" }
  | { kind: "const"; value: string | number }
  | { kind: "array"; items: FieldType }
  /** An object with free keys (Record<string, …>); keys are printed sorted. */
  | { kind: "map"; values: FieldType; keys: string }
  | { kind: "object"; fields: FieldMap }
  | { kind: "ref"; name: TypeName };

/** RequiredField is a property that is always present. */
export interface RequiredField {
  type: FieldType;
  optional?: false;
  doc: string;
}

/** OptionalField is a property that may be absent (never null). */
export interface OptionalField {
  type: FieldType;
  optional: true;
  doc: string;
}

/** Field is one property: its type, whether it may be absent, and what it means. */
export type Field = RequiredField | OptionalField;

/** TypeName names one of the object types of {@link REPORT_TYPES}. */
export type TypeName =
  | "Report"
  | "ReportCapture"
  | "IssueSummary"
  | "IssueSample"
  | "ReportSummary"
  | "Finding"
  | "Subject"
  | "Evidence"
  | "ReportRegistration"
  | "ReportAttempt"
  | "ReportHandshake"
  | "ReportNonce"
  | "NonceUse"
  | "Ladder"
  | "LadderStep";

/** FieldMap lists an object's properties in output order. */
export type FieldMap = Readonly<Record<string, Field>>;

// Keys a type may leave out; `{}` is assignable to a pick of just those.
type OptionalKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? K : never }[keyof T];
/** Fields<T> has one entry per property of T, marked optional exactly when T's is. */
type Fields<T> = { [K in keyof T]-?: K extends OptionalKeys<T> ? OptionalField : RequiredField };

/** fields checks a description against its type at compile time and returns it as a FieldMap. */
function fields<T>(f: Fields<T>): FieldMap {
  return f as FieldMap;
}

const str = (doc: string): RequiredField => ({ type: { kind: "string" }, doc });
const optStr = (doc: string): OptionalField => ({ type: { kind: "string" }, optional: true, doc });
const time = (doc: string): RequiredField => ({ type: { kind: "string", format: "date-time" }, doc });
const optTime = (doc: string): OptionalField => ({ ...time(doc), optional: true });
const int = (doc: string): RequiredField => ({ type: { kind: "integer", minimum: 0 }, doc });
const optInt = (doc: string): OptionalField => ({ ...int(doc), optional: true });
const num = (doc: string): RequiredField => ({ type: { kind: "number" }, doc });
const optNum = (doc: string): OptionalField => ({ ...num(doc), optional: true });
const bool = (doc: string): RequiredField => ({ type: { kind: "boolean" }, doc });
const ref = (name: TypeName, doc: string): RequiredField => ({ type: { kind: "ref", name }, doc });
const list = (items: FieldType, doc: string): RequiredField => ({ type: { kind: "array", items }, doc });
const counts = (keys: string, doc: string): RequiredField => ({ type: { kind: "map", keys, values: { kind: "integer", minimum: 0 } }, doc });
/** windowDoc describes the attempts the correlator keeps (util/window.ts) in the words of the docs. */
const windowDoc = (first: number, max: number): string =>
  `The first ${first} attempts and the latest ${max - first}, in order (all of them when there are at most ${max}).`;
const frameField = int("Frame number as Wireshark shows it (1-based, per capture file).");
const captureField = int("Index of the capture point (`captures[].index`); 0 when one file was analysed.");

const OUTCOMES = ["registered", "failed", "timeout", "in_progress", "unregistered"] as const;

const issueSample = fields<IssueSample>({
  frame: int("Frame the issue was found in."),
  detail: str("What was wrong, in one line."),
});

const issueSummary = fields<IssueSummary>({
  code: str("Stable snake_case issue code."),
  count: int("How often it occurred."),
  samples: list({ kind: "ref", name: "IssueSample" }, "First occurrences (bounded), in frame order."),
});

const damage = fields<NonNullable<ReportCapture["damage"]>>({
  kind: { type: { kind: "string", enum: ["truncated", "corrupt"] }, doc: "`truncated`: the file ends inside a record; `corrupt`: a record cannot be read." },
  byteOffset: int("Byte offset in the file where reading stopped."),
  afterFrame: int("Last frame read before the damage."),
  reason: str("What was wrong, in one line."),
});

const captureFile = fields<NonNullable<ReportCapture["files"]>[number]>({
  name: str("Path as given on the command line."),
  firstFrame: int("Number, across the files, of this file's first frame: its frame N is frame firstFrame + N − 1."),
  frames: int("Frames read from this file."),
  bytes: int("Bytes read from this file."),
  start: optTime("Time of the file's first frame."),
  end: optTime("Time of the file's last frame."),
});

const capture = fields<ReportCapture>({
  index: int("Index used by the `capture` fields of evidence, attempts and steps."),
  name: str('Path as given on the command line, or "-" for standard input; the paths joined by " + " for a capture point made of several files.'),
  format: { type: { kind: "string", enum: ["pcap", "pcapng"] }, doc: "Container format, detected from the first bytes." },
  gzip: bool("True when the file was gzip-compressed."),
  frames: int("Number of frames (packets) read."),
  bytes: int("Number of bytes read."),
  start: optTime("Time of the first frame (absent when there are no frames)."),
  end: optTime("Time of the last frame."),
  durationS: num("Seconds from the first to the last frame."),
  sipMessages: int("SIP messages found."),
  transports: counts("transport (UDP, TCP, TLS, WS, SCTP)", "SIP messages per transport."),
  linkTypes: list({ kind: "integer", minimum: 0 }, "Link types (LINKTYPE_* numbers) of the capture's interfaces."),
  reassembledDatagrams: int("IP datagrams reassembled from fragments."),
  tcpRetransmissions: int("TCP segments that repeated data already seen."),
  issues: list({ kind: "ref", name: "IssueSummary" }, "Decoding issues by code, with sample frames."),
  damage: { type: { kind: "object", fields: damage }, optional: true, doc: "Where a damaged capture stopped; everything before it was analysed." },
  tlsSessions: optInt("TLS sessions whose handshake was decoded."),
  files: {
    type: { kind: "array", items: { kind: "object", fields: captureFile } },
    optional: true,
    doc: "Present when this capture point is several files that continue one another (a rotated tcpdump -C/-G set), in time order; frames are numbered across them as `mergecap -a -w merged.pcap FILES` numbers them.",
  },
});

const credentials = fields<NonNullable<ReportAttempt["credentials"]>>({
  username: optStr("Digest username."),
  realm: optStr("Digest realm the client answered."),
  algorithm: str("Digest algorithm (MD5, SHA-256, …)."),
  qop: optStr("Quality of protection chosen (auth, auth-int)."),
  nc: optStr("Nonce count, 8 hex digits."),
  cnonce: optStr("Client nonce."),
  nonce: optStr("Server nonce answered (possibly abbreviated, as in `abcd1234…wxyz`)."),
  uri: optStr("Digest uri (compared with the Request-URI)."),
  verified: { type: { kind: "string", enum: ["match", "mismatch"] }, optional: true, doc: "Result of checking the digest with a password from --credentials; absent when not checked." },
});

const challenge = fields<NonNullable<ReportAttempt["challenge"]>>({
  realm: optStr("Realm offered."),
  nonce: optStr("Nonce offered."),
  algorithm: str("Algorithm offered."),
  qop: list({ kind: "string" }, "qop values offered."),
  stale: bool("True when the server said stale=true (the previous nonce expired; the credentials were right)."),
});

const attempt = fields<ReportAttempt>({
  frame: frameField,
  capture: captureField,
  time: time("Time of the request."),
  cseq: int("CSeq number."),
  callId: str("Call-ID."),
  credentials: { type: { kind: "object", fields: credentials }, optional: true, doc: "Credentials presented; never a password and never the digest response." },
  requestUri: optStr("Request-URI."),
  responseFrame: optInt("Frame of the final response."),
  status: optInt("Status code of the final response."),
  reason: optStr("Reason phrase of the final response."),
  challenge: { type: { kind: "object", fields: challenge }, optional: true, doc: "Digest challenge of a 401/407 response." },
  retransmissions: int("Retransmissions of the request."),
  unanswered: { type: { kind: "boolean" }, optional: true, doc: "True when no final response was seen." },
  expiresRequested: optInt("REGISTER: expiry the client asked for, in seconds."),
  expiresGranted: optInt("REGISTER: expiry the 2xx granted, in seconds."),
  clientPort: optInt("Source port used (a change between attempts shows NAT rebinding)."),
});

const registration = fields<ReportRegistration>({
  id: int("Registration number, from 1."),
  capture: captureField,
  aor: str("Address-of-record (To URI), `sip:user@domain`."),
  user: optStr("User part of the AOR."),
  username: optStr("Digest username presented."),
  realm: optStr("Digest realm of the challenge."),
  client: str("Client address as seen in the packets, ip:port."),
  server: str("Server address as seen in the packets, ip:port."),
  transport: str("Transport (UDP, TCP, TLS, WS, SCTP)."),
  attempts: int("REGISTER requests sent (retransmissions not counted)."),
  authenticatedAttempts: int("Requests that carried credentials."),
  outcome: { type: { kind: "string", enum: OUTCOMES }, doc: "How the registration ended." },
  status: optInt("Final status of the last attempt."),
  reason: optStr("Reason phrase of that status."),
  expiresGranted: optInt("Expiry granted by the last 2xx, in seconds."),
  refreshIntervalS: optNum("Seconds between successful refreshes."),
  staleChallenges: int("Challenges with stale=true."),
  deregistrations: int("REGISTERs with expiry 0."),
  sourcePortChanges: int("Times the client's source port changed."),
  callIds: list({ kind: "string" }, "Call-IDs used."),
  userAgent: optStr("User-Agent of the client."),
  serverAgent: optStr("Server header of the registrar."),
  first: time("Time of the first request."),
  last: time("Time of the last message."),
  frames: list({ kind: "integer", minimum: 0 }, "Frames of the registration (bounded sample, ascending)."),
  attemptDetails: list({ kind: "ref", name: "ReportAttempt" }, windowDoc(REGISTRATION_FIRST_ATTEMPTS, REGISTRATION_MAX_ATTEMPTS)),
  attemptsNotListed: optInt("Attempts between the first and the latest ones: counted in attempts, not listed in attemptDetails."),
});

const handshake = fields<ReportHandshake>({
  id: int("Handshake number, from 1."),
  capture: captureField,
  method: str("Method authenticated (REGISTER, INVITE, …)."),
  client: str("Client address, ip:port."),
  server: str("Server address, ip:port."),
  transport: str("Transport."),
  fromUri: optStr("From URI."),
  username: optStr("Digest username presented."),
  realm: optStr("Realm of the challenge."),
  callIds: list({ kind: "string" }, "Call-IDs used."),
  attempts: int("Requests in the handshake."),
  authenticatedAttempts: int("Requests that carried credentials."),
  outcome: str("success, rechallenged, stale, forbidden, not_found, other, no_response, no_retry or in_progress."),
  status: optInt("Final status of the last attempt."),
  first: time("Time of the first request."),
  last: time("Time of the last message."),
  attemptDetails: list({ kind: "ref", name: "ReportAttempt" }, windowDoc(HANDSHAKE_FIRST_ATTEMPTS, HANDSHAKE_MAX_ATTEMPTS)),
  attemptsNotListed: optInt("Attempts between the first and the latest ones: counted in attempts, not listed in attemptDetails."),
});

const nonceUse = fields<ReportNonce["uses"][number]>({
  frame: frameField,
  nc: optStr("Nonce count (8 hex digits) of that use."),
});

const nonce = fields<ReportNonce>({
  capture: captureField,
  nonce: str("The server nonce."),
  realm: optStr("Realm of the challenge that issued it."),
  issuedFrame: frameField,
  issued: time("Time of the issuing 401/407."),
  stale: bool("The issuing challenge carried stale=true."),
  server: str("Server that issued it, ip:port."),
  client: str("Client it was issued to, ip:port."),
  useCount: int("Requests that presented it."),
  uses: list({ kind: "ref", name: "NonceUse" }, "The first uses (bounded), in order."),
  replacedAtFrame: optInt("Frame of the challenge that replaced it for the same client and dialog."),
  usesAfterReplacement: int("Uses after it had been replaced."),
  ncRegressions: int("Uses whose nonce count did not increase."),
});

const step = fields<LadderStep>({
  frame: frameField,
  capture: captureField,
  time: time("Time of the message."),
  offsetS: num("Seconds since the flow's first message."),
  from: str("Sender, ip:port."),
  to: str("Receiver, ip:port."),
  transport: str("Transport."),
  label: str('"REGISTER sip:example.test" or "401 Unauthorized".'),
  status: optInt("Status code of a response."),
  highlight: bool("True when this step is evidence of a finding (drawn highlighted)."),
  retransmission: bool("True when this message is a retransmission (drawn dashed)."),
});

const ladder = fields<Ladder>({
  callId: str("Call-ID of the flow."),
  capture: captureField,
  endpoints: list({ kind: "string" }, "Participants in order of first appearance, ip:port."),
  steps: list({ kind: "ref", name: "LadderStep" }, "Messages in capture order."),
  omitted: int("Steps left out because the flow was longer than the limit."),
  findings: list({ kind: "string" }, "Codes of the findings this flow is evidence for."),
});

const subject = fields<Subject>({
  user: optStr("User name (digest username or AOR user part)."),
  aor: optStr("Address-of-record, `sip:user@domain`."),
  realm: optStr("Digest realm."),
  client: optStr("Client address, ip:port."),
  server: optStr("Server address, ip:port."),
  callId: optStr("Call-ID, when the finding is about one dialog or registration."),
});

const evidence = fields<Evidence>({
  frame: frameField,
  capture: captureField,
  text: str("What this frame proves, in one line."),
});

const finding = fields<Finding>({
  code: str("Stable snake_case code, e.g. `bad_credentials`."),
  severity: { type: { kind: "string", enum: SEVERITIES }, doc: "error, warning or info." },
  title: str("One-line title, specific to this occurrence."),
  subject: ref("Subject", "Who and where the finding is about."),
  evidence: list({ kind: "ref", name: "Evidence" }, "Evidence frames in frame order."),
  filter: str("Wireshark display filter that shows the evidence."),
  explanation: str("The cause, in plain words."),
  fix: list({ kind: "string" }, "Concrete steps to fix it, most likely first."),
});

const transactions = fields<ReportSummary["transactions"]>({
  total: int("Transactions seen."),
  completed: int("Transactions with a final response."),
  unanswered: int("Requests that never got a final response."),
  openAtEnd: int("Transactions still open when the capture ended."),
  requestRetransmissions: int("Retransmitted requests."),
  responseRetransmissions: int("Retransmitted final responses."),
  orphanResponses: int("Responses without a matching request."),
  byMethod: counts("method", "Transactions per method."),
  byStatusClass: counts("status class (1xx … 6xx)", "Final responses per status class."),
});

const registrationCounts = fields<ReportSummary["registrations"]>({
  total: int("Registrations seen."),
  registered: int("Registrations that ended registered."),
  failed: int("Registrations that ended rejected."),
  timeout: int("Registrations whose last request got no answer."),
  in_progress: int("Registrations still in progress when the capture ended."),
  unregistered: int("Registrations that ended with a deregistration."),
});

const summary = fields<ReportSummary>({
  sipMessages: int("SIP messages in all captures."),
  transactions: { type: { kind: "object", fields: transactions }, doc: "Transaction counts." },
  registrations: { type: { kind: "object", fields: registrationCounts }, doc: "Registrations by outcome." },
  handshakes: {
    type: {
      kind: "object",
      fields: fields<ReportSummary["handshakes"]>({
        total: int("Authentication handshakes seen."),
        byOutcome: counts("outcome", "Handshakes per outcome."),
      }),
    },
    doc: "Authentication handshakes by outcome.",
  },
  findings: {
    type: { kind: "object", fields: fields<ReportSummary["findings"]>({ error: int("Errors."), warning: int("Warnings."), info: int("Notes.") }) },
    doc: "Findings per severity.",
  },
  worst: { type: { kind: "string", enum: [...SEVERITIES, "none"] }, doc: 'Highest severity found, or "none".' },
});

const limits = fields<Report["limits"]>({
  transactionsEvicted: int("Transactions dropped from memory before they completed."),
  registrationsUntracked: int("Registrations not listed because too many were tracked at once: the oldest were decided and folded into the summary counts."),
  noncesEvicted: int("Nonces forgotten (replay checks may miss some)."),
  laddersDropped: int("Ladders left out of the report."),
  handshakesFolded: int("Successful handshakes counted but not listed."),
  noncesNotListed: int("Nonces left out of `nonces` (the list is bounded)."),
  clockJumps: int("Capture clock leaps of more than a day, ignored by the transaction timers."),
});

const report = fields<Report>({
  schemaVersion: { type: { kind: "const", value: SCHEMA_VERSION }, doc: `Version of this format; ${SCHEMA_VERSION} for this document.` },
  tool: {
    type: { kind: "object", fields: fields<Report["tool"]>({ name: { type: { kind: "const", value: "sip401" }, doc: "Always sip401." }, version: str("sip401 version.") }) },
    doc: "The program that wrote the report.",
  },
  captures: list({ kind: "ref", name: "ReportCapture" }, "One entry per capture point, in command-line order: each input file, except that files continuing one another in time (a rotated set) are one entry with `files`."),
  summary: ref("ReportSummary", "Headline numbers."),
  findings: list({ kind: "ref", name: "Finding" }, "Findings sorted by severity (error first), then first evidence frame."),
  registrations: list({ kind: "ref", name: "ReportRegistration" }, "Registrations: one per AOR and client over time."),
  handshakes: list({ kind: "ref", name: "ReportHandshake" }, "Authentication handshakes that did not simply succeed, plus successful ones up to a limit."),
  ladders: list({ kind: "ref", name: "Ladder" }, "Message ladders of failed or suspicious flows (those referenced by findings first)."),
  nonces: list({ kind: "ref", name: "ReportNonce" }, "Nonce lifecycles: anomalous ones (stale, replaced, reused after replacement, nc going back) first; bounded."),
  limits: { type: { kind: "object", fields: limits }, doc: "State folded away to stay within memory limits (all 0 for ordinary captures)." },
  redacted: bool("True when --redact replaced identities with pseudonyms."),
});

/** The named object types, in the order the documentation lists them. */
export const REPORT_TYPES: Readonly<Record<TypeName, FieldMap>> = {
  Report: report,
  ReportCapture: capture,
  IssueSummary: issueSummary,
  IssueSample: issueSample,
  ReportSummary: summary,
  Finding: finding,
  Subject: subject,
  Evidence: evidence,
  ReportRegistration: registration,
  ReportAttempt: attempt,
  ReportHandshake: handshake,
  ReportNonce: nonce,
  NonceUse: nonceUse,
  Ladder: ladder,
  LadderStep: step,
};

/** JsonSchema is a JSON Schema (draft 2020-12) node. */
export type JsonSchema = { [key: string]: unknown };

/** typeSchema turns one field type into its JSON Schema node. */
function typeSchema(t: FieldType): JsonSchema {
  switch (t.kind) {
    case "string":
      return { type: "string", ...(t.enum ? { enum: [...t.enum] } : {}), ...(t.format ? { format: t.format } : {}) };
    case "integer":
      return { type: "integer", ...(t.minimum !== undefined ? { minimum: t.minimum } : {}) };
    case "number":
    case "boolean":
      return { type: t.kind };
    case "const":
      return { const: t.value };
    case "array":
      return { type: "array", items: typeSchema(t.items) };
    case "map":
      return { type: "object", additionalProperties: typeSchema(t.values) };
    case "object":
      return objectSchema(t.fields);
    case "ref":
      return { $ref: `#/$defs/${t.name}` };
  }
}

/** objectSchema describes a closed object: every listed field, the required ones, nothing else. */
function objectSchema(map: FieldMap): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [key, f] of Object.entries(map)) {
    properties[key] = { description: f.doc, ...typeSchema(f.type) };
    if (!f.optional) required.push(key);
  }
  return { type: "object", properties, required, additionalProperties: false };
}

/** reportJsonSchema returns the JSON Schema of `--format json` output (docs/report-schema.json). */
export function reportJsonSchema(): JsonSchema {
  const defs: Record<string, JsonSchema> = {};
  for (const [name, map] of Object.entries(REPORT_TYPES)) if (name !== "Report") defs[name] = objectSchema(map);
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "sip401 report",
    description: "Output of `sip401 analyze --format json`: everything sip401 concluded about one or more captures.",
    ...objectSchema(REPORT_TYPES.Report),
    $defs: defs,
  };
}

/** typeName is how the Markdown reference shows a field type. */
function typeName(t: FieldType, path: string): string {
  switch (t.kind) {
    case "string":
      return t.enum ? t.enum.map((e) => `"${e}"`).join(" \\| ") : t.format === "date-time" ? "string (ISO-8601 time)" : "string";
    case "integer":
    case "number":
    case "boolean":
      return t.kind;
    case "const":
      return JSON.stringify(t.value);
    case "array":
      return `array of ${typeName(t.items, path)}`;
    case "map":
      return `object: ${t.keys} → ${typeName(t.values, path)}`;
    case "object":
      return `object ([${path}](#${anchor(path)}))`;
    case "ref":
      return `[${t.name}](#${anchor(t.name)})`;
  }
}

/** anchor is the heading id GitHub gives a heading made of `text`. */
function anchor(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9 _-]/g, "").replace(/ /g, "-");
}

/** section writes one type's table, then the tables of objects nested in it. */
function section(title: string, map: FieldMap, out: string[]): void {
  const nested: [string, FieldMap][] = [];
  out.push(`## ${title}`, "", "| field | type | required | meaning |", "| --- | --- | --- | --- |");
  for (const [key, f] of Object.entries(map)) {
    let t = f.type;
    while (t.kind === "array") t = t.items;
    if (t.kind === "object") nested.push([`${title}.${key}`, t.fields]);
    out.push(`| \`${key}\` | ${typeName(f.type, `${title}.${key}`)} | ${f.optional ? "no" : "yes"} | ${f.doc.replace(/\|/g, "\\|")} |`);
  }
  out.push("");
  for (const [path, fields] of nested) section(path, fields, out);
}

/** reportSchemaMarkdown returns the field reference of the report (docs/report-schema.md). */
export function reportSchemaMarkdown(): string {
  const out = [
    "# sip401 report format",
    "",
    `<!-- Generated from src/report/schema.ts; regenerate with UPDATE_GOLDEN=1 npx vitest run test/report/schema.test.ts -->`,
    "",
    `\`sip401 analyze --format json\` prints one JSON object, the report model of \`src/report/model.ts\`, schema version ${SCHEMA_VERSION}.`,
    "Keys appear in the order listed here (keys of free-form count objects sorted), indented by two spaces, with a final newline, so two runs on the same capture give identical bytes.",
    "Absent optional fields are left out, never `null`. Times are ISO-8601 UTC strings with nanoseconds (`2026-11-24T05:12:23.794651000Z`).",
    "Frame numbers are the ones Wireshark shows. A password or a digest response never appears. With `--redact`, user names, addresses, hosts, nonces and Call-IDs are replaced by stable pseudonyms (`user-1`, `host-2`, `nonce-3`, `call-1`) and `redacted` is true.",
    "The machine-readable [JSON Schema](report-schema.json) is generated from the same description.",
    "",
  ];
  for (const [name, map] of Object.entries(REPORT_TYPES)) section(name, map, out);
  return out.join("\n");
}

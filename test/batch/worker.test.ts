/**
 * The worker's own step, in process: one file in, its row (and record) out, with the limits the
 * CLI sends (`--max-*`), so a limit given to `scan` really bounds the analysis of every file.
 */
import { createReadStream, statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { analyze } from "../../src/analyze/index.js";
import { rowOf } from "../../src/batch/summary.js";
import { scanOne } from "../../src/batch/worker.js";
import { DEFAULT_EXTRACT_OPTIONS } from "../../src/extract/extractor.js";
import { labCapture } from "../helpers/corpus.js";

const file = (name: string) => ({ path: labCapture(name), rel: `${name}.pcap`, size: statSync(labCapture(name)).size });

describe("scanOne", () => {
  it("applies the extraction limits it is given: SIP messages over TCP larger than --max-message-kb are skipped", async () => {
    const plain = await scanOne(file("bad_password_tcp"), { redact: false, records: false });
    expect(plain.row.sipMessages).toBe(8);
    const limited = await scanOne(file("bad_password_tcp"), {
      redact: false,
      records: false,
      extract: { framer: { ...DEFAULT_EXTRACT_OPTIONS.framer, maxMessageBytes: 200 } },
    });
    expect(limited.row.sipMessages).toBeLessThan(8);
  });

  it("builds the NDJSON record only when asked, and it carries the row", async () => {
    expect((await scanOne(file("unknown_user"), { redact: false, records: false })).record).toBeUndefined();
    const withRecord = await scanOne(file("unknown_user"), { redact: false, records: true });
    expect(JSON.parse(withRecord.record ?? "{}")).toMatchObject({ kind: "sip401-scan-row", rel: "unknown_user.pcap", top: { code: "unknown_user" }, report: { schemaVersion: 1 } });
  });

  it("records no ladders for a row, which does not read them: the row is the one the whole report gives", async () => {
    // bad_password_udp: a failed handshake, so the whole report draws its ladder.
    const f = file("bad_password_udp");
    const whole = await analyze([{ input: createReadStream(f.path), name: f.path }]);
    expect(whole.ladders.length).toBeGreaterThan(0);
    const bare = await analyze([{ input: createReadStream(f.path), name: f.path }], { ladders: false });
    expect(bare.ladders).toEqual([]);
    expect({ ...bare, ladders: whole.ladders }).toEqual(whole);
    expect((await scanOne(f, { redact: false, records: false })).row).toEqual(rowOf(f, whole));
    // A record carries the whole report, ladders included.
    const withRecord = await scanOne(f, { redact: false, records: true });
    expect(JSON.parse(withRecord.record ?? "{}").report.ladders.length).toBe(whole.ladders.length);
  });
});

/**
 * `sip401 flow FILE --call-id ID | --frame N`: the ladder of one flow in the terminal, like
 * sngrep's call flow, for a quick look.
 */
import { toLadder } from "../analyze/build.js";
import { LadderRecorder } from "../analyze/ladders.js";
import type { CaptureInput } from "../capture/source.js";
import { extractMessages } from "../extract/extractor.js";
import type { Ladder } from "../report/model.js";
import { UsageError } from "./errors.js";

/** findFlow extracts the flow of a Call-ID, or of the Call-ID carried by frame N. */
export async function findFlow(input: CaptureInput, name: string, sel: { callId?: string; frame?: number }): Promise<Ladder> {
  const recorder = new LadderRecorder(20_000, 1);
  let callId = sel.callId;
  await extractMessages(input, name, (m) => {
    if (callId === undefined && sel.frame !== undefined && m.frame === sel.frame) callId = m.message?.callId;
    if (sel.callId === undefined || m.message?.callId === sel.callId) recorder.record(m);
  });
  if (callId === undefined) throw new UsageError(sel.frame !== undefined ? `${name}: frame ${sel.frame} carries no SIP message` : "give --call-id or --frame");
  const log = recorder.logs().find((l) => l.callId === callId);
  if (!log) throw new UsageError(`${name}: no SIP message with Call-ID ${callId}`);
  return toLadder(log, [], (_c, f) => f === sel.frame);
}

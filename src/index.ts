/**
 * sip401 as a library: the same reading API the CLI uses.
 *
 * ```ts
 * import { extractMessages } from "sip401";
 * await extractMessages("capture.pcapng", "capture.pcapng", (m) => console.log(m.frame, m.message?.callId));
 * ```
 */
export * from "./capture/index.js";
export { SipExtractor, extractMessages, DEFAULT_EXTRACT_OPTIONS, type ExtractOptions } from "./extract/extractor.js";
export type { CapturedMessage, ExtractSummary, Transport } from "./extract/model.js";
export { NetDecoder, DEFAULT_NET_LIMITS, type NetLimits, type NetSink, type UdpDatagram } from "./net/decoder.js";
export { NET_ISSUES } from "./net/issues.js";
export { isSipPort, looksLikeSip, startLineKind, SIP_PORTS } from "./sip/classify.js";
export { SipStreamFramer, FRAMING_ISSUES, type FramedMessage } from "./sip/framing.js";
export { parseSip } from "./sip/parse.js";
export type { SipMessage } from "./sip/message.js";
export { formatIsoNs, formatSeconds } from "./util/time.js";
export { IssueLog, type IssueSummary, type IssueSample } from "./util/issue-log.js";
export type { Issue } from "./util/issues.js";

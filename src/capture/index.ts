/**
 * The capture stage: pcap / pcapng / gzip containers → frames.
 */
export * from "./model.js";
export { CaptureParser, NotACaptureError, DEFAULT_CAPTURE_LIMITS, type CaptureLimits } from "./parser.js";
export { InputFileError, readCapture, type CaptureInput, type ReadResult } from "./source.js";
export { sniffMagic, describeStart, type Magic } from "./sniff.js";
export { SECRETS_TLS_KEYLOG, LINKTYPE_NONE, type Secrets } from "./pcapng.js";

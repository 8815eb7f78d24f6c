/**
 * TLS for sip401: records, handshakes, certificates, key logs and decryption of SIP over TLS
 * (RFC 5246, RFC 8446, RFC 5630 §3 for SIP's use of TLS).
 */
export * from "./model.js";
export { TLS_ISSUES, type TlsIssueCode, type TlsIssueFn } from "./issues.js";
export { TlsKeyLog, parseKeyLog, type KeyLogStats, type KeyLogLabel } from "./keylog.js";
export { TlsConnection, DEFAULT_TLS_LIMITS, endpointText, type TlsLimits, type TlsHooks, type PendingBudget, type Endpoint } from "./session.js";
export { TlsRecordReader, looksLikeTlsRecord, looksLikeClientHello, looksLikeSslv2Hello, type TlsRecord, type Carrier } from "./record.js";
export { describeCertificate, certificateMatchesName, certificateNames, dnsNameMatches } from "./cert.js";
export { alertName, cipherName, isHttpAlpn, versionName } from "./constants.js";
export { TlsTracker, type StreamSink, type PlaintextFactory, type TlsTrackerOptions } from "./tracker.js";

/**
 * TLS registry values sip401 names or acts on: record content types, handshake types, alert
 * descriptions, protocol versions and cipher suites (IANA "TLS Parameters" registry; RFC 8446 §B,
 * RFC 5246 §A). Names follow the RFCs so a report reads like Wireshark's dissector output.
 */

/** Record content types (RFC 8446 §5.1; heartbeat RFC 6520). */
export const CT_CHANGE_CIPHER_SPEC = 20;
export const CT_ALERT = 21;
export const CT_HANDSHAKE = 22;
export const CT_APPLICATION_DATA = 23;
export const CT_HEARTBEAT = 24;

/** Handshake message types (RFC 8446 §4, RFC 5246 §7.4). */
export const HS_CLIENT_HELLO = 1;
export const HS_SERVER_HELLO = 2;
export const HS_NEW_SESSION_TICKET = 4;
export const HS_CERTIFICATE = 11;
export const HS_SERVER_KEY_EXCHANGE = 12;
export const HS_CERTIFICATE_REQUEST = 13;
export const HS_SERVER_HELLO_DONE = 14;
export const HS_CLIENT_KEY_EXCHANGE = 16;
export const HS_FINISHED = 20;
export const HS_KEY_UPDATE = 24;

/** Extensions read by sip401 (RFC 6066 §3 server_name, RFC 7301 ALPN, RFC 8446 §4.2.1). */
export const EXT_SERVER_NAME = 0;
export const EXT_ALPN = 16;
export const EXT_SUPPORTED_VERSIONS = 43;

export const TLS12 = 0x0303;
export const TLS13 = 0x0304;

/** Largest record fragment: 2^14 plaintext plus expansion (RFC 5246 §6.2.3 allows +2048). */
export const MAX_RECORD_FRAGMENT = (1 << 14) + 2048;

/**
 * The ServerHello.random of a HelloRetryRequest: SHA-256("HelloRetryRequest") (RFC 8446 §4.1.3).
 * A HelloRetryRequest is not the final ServerHello; the real one follows the second ClientHello.
 */
export const HELLO_RETRY_RANDOM = "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c";

/** Alert descriptions (RFC 8446 §6, RFC 5246 §7.2, RFC 7507 inappropriate_fallback). */
export const ALERT_NAMES: Readonly<Record<number, string>> = {
  0: "close_notify",
  10: "unexpected_message",
  20: "bad_record_mac",
  21: "decryption_failed",
  22: "record_overflow",
  30: "decompression_failure",
  40: "handshake_failure",
  41: "no_certificate",
  42: "bad_certificate",
  43: "unsupported_certificate",
  44: "certificate_revoked",
  45: "certificate_expired",
  46: "certificate_unknown",
  47: "illegal_parameter",
  48: "unknown_ca",
  49: "access_denied",
  50: "decode_error",
  51: "decrypt_error",
  60: "export_restriction",
  70: "protocol_version",
  71: "insufficient_security",
  80: "internal_error",
  86: "inappropriate_fallback",
  90: "user_canceled",
  100: "no_renegotiation",
  109: "missing_extension",
  110: "unsupported_extension",
  111: "certificate_unobtainable",
  112: "unrecognized_name",
  113: "bad_certificate_status_response",
  114: "bad_certificate_hash_value",
  115: "unknown_psk_identity",
  116: "certificate_required",
  120: "no_application_protocol",
};

/** alertName names an alert description, `unknown_N` for unregistered values. */
export function alertName(description: number): string {
  return ALERT_NAMES[description] ?? `unknown_${description}`;
}

/** isHttpAlpn: an ALPN protocol id of HTTP (RFC 7301 registry: http/1.0, http/1.1, h2, h3). */
export function isHttpAlpn(id: string): boolean {
  return id === "h2" || id === "h3" || id.startsWith("http/");
}

/** versionName renders a protocol version as people say it ("TLS 1.2"). */
export function versionName(v: number): string {
  switch (v) {
    case 0x0300:
      return "SSL 3.0";
    case 0x0301:
      return "TLS 1.0";
    case 0x0302:
      return "TLS 1.1";
    case TLS12:
      return "TLS 1.2";
    case TLS13:
      return "TLS 1.3";
    default:
      return `0x${hex4(v)}`;
  }
}

/** isGrease: RFC 8701 reserves 0x?A?A values that clients send to keep servers tolerant. */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);
}

function hex4(v: number): string {
  return v.toString(16).toUpperCase().padStart(4, "0");
}

/** AeadName is a record protection algorithm sip401 can decrypt, as node:crypto names it. */
export type AeadName = "aes-128-gcm" | "aes-256-gcm" | "chacha20-poly1305";

/** CipherSpec describes what decryption needs of a suite. */
export interface CipherSpec {
  /** AEAD algorithm, when sip401 can decrypt the suite. */
  aead?: AeadName;
  /** Hash of the PRF (TLS 1.2, RFC 5246 §5) or HKDF (TLS 1.3, RFC 8446 §7.1). */
  hash: "sha256" | "sha384";
}

interface SuiteRow {
  name: string;
  spec: CipherSpec;
}

const GCM128: CipherSpec = { aead: "aes-128-gcm", hash: "sha256" };
const GCM256: CipherSpec = { aead: "aes-256-gcm", hash: "sha384" };
const CHACHA: CipherSpec = { aead: "chacha20-poly1305", hash: "sha256" };
const OTHER256: CipherSpec = { hash: "sha256" };
const OTHER384: CipherSpec = { hash: "sha384" };

/**
 * Cipher suites by code: the TLS 1.3 suites (RFC 8446 §B.4), the AEAD suites of TLS 1.2
 * (RFC 5288, RFC 5289, RFC 5487, RFC 7905) that sip401 decrypts, and common CBC suites that it only
 * names. Pre-1.2 suites use the MD5/SHA-1 PRF; they are listed with sha256 only for naming.
 */
const SUITES: ReadonlyMap<number, SuiteRow> = new Map<number, SuiteRow>([
  [0x1301, { name: "TLS_AES_128_GCM_SHA256", spec: GCM128 }],
  [0x1302, { name: "TLS_AES_256_GCM_SHA384", spec: GCM256 }],
  [0x1303, { name: "TLS_CHACHA20_POLY1305_SHA256", spec: CHACHA }],
  [0x1304, { name: "TLS_AES_128_CCM_SHA256", spec: OTHER256 }],
  [0x1305, { name: "TLS_AES_128_CCM_8_SHA256", spec: OTHER256 }],
  [0x009c, { name: "TLS_RSA_WITH_AES_128_GCM_SHA256", spec: GCM128 }],
  [0x009d, { name: "TLS_RSA_WITH_AES_256_GCM_SHA384", spec: GCM256 }],
  [0x009e, { name: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", spec: GCM128 }],
  [0x009f, { name: "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", spec: GCM256 }],
  [0x00a8, { name: "TLS_PSK_WITH_AES_128_GCM_SHA256", spec: GCM128 }],
  [0x00a9, { name: "TLS_PSK_WITH_AES_256_GCM_SHA384", spec: GCM256 }],
  [0xc02b, { name: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", spec: GCM128 }],
  [0xc02c, { name: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", spec: GCM256 }],
  [0xc02f, { name: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", spec: GCM128 }],
  [0xc030, { name: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", spec: GCM256 }],
  [0xcca8, { name: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", spec: CHACHA }],
  [0xcca9, { name: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", spec: CHACHA }],
  [0xccaa, { name: "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", spec: CHACHA }],
  [0x000a, { name: "TLS_RSA_WITH_3DES_EDE_CBC_SHA", spec: OTHER256 }],
  [0x002f, { name: "TLS_RSA_WITH_AES_128_CBC_SHA", spec: OTHER256 }],
  [0x0035, { name: "TLS_RSA_WITH_AES_256_CBC_SHA", spec: OTHER256 }],
  [0x003c, { name: "TLS_RSA_WITH_AES_128_CBC_SHA256", spec: OTHER256 }],
  [0x003d, { name: "TLS_RSA_WITH_AES_256_CBC_SHA256", spec: OTHER256 }],
  [0xc009, { name: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", spec: OTHER256 }],
  [0xc00a, { name: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", spec: OTHER256 }],
  [0xc013, { name: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", spec: OTHER256 }],
  [0xc014, { name: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", spec: OTHER256 }],
  [0xc023, { name: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", spec: OTHER256 }],
  [0xc024, { name: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", spec: OTHER384 }],
  [0xc027, { name: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", spec: OTHER256 }],
  [0xc028, { name: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", spec: OTHER384 }],
]);

/** cipherName names a suite, `0xC030`-style for suites not in the table. */
export function cipherName(code: number): string {
  return SUITES.get(code)?.name ?? `0x${hex4(code)}`;
}

/** cipherSpec says how a suite protects records; undefined for suites sip401 does not know. */
export function cipherSpec(code: number): CipherSpec | undefined {
  return SUITES.get(code)?.spec;
}

/**
 * Issue codes raised while decoding TLS (RFC 8446, RFC 5246), declared once (style rule 2).
 * Like every decoder in sip401 the TLS stage never throws on bad bytes: it raises one of these
 * and carries on with what it can still read.
 */
import type { IssueSpec } from "../util/issues.js";

export const TLS_ISSUES = {
  tls_bad_record: {
    summary: "bytes on a TLS connection are not a valid record (unknown content type, version or oversized length); skipped to the next plausible record",
  },
  tls_bad_handshake: { summary: "a TLS handshake message is malformed or truncated (ClientHello, ServerHello, Certificate, …)" },
  tls_handshake_too_large: { summary: "a TLS handshake message is larger than the configured limit and was skipped" },
  tls_bad_alert: { summary: "a TLS alert record does not hold whole 2-byte alerts" },
  tls_bad_certificate: { summary: "a certificate in a TLS Certificate message could not be decoded as X.509" },
  tls_incomplete_record: { summary: "a TLS connection ended (or the capture did) inside a record; that record's content is lost" },
  tls_gap: { summary: "bytes of a TLS connection are missing from the capture; record boundaries were re-found by scanning" },
  tls_sslv2: { summary: "an SSL 2.0-format record was seen (obsolete, RFC 6176); not decoded" },
  tls_no_keys: { summary: "encrypted TLS records could not be decrypted: the key log has no secret for this session's client random" },
  tls_unsupported_cipher: { summary: "the session's cipher suite cannot be decrypted by sip401 (only AES-GCM and ChaCha20-Poly1305 are)" },
  tls_decrypt_failed: { summary: "a TLS record failed authentication with the logged key (wrong key, lost records, or early data); decryption of this direction stopped" },
  tls_pending_limit: { summary: "ciphertext held while waiting for keys exceeded its bound; the rest of the session stays encrypted" },
} as const satisfies Record<string, IssueSpec>;

/** TlsIssueCode is one of the codes above. */
export type TlsIssueCode = keyof typeof TLS_ISSUES;

/** TlsIssueFn receives a TLS issue with the frame it was found in. */
export type TlsIssueFn = (code: TlsIssueCode, detail: string, frame: number) => void;

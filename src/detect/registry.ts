/**
 * Every finding code, declared once with its default severity and meaning (like Wireshark's
 * ei_register_info). Codes are stable: scripts and dashboards key on them.
 */
import type { FindingSpec } from "./model.js";

export const FINDINGS = {
  bad_credentials: { severity: "error", summary: "credentials were rejected for an existing identity: wrong password (re-challenged with a fresh nonce, or 403)" },
  unknown_user: { severity: "error", summary: "the identity is not provisioned on the server (404, or 403 where wrong passwords get 401)" },
  credentials_rejected: { severity: "error", summary: "the digest verifies with the known password, yet the server rejected it" },
  stale_nonce: { severity: "info", summary: "credentials built on an expired or replaced nonce (stale=true); recovered or not" },
  registration_timeout: { severity: "error", summary: "REGISTER without any final response: retransmitted over UDP; over TCP, whether the server's TCP acknowledged it" },
  tcp_connect_failed: { severity: "error", summary: "TCP connections to a SIP port refused (reset) or never answered, so no SIP went over them" },
  request_timeout: { severity: "error", summary: "a request (INVITE, OPTIONS...) without any final response: retransmitted over UDP; over TCP, whether the server's TCP acknowledged it" },
  nat_mismatch: { severity: "info", summary: "Via/Contact carry an address other than the packet source: the client is behind NAT" },
  local_source_mismatch: { severity: "info", summary: "the client sends from a loopback address but Via/Contact name another address of the same host (no NAT)" },
  sip_alg: { severity: "warning", summary: "a SIP-aware device (ALG) rewrote SIP headers or SDP in transit" },
  digest_uri_mismatch: { severity: "warning", summary: "Authorization uri differs from the Request-URI (RFC 3261 §22.4)" },
  realm_mismatch: { severity: "warning", summary: "credentials name a realm other than the challenge's" },
  algorithm_mismatch: { severity: "warning", summary: "the client answered with a digest algorithm the challenge did not offer, or ignored SHA-256" },
  content_length_mismatch: { severity: "warning", summary: "Content-Length disagrees with the bytes on the wire" },
  ip_fragmentation: { severity: "warning", summary: "SIP over UDP larger than the path MTU was IP-fragmented" },
  scanner: { severity: "warning", summary: "one source tries many identities or carries a scanner fingerprint" },
  user_enumeration: { severity: "warning", summary: "the server answers unknown and existing users differently, revealing which users exist" },
  registration_rejected: { severity: "error", summary: "REGISTER rejected for a reason other than credentials (e.g. 423 Interval Too Brief, 5xx)" },
  tls_certificate_expired: { severity: "error", summary: "the server's TLS certificate had expired at capture time" },
  tls_certificate_not_yet_valid: { severity: "error", summary: "the server's TLS certificate was not yet valid at capture time" },
  tls_certificate_name_mismatch: { severity: "error", summary: "the TLS certificate does not name the server (SNI or SIP domain)" },
  tls_self_signed: { severity: "warning", summary: "the server presents a self-signed TLS certificate" },
  tls_handshake_failure: { severity: "error", summary: "a TLS handshake failed with an alert" },
  tls_certificate_not_verified: { severity: "warning", summary: "a client completed TLS with an invalid certificate: it does not verify certificates" },
  tls_certificate_not_visible: { severity: "info", summary: "TLS 1.3: the certificate is encrypted and not visible in the capture" },
} as const satisfies Record<string, FindingSpec>;

export type FindingCode = keyof typeof FINDINGS;

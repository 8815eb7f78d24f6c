/**
 * The TLS stage's model: one TlsSession per TCP connection that carried TLS, with what the
 * handshake showed in the clear (RFC 5246 / RFC 8446) and, with a key log, what decryption added.
 * It is the input of the TLS findings (src/detect/tls.ts).
 */

/** Side says which peer sent something: the one that sent the ClientHello is the client. */
export type TlsSide = "client" | "server";

/** CertInfo is what a report needs of one X.509 certificate (RFC 5280), decoded with node:crypto. */
export interface CertInfo {
  /** Subject distinguished name, attributes joined with ", " (e.g. `CN=sip.example.test, O=Example`). */
  subject: string;
  /** Subject common name (CN), when present. */
  subjectCN?: string;
  /** Issuer distinguished name, same format as `subject`. */
  issuer: string;
  /** Issuer common name (CN), when present. */
  issuerCN?: string;
  /** subjectAltName dNSName entries, in certificate order. */
  sanDns: string[];
  /** subjectAltName iPAddress entries, as text (IPv6 as node renders it). */
  sanIp: string[];
  /** notBefore, ISO-8601 UTC. */
  validFrom: string;
  /** notAfter, ISO-8601 UTC. */
  validTo: string;
  /** Serial number, upper-case hex without separators (as OpenSSL prints it). */
  serial: string;
  /** Issuer equals subject and the signature verifies with the certificate's own public key. */
  selfSigned: boolean;
  /** basicConstraints cA flag. */
  isCA: boolean;
  /** Public key algorithm and size, e.g. `RSA 2048`, `EC prime256v1`. */
  publicKey: string;
  /** SHA-256 fingerprint, colon-separated hex (as Wireshark and OpenSSL show it). */
  fingerprint256: string;
  /** Size of the DER encoding, bytes. */
  derBytes: number;
}

/** TlsAlert is one alert record entry (RFC 8446 §6). */
export interface TlsAlert {
  /** Frame that completed the alert record. */
  frame: number;
  /** Capture timestamp of that frame, ns since the epoch. */
  tsNs: bigint;
  /** Who sent it. */
  from: TlsSide;
  /** 1 warning, 2 fatal (TLS 1.3 treats every alert but close_notify/user_canceled as fatal). */
  level: number;
  /** Alert description code, e.g. 45. */
  description: number;
  /** RFC name of the description, e.g. `certificate_expired`. */
  name: string;
  /** True when the alert was read from a decrypted record (it travelled encrypted). */
  decrypted: boolean;
}

/** TlsFrames names the frames where notable handshake events completed (Wireshark's numbering). */
export interface TlsFrames {
  /** Frame that completed the (first) ClientHello. */
  clientHello?: number;
  /** Frame that completed the ServerHello (the HelloRetryRequest when no real ServerHello followed). */
  serverHello?: number;
  /** Frame of the server's Certificate message (TLS ≤ 1.2 in the clear, or decrypted TLS 1.3). */
  certificate?: number;
  /** ServerHelloDone (TLS ≤ 1.2): the server waits for the client's key exchange. */
  serverHelloDone?: number;
  /** ClientKeyExchange (TLS ≤ 1.2): the client accepted the server's certificate and parameters. */
  clientKeyExchange?: number;
  /** ChangeCipherSpec from the client / the server (TLS ≤ 1.2: encryption starts after it). */
  clientChangeCipherSpec?: number;
  serverChangeCipherSpec?: number;
  /** First alert of the session. */
  alert?: number;
  /** First application data record from the client / the server. */
  clientApplicationData?: number;
  serverApplicationData?: number;
}

/** TlsSession is everything sip401 learnt about one TLS connection. */
export interface TlsSession {
  /** Client endpoint `ip:port` (IPv6 as `[addr]:port`). */
  client: string;
  /** Server endpoint `ip:port`. */
  server: string;
  /** IP version of the connection. */
  ipVersion: 4 | 6;
  /** Index of the capture file when several are analysed together (0 otherwise). */
  capture: number;
  /** First frame that carried TLS bytes of this connection. */
  firstFrame: number;
  /** Capture timestamp of `firstFrame`, ns since the epoch. */
  firstTsNs: bigint;
  /** Last frame that carried TLS bytes of this connection. */
  lastFrame: number;
  /** Where notable messages completed. */
  frames: TlsFrames;
  /** Timestamp of the server Certificate frame (ns): the capture time validity is judged at. */
  certificateTsNs?: bigint;
  /** server_name (SNI, RFC 6066 §3) the client asked for. */
  sni?: string;
  /** ALPN protocols the client offered (RFC 7301). */
  alpn?: string[];
  /** ClientHello.random as hex: the key log's lookup key (public, not a secret). */
  clientRandom?: string;
  /** Versions the client offered: supported_versions, else its legacy_version (e.g. `TLS 1.2`). */
  offeredVersions: string[];
  /** Cipher suites the client offered (GREASE values, RFC 8701, not counted). */
  offeredCipherCount: number;
  /** Negotiated version (from ServerHello, with supported_versions for TLS 1.3), e.g. `TLS 1.3`. */
  version?: string;
  /** Negotiated cipher suite. */
  cipher?: { code: number; name: string };
  /** The server certificate chain, leaf first, when visible (TLS ≤ 1.2, or TLS 1.3 decrypted). */
  certificates: CertInfo[];
  /** Certificates the client sent (mutual TLS), leaf first, when visible. */
  clientCertificates: CertInfo[];
  /** The server sent a CertificateRequest (it asks the client for a certificate). */
  certificateRequested: boolean;
  /** Every alert that could be read, in order. Encrypted alerts count in `encryptedAlerts`. */
  alerts: TlsAlert[];
  /** Alerts that stayed encrypted (no key). */
  encryptedAlerts: number;
  /**
   * Application data records per sender, as Wireshark labels records: without keys a TLS 1.3
   * session's encrypted handshake records count here too (they travel as application_data).
   */
  applicationDataRecords: { client: number; server: number };
  /**
   * The handshake finished: both ChangeCipherSpecs (TLS ≤ 1.2), or the client's Finished
   * (TLS 1.3: decrypted, or its first encrypted record after the ServerHello).
   */
  handshakeComplete: boolean;
  /** At least one encrypted record was decrypted with a key from the key log. */
  decrypted: boolean;
  /** Records that stayed encrypted for want of a key or a supported cipher. */
  undecryptedRecords: number;
  /** Request-URI host of the first SIP request decrypted inside the session (the SIP domain). */
  sipDomain?: string;
  /** SIP messages decrypted from the session. */
  sipMessages: number;
}

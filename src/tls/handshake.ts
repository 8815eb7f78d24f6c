/**
 * TLS handshake messages (RFC 8446 §4, RFC 5246 §7.4): reassembly of the handshake byte stream
 * (a message may span records, a record may hold several messages) and tolerant parsers for the
 * messages sip401 reads: ClientHello, ServerHello and Certificate. Parsers return a reason
 * string instead of throwing on malformed bytes.
 */
import { EXT_ALPN, EXT_SERVER_NAME, EXT_SUPPORTED_VERSIONS, HELLO_RETRY_RANDOM } from "./constants.js";
import type { Carrier } from "./record.js";

/** HandshakeMessage is one complete message (4-byte header stripped). */
export interface HandshakeMessage {
  /** HandshakeType, e.g. 1 client_hello, 11 certificate. */
  type: number;
  body: Uint8Array;
  /** Frame in which the message became complete, and its timestamp. */
  frame: number;
  tsNs: bigint;
  /** Frames that carried the message (ascending, from every record it spanned). */
  frames: number[];
}

/** HandshakeLimits bounds reassembly. */
export interface HandshakeLimits {
  /** Largest handshake message accepted (certificate chains are the largest), bytes. */
  maxMessageBytes: number;
}

export const DEFAULT_HANDSHAKE_LIMITS: HandshakeLimits = { maxMessageBytes: 256 * 1024 };

/**
 * HandshakeAssembler joins the fragments of handshake records of one direction into messages.
 * Oversized messages are skipped by their declared length, so the stream stays in step.
 */
export class HandshakeAssembler {
  private buf: Uint8Array = new Uint8Array(0);
  private frames: number[] = [];
  /** Bytes of an oversized message still to skip. */
  private skip = 0;

  constructor(
    private readonly emit: (m: HandshakeMessage) => void,
    private readonly tooLarge: (type: number, length: number, frame: number) => void,
    private readonly limits: HandshakeLimits = DEFAULT_HANDSHAKE_LIMITS,
  ) {}

  /** push adds the plaintext of one handshake record. */
  push(fragment: Uint8Array, carriers: readonly Carrier[], frame: number, tsNs: bigint): void {
    let data = fragment;
    if (this.skip > 0) {
      const n = Math.min(this.skip, data.length);
      this.skip -= n;
      data = data.subarray(n);
      if (data.length === 0) return;
    }
    this.buf = this.buf.length === 0 ? data : concat(this.buf, data);
    for (const c of carriers) if (!this.frames.includes(c.frame)) this.frames.push(c.frame);
    let p = 0;
    let emitted = false;
    while (this.buf.length - p >= 4) {
      const type = this.buf[p];
      const len = (this.buf[p + 1] << 16) | (this.buf[p + 2] << 8) | this.buf[p + 3];
      if (len > this.limits.maxMessageBytes) {
        this.tooLarge(type, len, frame);
        const have = this.buf.length - p - 4;
        this.skip = Math.max(0, len - have);
        p = Math.min(this.buf.length, p + 4 + len);
        continue;
      }
      if (this.buf.length - p - 4 < len) break;
      const body = this.buf.slice(p + 4, p + 4 + len);
      p += 4 + len;
      const frames = [...this.frames].sort((a, b) => a - b);
      emitted = true;
      this.emit({ type, body, frame, tsNs, frames });
    }
    this.buf = p >= this.buf.length ? new Uint8Array(0) : this.buf.slice(p);
    // Once a message completed, the bytes still waiting came with the current record only.
    if (this.buf.length === 0) this.frames = [];
    else if (emitted) this.frames = carriers.map((c) => c.frame);
  }

  /** reset drops a partial message (gap in the stream). */
  reset(): void {
    this.buf = new Uint8Array(0);
    this.frames = [];
    this.skip = 0;
  }

  /** pending says whether part of a message waits for more records. */
  get pending(): boolean {
    return this.buf.length > 0;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * Cursor reads big-endian fields and length-prefixed vectors (RFC 8446 §3.4) with bounds checks:
 * an overrun sets `bad` and yields zeros/empty arrays instead of throwing.
 */
export class Cursor {
  bad = false;
  constructor(
    private readonly b: Uint8Array,
    public p = 0,
    private readonly end = b.length,
  ) {}

  get left(): number {
    return this.end - this.p;
  }

  private take(n: number): number {
    if (this.bad || n > this.end - this.p) {
      this.bad = true;
      return -1;
    }
    const at = this.p;
    this.p += n;
    return at;
  }

  u8(): number {
    const at = this.take(1);
    return at < 0 ? 0 : this.b[at];
  }

  u16(): number {
    const at = this.take(2);
    return at < 0 ? 0 : (this.b[at] << 8) | this.b[at + 1];
  }

  u24(): number {
    const at = this.take(3);
    return at < 0 ? 0 : (this.b[at] << 16) | (this.b[at + 1] << 8) | this.b[at + 2];
  }

  bytes(n: number): Uint8Array {
    const at = this.take(n);
    return at < 0 ? new Uint8Array(0) : this.b.subarray(at, at + n);
  }

  /** vec reads a vector with a `lenBytes`-byte length prefix and returns a cursor over its contents. */
  vec(lenBytes: 1 | 2 | 3): Cursor {
    const n = lenBytes === 1 ? this.u8() : lenBytes === 2 ? this.u16() : this.u24();
    const at = this.take(n);
    const c = new Cursor(this.b, at < 0 ? this.end : at, at < 0 ? this.end : at + n);
    c.bad = this.bad;
    return c;
  }
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString("hex");
}

/** Extension is one hello extension: type and a cursor over its data. */
interface Extension {
  type: number;
  data: Cursor;
}

/** readExtensions reads `Extension extensions<0..2^16-1>` when present (absent is legal before TLS 1.3). */
function readExtensions(c: Cursor): Extension[] | string {
  if (c.left === 0) return [];
  const list = c.vec(2);
  const out: Extension[] = [];
  while (!list.bad && list.left > 0) {
    const type = list.u16();
    const data = list.vec(2);
    if (list.bad) break;
    out.push({ type, data });
  }
  return list.bad ? "extension list overruns its length" : out;
}

/** ClientHelloInfo is what sip401 keeps of a ClientHello (RFC 8446 §4.1.2). */
export interface ClientHelloInfo {
  legacyVersion: number;
  /** ClientHello.random, hex. */
  random: string;
  cipherSuites: number[];
  /** server_name host_name (RFC 6066 §3). */
  sni?: string;
  /** ALPN protocol names (RFC 7301 §3.1). */
  alpn?: string[];
  /** supported_versions (RFC 8446 §4.2.1). */
  supportedVersions?: number[];
}

/** parseClientHello reads a ClientHello body; a string explains what was malformed. */
export function parseClientHello(body: Uint8Array): ClientHelloInfo | string {
  const c = new Cursor(body);
  const legacyVersion = c.u16();
  const random = c.bytes(32);
  c.vec(1); // legacy_session_id
  const suites = c.vec(2);
  c.vec(1); // legacy_compression_methods
  if (c.bad) return "ClientHello shorter than its fixed fields";
  const cipherSuites: number[] = [];
  while (suites.left >= 2) cipherSuites.push(suites.u16());
  const exts = readExtensions(c);
  if (typeof exts === "string") return `ClientHello: ${exts}`;
  const info: ClientHelloInfo = { legacyVersion, random: hex(random), cipherSuites };
  for (const e of exts) {
    if (e.type === EXT_SERVER_NAME) {
      const list = e.data.vec(2);
      while (!list.bad && list.left > 0) {
        const nameType = list.u8();
        const name = list.vec(2);
        if (list.bad) break;
        if (nameType === 0 && info.sni === undefined) info.sni = Buffer.from(name.bytes(name.left)).toString("latin1");
      }
    } else if (e.type === EXT_ALPN) {
      const list = e.data.vec(2);
      const names: string[] = [];
      while (!list.bad && list.left > 0) {
        const n = list.vec(1);
        if (list.bad) break;
        names.push(Buffer.from(n.bytes(n.left)).toString("latin1"));
      }
      info.alpn = names;
    } else if (e.type === EXT_SUPPORTED_VERSIONS) {
      const list = e.data.vec(1);
      const versions: number[] = [];
      while (!list.bad && list.left >= 2) versions.push(list.u16());
      info.supportedVersions = versions;
    }
  }
  return info;
}

/** ServerHelloInfo is what sip401 keeps of a ServerHello (RFC 8446 §4.1.3, RFC 5246 §7.4.1.3). */
export interface ServerHelloInfo {
  legacyVersion: number;
  /** ServerHello.random, hex. */
  random: string;
  cipherSuite: number;
  /** supported_versions selected_version (TLS 1.3 and later). */
  selectedVersion?: number;
  /** The message is a HelloRetryRequest (special random), not the final ServerHello. */
  helloRetry: boolean;
}

/** parseServerHello reads a ServerHello body; a string explains what was malformed. */
export function parseServerHello(body: Uint8Array): ServerHelloInfo | string {
  const c = new Cursor(body);
  const legacyVersion = c.u16();
  const random = hex(c.bytes(32));
  c.vec(1); // legacy_session_id_echo
  const cipherSuite = c.u16();
  c.u8(); // legacy_compression_method
  if (c.bad) return "ServerHello shorter than its fixed fields";
  const exts = readExtensions(c);
  if (typeof exts === "string") return `ServerHello: ${exts}`;
  const info: ServerHelloInfo = { legacyVersion, random, cipherSuite, helloRetry: random === HELLO_RETRY_RANDOM };
  for (const e of exts) {
    if (e.type === EXT_SUPPORTED_VERSIONS && e.data.left >= 2) info.selectedVersion = e.data.u16();
  }
  return info;
}

/**
 * parseCertificateList reads a Certificate message: TLS ≤ 1.2 `ASN.1Cert certificate_list<0..2^24-1>`
 * (RFC 5246 §7.4.2); TLS 1.3 adds a request context and per-entry extensions (RFC 8446 §4.4.2).
 * Returns the DER certificates, leaf first.
 */
export function parseCertificateList(body: Uint8Array, tls13: boolean): Uint8Array[] | string {
  const c = new Cursor(body);
  if (tls13) c.vec(1); // certificate_request_context
  const list = c.vec(3);
  if (c.bad) return "Certificate message shorter than its length fields";
  const out: Uint8Array[] = [];
  while (list.left > 0) {
    const cert = list.vec(3);
    if (tls13) list.vec(2); // CertificateEntry extensions
    if (list.bad) return `certificate entry ${out.length + 1} overruns the list`;
    out.push(cert.bytes(cert.left));
  }
  return out;
}

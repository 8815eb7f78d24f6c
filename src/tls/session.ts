/**
 * TlsConnection follows one TLS connection over both directions of a reassembled TCP connection:
 * records (record.ts) → handshake messages (handshake.ts) → the TlsSession model, and, when the
 * key log has the session's secrets, decryption (decrypt.ts) of the protected records so the
 * application data (SIP) can be framed like any stream.
 *
 * Keys may arrive after the records they open (pcapng Decryption Secrets Blocks are only known
 * to the caller once the capture is read): protected records then wait, bounded per session and
 * by a budget shared by all sessions, and `retry()` decrypts them when keys are added.
 */
import { cipherName, cipherSpec, isGrease, versionName, alertName, CT_ALERT, CT_APPLICATION_DATA, CT_CHANGE_CIPHER_SPEC, CT_HANDSHAKE,
  HS_CERTIFICATE, HS_CERTIFICATE_REQUEST, HS_CLIENT_HELLO, HS_CLIENT_KEY_EXCHANGE, HS_FINISHED, HS_KEY_UPDATE, HS_SERVER_HELLO,
  HS_SERVER_HELLO_DONE, TLS13, type AeadName, type CipherSpec } from "./constants.js";
import { formatEndpoint } from "../net/addr.js";
import { describeCertificate } from "./cert.js";
import { tls12Keys, tls13Keys, tls13NextSecret } from "./crypto.js";
import { RecordCipher } from "./decrypt.js";
import { DEFAULT_HANDSHAKE_LIMITS, HandshakeAssembler, parseCertificateList, parseClientHello, parseServerHello,
  type HandshakeLimits, type HandshakeMessage } from "./handshake.js";
import type { TlsIssueCode, TlsIssueFn } from "./issues.js";
import type { KeyLogLabel, TlsKeyLog } from "./keylog.js";
import type { CertInfo, TlsSession, TlsSide } from "./model.js";
import { TlsRecordReader, type TlsRecord } from "./record.js";

/** TlsLimits bounds what one connection may hold. */
export interface TlsLimits {
  handshake: HandshakeLimits;
  /** Protected bytes one session may hold while its keys are unknown. */
  maxPendingBytesPerSession: number;
  /** Sequence numbers tried after records were lost to a gap. */
  gapSlack: number;
}

export const DEFAULT_TLS_LIMITS: TlsLimits = {
  handshake: DEFAULT_HANDSHAKE_LIMITS,
  maxPendingBytesPerSession: 1024 * 1024,
  gapSlack: 64,
};

/** TLS 1.3 client records tolerated under an unknown key before its handshake key works (0-RTT). */
const EARLY_DATA_RECORDS = 32;

/** PendingBudget is the protected bytes all sessions together may still hold while waiting for keys. */
export interface PendingBudget {
  left: number;
}

/** TlsHooks is the caller's side of a connection. */
export interface TlsHooks {
  issue: TlsIssueFn;
  /**
   * data delivers decrypted application data in stream order, one call per frame that carried
   * part of the record (`carrierFrame`); `frame` is the frame that completed the record.
   */
  data(side: TlsSide, bytes: Uint8Array, carrierFrame: number, frame: number, tsNs: bigint): void;
  /** dataGap says decrypted application data of `side` is missing before the next delivery. */
  dataGap(side: TlsSide, frame: number): void;
  /**
   * wantDecryption is asked once, at the first protected record: false leaves the session
   * encrypted (e.g. HTTPS next to the SIP), so no ciphertext is held or decrypted for it.
   */
  wantDecryption?(s: TlsSession): boolean;
}

/** Endpoint is an address and port as the TCP layer names them. */
export interface Endpoint {
  addr: string;
  port: number;
}

/** endpointText renders `ip:port`, IPv6 in brackets (RFC 3986 §3.2.2), as everywhere in sip401. */
export function endpointText(e: Endpoint): string {
  return formatEndpoint(e.addr, e.port);
}

type Waiting = { rec: TlsRecord; slack: number } | { gapFrame: number };

/** Flow is the state of one direction. */
interface Flow {
  readonly side: TlsSide;
  readonly reader: TlsRecordReader;
  readonly hs: HandshakeAssembler;
  /** TLS ≤ 1.2: this side sent ChangeCipherSpec, so its later records are protected. */
  ccs: boolean;
  cipher?: RecordCipher;
  /** TLS 1.3: which traffic secret protects this side's records now. */
  epoch: "handshake" | "application";
  /** TLS 1.3: the current traffic secret (for KeyUpdate). */
  secret?: Buffer;
  /** Only application keys are logged: try them on every record, handshake records fail quietly. */
  probe: boolean;
  /** Decryption is over for this side (failure, unsupported suite, budget). */
  failed: boolean;
  /** Protected records (and gaps between them) waiting for keys, in order. */
  waiting: Waiting[];
  waitingBytes: number;
  /** Extra sequence numbers to try on the next record (after a gap). */
  slack: number;
  /** Decrypted application data was delivered (a gap must then be passed on). */
  delivered: boolean;
  /** TLS 1.3 client records that did not open with the handshake key (0-RTT early data). */
  earlySkipped: number;
  ended: boolean;
}

/** TlsConnection decodes one TLS connection. Never throws on bad bytes. */
export class TlsConnection {
  readonly session: TlsSession;
  private readonly flows: Record<TlsSide, Flow>;
  private tls13 = false;
  private serverRandom?: string;
  private spec?: CipherSpec;
  private raised = new Set<TlsIssueCode>();
  private closed = false;
  private wanted: boolean | undefined;

  constructor(
    client: Endpoint,
    server: Endpoint,
    ipVersion: 4 | 6,
    capture: number,
    private readonly keys: TlsKeyLog,
    private readonly hooks: TlsHooks,
    private readonly budget: PendingBudget = { left: Number.MAX_SAFE_INTEGER },
    private readonly limits: TlsLimits = DEFAULT_TLS_LIMITS,
  ) {
    this.session = {
      client: endpointText(client),
      server: endpointText(server),
      ipVersion,
      capture,
      firstFrame: 0,
      firstTsNs: 0n,
      lastFrame: 0,
      frames: {},
      offeredVersions: [],
      offeredCipherCount: 0,
      certificates: [],
      clientCertificates: [],
      certificateRequested: false,
      alerts: [],
      encryptedAlerts: 0,
      applicationDataRecords: { client: 0, server: 0 },
      handshakeComplete: false,
      decrypted: false,
      undecryptedRecords: 0,
      sipMessages: 0,
    };
    this.flows = { client: this.newFlow("client"), server: this.newFlow("server") };
  }

  private newFlow(side: TlsSide): Flow {
    const flow: Flow = {
      side,
      reader: new TlsRecordReader((r) => this.record(flow, r), this.hooks.issue, (frame) => this.recordsLost(flow, frame)),
      hs: new HandshakeAssembler(
        (m) => this.handshake(flow, m),
        (type, len, frame) => this.hooks.issue("tls_handshake_too_large", `handshake message type ${type} of ${len} bytes exceeds ${this.limits.handshake.maxMessageBytes}; skipped`, frame),
        this.limits.handshake,
      ),
      ccs: false,
      epoch: "handshake",
      probe: false,
      failed: false,
      waiting: [],
      waitingBytes: 0,
      slack: 0,
      delivered: false,
      earlySkipped: 0,
      ended: false,
    };
    return flow;
  }

  /** push feeds in-order TCP bytes sent by `side`. */
  push(side: TlsSide, bytes: Uint8Array, carrierFrame: number, frame: number, tsNs: bigint): void {
    if (this.closed) return;
    if (this.session.firstFrame === 0) {
      this.session.firstFrame = carrierFrame;
      this.session.firstTsNs = tsNs;
    }
    this.flows[side].reader.push(bytes, carrierFrame, frame, tsNs);
  }

  /** gap says bytes sent by `side` are missing from the capture. */
  gap(side: TlsSide, frame: number): void {
    if (this.closed) return;
    const flow = this.flows[side];
    this.hooks.issue("tls_gap", `bytes from the TLS ${side} ${side === "client" ? this.session.client : this.session.server} are missing; resynchronising on record boundaries`, frame);
    flow.reader.gap();
    this.recordsLost(flow, frame);
  }

  /**
   * recordsLost: records of `flow` may be gone (a TCP gap, or bytes the record reader skipped to
   * re-find a boundary). A partial handshake message is dropped; the next record may be several
   * sequence numbers on, which the nonce and AAD count (RFC 5246 §6.1, RFC 8446 §5.3), so a few
   * are tried; and the plaintext consumer must not join bytes across the hole.
   */
  private recordsLost(flow: Flow, frame: number): void {
    flow.hs.reset();
    flow.slack = this.limits.gapSlack;
    if (flow.waiting.length > 0) flow.waiting.push({ gapFrame: frame });
    else if (flow.delivered) this.hooks.dataGap(flow.side, frame);
  }

  /** end says `side` sent its last byte (FIN, RST, end of capture). */
  end(side: TlsSide): void {
    this.flows[side].ended = true;
  }

  /** ended: both sides are over. */
  get ended(): boolean {
    return this.flows.client.ended && this.flows.server.ended;
  }

  /** waitingForKeys: protected records are held until keys arrive (see retry). */
  get waitingForKeys(): boolean {
    return this.flows.client.waiting.length > 0 || this.flows.server.waiting.length > 0;
  }

  /**
   * retry decrypts held records with the keys known now, both sides interleaved in frame order
   * so the messages inside come out in the order they travelled.
   */
  retry(): void {
    const flows = [this.flows.client, this.flows.server];
    const head = (f: Flow): number => {
      const w = f.waiting[0];
      return w === undefined ? Infinity : "rec" in w ? w.rec.frame : w.gapFrame;
    };
    for (;;) {
      const order = head(flows[0]) <= head(flows[1]) ? flows : [flows[1], flows[0]];
      if (!this.drainOne(order[0]) && !this.drainOne(order[1])) break;
    }
  }

  /**
   * close ends the session: records still waiting count as undecrypted, and when a key log was
   * given but has nothing for this session, that is said once (tls_no_keys).
   */
  close(frame: number): TlsSession {
    if (this.closed) return this.session;
    this.retry();
    this.closed = true;
    for (const flow of [this.flows.client, this.flows.server]) {
      for (const w of flow.waiting) if ("rec" in w) this.session.undecryptedRecords++;
      this.release(flow);
      // A connection that stops inside a record (RST, FIN or end of capture mid-record) loses
      // that record: said, like a SIP stream ending inside a message.
      const left = flow.reader.incomplete;
      if (left > 0) this.hooks.issue("tls_incomplete_record", `the last ${left} bytes from the TLS ${flow.side} ${flow.side === "client" ? this.session.client : this.session.server} do not complete a record`, frame);
    }
    const cr = this.session.clientRandom;
    if (this.session.undecryptedRecords > 0 && this.keys.sessions > 0 && cr !== undefined && !this.keys.has(cr)) {
      this.hooks.issue("tls_no_keys", `key log has no secrets for the TLS session ${this.session.client} → ${this.session.server} (client random ${cr.slice(0, 16)}…)`, frame);
    }
    return this.session;
  }

  private once(code: TlsIssueCode, detail: string, frame: number): void {
    if (this.raised.has(code)) return;
    this.raised.add(code);
    this.hooks.issue(code, detail, frame);
  }

  // ---- records ---------------------------------------------------------------------------------

  private record(flow: Flow, rec: TlsRecord): void {
    const s = this.session;
    if (rec.frame > s.lastFrame) s.lastFrame = rec.frame;
    if (rec.type === CT_APPLICATION_DATA) {
      // Counted as Wireshark labels records; corrected below if decryption shows otherwise.
      s.applicationDataRecords[flow.side]++;
      if (!this.tls13) this.firstAppData(flow.side, rec.frame);
    }
    const protectedRecord = this.tls13 ? rec.type === CT_APPLICATION_DATA : flow.ccs;
    if (!protectedRecord) {
      this.content(flow, rec.type, rec.fragment, rec, 5, false);
      return;
    }
    if (rec.type === CT_ALERT) s.encryptedAlerts++;
    // TLS 1.3: the client's first protected record is its Finished (RFC 8446 §4.4.4), unless keys
    // show otherwise; without keys this is the best sign that the handshake completed.
    if (this.tls13 && flow.side === "client") s.handshakeComplete = true;
    this.wanted ??= this.hooks.wantDecryption?.(s) ?? true;
    if (flow.failed || !this.wanted) {
      s.undecryptedRecords++;
      return;
    }
    if (flow.waiting.length > 0 || this.ensureCipher(flow, rec.frame) === "wait") {
      this.hold(flow, rec);
      return;
    }
    this.open(flow, rec, flow.slack);
    flow.slack = 0;
  }

  private firstAppData(side: TlsSide, frame: number): void {
    const f = this.session.frames;
    if (side === "client") f.clientApplicationData ??= frame;
    else f.serverApplicationData ??= frame;
  }

  /** hold keeps a protected record until keys arrive, within the session and global bounds. */
  private hold(flow: Flow, rec: TlsRecord): void {
    const n = rec.fragment.length;
    if (flow.waitingBytes + n > this.limits.maxPendingBytesPerSession || n > this.budget.left) {
      this.once("tls_pending_limit", `more than ${Math.min(this.limits.maxPendingBytesPerSession, flow.waitingBytes + this.budget.left)} protected bytes held for keys in ${this.session.client} → ${this.session.server}; the rest stays encrypted`, rec.frame);
      for (const w of flow.waiting) if ("rec" in w) this.session.undecryptedRecords++;
      this.session.undecryptedRecords++;
      this.release(flow);
      flow.failed = true;
      return;
    }
    flow.waiting.push({ rec, slack: flow.slack });
    flow.slack = 0;
    flow.waitingBytes += n;
    this.budget.left -= n;
  }

  private release(flow: Flow): void {
    this.budget.left += flow.waitingBytes;
    flow.waitingBytes = 0;
    flow.waiting = [];
  }

  /**
   * drainOne handles the first held item of a flow when its keys are known; false when the flow
   * has nothing held or still waits for keys.
   */
  private drainOne(flow: Flow): boolean {
    const w = flow.waiting[0];
    if (w === undefined) return false;
    if ("rec" in w && !flow.failed && this.ensureCipher(flow, w.rec.frame) === "wait") return false;
    flow.waiting.shift();
    if ("gapFrame" in w) {
      if (flow.delivered) this.hooks.dataGap(flow.side, w.gapFrame);
      return true;
    }
    flow.waitingBytes -= w.rec.fragment.length;
    this.budget.left += w.rec.fragment.length;
    if (flow.failed) this.session.undecryptedRecords++;
    else this.open(flow, w.rec, w.slack);
    return true;
  }

  /**
   * ensureCipher sets up `flow.cipher` when the secrets are known: "ready", "wait" (keys may still
   * arrive) or "never" (sets `failed`: no handshake seen, or a suite sip401 cannot decrypt).
   */
  private ensureCipher(flow: Flow, frame: number): "ready" | "wait" | "never" {
    if (flow.cipher) return "ready";
    if (flow.failed) return "never";
    const cr = this.session.clientRandom;
    const spec = this.spec;
    if (cr === undefined || spec === undefined || (!this.tls13 && this.serverRandom === undefined)) {
      // The handshake is not in the capture (it started mid-connection): no keys can apply.
      flow.failed = true;
      return "never";
    }
    if (!spec.aead) {
      // Only worth saying when a key was logged for the session: otherwise it stays encrypted anyway.
      if (this.keys.has(cr)) this.once("tls_unsupported_cipher", `cipher suite ${this.session.cipher?.name ?? "?"} cannot be decrypted (AES-GCM and ChaCha20-Poly1305 only)`, frame);
      else return "wait";
      flow.failed = true;
      return "never";
    }
    const aeadSpec = spec as CipherSpec & { aead: AeadName };
    if (!this.tls13) {
      const master = this.keys.get(cr, "CLIENT_RANDOM");
      if (!master) return "wait";
      const k = tls12Keys(aeadSpec, master, Buffer.from(cr, "hex"), Buffer.from(this.serverRandom ?? "", "hex"));
      this.flows.client.cipher ??= new RecordCipher(k.client, false);
      this.flows.server.cipher ??= new RecordCipher(k.server, false);
      return "ready";
    }
    const secret = this.keys.get(cr, this.label(flow.side, flow.epoch));
    if (secret) {
      flow.secret = secret;
      flow.cipher = new RecordCipher(tls13Keys(aeadSpec, secret), true);
      return "ready";
    }
    if (flow.epoch === "handshake") {
      // Some tools log only the application secrets: handshake records then stay opaque, but
      // application data can still be read by trying those keys on every record.
      const app = this.keys.get(cr, this.label(flow.side, "application"));
      if (app) {
        flow.epoch = "application";
        flow.secret = app;
        flow.probe = true;
        flow.cipher = new RecordCipher(tls13Keys(aeadSpec, app), true);
        return "ready";
      }
    }
    return "wait";
  }

  private label(side: TlsSide, epoch: "handshake" | "application"): KeyLogLabel {
    if (epoch === "handshake") return side === "client" ? "CLIENT_HANDSHAKE_TRAFFIC_SECRET" : "SERVER_HANDSHAKE_TRAFFIC_SECRET";
    return side === "client" ? "CLIENT_TRAFFIC_SECRET_0" : "SERVER_TRAFFIC_SECRET_0";
  }

  /** open decrypts one protected record and hands its content on. */
  private open(flow: Flow, rec: TlsRecord, slack: number): void {
    const cipher = flow.cipher;
    if (!cipher) {
      this.session.undecryptedRecords++;
      return;
    }
    const out = cipher.open(rec.type, rec.version, rec.fragment, flow.probe ? 0 : slack);
    if (!out) {
      this.session.undecryptedRecords++;
      if (flow.probe) {
        // Probing with application keys: this was a handshake record; the next one is seq 0 too.
        return;
      }
      if (this.tls13 && flow.side === "client" && flow.epoch === "handshake" && flow.earlySkipped < EARLY_DATA_RECORDS) {
        // 0-RTT: early data and EndOfEarlyData use the early traffic secret (RFC 8446 §4.2.10),
        // which sip401 does not use; they come before the client's handshake-key records.
        flow.earlySkipped++;
        return;
      }
      this.hooks.issue("tls_decrypt_failed", `record of ${rec.fragment.length} bytes from the TLS ${flow.side} did not authenticate with the logged keys; decryption of this direction stopped`, rec.frame);
      flow.failed = true;
      return;
    }
    flow.probe = false;
    const s = this.session;
    s.decrypted = true;
    if (rec.type === CT_APPLICATION_DATA && out.type !== CT_APPLICATION_DATA) s.applicationDataRecords[flow.side]--;
    if (rec.type === CT_ALERT) s.encryptedAlerts--;
    this.content(flow, out.type, out.plaintext, rec, out.offset, true);
  }

  // ---- content ---------------------------------------------------------------------------------

  /** content handles a record's plaintext: clear, or decrypted (`offset` = where it sat in the record). */
  private content(flow: Flow, type: number, data: Uint8Array, rec: TlsRecord, offset: number, decrypted: boolean): void {
    const s = this.session;
    switch (type) {
      case CT_CHANGE_CIPHER_SPEC:
        // TLS 1.3 sends it only for middlebox compatibility and ignores it (RFC 8446 §5, D.4).
        if (this.tls13) return;
        flow.ccs = true;
        if (flow.side === "client") s.frames.clientChangeCipherSpec ??= rec.frame;
        else s.frames.serverChangeCipherSpec ??= rec.frame;
        if (s.frames.clientChangeCipherSpec !== undefined && s.frames.serverChangeCipherSpec !== undefined) s.handshakeComplete = true;
        return;
      case CT_ALERT:
        this.alert(flow, data, rec, decrypted);
        return;
      case CT_HANDSHAKE:
        flow.hs.push(data, rec.carriers, rec.frame, rec.tsNs);
        return;
      case CT_APPLICATION_DATA:
        if (!decrypted) return;
        this.firstAppData(flow.side, rec.frame);
        this.deliver(flow, data, rec, offset);
        return;
      default:
        return; // heartbeat (RFC 6520): nothing sip401 needs
    }
  }

  /** deliver passes decrypted bytes on, split by the frames that carried them. */
  private deliver(flow: Flow, data: Uint8Array, rec: TlsRecord, offset: number): void {
    if (data.length === 0) return;
    flow.delivered = true;
    let start = 0;
    for (const c of rec.carriers) {
      const from = Math.max(start, offset) - offset;
      const to = Math.min(c.end, offset + data.length) - offset;
      start = c.end;
      if (to > from) this.hooks.data(flow.side, data.subarray(from, to), c.frame, rec.frame, rec.tsNs);
    }
  }

  private alert(flow: Flow, data: Uint8Array, rec: TlsRecord, decrypted: boolean): void {
    if (data.length === 0 || data.length % 2 !== 0) {
      this.hooks.issue("tls_bad_alert", `alert record of ${data.length} bytes (alerts are 2 bytes: level, description)`, rec.frame);
    }
    for (let p = 0; p + 2 <= data.length; p += 2) {
      this.session.alerts.push({ frame: rec.frame, tsNs: rec.tsNs, from: flow.side, level: data[p], description: data[p + 1], name: alertName(data[p + 1]), decrypted });
      this.session.frames.alert ??= rec.frame;
    }
  }

  // ---- handshake -------------------------------------------------------------------------------

  private handshake(flow: Flow, m: HandshakeMessage): void {
    const s = this.session;
    const fromClient = flow.side === "client";
    switch (m.type) {
      case HS_CLIENT_HELLO:
        if (fromClient) this.clientHello(m);
        return;
      case HS_SERVER_HELLO:
        if (!fromClient) this.serverHello(m);
        return;
      case HS_CERTIFICATE:
        this.certificate(flow, m);
        return;
      case HS_CERTIFICATE_REQUEST:
        if (!fromClient) s.certificateRequested = true;
        return;
      case HS_SERVER_HELLO_DONE:
        if (!fromClient) s.frames.serverHelloDone ??= m.frame;
        return;
      case HS_CLIENT_KEY_EXCHANGE:
        if (fromClient) s.frames.clientKeyExchange ??= m.frame;
        return;
      case HS_FINISHED:
        // TLS 1.3: keys change after Finished (RFC 8446 §7.3); handshake messages never span it.
        if (this.tls13 && flow.epoch === "handshake") {
          if (fromClient) s.handshakeComplete = true;
          this.switchTo(flow, this.keys.get(s.clientRandom ?? "", this.label(flow.side, "application")));
          flow.epoch = "application";
        }
        return;
      case HS_KEY_UPDATE:
        // RFC 8446 §4.6.3: the sender's next records use application_traffic_secret_N+1.
        if (this.tls13 && flow.secret && this.spec) this.switchTo(flow, tls13NextSecret(this.spec.hash, flow.secret));
        return;
      default:
        return;
    }
  }

  /** switchTo installs a new TLS 1.3 traffic secret for a side (undefined: wait for the key log). */
  private switchTo(flow: Flow, secret: Buffer | undefined): void {
    flow.secret = secret;
    if (!secret || !this.spec?.aead) {
      flow.cipher = undefined;
      return;
    }
    const keys = tls13Keys(this.spec as CipherSpec & { aead: AeadName }, secret);
    if (flow.cipher) flow.cipher.rekey(keys);
    else flow.cipher = new RecordCipher(keys, true);
  }

  private clientHello(m: HandshakeMessage): void {
    const s = this.session;
    const ch = parseClientHello(m.body);
    if (typeof ch === "string") {
      this.hooks.issue("tls_bad_handshake", ch, m.frame);
      return;
    }
    // A second ClientHello (after a HelloRetryRequest) keeps the random (RFC 8446 §4.1.2).
    if (s.clientRandom !== undefined) return;
    s.frames.clientHello = m.frame;
    s.clientRandom = ch.random;
    s.sni = ch.sni;
    s.alpn = ch.alpn;
    const versions = (ch.supportedVersions ?? [ch.legacyVersion]).filter((v) => !isGrease(v));
    s.offeredVersions = versions.map(versionName);
    s.offeredCipherCount = ch.cipherSuites.filter((c) => !isGrease(c)).length;
  }

  private serverHello(m: HandshakeMessage): void {
    const s = this.session;
    const sh = parseServerHello(m.body);
    if (typeof sh === "string") {
      this.hooks.issue("tls_bad_handshake", sh, m.frame);
      return;
    }
    const version = sh.selectedVersion ?? sh.legacyVersion;
    s.version = versionName(version);
    s.cipher = { code: sh.cipherSuite, name: cipherName(sh.cipherSuite) };
    this.spec = cipherSpec(sh.cipherSuite);
    this.tls13 = version === TLS13;
    if (sh.helloRetry) {
      s.frames.serverHello ??= m.frame;
      return;
    }
    s.frames.serverHello = m.frame;
    this.serverRandom = sh.random;
  }

  private certificate(flow: Flow, m: HandshakeMessage): void {
    const s = this.session;
    const list = parseCertificateList(m.body, this.tls13);
    if (typeof list === "string") {
      this.hooks.issue("tls_bad_handshake", list, m.frame);
      return;
    }
    const certs: CertInfo[] = [];
    for (let i = 0; i < list.length; i++) {
      const c = describeCertificate(list[i]);
      if (typeof c === "string") this.hooks.issue("tls_bad_certificate", `certificate ${i + 1} of ${list.length} from the TLS ${flow.side}: ${c}`, m.frame);
      else certs.push(c);
    }
    if (flow.side === "client") {
      s.clientCertificates = certs;
      return;
    }
    s.certificates = certs;
    s.frames.certificate = m.frame;
    s.certificateTsNs = m.tsNs;
  }
}

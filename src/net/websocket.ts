/**
 * WebSocket (RFC 6455) on a reassembled TCP direction: the HTTP/1.1 Upgrade handshake (§4), then
 * frames (§5.2) with masking, fragmentation and continuation, joined into messages. SIP over
 * WebSocket (RFC 7118 §5) carries one SIP message per WebSocket message.
 */
import { StreamBuffer } from "./stream-buffer.js";

/** WsMessage is one complete WebSocket data message (owned copy). */
export interface WsMessage {
  payload: Uint8Array;
  /** 1 text, 2 binary (§5.2 opcodes). */
  opcode: number;
  frame: number;
  frames: number[];
  tsNs: bigint;
}

export interface WsLimits {
  /** Largest message accepted; larger ones end decoding of the connection. */
  maxMessageBytes: number;
}

const HANDSHAKE_MAX = 16 * 1024;

/** looksLikeWebSocketUpgrade: an HTTP GET asking to upgrade to websocket (RFC 6455 §4.1). */
export function looksLikeWebSocketUpgrade(b: Uint8Array): boolean {
  if (b.length < 16 || b[0] !== 0x47 || b[1] !== 0x45 || b[2] !== 0x54 || b[3] !== 0x20) return false;
  const head = Buffer.from(b.buffer, b.byteOffset, Math.min(b.length, HANDSHAKE_MAX)).toString("latin1").toLowerCase();
  return /\r?\nupgrade:[ \t]*websocket/.test(head);
}

/** WebSocketStream decodes one direction of a WebSocket connection. */
export class WebSocketStream {
  private readonly sb = new StreamBuffer();
  private state: "handshake" | "frames" | "dead" = "handshake";
  private parts: Uint8Array[] = [];
  private partBytes = 0;
  private partOpcode = 0;
  private partFrames: number[] = [];

  constructor(
    private readonly emit: (m: WsMessage) => void,
    private readonly problem: (detail: string, frame: number) => void,
    private readonly limits: WsLimits,
  ) {}

  push(bytes: Uint8Array, carrierFrame: number, frame: number, tsNs: bigint): void {
    if (this.state === "dead") return;
    this.sb.append(bytes, carrierFrame);
    if (this.state === "handshake" && !this.handshake(frame)) return;
    while (this.state === "frames" && this.frame(frame, tsNs));
  }

  /** gap: a lost segment breaks frame boundaries beyond repair (no sync marker in §5.2). */
  gap(frame: number): void {
    if (this.state !== "dead") this.problem("bytes missing from a WebSocket stream; decoding of this connection stopped", frame);
    this.state = "dead";
    this.sb.drop(this.sb.len);
  }

  end(): void {
    this.sb.drop(this.sb.len);
  }

  private handshake(frame: number): boolean {
    const b = this.sb.buf;
    let end = -1;
    for (let i = 3; i < this.sb.len; i++) {
      if (b[i] === 0x0a && b[i - 1] === 0x0d && b[i - 2] === 0x0a && b[i - 3] === 0x0d) {
        end = i + 1;
        break;
      }
    }
    if (end < 0) {
      if (this.sb.len > HANDSHAKE_MAX) this.die("WebSocket handshake longer than 16 KiB", frame);
      return false;
    }
    const first = b.toString("latin1", 0, Math.min(end, 64));
    // A response other than 101 Switching Protocols means the upgrade was refused (§4.2.2).
    if (first.startsWith("HTTP/") && !/^HTTP\/1\.[01] 101/.test(first)) {
      this.state = "dead";
      return false;
    }
    this.sb.drop(end);
    this.state = "frames";
    return true;
  }

  private frame(frame: number, tsNs: bigint): boolean {
    const sb = this.sb;
    const b = sb.buf;
    if (sb.len < 2) return false;
    const fin = (b[0] & 0x80) !== 0;
    const opcode = b[0] & 0x0f;
    const masked = (b[1] & 0x80) !== 0;
    let len = b[1] & 0x7f;
    let p = 2;
    if (len === 126) {
      if (sb.len < 4) return false;
      len = (b[2] << 8) | b[3];
      p = 4;
    } else if (len === 127) {
      if (sb.len < 10) return false;
      if (b.readUInt32BE(2) !== 0) return this.die("WebSocket frame length over 4 GiB", frame);
      len = b.readUInt32BE(6);
      p = 10;
    }
    if (len + this.partBytes > this.limits.maxMessageBytes) {
      return this.die(`WebSocket message over ${this.limits.maxMessageBytes} bytes`, frame);
    }
    const keyAt = p;
    if (masked) p += 4;
    if (sb.len < p + len) return false;
    const payload = sb.copy(p, p + len);
    if (masked) for (let i = 0; i < len; i++) payload[i] ^= b[keyAt + (i & 3)];
    const carriers = sb.framesOf(p + len);
    sb.drop(p + len);
    if (opcode >= 8) return true; // control frames: close, ping, pong (§5.5)
    if (opcode !== 0) {
      this.parts = [];
      this.partBytes = 0;
      this.partFrames = [];
      this.partOpcode = opcode;
    }
    this.parts.push(payload);
    this.partBytes += len;
    for (const f of carriers) if (!this.partFrames.includes(f)) this.partFrames.push(f);
    if (fin) {
      const whole = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
      this.emit({ payload: whole, opcode: this.partOpcode, frame, frames: this.partFrames.sort((x, y) => x - y), tsNs });
      this.parts = [];
      this.partBytes = 0;
      this.partFrames = [];
    }
    return true;
  }

  private die(detail: string, frame: number): false {
    this.problem(detail, frame);
    this.state = "dead";
    this.sb.drop(this.sb.len);
    return false;
  }
}

/**
 * SDP bodies (RFC 4566 §5): origin, connection, media and attribute lines — enough to compare the
 * addresses an offer advertises with the Via/Contact of its SIP message (SIP ALG / NAT checks).
 */
import type { Issue } from "../util/issues.js";
import { addIssue } from "./issues.js";
import { clip, utf8 } from "./text.js";

/** SdpOrigin is the `o=` line (RFC 4566 §5.2). */
export interface SdpOrigin {
  /** Originator's login, `-` when none. */
  username: string;
  /** Session id (numeric string; may exceed 2**53, so kept as text). */
  sessId: string;
  /** Session version (numeric string). */
  sessVersion: string;
  /** Network type, `IN`. */
  netType: string;
  /** `IP4` or `IP6`. */
  addrType: string;
  /** Unicast address or FQDN of the originator. */
  address: string;
}

/** SdpConnection is a `c=` line (RFC 4566 §5.7). */
export interface SdpConnection {
  /** Network type, `IN`. */
  netType: string;
  /** `IP4` or `IP6`. */
  addrType: string;
  /** Connection address without the `/ttl/count` suffix. */
  address: string;
  /** Multicast TTL, when given. */
  ttl?: number;
  /** Number of multicast addresses, when given. */
  count?: number;
}

/** SdpAttribute is an `a=` line: `name` or `name:value` (RFC 4566 §5.13). */
export interface SdpAttribute {
  /** Attribute name. */
  name: string;
  /** Attribute value; undefined for property attributes such as `sendrecv`. */
  value?: string;
}

/** SdpMedia is one `m=` section (RFC 4566 §5.14). */
export interface SdpMedia {
  /** Media type: audio, video, text, application, message. */
  media: string;
  /** Transport port (0 for a rejected / disabled stream). */
  port: number;
  /** Number of ports from `port/count`, when given. */
  portCount?: number;
  /** Transport protocol: RTP/AVP, RTP/SAVP, UDP/TLS/RTP/SAVPF, ... */
  proto: string;
  /** Media formats (RTP payload types for RTP protocols). */
  formats: string[];
  /** Media-level `c=`, which overrides the session-level one. */
  connection?: SdpConnection;
  /** Media-level attributes in order. */
  attributes: SdpAttribute[];
}

/** Sdp is a parsed session description. */
export interface Sdp {
  /** Protocol version from `v=` (0). */
  version?: number;
  /** The `o=` line. */
  origin?: SdpOrigin;
  /** Session name from `s=` (UTF-8). */
  sessionName?: string;
  /** Session-level `c=`. */
  connection?: SdpConnection;
  /** Session-level attributes in order. */
  attributes: SdpAttribute[];
  /** Media sections in order. */
  media: SdpMedia[];
}

/**
 * parseSdp parses an SDP body. `offset` is the body's byte offset in the message, so issues point
 * into the message. Lines may end in CRLF or LF (RFC 4566 §5 asks parsers to accept LF).
 */
export function parseSdp(body: Uint8Array, issues: Issue[], offset: number): Sdp {
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("latin1");
  const sdp: Sdp = { attributes: [], media: [] };
  let media: SdpMedia | undefined;
  let pos = 0;
  while (pos < text.length) {
    let nl = text.indexOf("\n", pos);
    if (nl < 0) nl = text.length;
    const end = nl > pos && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    const at = offset + pos;
    const line = text.slice(pos, end);
    pos = nl + 1;
    if (line.length === 0) continue;
    if (line.length < 2 || line.charCodeAt(1) !== 61) {
      addIssue(issues, "bad_sdp", `SDP line "${clip(line)}" is not type=value`, at);
      continue;
    }
    const v = line.slice(2);
    switch (line[0]) {
      case "v":
        if (/^\d+$/.test(v)) sdp.version = Number(v);
        else addIssue(issues, "bad_sdp", `SDP version "${clip(v)}" is not a number`, at);
        break;
      case "o":
        parseOrigin(sdp, v, issues, at);
        break;
      case "s":
        sdp.sessionName = utf8(v);
        break;
      case "c": {
        const c = parseConnection(v, issues, at);
        if (c !== undefined) {
          if (media) media.connection = c;
          else sdp.connection = c;
        }
        break;
      }
      case "m":
        media = parseMedia(v, issues, at);
        if (media !== undefined) sdp.media.push(media);
        break;
      case "a": {
        const colon = v.indexOf(":");
        const attr: SdpAttribute = colon < 0 ? { name: v } : { name: v.slice(0, colon), value: utf8(v.slice(colon + 1)) };
        (media ? media.attributes : sdp.attributes).push(attr);
        break;
      }
      default:
        break; // i= u= e= p= b= t= r= z= k= carry nothing the diagnosis needs
    }
  }
  return sdp;
}

/** parseOrigin fills `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>`. */
function parseOrigin(sdp: Sdp, v: string, issues: Issue[], at: number): void {
  const f = v.split(" ").filter((x) => x.length > 0);
  if (f.length !== 6) addIssue(issues, "bad_sdp", `SDP o= line "${clip(v)}" does not have 6 fields`, at);
  if (f.length < 6) return;
  sdp.origin = { username: f[0], sessId: f[1], sessVersion: f[2], netType: f[3], addrType: f[4], address: f[5] };
}

/** parseConnection reads `c=<nettype> <addrtype> <connection-address>[/ttl][/count]`. */
function parseConnection(v: string, issues: Issue[], at: number): SdpConnection | undefined {
  const f = v.split(" ").filter((x) => x.length > 0);
  if (f.length !== 3) {
    addIssue(issues, "bad_sdp", `SDP c= line "${clip(v)}" does not have 3 fields`, at);
    if (f.length < 3) return undefined;
  }
  const [address, ...rest] = f[2].split("/");
  const c: SdpConnection = { netType: f[0], addrType: f[1], address };
  // IP4 multicast carries /ttl[/count]; IP6 only /count (RFC 4566 §5.7).
  const nums = rest.map(Number).filter((x) => Number.isInteger(x));
  if (nums.length !== rest.length) addIssue(issues, "bad_sdp", `SDP c= address "${clip(f[2])}" has a bad /ttl or /count`, at);
  if (f[1].toUpperCase() === "IP6") {
    if (nums.length > 0) c.count = nums[0];
  } else {
    if (nums.length > 0) c.ttl = nums[0];
    if (nums.length > 1) c.count = nums[1];
  }
  return c;
}

/** parseMedia reads `m=<media> <port>[/<count>] <proto> <fmt> ...`. */
function parseMedia(v: string, issues: Issue[], at: number): SdpMedia | undefined {
  const f = v.split(" ").filter((x) => x.length > 0);
  if (f.length < 3) {
    addIssue(issues, "bad_sdp", `SDP m= line "${clip(v)}" has fewer than 3 fields`, at);
    return undefined;
  }
  const [port, count] = f[1].split("/");
  const m: SdpMedia = { media: f[0], port: Number(port), proto: f[2], formats: f.slice(3), attributes: [] };
  if (!/^\d{1,5}$/.test(port) || m.port > 65535) {
    addIssue(issues, "bad_sdp", `SDP m= port "${clip(f[1])}" is not a port`, at);
    m.port = 0;
  }
  if (count !== undefined) {
    if (/^\d+$/.test(count)) m.portCount = Number(count);
    else addIssue(issues, "bad_sdp", `SDP m= port count "${clip(count)}" is not a number`, at);
  }
  return m;
}

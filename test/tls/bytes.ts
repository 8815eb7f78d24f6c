/**
 * Byte builders for crafted TLS in tests: records, handshake messages, hellos and certificate
 * lists laid out as RFC 8446 §4 / RFC 5246 §7.4 define them.
 */

export function u8(n: number): Uint8Array {
  return Uint8Array.of(n & 0xff);
}
export function u16(n: number): Uint8Array {
  return Uint8Array.of((n >> 8) & 0xff, n & 0xff);
}
export function u24(n: number): Uint8Array {
  return Uint8Array.of((n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
}
export function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
export function vec8(b: Uint8Array): Uint8Array {
  return cat(u8(b.length), b);
}
export function vec16(b: Uint8Array): Uint8Array {
  return cat(u16(b.length), b);
}
export function vec24(b: Uint8Array): Uint8Array {
  return cat(u24(b.length), b);
}
export function ascii(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, "latin1"));
}

/** record builds a TLS record: type, version, 16-bit length, fragment. */
export function record(type: number, fragment: Uint8Array, version = 0x0303): Uint8Array {
  return cat(u8(type), u16(version), u16(fragment.length), fragment);
}

/** handshake builds a handshake message: type, 24-bit length, body. */
export function handshake(type: number, body: Uint8Array): Uint8Array {
  return cat(u8(type), u24(body.length), body);
}

function ext(type: number, data: Uint8Array): Uint8Array {
  return cat(u16(type), vec16(data));
}

export interface HelloOptions {
  random?: Uint8Array;
  sni?: string;
  alpn?: string[];
  versions?: number[];
  ciphers?: number[];
}

/** clientHello builds a ClientHello body. */
export function clientHello(o: HelloOptions = {}): Uint8Array {
  const exts: Uint8Array[] = [];
  if (o.sni !== undefined) exts.push(ext(0, vec16(cat(u8(0), vec16(ascii(o.sni))))));
  if (o.alpn) exts.push(ext(16, vec16(cat(...o.alpn.map((a) => vec8(ascii(a)))))));
  if (o.versions) exts.push(ext(43, vec8(cat(...o.versions.map(u16)))));
  const ciphers = o.ciphers ?? [0xc02f, 0xc030];
  return cat(u16(0x0303), o.random ?? new Uint8Array(32).fill(0x11), vec8(new Uint8Array(0)), vec16(cat(...ciphers.map(u16))), vec8(u8(0)), vec16(cat(...exts)));
}

/** serverHello builds a ServerHello body; `version` 0x0304 adds supported_versions. */
export function serverHello(o: { cipher?: number; version?: number; random?: Uint8Array } = {}): Uint8Array {
  const exts = o.version === 0x0304 ? ext(43, u16(0x0304)) : new Uint8Array(0);
  return cat(u16(0x0303), o.random ?? new Uint8Array(32).fill(0x22), vec8(new Uint8Array(0)), u16(o.cipher ?? 0xc02f), u8(0), vec16(exts));
}

/** certificateMsg builds a Certificate body (TLS ≤ 1.2 list, or TLS 1.3 entries with a context). */
export function certificateMsg(ders: Uint8Array[], tls13 = false): Uint8Array {
  const entries = ders.map((d) => (tls13 ? cat(vec24(d), vec16(new Uint8Array(0))) : vec24(d)));
  const list = vec24(cat(...entries));
  return tls13 ? cat(vec8(new Uint8Array(0)), list) : list;
}

/** split cuts bytes at the given offsets. */
export function split(b: Uint8Array, at: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let p = 0;
  for (const a of [...at, b.length]) {
    out.push(b.subarray(p, a));
    p = a;
  }
  return out;
}

/**
 * Byte-level helpers shared by every synth builder: a growable byte builder with explicit
 * byte order, the Internet checksum, IPv4/IPv6/MAC text-to-bytes conversion, and
 * {@link arrange} for reordering/duplicating/dropping fragments or segments in tests.
 *
 * Network headers are always big-endian ("network byte order", RFC 791 Appendix B); capture
 * file headers follow the byte order the writer was asked for (draft-ietf-opsawg-pcap §4,
 * draft-ietf-opsawg-pcapng §4.1), which is why the builder takes the order as a parameter
 * rather than hard-coding one.
 */

/** Byte order of multi-byte integers: `le` little-endian, `be` big-endian (network order). */
export type ByteOrder = "le" | "be";

const textEncoder = new TextEncoder();

/** Encodes a string as UTF-8 bytes; Uint8Array input is returned unchanged. */
export function toBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === "string" ? textEncoder.encode(data) : data;
}

/** Concatenates byte arrays into one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * ByteBuilder appends integers and byte strings to a growing buffer in a fixed byte order.
 *
 * Builders are short-lived (one header or one block); growth doubles so appending stays
 * amortised O(1) even for jumbo payloads.
 */
export class ByteBuilder {
  private buf: Uint8Array;
  private view: DataView;
  private len = 0;
  private readonly little: boolean;

  /** @param order byte order for every multi-byte integer written (default network order). */
  constructor(order: ByteOrder = "be", initialCapacity = 64) {
    this.little = order === "le";
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
    this.view = new DataView(this.buf.buffer);
  }

  /** Number of bytes written so far. */
  get length(): number {
    return this.len;
  }

  private reserve(n: number): number {
    const at = this.len;
    const need = at + n;
    if (need > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < need) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, at));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    this.len = need;
    return at;
  }

  // Each writer reserves first and only then touches `buf`/`view`: reserve() may replace them,
  // and `this.view.setX(this.reserve(n), …)` would write into the discarded buffer.

  /** Appends one byte. */
  u8(v: number): this {
    const at = this.reserve(1);
    this.view.setUint8(at, v & 0xff);
    return this;
  }

  /** Appends a 16-bit unsigned integer. */
  u16(v: number): this {
    const at = this.reserve(2);
    this.view.setUint16(at, v & 0xffff, this.little);
    return this;
  }

  /** Appends a 32-bit unsigned integer (values are taken modulo 2^32). */
  u32(v: number): this {
    const at = this.reserve(4);
    this.view.setUint32(at, v >>> 0, this.little);
    return this;
  }

  /** Appends a 64-bit integer; negative values are written in two's complement. */
  u64(v: bigint): this {
    const at = this.reserve(8);
    this.view.setBigUint64(at, BigInt.asUintN(64, v), this.little);
    return this;
  }

  /** Appends raw bytes (a string is UTF-8 encoded). */
  bytes(b: Uint8Array | string): this {
    const data = toBytes(b);
    const at = this.reserve(data.length);
    this.buf.set(data, at);
    return this;
  }

  /** Appends `n` zero bytes. */
  zeros(n: number): this {
    const at = this.reserve(n);
    this.buf.fill(0, at, this.len);
    return this;
  }

  /** Appends zero bytes until the length is a multiple of `align`. */
  padTo(align: number): this {
    const rem = this.len % align;
    return rem === 0 ? this : this.zeros(align - rem);
  }

  /** Overwrites a 16-bit value already written at `offset`. */
  setU16(offset: number, v: number): this {
    this.view.setUint16(offset, v & 0xffff, this.little);
    return this;
  }

  /** Overwrites a 32-bit value already written at `offset`. */
  setU32(offset: number, v: number): this {
    this.view.setUint32(offset, v >>> 0, this.little);
    return this;
  }

  /** Returns a copy of the bytes written (the builder may keep being used). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  /**
   * Returns the bytes written without copying; the builder must not be used afterwards.
   * Packet builders end with this, since a copy per layer dominated packet synthesis time.
   */
  take(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

/**
 * Adds `data` to a running 32-bit one's-complement accumulator (RFC 1071 §4.1).
 *
 * Callers summing several pieces (pseudo-header, then segment) must pass every piece but the
 * last with an even length, because an odd piece would shift the 16-bit word alignment of the
 * next one. All pseudo-headers (12 or 40 bytes) satisfy that.
 */
export function onesComplementSum(data: Uint8Array, initial = 0): number {
  let sum = initial;
  const end = data.length - (data.length % 2);
  for (let i = 0; i < end; i += 2) sum += (data[i] << 8) | data[i + 1];
  // RFC 1071: an odd trailing byte is padded with a zero byte on the right.
  if (end < data.length) sum += data[end] << 8;
  // End-around carry (RFC 1071 §4.1). JS numbers are exact to 2^53, so folding once per call
  // is safe for any piece below ~2^37 bytes.
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** Finishes an accumulator from {@link onesComplementSum} into the 16-bit checksum field value. */
export function finishChecksum(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return ~s & 0xffff;
}

/** Internet checksum (RFC 1071) over the concatenation of `parts`. */
export function internetChecksum(...parts: Uint8Array[]): number {
  let sum = 0;
  for (const p of parts) sum = onesComplementSum(p, sum);
  return finishChecksum(sum);
}

/** True when `ip` is written as an IPv6 address (contains a colon). */
export function isIpv6(ip: string): boolean {
  return ip.includes(":");
}

/** Parses dotted-quad IPv4 text into 4 bytes; throws on malformed input (synth input is trusted code). */
export function parseIpv4(ip: string): Uint8Array {
  const parts = ip.split(".");
  if (parts.length !== 4) throw new Error(`bad IPv4 address: ${ip}`);
  return Uint8Array.from(
    parts.map((p) => {
      const n = Number(p);
      if (!/^\d{1,3}$/.test(p) || n > 255) throw new Error(`bad IPv4 address: ${ip}`);
      return n;
    }),
  );
}

/**
 * Parses IPv6 text (RFC 4291 §2.2 forms: full, `::` compression, trailing dotted IPv4) into
 * 16 bytes; throws on malformed input.
 */
export function parseIpv6(ip: string): Uint8Array {
  const out = new Uint8Array(16);
  let text = ip;
  const words: number[] = [];
  let tailV4: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    tailV4 = parseIpv4(text.slice(lastColon + 1));
    text = text.slice(0, lastColon + 1) + "0:0";
  }
  const halves = text.split("::");
  if (halves.length > 2) throw new Error(`bad IPv6 address: ${ip}`);
  const parse = (s: string): number[] =>
    s === ""
      ? []
      : s.split(":").map((w) => {
          if (!/^[0-9a-fA-F]{1,4}$/.test(w)) throw new Error(`bad IPv6 address: ${ip}`);
          return parseInt(w, 16);
        });
  const head = parse(halves[0]);
  const tail = halves.length === 2 ? parse(halves[1]) : [];
  const fill = 8 - head.length - tail.length;
  if (fill < 0 || (halves.length === 1 && fill !== 0)) throw new Error(`bad IPv6 address: ${ip}`);
  words.push(...head, ...new Array<number>(fill).fill(0), ...tail);
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  if (tailV4) out.set(tailV4, 12);
  return out;
}

/** Parses an IPv4 or IPv6 address into 4 or 16 bytes. */
export function parseIp(ip: string): Uint8Array {
  return isIpv6(ip) ? parseIpv6(ip) : parseIpv4(ip);
}

const addressCache = new Map<string, Uint8Array>();

/**
 * {@link parseIp} memoised for the packet builders, which parse the same few addresses for
 * every packet of a benchmark-sized capture. The result is shared: read it, never modify it.
 */
export function cachedIp(ip: string): Uint8Array {
  let bytes = addressCache.get(ip);
  if (!bytes) {
    if (addressCache.size >= 4096) addressCache.clear();
    bytes = parseIp(ip);
    addressCache.set(ip, bytes);
  }
  return bytes;
}

/** Parses `aa:bb:cc:dd:ee:ff` (or `-` separated) into 6 bytes; byte arrays pass through. */
export function parseMac(mac: string | Uint8Array): Uint8Array {
  if (typeof mac !== "string") return mac;
  const parts = mac.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) {
    throw new Error(`bad MAC address: ${mac}`);
  }
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

/** Formats an endpoint the way the manifest and reports write it: `1.2.3.4:5060`, `[2001:db8::1]:5060`. */
export function formatEndpoint(ip: string, port: number): string {
  return isIpv6(ip) ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/**
 * Returns `items` picked by index in the given order: `arrange(xs, [2, 0, 1, 1])` reorders
 * and duplicates, an index left out drops that item. This one primitive expresses every
 * capture-order perturbation the fixtures need (out-of-order, duplicate, lost).
 */
export function arrange<T>(items: readonly T[], order: readonly number[]): T[] {
  return order.map((i) => {
    if (!Number.isInteger(i) || i < 0 || i >= items.length) throw new Error(`arrange: no item ${i}`);
    return items[i];
  });
}

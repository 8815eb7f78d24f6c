/**
 * A tiny seeded pseudo-random generator and SIP identifier source, so every generated
 * capture is byte-for-byte reproducible (fixtures are compared against committed files).
 */

/**
 * Seeded 32-bit generator: Marsaglia's xorshift32 (shifts 13, 17, 5) on a state derived from
 * the seed. Statistical quality is irrelevant here; only determinism matters.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    // xorshift has a fixed point at 0, so fold the seed into a non-zero state.
    this.state = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) >>> 0) || 0x6d2b79f5;
  }

  /** Next unsigned 32-bit value. */
  nextU32(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return this.nextU32() % n;
  }

  /** `n` lowercase hex digits. */
  hex(n: number): string {
    let out = "";
    while (out.length < n) out += this.nextU32().toString(16).padStart(8, "0");
    return out.slice(0, n);
  }
}

/** Generates SIP identifiers (branches, tags, Call-IDs, nonces) from a seed. */
export class SipIds {
  readonly random: SeededRandom;

  constructor(seed: number) {
    this.random = new SeededRandom(seed);
  }

  /** A Via branch with the RFC 3261 §8.1.1.7 magic cookie `z9hG4bK`. */
  branch(): string {
    return `z9hG4bK${this.random.hex(16)}`;
  }

  /** A From/To tag (RFC 3261 §19.3 asks for at least 32 bits of randomness). */
  tag(): string {
    return this.random.hex(10);
  }

  /** A Call-ID, `hex@host` like most user agents write it. */
  callId(host: string): string {
    return `${this.random.hex(20)}@${host}`;
  }

  /** A server nonce. */
  nonce(): string {
    return this.random.hex(40);
  }

  /** A client nonce. */
  cnonce(): string {
    return this.random.hex(16);
  }
}

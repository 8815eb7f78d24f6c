/**
 * Time. Analysis keeps time as bigint nanoseconds; these helpers render it, and the timers share
 * what a broken capture clock is.
 */

/**
 * A capture clock that leaps by more than a day between two packets is broken (edited or corrupt
 * timestamps), not quiet: timers (transactions, connection attempts) must not fire across such a
 * leap.
 */
export const CLOCK_JUMP_NS = 86_400_000_000_000n;

/** The seconds RFC 3339 date-times can hold (§5.6: 4-digit years), 0000-01-01 to 9999-12-31. */
const MIN_SEC = -62_167_219_200n;
const MAX_SEC = 253_402_300_799n;

/**
 * formatIsoNs renders ns since the epoch as ISO-8601 UTC with nanosecond precision. A damaged
 * capture can claim any 64-bit time (pcapng ticks are 64 bits, in units its own if_tsresol
 * chooses); times outside years 0000-9999 are clamped to that range rather than thrown on, since
 * a report's date-time cannot hold them (the correlator counts such leaps as clock jumps).
 */
export function formatIsoNs(tsNs: bigint): string {
  const sec = tsNs >= 0n ? tsNs / 1_000_000_000n : (tsNs - 999_999_999n) / 1_000_000_000n;
  if (sec < MIN_SEC) return "0000-01-01T00:00:00.000000000Z";
  if (sec > MAX_SEC) return "9999-12-31T23:59:59.999999999Z";
  const frac = tsNs - sec * 1_000_000_000n;
  if (sec !== lastSec) {
    lastSec = sec;
    lastPrefix = new Date(Number(sec) * 1000).toISOString().slice(0, 19); // "YYYY-MM-DDTHH:MM:SS"
  }
  return `${lastPrefix}.${frac.toString().padStart(9, "0")}Z`;
}

/** The last second formatted: a report's times come in runs within one second. */
let lastSec: bigint | undefined;
let lastPrefix = "";

/** formatSeconds renders a ns duration as seconds with `digits` decimals (6 = µs, like tshark's relative time). */
export function formatSeconds(ns: bigint, digits = 6): string {
  const neg = ns < 0n;
  const abs = neg ? -ns : ns;
  const scale = 10n ** BigInt(9 - digits);
  const units = (abs + scale / 2n) / scale; // round half up
  const whole = units / 10n ** BigInt(digits);
  const frac = units % 10n ** BigInt(digits);
  const s = digits > 0 ? `${whole}.${frac.toString().padStart(digits, "0")}` : `${whole}`;
  return neg ? `-${s}` : s;
}

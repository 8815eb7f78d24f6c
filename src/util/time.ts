/**
 * Time formatting. Analysis keeps time as bigint nanoseconds; these helpers render it.
 */

/** formatIsoNs renders ns since the epoch as ISO-8601 UTC with nanosecond precision. */
export function formatIsoNs(tsNs: bigint): string {
  const sec = tsNs >= 0n ? tsNs / 1_000_000_000n : (tsNs - 999_999_999n) / 1_000_000_000n;
  const frac = tsNs - sec * 1_000_000_000n;
  const iso = new Date(Number(sec) * 1000).toISOString(); // "YYYY-MM-DDTHH:MM:SS.000Z"
  return `${iso.slice(0, 19)}.${frac.toString().padStart(9, "0")}Z`;
}

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

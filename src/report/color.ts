/**
 * Terminal colour: one small helper that wraps text in ANSI SGR codes, and the pure decision
 * whether to use it. The decision reads no globals: the CLI passes `process.stdout.isTTY`,
 * `process.env` and the `--color/--no-color` flag, so every branch is testable.
 */

/** Colors wraps text in SGR codes; with colour disabled every function returns its input unchanged. */
export interface Colors {
  readonly enabled: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  blue(s: string): string;
  cyan(s: string): string;
  /** Colours text by severity (error red, warning yellow, info cyan, anything else unchanged). */
  severity(severity: string, s: string): string;
  /** Colours text by registration or handshake outcome (success green, failure red, other yellow). */
  outcome(outcome: string, s: string): string;
}

/** sgr builds one styler; the closing code resets only what it opened so nested styles survive. */
function sgr(enabled: boolean, open: number, close: number): (s: string) => string {
  if (!enabled) return (s) => s;
  return (s) => (s === "" ? s : `\x1b[${open}m${s}\x1b[${close}m`);
}

const GOOD_OUTCOMES = new Set(["registered", "success", "unregistered"]);
const BAD_OUTCOMES = new Set(["failed", "timeout", "forbidden", "not_found", "no_response", "rechallenged", "no_retry"]);

/**
 * makeColors returns the colour helper. Renderers take it instead of checking a flag at every
 * call site, so "no ANSI codes when disabled" holds by construction.
 */
export function makeColors(enabled: boolean): Colors {
  const bold = sgr(enabled, 1, 22);
  const dim = sgr(enabled, 2, 22);
  const red = sgr(enabled, 31, 39);
  const green = sgr(enabled, 32, 39);
  const yellow = sgr(enabled, 33, 39);
  const blue = sgr(enabled, 34, 39);
  const cyan = sgr(enabled, 36, 39);
  return {
    enabled,
    bold,
    dim,
    red,
    green,
    yellow,
    blue,
    cyan,
    severity: (severity, s) => (severity === "error" ? bold(red(s)) : severity === "warning" ? yellow(s) : severity === "info" ? cyan(s) : s),
    outcome: (outcome, s) => (GOOD_OUTCOMES.has(outcome) ? green(s) : BAD_OUTCOMES.has(outcome) ? red(s) : yellow(s)),
  };
}

/** ColorContext is what the colour decision depends on. */
export interface ColorContext {
  /** Whether the output stream is a terminal. */
  isTTY: boolean | undefined;
  /** Environment variables (NO_COLOR, FORCE_COLOR, TERM). */
  env: Readonly<Record<string, string | undefined>>;
  /** `--color` (true), `--no-color` (false), or neither (undefined). */
  flag?: boolean | undefined;
}

/**
 * colorEnabled decides whether to colour output. Precedence, strongest first: the command-line
 * flag; FORCE_COLOR (any value but "0"/"false" forces colour, "0"/"false" forbids it — Node's own
 * rule, which lets it override NO_COLOR); NO_COLOR when non-empty (no-color.org); TERM=dumb; and
 * finally whether the output is a terminal.
 */
export function colorEnabled(ctx: ColorContext): boolean {
  if (ctx.flag !== undefined) return ctx.flag;
  const force = ctx.env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force.toLowerCase() !== "false";
  const noColor = ctx.env.NO_COLOR;
  if (noColor !== undefined && noColor !== "") return false;
  if (ctx.env.TERM === "dumb") return false;
  return ctx.isTTY === true;
}

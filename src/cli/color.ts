/**
 * `--color=WHEN`, spelled as grep, ls and git spell it, next to yargs' boolean `--color` /
 * `--no-color`. yargs reads any value of a boolean option other than true as false, so
 * `--color=always` (what one types to keep colours through `less -R`) quietly turned colour off.
 */
import { UsageError } from "./errors.js";

/** colorHelp describes the option for a command that colours its `what` (table, ladder). */
export function colorHelp(what: string): string {
  return `Colour the ${what}: --color[=always|never|auto] (--no-color is never; NO_COLOR and FORCE_COLOR are honoured)`;
}

/** WHEN maps the accepted values to the boolean form yargs parses ("" drops the argument: auto is the default). */
const WHEN: Record<string, string> = {
  always: "--color", yes: "--color", force: "--color",
  never: "--no-color", no: "--no-color", none: "--no-color",
  auto: "", tty: "", "if-tty": "",
};

/**
 * colorWhenArgs rewrites `--color=WHEN` into the boolean form before yargs parses the arguments;
 * `--color=true` / `--color=false` stay as they are. Arguments after `--` are positionals and are
 * left alone. Throws UsageError for a value it does not know.
 */
export function colorWhenArgs(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      out.push(...argv.slice(i));
      break;
    }
    if (!a.startsWith("--color=")) {
      out.push(a);
      continue;
    }
    const value = a.slice("--color=".length).toLowerCase();
    if (value === "true" || value === "false") out.push(a);
    else if (!Object.hasOwn(WHEN, value)) throw new UsageError(`${a}: expected always, never or auto`);
    else if (WHEN[value] !== "") out.push(WHEN[value]);
  }
  return out;
}

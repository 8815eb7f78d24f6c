/**
 * Help examples, printed as a shell comment saying what the command does and the command on a
 * line of its own. yargs' two columns cut a long command across lines in the middle of its
 * arguments (at half the help width), which then cannot be copied into a shell; an example with
 * an empty description yargs prints whole, on one line.
 */
import type { Argv } from "yargs";

/** withExamples adds [command, what it does] pairs to a command's help (`$0` is the program name). */
export function withExamples<T>(y: Argv<T>, examples: readonly (readonly [command: string, what: string])[]): Argv<T> {
  let out = y;
  for (const [command, what] of examples) out = out.example(`# ${what}`, "").example(command, "");
  return out;
}

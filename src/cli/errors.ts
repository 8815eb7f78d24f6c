/**
 * Turning failures into one-line messages and exit codes (0 ok, 1 findings at or above --fail-on,
 * 2 usage or input errors). Stacks only with --debug.
 */
import { NotACaptureError } from "../capture/parser.js";
import { InputFileError } from "../capture/source.js";

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_INPUT = 2;

/** UsageError is a mistake in the command line. */
export class UsageError extends Error {}

/**
 * OutputError is a report or summary that cannot be written to `path` (--output). Its message
 * names the output, not the captures: a missing directory is not a missing capture.
 */
export class OutputError extends Error {
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(`${path}: cannot write the output (${describeOutputReason(cause)})`, { cause });
    this.name = "OutputError";
  }
}

/** describeOutputReason says why an output file could not be written. */
function describeOutputReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case "ENOENT":
    case "ENOTDIR":
      return "its directory does not exist";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "it is a directory";
    case "ENOSPC":
      return "no space left on the device";
    case "EROFS":
      return "read-only file system";
    default:
      return e instanceof Error ? e.message : String(err);
  }
}

/** describeInputError renders an error about one input file as a single line, without a stack. */
export function describeInputError(name: string, err: unknown): string {
  // Of several files, the one that failed (InputFileError), not the list of all of them.
  if (err instanceof InputFileError) return `${err.file}: ${describeInputReason(err.cause)}`;
  return `${name}: ${describeInputReason(err)}`;
}

/** describeInputReason is the part of describeInputError after the name (`sip401 scan` shows it in the file's row). */
export function describeInputReason(err: unknown): string {
  if (err instanceof NotACaptureError) return err.message;
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case "ENOENT":
      return "no such file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "is a directory (use `sip401 scan` for directories)";
    case "ENOTDIR":
      return "a path component is not a directory";
    default:
      return e instanceof Error ? e.message : String(err);
  }
}

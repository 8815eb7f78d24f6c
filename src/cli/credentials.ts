/**
 * Loading known passwords for digest verification. The file must not be readable by everyone
 * (it holds passwords) unless the user insists; its content never reaches any output.
 */
import { readFile, stat } from "node:fs/promises";
import { CredentialStore } from "../detect/credentials.js";
import { UsageError } from "./errors.js";

/** loadCredentials builds the store from --credentials FILE and/or --password. */
export async function loadCredentials(opts: { file?: string; password?: string; user?: string; insecure: boolean }): Promise<CredentialStore | undefined> {
  // Both were ignored without a word: a run that silently verifies nothing, or verifies against
  // an empty password (`--password` followed by another option), answers the wrong question.
  if (opts.user !== undefined && opts.password === undefined) throw new UsageError("--user names whose password --password is; give --password too (or use --credentials FILE)");
  if (opts.password === "") throw new UsageError("--password needs a value (for an account without a password, write user: in a --credentials file)");
  let store: CredentialStore | undefined;
  if (opts.file) {
    let st;
    try {
      st = await stat(opts.file);
    } catch {
      throw new UsageError(`${opts.file}: credentials file not found`);
    }
    // Before the mode: a directory is readable by everyone too, and that was all the error said.
    if (st.isDirectory()) throw new UsageError(`${opts.file}: is a directory, not a credentials file`);
    if ((st.mode & 0o004) !== 0 && !opts.insecure) {
      throw new UsageError(`${opts.file}: credentials file is readable by everyone; chmod 600 it, or pass --insecure-credentials`);
    }
    let text: string;
    try {
      text = await readFile(opts.file, "utf8");
    } catch (err) {
      // Name the credentials file, not the capture the run was about.
      throw new UsageError(`${opts.file}: credentials file cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"})`);
    }
    const parsed = CredentialStore.parse(text);
    if (parsed.errors.length > 0) throw new UsageError(`${opts.file}: ${parsed.errors[0]}${parsed.errors.length > 1 ? ` (and ${parsed.errors.length - 1} more)` : ""}`);
    // An empty file verified nothing without a word, like the key log that gets refused when empty.
    if (parsed.store.size === 0) throw new UsageError(`${opts.file}: no credentials in the file (lines user:password, user@realm:password or user:realm:HA1)`);
    store = parsed.store;
  }
  if (opts.password !== undefined) {
    store ??= new CredentialStore();
    store.add({ user: opts.user ?? "*", password: opts.password });
  }
  return store;
}

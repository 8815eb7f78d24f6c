/**
 * Offline digest verification with known passwords (`--credentials`, `--password`). A credentials
 * file has one entry per line: `user:password`, `user@realm:password`, or `user:realm:HA1` (HA1 =
 * 32 or 64 hex digits, what registrars store). Secrets stay inside CredentialStore: only
 * "match" / "mismatch" ever leaves it, and parse errors name line numbers, never content.
 */
import { inspect } from "node:util";
import type { Credentials } from "../sip/auth.js";
import { verifyDigest } from "../sip/digest.js";
import type { CredentialsInfo } from "../correlate/model.js";

interface Entry {
  user: string;
  realm?: string;
  password?: string;
  ha1?: string;
}

/** Verification is the outcome for one captured digest response. */
export type Verification = "match" | "mismatch";

export class CredentialStore {
  private readonly entries: Entry[] = [];

  /** size is the number of identities known. */
  get size(): number {
    return this.entries.length;
  }

  /**
   * parse reads a credentials file's text and returns the store plus line-numbered errors (which
   * never quote the line: it may hold a password).
   */
  static parse(text: string): { store: CredentialStore; errors: string[] } {
    const store = new CredentialStore();
    const errors: string[] = [];
    text.split(/\r?\n/).forEach((raw, i) => {
      const line = raw.trim();
      if (line === "" || line.startsWith("#")) return;
      const first = line.indexOf(":");
      if (first <= 0) {
        errors.push(`line ${i + 1}: expected user:password, user@realm:password or user:realm:HA1`);
        return;
      }
      const who = line.slice(0, first);
      const rest = line.slice(first + 1);
      const ha1 = /^(.*):([0-9a-fA-F]{32}|[0-9a-fA-F]{64})$/.exec(rest);
      if (ha1 && !who.includes("@")) {
        store.add({ user: who, realm: ha1[1], ha1: ha1[2].toLowerCase() });
        return;
      }
      const at = who.lastIndexOf("@");
      store.add(at > 0 ? { user: who.slice(0, at), realm: who.slice(at + 1), password: rest } : { user: who, password: rest });
    });
    return { store, errors };
  }

  add(e: Entry): void {
    this.entries.push(e);
  }

  /** toJSON and inspect show a count only, so a store logged or serialised by mistake leaks nothing. */
  toJSON(): { identities: number } {
    return { identities: this.size };
  }

  [inspect.custom](): string {
    return `CredentialStore { identities: ${this.size} }`;
  }

  /** knows says whether a secret exists for the user (any realm). */
  knows(username: string | undefined): boolean {
    return username !== undefined && this.entries.some((e) => e.user === username || e.user === "*");
  }

  /**
   * verify recomputes a captured response with the known secret. Undefined when no secret fits,
   * the algorithm is unsupported, or qop=auth-int needs a body we did not keep.
   */
  verify(c: CredentialsInfo, method: string): Verification | undefined {
    if (!c.username || !c.realm || c.qop?.toLowerCase() === "auth-int") return undefined;
    // "*" is the --password given without --user: it applies to whichever user the capture shows.
    const candidates = this.entries.filter((e) => (c.userhash || e.user === "*" ? true : e.user === c.username) && (e.realm === undefined || e.realm === c.realm));
    let verdict: Verification | undefined;
    for (const e of candidates) {
      const asCredentials = { ...c, scheme: "Digest", params: {}, quoted: [], offset: 0, header: c.header } as unknown as Credentials;
      const r = verifyDigest(asCredentials, method, { password: e.password, ha1: e.ha1, username: e.user === "*" ? c.username : e.user });
      if (r.ok) return "match";
      if (r.expected !== undefined) verdict = "mismatch";
    }
    return verdict;
  }
}

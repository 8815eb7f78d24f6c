/**
 * TLS key logs in the NSS key log format (SSLKEYLOGFILE; IETF draft-ietf-tls-keylogfile): one
 * secret per line, `LABEL <ClientHello.random hex> <secret hex>`. TLS 1.2 sessions need their
 * CLIENT_RANDOM line (the 48-byte master secret); TLS 1.3 sessions the handshake and
 * application traffic secrets (RFC 8446 §7.1). The same text arrives from a `--tls-keylog` file or
 * from pcapng Decryption Secrets Blocks.
 *
 * Secrets are held privately: TlsKeyLog prints and serialises as a count only, and no message
 * sip401 produces ever contains a secret.
 */
import { inspect } from "node:util";

/** The labels sip401 uses; other labels in a key log are counted as ignored. */
export type KeyLogLabel =
  | "CLIENT_RANDOM"
  | "CLIENT_HANDSHAKE_TRAFFIC_SECRET"
  | "SERVER_HANDSHAKE_TRAFFIC_SECRET"
  | "CLIENT_TRAFFIC_SECRET_0"
  | "SERVER_TRAFFIC_SECRET_0";

const USED: ReadonlySet<string> = new Set<KeyLogLabel>([
  "CLIENT_RANDOM",
  "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
  "SERVER_HANDSHAKE_TRAFFIC_SECRET",
  "CLIENT_TRAFFIC_SECRET_0",
  "SERVER_TRAFFIC_SECRET_0",
]);

/** Labels that are valid in the format but not needed for decrypting SIP (0-RTT, exporters, RSA PMS). */
const KNOWN_UNUSED: ReadonlySet<string> = new Set([
  "CLIENT_EARLY_TRAFFIC_SECRET",
  "EARLY_EXPORTER_SECRET",
  "EXPORTER_SECRET",
  "RSA",
]);

/** KeyLogStats says what `add` made of a key log, without any secret in it. */
export interface KeyLogStats {
  /** Lines holding a secret sip401 uses. */
  accepted: number;
  /** Valid lines with labels sip401 does not need. */
  ignored: number;
  /** Line numbers (1-based) that are not in the key log format. At most 20 are listed. */
  malformed: number[];
  /** Count of malformed lines. */
  malformedCount: number;
}

const HEX = /^[0-9a-fA-F]+$/;

/** TlsKeyLog maps a ClientHello.random to the secrets logged for that session. */
export class TlsKeyLog {
  readonly #byRandom = new Map<string, Map<KeyLogLabel, Buffer>>();
  /** Incremented whenever secrets are added, so waiting sessions know to look again. */
  generation = 0;

  /** add parses key log text (file contents or a Decryption Secrets Block) and keeps its secrets. */
  add(text: string | Uint8Array): KeyLogStats {
    const s = typeof text === "string" ? text : Buffer.from(text.buffer, text.byteOffset, text.length).toString("latin1");
    const stats: KeyLogStats = { accepted: 0, ignored: 0, malformed: [], malformedCount: 0 };
    const lines = s.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (line.length === 0 || line.startsWith("#")) continue;
      const parts = line.split(/\s+/);
      const [label, random, secret] = parts;
      if (parts.length !== 3 || !HEX.test(random) || !HEX.test(secret) || random.length % 2 !== 0 || secret.length % 2 !== 0) {
        this.malformed(stats, i + 1);
        continue;
      }
      if (KNOWN_UNUSED.has(label)) {
        stats.ignored++;
        continue;
      }
      // ClientHello.random is 32 bytes (RFC 8446 §4.1.2); the master secret 48 bytes (RFC 5246
      // §8.1); TLS 1.3 traffic secrets are as long as the suite's hash (32 or 48 bytes).
      const okLen = random.length === 64 && (label === "CLIENT_RANDOM" ? secret.length === 96 : secret.length === 64 || secret.length === 96);
      if (!USED.has(label) || !okLen) {
        this.malformed(stats, i + 1);
        continue;
      }
      const key = random.toLowerCase();
      let m = this.#byRandom.get(key);
      if (!m) this.#byRandom.set(key, (m = new Map()));
      m.set(label as KeyLogLabel, Buffer.from(secret, "hex"));
      stats.accepted++;
    }
    if (stats.accepted > 0) this.generation++;
    return stats;
  }

  private malformed(stats: KeyLogStats, line: number): void {
    stats.malformedCount++;
    if (stats.malformed.length < 20) stats.malformed.push(line);
  }

  /** get returns a secret for a session (client random as hex), or undefined. */
  get(clientRandom: string, label: KeyLogLabel): Buffer | undefined {
    return this.#byRandom.get(clientRandom.toLowerCase())?.get(label);
  }

  /** has says whether any secret is logged for a session. */
  has(clientRandom: string): boolean {
    return this.#byRandom.has(clientRandom.toLowerCase());
  }

  /** sessions is the number of client randoms with at least one secret. */
  get sessions(): number {
    return this.#byRandom.size;
  }

  /** toJSON and inspect show a count only: a key log must never end up in output or logs. */
  toJSON(): { sessions: number } {
    return { sessions: this.sessions };
  }

  [inspect.custom](): string {
    return `TlsKeyLog { sessions: ${this.sessions} }`;
  }
}

/** parseKeyLog builds a key log from text; see TlsKeyLog.add. */
export function parseKeyLog(text: string | Uint8Array): { keys: TlsKeyLog; stats: KeyLogStats } {
  const keys = new TlsKeyLog();
  const stats = keys.add(text);
  return { keys, stats };
}

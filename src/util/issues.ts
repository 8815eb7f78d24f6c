/**
 * Named decoding issues shared by every stage.
 *
 * Decoders never throw on bad bytes (style rule 1): they return what they could decode plus
 * `Issue`s, the way Wireshark raises expert info and Zeek raises weirds. Each stage keeps its own
 * table of codes (e.g. `NET_ISSUES` in src/net, `SIP_ISSUES` in src/sip) so a code is declared once.
 */

/** Issue is one named oddity found while decoding. */
export interface Issue {
  /** Stable snake_case code, e.g. `bad_content_length`, `ip_fragment_overlap`. */
  code: string;
  /** One human-readable sentence with the specifics. */
  detail: string;
  /** Byte offset inside the unit being decoded (message, packet), when meaningful. */
  offset?: number;
}

/** IssueSpec describes a code once: its meaning, for docs and reports. */
export interface IssueSpec {
  /** One-line summary of what the code means. */
  summary: string;
}

/**
 * The capture stage's model: frames as read from pcap / pcapng files.
 *
 * Ownership: `Frame.data` is a view into the reader's buffer and is only valid during the
 * callback that receives it; anything kept past that must be copied (gopacket's rule).
 */

/** Frame is one captured packet record. */
export interface Frame {
  /**
   * 1-based frame number as Wireshark numbers frames: every packet record, and the pcapng blocks
   * Wireshark also lists as frames (custom blocks, systemd journal entries).
   */
  index: number;
  /** Capture timestamp in nanoseconds since the Unix epoch. */
  tsNs: bigint;
  /** LINKTYPE_* value of the interface that captured the frame; LINKTYPE_NONE (-1) for non-packet frames. */
  linkType: number;
  /** Captured bytes (at most snaplen). View valid only during the callback. */
  data: Uint8Array;
  /** Length of the packet on the wire (may exceed data.length when snaplen-truncated). */
  origLen: number;
  /** Interface index (pcapng); 0 for pcap. */
  interfaceId: number;
}

/** CaptureFormat is the container format detected from the magic bytes. */
export type CaptureFormat = "pcap" | "pcapng";

/** CaptureDamage says where a truncated or corrupt capture stopped being readable. */
export interface CaptureDamage {
  /** `truncated` when the file ends inside a record, `corrupt` when a record is malformed. */
  kind: "truncated" | "corrupt";
  /** Byte offset (in the decompressed stream) of the first unreadable byte. */
  byteOffset: number;
  /** Number of the last frame read completely before the damage (0 when none). */
  afterFrame: number;
  /** What exactly was wrong. */
  reason: string;
}

/** CaptureSummary is what the reader reports once the whole input was consumed. */
export interface CaptureSummary {
  format: CaptureFormat;
  /** True when the input was gzip-compressed. */
  gzip: boolean;
  /** Frames delivered. */
  frames: number;
  /** Bytes of (decompressed) capture consumed. */
  bytes: number;
  /** Timestamp of the first and last frame (ns since epoch), when any frame was read. */
  firstTsNs?: bigint;
  lastTsNs?: bigint;
  /** Link types seen, ascending. */
  linkTypes: number[];
  /** Set when the capture ended in damage; everything before it was delivered. */
  damage?: CaptureDamage;
}

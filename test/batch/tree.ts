/**
 * A capture archive built in a temporary directory for the scan tests: nested folders, copies of
 * lab and generated fixtures, gzip files, a rotated file without a capture extension, and every
 * kind of bad file (empty, text, truncated, corrupt, unreadable, dangling link).
 */
import { chmodSync, closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { GENERATED, labCapture } from "../helpers/corpus.js";

/** Archive describes the tree: its root and what each file is expected to give. */
export interface Archive {
  root: string;
  /** Files expected as rows, relative to root, sorted. */
  rows: string[];
  /** Rows expected to be errors, relative path → error code. */
  errors: Record<string, "not_a_capture" | "unreadable">;
  /** Rows analysed up to damage. */
  damaged: string[];
  /** Files that must be skipped (not captures by name or content). */
  skipped: string[];
  /** True when the chmod 000 file can still be read (the tests run as root). */
  unreadableIsReadable: boolean;
}

/** makeArchive builds the tree; every call gives a fresh directory. */
export function makeArchive(): Archive {
  const root = mkdtempSync(join(tmpdir(), "sip401-scan-"));
  const put = (rel: string, data: Buffer | string): void => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), data);
  };
  const copy = (from: string, rel: string): void => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    copyFileSync(from, join(root, rel));
  };
  copy(labCapture("bad_password_udp"), "lab/bad_password_udp.pcap");
  copy(labCapture("ok_register_tcp"), "lab/nested/deeper/ok_register_tcp.pcap");
  put("lab/nested/unknown_user.pcap.gz", gzipSync(readFileSync(labCapture("unknown_user"))));
  copy(labCapture("scanner"), "lab/scanner.pcap");
  copy(join(GENERATED, "pcapng-be.pcapng"), "generated/pcapng-be.pcapng");
  copy(join(GENERATED, "gzip-no-extension.cap"), "generated/gzip-no-extension.cap");
  // tcpdump -C rotation appends a counter: no capture extension, found by its magic.
  copy(labCapture("stale_nonce"), "generated/rotated/trace.pcap1");
  put("generated/rotated/trace-part2", gzipSync(readFileSync(labCapture("nat_register_wan"))));
  // Not captures, by name and content: skipped silently.
  put("generated/rotated/messages.log.gz", gzipSync("Nov 24 05:00:00 sbc kamailio: started\n"));
  put("README.txt", "captures of customer X\n");
  // Bad files named like captures: error rows or damage.
  put("bad/empty.pcap", "");
  put("bad/notes.pcap", "this is not a capture\n");
  put("bad/truncated.pcap", readFileSync(labCapture("bad_password_tcp")).subarray(0, 3000));
  const corrupt = Buffer.from(readFileSync(labCapture("ok_register_udp")));
  corrupt.fill(0xff, 24, 40);
  put("bad/corrupt.pcap", corrupt);
  put("bad/secret.pcap", readFileSync(labCapture("ipv6_register")));
  chmodSync(join(root, "bad/secret.pcap"), 0o000);
  symlinkSync("missing.pcap", join(root, "bad/dangling.pcap"));
  // A link to a directory is not followed (it would scan lab/ twice).
  symlinkSync("../lab", join(root, "generated/lab-link"));
  let unreadableIsReadable = false;
  try {
    closeSync(openSync(join(root, "bad/secret.pcap"), "r"));
    unreadableIsReadable = true;
  } catch {
    // The expected case: not running as root.
  }
  const rows = [
    "bad/corrupt.pcap",
    "bad/dangling.pcap",
    "bad/empty.pcap",
    "bad/notes.pcap",
    "bad/secret.pcap",
    "bad/truncated.pcap",
    "generated/gzip-no-extension.cap",
    "generated/pcapng-be.pcapng",
    "generated/rotated/trace-part2",
    "generated/rotated/trace.pcap1",
    "lab/bad_password_udp.pcap",
    "lab/nested/deeper/ok_register_tcp.pcap",
    "lab/nested/unknown_user.pcap.gz",
    "lab/scanner.pcap",
  ];
  const errors: Archive["errors"] = { "bad/dangling.pcap": "unreadable", "bad/empty.pcap": "not_a_capture", "bad/notes.pcap": "not_a_capture" };
  if (!unreadableIsReadable) errors["bad/secret.pcap"] = "unreadable";
  return { root, rows, errors, damaged: ["bad/corrupt.pcap", "bad/truncated.pcap"], skipped: ["README.txt", "generated/rotated/messages.log.gz"], unreadableIsReadable };
}

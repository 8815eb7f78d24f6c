/**
 * The generated fixtures' MANIFEST.json: what each file holds by construction (the independent
 * oracle for the reader and the extractor).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GENERATED } from "./corpus.js";

/** ManifestMessage is one SIP message of the manifest (declared once, with the generator's tests). */
export type { ManifestSip as ManifestMessage } from "../synth/helpers.js";
import type { ManifestSip as ManifestMessage } from "../synth/helpers.js";

export interface ManifestFile {
  description: string;
  format?: string;
  linkTypes?: number[];
  gzip?: boolean;
  frames?: number;
  timestampsNs?: (string | null)[];
  sip?: ManifestMessage[];
  damage?: { kind: string; afterFrame: number; byteOffset: number };
  expectedIssues?: string[];
  notExtracted?: { reason: string; frames: number[] }[];
  notCapture?: boolean;
}

export const manifest = JSON.parse(readFileSync(join(GENERATED, "MANIFEST.json"), "utf8")) as {
  files: Record<string, ManifestFile>;
  credentials?: Record<string, string> | { user: string; password: string; realm?: string }[];
};

/** Types of the verifier core (lib/verify.mjs), for TypeScript callers such as the platform's tests. */
export type ProblemKind =
  | "nothing_to_verify"
  | "bad_digest"
  | "unknown_key"
  | "bad_signature"
  | "signed_after_retirement"
  | "signed_before_key_created"
  | "signed_before_day_ended"
  | "archive_missing"
  | "archive_altered"
  | "archive_truncated"
  | "unexpected_archive"
  | "entry_malformed"
  | "entry_altered"
  | "entry_inserted"
  | "entry_missing"
  | "entries_reordered"
  | "link_broken"
  | "block_altered"
  | "export_mismatch"
  | "head_mismatch"
  | "count_mismatch"
  | "day_missing"
  | "duplicate_day"
  | "digest_link_broken";

export interface Problem {
  kind: ProblemKind;
  message: string;
  chainId?: string;
  day?: string;
  file?: string;
  seq?: number;
  fromSeq?: number;
  toSeq?: number;
  line?: number;
}

export interface ChainSummary {
  chainId: string;
  days: number;
  firstDay: string;
  lastDay: string;
  fromSeq: number;
  toSeq: number;
  events: number;
}

export interface ExportSummary {
  file: string;
  chainId?: string;
  entries: number;
  fromSeq?: number;
  toSeq?: number;
  headHash?: string;
  /** Signed digests (supplied alongside) whose range the export covers and agrees with. */
  digestsMatched?: number;
}

export interface VerifyReport {
  ok: boolean;
  chains: ChainSummary[];
  exports: ExportSummary[];
  problems: Problem[];
  notes: string[];
}

export interface VerifyInput {
  files: Array<{ path: string; bytes: Uint8Array }>;
  jwks: { keys: unknown[] };
  /** Require a digest for every day from this one (YYYY-MM-DD). */
  from?: string;
  /** Require a digest for every day up to this one (YYYY-MM-DD). */
  to?: string;
  /** For exports: the link hash the last entry must end with (e.g. the head the dashboard's Verify showed). */
  expectHead?: string;
}

export const GENESIS_HASH: string;
export function verifyArchives(input: VerifyInput): Promise<VerifyReport>;
export function sha256Hex(bytes: Uint8Array): Promise<string>;

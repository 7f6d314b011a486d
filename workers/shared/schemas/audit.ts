/**
 * The audit API's shapes (docs/audit.md). Items are the ledger's own `LedgerEntry`
 * (workers/shared/audit/chain.ts), exactly as hashed, so what the API shows is what a customer
 * verifies. No Worker imports here: the dashboard shares this file.
 */
import { z } from "zod";
import { entryFieldsSchema, ledgerEntrySchema } from "../audit/chain";
import { pageOf } from "./common";

export const LedgerEntrySchema = ledgerEntrySchema.meta({ id: "LedgerEntry" });

const entryShape = entryFieldsSchema.shape;
const text = z.string().trim().min(1).max(200);

/** A time bound: milliseconds since the epoch, or an ISO 8601 / RFC 3339 time with offset. */
export const TimeBoundSchema = z
  .string()
  .trim()
  .max(40)
  .refine((v) => parseTimeBound(v) !== null, {
    message: "Use milliseconds since the epoch or an ISO 8601 time, e.g. 2026-12-01T00:00:00Z.",
  })
  .meta({ description: "Milliseconds since the epoch, or an ISO 8601 time with offset.", example: "2026-12-01T00:00:00Z" });

export function parseTimeBound(value: string): number | null {
  if (/^\d{1,15}$/.test(value)) return Number(value);
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

const timeRangeOk = (v: { from?: string; to?: string }) =>
  v.from === undefined || v.to === undefined || parseTimeBound(v.from)! < parseTimeBound(v.to)!;
const seqRangeOk = (v: { fromSeq?: number; toSeq?: number }) => v.fromSeq === undefined || v.toSeq === undefined || v.fromSeq <= v.toSeq;
const Seq = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

export const AuditListQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(25).meta({ description: "Page size, 1–100 (default 25)." }),
    cursor: z.string().max(200).optional().meta({ description: "`nextCursor` from the previous page." }),
    actorType: entryShape.actor.shape.type.optional(),
    actorId: text.optional(),
    action: text.optional().meta({ description: "Exact action, e.g. `agent.created`." }),
    targetType: text.optional(),
    targetId: text.optional(),
    severity: entryShape.severity.optional(),
    outcome: entryShape.outcome.optional(),
    from: TimeBoundSchema.optional().meta({ description: "Events at or after this time." }),
    to: TimeBoundSchema.optional().meta({ description: "Events strictly before this time." }),
    q: text.optional().meta({ description: "Free text, matched as a case-insensitive substring of the action." }),
    projectId: text.optional().meta({
      description:
        "Only events of this project (`details.projectId`); the default project also has the unscoped events about agents and teams. Needs `audit:read` in that project.",
    }),
  })
  .strict()
  .refine(timeRangeOk, { message: "`from` must be before `to`.", path: ["from"] });
export type AuditListQuery = z.infer<typeof AuditListQuerySchema>;

export const AuditPageSchema = pageOf(LedgerEntrySchema, "AuditPage");
export const AuditEntryEnvelopeSchema = z.object({ entry: LedgerEntrySchema }).meta({ id: "AuditEntryEnvelope" });

export const VerifyInputSchema = z
  .object({
    fromSeq: z.number().int().min(1).optional().meta({
      description: "First seq to verify (default: the oldest in the hot window, or the newest 100,000). Widened to the start of its block.",
    }),
    toSeq: z
      .number()
      .int()
      .min(1)
      .optional()
      .meta({ description: "Last seq to verify (default: the ledger's head). Widened to the end of its block." }),
  })
  .strict()
  .refine(seqRangeOk, { message: "`fromSeq` must not be after `toSeq`.", path: ["fromSeq"] })
  .meta({ id: "AuditVerifyInput" });
export type VerifyInput = z.infer<typeof VerifyInputSchema>;

export const BREAK_KINDS = ["gap", "prev_hash_mismatch", "hash_mismatch", "truncated", "unexpected_entry"] as const;

export const VerifyResultSchema = z
  .discriminatedUnion("status", [
    z.object({
      status: z.literal("intact"),
      fromSeq: z.number().int(),
      toSeq: z.number().int(),
      count: z.number().int(),
      headSeq: z.number().int(),
      headHash: z.string(),
    }),
    z.object({
      status: z.literal("broken"),
      firstBreak: z.object({
        seq: z.number().int(),
        kind: z.enum(BREAK_KINDS),
        expected: z.union([z.string(), z.number(), z.null()]),
        found: z.union([z.string(), z.number(), z.null()]),
      }),
    }),
  ])
  .meta({ id: "AuditVerifyResult" });
export type VerifyResult = z.infer<typeof VerifyResultSchema>;
export type ChainBreakReport = Extract<VerifyResult, { status: "broken" }>["firstBreak"];

export const ExportQuerySchema = z
  .object({
    format: z.enum(["jsonl", "csv"]).default("jsonl"),
    fromSeq: Seq.optional(),
    toSeq: Seq.optional(),
    from: TimeBoundSchema.optional().meta({ description: "Start at the first entry at or after this time." }),
    to: TimeBoundSchema.optional().meta({ description: "End at the last entry before this time." }),
  })
  .strict()
  .refine(seqRangeOk, { message: "`fromSeq` must not be after `toSeq`.", path: ["fromSeq"] })
  .refine(timeRangeOk, { message: "`from` must be before `to`.", path: ["from"] });
export type ExportQuery = z.infer<typeof ExportQuerySchema>;

export const AuditSeqParamsSchema = z.object({
  tenantId: z
    .string()
    .min(1)
    .max(64)
    .meta({ param: { name: "tenantId", in: "path" }, example: "ten_01JD0000000000000000000000" }),
  seq: Seq.meta({ param: { name: "seq", in: "path" }, example: 42 }),
});

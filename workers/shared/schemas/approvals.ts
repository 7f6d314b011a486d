/**
 * Approvals (docs/governance.md#approvals): an operation a policy gated on a person's decision —
 * an egress call, a relayed request, a message between a supervised pair — waiting in the tenant's
 * ApprovalDesk until someone approves or denies it, or it expires. Imports only zod, so the
 * dashboard uses the same shapes.
 */
import { z } from "zod";
import { IsoTimeSchema } from "./common";

export const APPROVAL_KINDS = ["egress_call", "relay_request", "supervised_message"] as const;
export const ApprovalKindSchema = z.enum(APPROVAL_KINDS).meta({ id: "ApprovalKind" });
export type ApprovalKind = z.infer<typeof ApprovalKindSchema>;

/** `executed`: approved and then carried out (an egress retry went out, a held message was delivered). */
export const APPROVAL_STATUSES = ["pending", "approved", "denied", "expired", "executed"] as const;
export const ApprovalStatusSchema = z.enum(APPROVAL_STATUSES).meta({ id: "ApprovalStatus" });
export type ApprovalStatus = z.infer<typeof ApprovalStatusSchema>;

/**
 * How long a request waits for a person (then it expires), and how long an approved egress call
 * may be retried. Product constants, documented in docs/governance.md.
 */
export const APPROVAL_TTL_MS: Record<ApprovalKind, number> = {
  egress_call: 15 * 60_000,
  relay_request: 15 * 60_000,
  supervised_message: 15 * 60_000,
};
export const APPROVED_USE_WINDOW_MS = 15 * 60_000;
/** Bound on what an approval stores of the operation (a redacted preview, never the whole body). */
export const APPROVAL_PREVIEW_CHARS = 500;

export const ApprovalTriggerSchema = z
  .object({
    source: z.enum(["guardrail", "trust_level", "supervised_pair"]),
    detail: z.string().max(1000),
    findings: z
      .array(z.object({ ruleId: z.string(), severity: z.string(), action: z.string(), reason: z.string() }))
      .max(20)
      .optional(),
  })
  .meta({
    id: "ApprovalTrigger",
    description: "Why the operation needs a person: the guardrail findings, the trust level rule, or the supervised pair.",
  });
export type ApprovalTrigger = z.infer<typeof ApprovalTriggerSchema>;

export const ApprovalSubjectSchema = z
  .object({
    method: z.string().optional(),
    url: z.string().optional(),
    to: z.string().optional().meta({ description: "Relay: the recipient agent." }),
    digest: z.string().meta({ description: "SHA-256 (hex) of the body: an approval covers exactly this body." }),
    bytes: z.number().int(),
    preview: z.string().meta({ description: "The body's first characters with secrets masked (≤ 500 characters)." }),
  })
  .meta({ id: "ApprovalSubject" });
export type ApprovalSubject = z.infer<typeof ApprovalSubjectSchema>;

export const ApprovalSchema = z
  .object({
    id: z.string().meta({ example: "apr_01JD0000000000000000000000" }),
    tenantId: z.string(),
    kind: ApprovalKindSchema,
    agentId: z.string().meta({ description: "The agent that asked." }),
    teamId: z.string().nullable(),
    summary: z.string().meta({ description: "One line: what is asked (`POST https://api.example.com/…`, `request to agt_…`)." }),
    subject: ApprovalSubjectSchema,
    trigger: ApprovalTriggerSchema,
    status: ApprovalStatusSchema,
    decidedBy: z.string().nullable().meta({ description: "The user who approved or denied; `system` when expired by the platform." }),
    reason: z.string().nullable(),
    createdAt: IsoTimeSchema,
    expiresAt: IsoTimeSchema.meta({ description: "Pending: when it expires. Approved egress call: until when the retry is accepted." }),
    decidedAt: IsoTimeSchema.nullable(),
    executedAt: IsoTimeSchema.nullable(),
  })
  .meta({ id: "Approval" });
export type Approval = z.infer<typeof ApprovalSchema>;

export const ApprovalListQuerySchema = z.object({
  status: ApprovalStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const ApprovalDecisionInputSchema = z
  .object({ reason: z.string().trim().max(500).optional().meta({ description: "Why (kept in the approval and the audit trail)." }) })
  .strict()
  .meta({ id: "ApprovalDecisionInput" });

/** Frames of the live approvals feed (`GET /v1/tenants/{tenantId}/approvals/live`). */
export const ApprovalFrameSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("approval"), approval: ApprovalSchema }),
  z.object({ type: z.literal("error"), code: z.string(), message: z.string() }),
]);

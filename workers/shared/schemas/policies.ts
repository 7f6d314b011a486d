/**
 * The Policies API's shapes (docs/governance.md "Policies as code (Cedar)"). No Worker imports:
 * the dashboard shares this file.
 */
import { z } from "zod";
import { POLICY_ACTIONS } from "../policy/schema";

/** A policy set is small text; 64 KiB bounds parsing and diffing work. */
export const POLICY_TEXT_MAX = 65_536;
export const PolicyTextSchema = z.string().max(POLICY_TEXT_MAX).meta({ description: "A Cedar policy set (text)." });

export const PolicyIssueSchema = z
  .object({
    message: z.string(),
    help: z.string().nullable(),
    policyId: z.string().nullable().meta({ description: "`policy0`, `policy1`… in source order, when Cedar names one." }),
    offset: z.object({ start: z.number().int(), end: z.number().int() }).nullable().meta({ description: "Character offsets in the text." }),
  })
  .meta({ id: "PolicyIssue" });

export const PolicySettingsSchema = z
  .object({
    enabled: z.boolean().meta({ description: "Cedar gates this tenant's decisions (in addition to native policy)." }),
    currentVersion: z.number().int().nullable().meta({ description: "The newest version: the one enforced when enabled." }),
    updatedAt: z.string().nullable(),
    updatedBy: z.string().nullable(),
    schema: z.string().meta({ description: "The Cedar schema policies are validated against." }),
    starter: z.string().meta({ description: "A starting policy set (permits all; add forbids)." }),
    actions: z.array(z.object({ action: z.enum(POLICY_ACTIONS), enforced: z.boolean() })),
  })
  .meta({ id: "PolicySettings" });

export const PolicySettingsInputSchema = z.object({ enabled: z.boolean() }).strict().meta({ id: "PolicySettingsInput" });

export const PolicyVersionSchema = z
  .object({
    version: z.number().int(),
    message: z.string(),
    rolledBackFrom: z.number().int().nullable(),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    text: z.string(),
  })
  .meta({ id: "PolicyVersion" });
export type PolicyVersion = z.infer<typeof PolicyVersionSchema>;

export const CreatePolicyVersionInputSchema = z
  .object({
    text: PolicyTextSchema,
    message: z.string().trim().min(1).max(500).meta({ description: "Why this change: shown in the history." }),
    expectedVersion: z
      .number()
      .int()
      .min(0)
      .optional()
      .meta({ description: "The version this edit is based on (0: none yet); 409 `version_conflict` if another save landed first." }),
  })
  .strict()
  .meta({ id: "CreatePolicyVersionInput" });

export const RollbackPolicyInputSchema = z
  .object({ message: z.string().trim().min(1).max(500).optional() })
  .strict()
  .meta({ id: "RollbackPolicyInput" });

export const ValidatePolicyInputSchema = z.object({ text: PolicyTextSchema }).strict().meta({ id: "ValidatePolicyInput" });
export const PolicyValidationSchema = z
  .object({ valid: z.literal(true), policies: z.number().int().meta({ description: "How many policies the set has." }) })
  .meta({ id: "PolicyValidation" });

export const PolicyDiffQuerySchema = z
  .object({
    from: z.coerce.number().int().min(1).meta({ description: "The older version." }),
    to: z.coerce.number().int().min(1).meta({ description: "The newer version." }),
  })
  .strict();
export const PolicyDiffSchema = z
  .object({
    from: z.number().int(),
    to: z.number().int(),
    unified: z.string().meta({ description: "A unified diff (as `diff -u`)." }),
    lines: z.array(z.object({ op: z.enum(["add", "remove", "same"]), text: z.string() })),
    added: z.number().int(),
    removed: z.number().int(),
  })
  .meta({ id: "PolicyDiff" });

export const DRY_RUN_MAX_EVENTS = 1000;
export const PolicyDryRunInputSchema = z
  .object({
    text: PolicyTextSchema,
    events: z
      .number()
      .int()
      .min(1)
      .max(DRY_RUN_MAX_EVENTS)
      .default(200)
      .meta({ description: "How many of the latest audit events to read." }),
  })
  .strict()
  .meta({ id: "PolicyDryRunInput" });

export const DecisionChangeSchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  auditAction: z.string(),
  agentId: z.string(),
  summary: z.string(),
  from: z.enum(["allow", "deny"]),
  to: z.enum(["allow", "deny"]),
  policies: z.array(z.string()).meta({ description: "The draft's policies that decided (`policy0`…)." }),
});

export const PolicyDryRunSchema = z
  .object({
    eventsRead: z.number().int(),
    replayed: z.number().int().meta({ description: "Events that are decisions Cedar would make (egress calls, skill tool calls)." }),
    unchanged: z.number().int(),
    nativeDenied: z
      .number()
      .int()
      .meta({ description: "Replayed events that native policy refused: Cedar cannot allow them, so they cannot change." }),
    changed: z.array(DecisionChangeSchema),
    allowToDeny: z.number().int(),
    denyToAllow: z.number().int(),
  })
  .meta({ id: "PolicyDryRun" });
export type PolicyDryRun = z.infer<typeof PolicyDryRunSchema>;

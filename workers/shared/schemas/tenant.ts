import { z } from "zod";
import { GuardrailPolicySchema } from "../guardrails/policy";
import { PlanIdSchema } from "../plans";
import { TrustLevelSchema, DEFAULT_TRUST_LEVEL } from "../trust-levels";
import { IsoTimeSchema } from "./common";

const configFields = {
  requireMfa: z.boolean().meta({ description: "Members must use MFA to sign in." }),
  defaultTrustLevel: TrustLevelSchema.meta({ description: "Trust level new agents start with." }),
  guardrails: GuardrailPolicySchema.optional().meta({
    description:
      "The tenant's guardrail policy (docs/governance.md): what a destructive operation found in an agent's command or egress call leads to. Absent: the default (critical → block, high → require_approval, medium → log).",
  }),
};

/** Tenant settings that are versioned: every change writes a new version that can be rolled back to. */
export const TenantConfigSchema = z.object(configFields).strict().meta({ id: "TenantConfig" });
export type TenantConfig = z.infer<typeof TenantConfigSchema>;

/**
 * A change to some settings. Built from the bare fields rather than `TenantConfigSchema.partial()`
 * on purpose: fields with zod defaults keep them under `.partial()`, which would silently reset
 * every setting the change did not name.
 */
export const TenantConfigPatchSchema = z.object(configFields).partial().strict().meta({ id: "TenantConfigPatch" });

export const DEFAULT_TENANT_CONFIG: TenantConfig = { requireMfa: false, defaultTrustLevel: DEFAULT_TRUST_LEVEL };

export const TenantNameSchema = z.string().trim().min(1).max(100);

export const CreateTenantInputSchema = z
  .object({ name: TenantNameSchema, config: TenantConfigPatchSchema.optional() })
  .strict()
  .meta({ id: "CreateTenantInput" });

export const UpdateTenantInputSchema = z
  .object({
    name: TenantNameSchema.optional(),
    config: TenantConfigPatchSchema.optional(),
    expectedVersion: z
      .number()
      .int()
      .min(1)
      .optional()
      .meta({ description: "Refuse the change (409) unless this is the current config version." }),
  })
  .strict()
  .refine((v) => v.name !== undefined || v.config !== undefined, { message: "Change at least one of name or config." })
  .meta({ id: "UpdateTenantInput" });

export const TenantSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    plan: PlanIdSchema,
    config: TenantConfigSchema,
    configVersion: z.number().int(),
    createdAt: IsoTimeSchema,
    updatedAt: IsoTimeSchema,
  })
  .meta({ id: "Tenant" });
export type Tenant = z.infer<typeof TenantSchema>;

export const TenantConfigVersionSchema = z
  .object({
    version: z.number().int(),
    name: z.string(),
    config: TenantConfigSchema,
    reason: z.string(),
    rolledBackFrom: z.number().int().nullable(),
    createdBy: z.string().nullable(),
    createdAt: IsoTimeSchema,
  })
  .meta({ id: "TenantConfigVersion" });

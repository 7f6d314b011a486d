import { z } from "zod";
import { PlanIdSchema } from "../plans";
import { TrustLevelSchema, DEFAULT_TRUST_LEVEL } from "../trust-levels";
import { IsoTimeSchema } from "./common";

/** Tenant settings that are versioned: every change writes a new version that can be rolled back to. */
export const TenantConfigSchema = z
  .object({
    requireMfa: z.boolean().default(false).meta({ description: "Members must use MFA to sign in." }),
    defaultTrustLevel: TrustLevelSchema.default(DEFAULT_TRUST_LEVEL).meta({ description: "Trust level new agents start with." }),
    sessionTtlHours: z.number().int().min(1).max(720).default(168).meta({ description: "How long a dashboard session lasts." }),
  })
  .strict()
  .meta({ id: "TenantConfig" });
export type TenantConfig = z.infer<typeof TenantConfigSchema>;
export const DEFAULT_TENANT_CONFIG: TenantConfig = TenantConfigSchema.parse({});

export const TenantNameSchema = z.string().trim().min(1).max(100);

export const CreateTenantInputSchema = z
  .object({ name: TenantNameSchema, config: TenantConfigSchema.partial().strict().optional() })
  .strict()
  .meta({ id: "CreateTenantInput" });

export const UpdateTenantInputSchema = z
  .object({
    name: TenantNameSchema.optional(),
    config: TenantConfigSchema.partial().strict().optional(),
    expectedVersion: z.number().int().min(1).optional().meta({ description: "Refuse the change (409) unless this is the current config version." }),
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

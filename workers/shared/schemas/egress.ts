/**
 * Egress shapes shared by the API (rules, mode, test a URL, activity), the egress Worker (the
 * JSON envelope) and the dashboard. zod only: the dashboard imports this file.
 */
import { z } from "zod";
import { ALLOW_REASONS, DENY_REASONS } from "../egress/reasons";
import { HostPatternSchema, HttpMethodSchema, PathPrefixSchema } from "../skills/manifest";
import { IsoTimeSchema } from "./common";
import { EgressModeSchema } from "@switchboard/protocol/egress";

export * from "@switchboard/protocol/egress";

export const EgressReasonSchema = z.enum([...DENY_REASONS, ...ALLOW_REASONS, "wrong_tenant"]).meta({ id: "EgressReason" });

export const CreateEgressRuleInputSchema = z
  .object({
    host: HostPatternSchema,
    methods: z
      .array(HttpMethodSchema)
      .min(1)
      .max(7)
      .optional()
      .meta({ description: "Only these methods (default: any the trust level allows)." }),
    pathPrefix: PathPrefixSchema.optional(),
    schemes: z
      .array(z.enum(["https", "http"]))
      .min(1)
      .max(2)
      .optional()
      .meta({ description: 'Default `["https"]`: plain http only where a rule says so.' }),
    description: z.string().max(500).optional(),
  })
  .strict()
  .meta({ id: "CreateEgressRuleInput" });

export const EgressRuleSchema = z
  .object({
    id: z.string(),
    agentId: z.string().nullable().meta({ description: "The agent granted this rule; null for a tenant deny rule." }),
    effect: z.enum(["allow", "deny"]),
    host: z.string(),
    methods: z.array(z.string()).nullable(),
    pathPrefix: z.string().nullable(),
    schemes: z.array(z.enum(["https", "http"])),
    description: z.string(),
    createdBy: z.string().nullable(),
    createdAt: IsoTimeSchema,
  })
  .meta({ id: "EgressRule" });

export const InstalledSkillSummarySchema = z.object({
  name: z.string(),
  version: z.string(),
  mode: EgressModeSchema,
  network: z.array(z.object({ host: z.string(), methods: z.array(z.string()).optional(), pathPrefix: z.string().optional() })),
});

export const AgentEgressSchema = z
  .object({
    agentId: z.string(),
    mode: EgressModeSchema,
    trustLevel: z.number().int(),
    methods: z.array(z.string()).meta({ description: "Methods the agent's trust level allows without approval." }),
    limits: z.object({ requestsPerMinute: z.number().int(), burst: z.number().int(), concurrency: z.number().int() }),
    rules: z.array(EgressRuleSchema),
    skills: z
      .array(InstalledSkillSummarySchema)
      .meta({ description: "Installed skills, whose network permissions are part of the policy." }),
    denyRules: z.array(EgressRuleSchema).meta({ description: "The tenant's deny rules, subtracted from every agent's policy." }),
  })
  .meta({ id: "AgentEgress" });

export const SetEgressModeInputSchema = z.object({ mode: EgressModeSchema }).strict().meta({ id: "SetEgressModeInput" });

export const EgressTestInputSchema = z
  .object({
    url: z.string().min(1).max(4096),
    method: z
      .string()
      .regex(/^[A-Za-z]{1,16}$/)
      .default("GET"),
    skill: z.string().max(40).optional().meta({ description: "Decide as a call made by this installed skill." }),
  })
  .strict()
  .meta({ id: "EgressTestInput" });

export const EgressDecisionSchema = z
  .object({
    decision: z.enum(["allow", "deny"]),
    reason: EgressReasonSchema,
    message: z.string(),
    detail: z.string().nullable(),
    ruleId: z.string().nullable(),
    mode: EgressModeSchema.nullable(),
    credential: z
      .object({ secretId: z.string(), name: z.string() })
      .nullable()
      .meta({ description: "The secret the proxy would inject (never its value)." }),
  })
  .meta({ id: "EgressDecision" });

import { z } from "zod";
import { AgentTemplateSchema, ToolCategorySchema } from "../agent-templates";
import { TrustLevelSchema } from "../trust-levels";
import { IsoTimeSchema } from "./common";
import { ReputationSchema } from "../runs/reputation";

const AgentName = z.string().trim().min(1).max(80);
const ToolList = z
  .array(ToolCategorySchema)
  .max(20)
  .refine((v) => new Set(v).size === v.length, { message: "List each tool category once." });

export const CreateAgentInputSchema = z
  .object({
    name: AgentName,
    template: AgentTemplateSchema,
    description: z.string().max(500).optional(),
    toolCategories: ToolList.optional().meta({ description: "Defaults to the template's tools." }),
    trustLevel: TrustLevelSchema.optional().meta({ description: "Defaults to the tenant's defaultTrustLevel." }),
    teamIds: z
      .array(z.string())
      .max(20)
      .optional()
      .meta({ description: "Teams to add the new agent to; they must be in the agent's project." }),
    projectId: z.string().min(1).max(64).optional().meta({
      description: "The project to create it in (docs/projects.md); defaults to the API key's project, else the tenant's default project.",
    }),
  })
  .strict()
  .meta({ id: "CreateAgentInput" });
export type CreateAgentInput = z.infer<typeof CreateAgentInputSchema>;

export const UpdateAgentInputSchema = z
  .object({
    name: AgentName.optional(),
    description: z.string().max(500).optional(),
    template: AgentTemplateSchema.optional().meta({
      description: "The agent's role on its teams' allowlists (role edges). Its tool categories stay as they are unless sent too.",
    }),
    toolCategories: ToolList.optional(),
    trustLevel: TrustLevelSchema.optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: "Change at least one field." })
  .meta({ id: "UpdateAgentInput" });

export const AgentStatusSchema = z.enum(["active", "suspended"]);

export const AgentSchema = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    name: z.string(),
    description: z.string(),
    template: AgentTemplateSchema,
    toolCategories: z.array(ToolCategorySchema),
    trustLevel: TrustLevelSchema,
    status: AgentStatusSchema,
    secretPrefix: z
      .string()
      .meta({ description: "The first characters of the secret, to tell secrets apart. The secret itself is never returned again." }),
    secretRotatedAt: IsoTimeSchema,
    teamIds: z.array(z.string()),
    projectId: z.string().meta({ description: "The project the agent belongs to." }),
    createdAt: IsoTimeSchema,
    updatedAt: IsoTimeSchema,
    /** Runs (docs/runs.md): on `GET` one agent and the agent list; absent elsewhere. */
    reputation: ReputationSchema.optional(),
  })
  .meta({ id: "Agent" });
export type Agent = z.infer<typeof AgentSchema>;

export const AgentWithSecretSchema = z
  .object({ agent: AgentSchema, secret: z.string().meta({ description: "Shown once. Store it now: only its hash is kept." }) })
  .meta({ id: "AgentWithSecret" });

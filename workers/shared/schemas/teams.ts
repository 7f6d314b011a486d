import { z } from "zod";
import { IsoTimeSchema } from "./common";

const TeamName = z.string().trim().min(1).max(80);

export const CreateTeamInputSchema = z
  .object({
    name: TeamName,
    description: z.string().max(500).optional(),
    agentIds: z.array(z.string()).max(100).optional().meta({ description: "Active agents of the team's project." }),
    projectId: z.string().min(1).max(64).optional().meta({
      description: "The project to create it in (docs/projects.md); defaults to the API key's project, else the tenant's default project.",
    }),
  })
  .strict()
  .meta({ id: "CreateTeamInput" });

export const UpdateTeamInputSchema = z
  .object({ name: TeamName.optional(), description: z.string().max(500).optional() })
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: "Change at least one field." })
  .meta({ id: "UpdateTeamInput" });

export const TeamSchema = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    name: z.string(),
    description: z.string(),
    agentIds: z.array(z.string()),
    projectId: z.string().meta({ description: "The project the team belongs to; all its agents are in it." }),
    createdAt: IsoTimeSchema,
    updatedAt: IsoTimeSchema,
  })
  .meta({ id: "Team" });
export type Team = z.infer<typeof TeamSchema>;

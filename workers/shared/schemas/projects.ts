import { z } from "zod";
import { RoleSchema } from "../auth/roles";
import { IsoTimeSchema } from "./common";

export const ProjectIdSchema = z
  .string()
  .min(1)
  .max(64)
  .meta({ description: "A project of this tenant (`prj_…`).", example: "prj_01JD0000000000000000000000" });

/** `?projectId=` on every project-scoped list: only that project's items. Without it, every project the caller may see. */
export const ProjectFilterQuerySchema = z.object({
  projectId: ProjectIdSchema.optional().meta({ description: "Only items of this project." }),
});

const ProjectName = z.string().trim().min(1).max(80);

export const CreateProjectInputSchema = z
  .object({ name: ProjectName, description: z.string().max(500).optional() })
  .strict()
  .meta({ id: "CreateProjectInput" });

export const UpdateProjectInputSchema = z
  .object({ name: ProjectName.optional(), description: z.string().max(500).optional() })
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: "Change at least one field." })
  .meta({ id: "UpdateProjectInput" });

export const ProjectStatusSchema = z.enum(["active", "archived"]).meta({ id: "ProjectStatus" });

export const ProjectSchema = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    name: z.string(),
    description: z.string(),
    isDefault: z
      .boolean()
      .meta({ description: "The tenant's default project: where items land when no project is named. It cannot be archived." }),
    status: ProjectStatusSchema,
    archivedAt: IsoTimeSchema.nullable(),
    createdAt: IsoTimeSchema,
    updatedAt: IsoTimeSchema,
  })
  .meta({ id: "Project" });
export type Project = z.infer<typeof ProjectSchema>;

export const ProjectListQuerySchema = z.object({
  status: z
    .enum(["active", "archived", "all"])
    .default("active")
    .meta({ description: "Which projects: active (default), archived, or all." }),
});

export const ProjectMemberSchema = z
  .object({
    userId: z.string(),
    email: z.string(),
    name: z.string(),
    tenantRole: RoleSchema,
    projectRole: RoleSchema.meta({ description: "The role set for this project." }),
    effectiveRole: RoleSchema.meta({ description: "What applies inside the project: the narrower of the tenant and project roles." }),
  })
  .meta({ id: "ProjectMember" });

export const SetProjectRoleInputSchema = z.object({ role: RoleSchema }).strict().meta({ id: "SetProjectRoleInput" });

import { z } from "zod";
import { PERMISSIONS, PermissionSchema } from "../auth/permissions";
import { IsoTimeSchema } from "./common";

export const CreateApiKeyInputSchema = z
  .object({
    name: z.string().trim().min(1).max(80),
    scopes: z
      .array(PermissionSchema)
      .min(1)
      .max(PERMISSIONS.length)
      .meta({ description: "Permissions the key carries; each must be one the creator holds." }),
    expiresAt: IsoTimeSchema.optional().meta({ description: "When the key stops working; omit for no expiry." }),
    projectId: z.string().min(1).max(64).optional().meta({
      description:
        "Bind the key to one project: it then sees only that project's agents, teams and keys (docs/projects.md). Omit for a tenant-wide key.",
    }),
  })
  .strict()
  .meta({ id: "CreateApiKeyInput" });

export const ApiKeySchema = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(PermissionSchema),
    createdBy: z.string(),
    createdAt: IsoTimeSchema,
    expiresAt: IsoTimeSchema.nullable(),
    lastUsedAt: IsoTimeSchema.nullable(),
    revokedAt: IsoTimeSchema.nullable(),
    projectId: z.string().nullable().meta({ description: "The project the key is bound to; null for a tenant-wide key." }),
  })
  .meta({ id: "ApiKey" });

export const CreatedApiKeySchema = z
  .object({ apiKey: ApiKeySchema, key: z.string().meta({ description: "Shown once. Send as `Authorization: Bearer <key>`." }) })
  .meta({ id: "CreatedApiKey" });

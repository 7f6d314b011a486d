/** Platform operator console: tenants across the platform and platform health. */
import { z } from "zod";
import { IsoTimeSchema } from "./common";
import { MemberSchema } from "./members";
import { TenantSchema } from "./tenant";

export const OperatorTenantSchema = TenantSchema.extend({
  deletedAt: IsoTimeSchema.nullable().meta({ description: "Set when the tenant was deleted; operators still see it." }),
  counts: z.object({
    members: z.number().int(),
    agents: z.number().int().meta({ description: "Agents not deleted." }),
    teams: z.number().int().meta({ description: "Teams not deleted." }),
  }),
}).meta({ id: "OperatorTenant" });
export type OperatorTenant = z.infer<typeof OperatorTenantSchema>;

export const OperatorTenantDetailSchema = z.object({ tenant: OperatorTenantSchema, members: z.array(MemberSchema) }).meta({ id: "OperatorTenantDetail" });
export type OperatorTenantDetail = z.infer<typeof OperatorTenantDetailSchema>;

export const PlatformHealthSchema = z
  .object({
    status: z.enum(["ok", "degraded"]),
    d1: z.object({ reachable: z.boolean(), latencyMs: z.number().nullable() }),
    counts: z.object({ users: z.number().int(), tenants: z.number().int().meta({ description: "Tenants not deleted." }), agents: z.number().int().meta({ description: "Agents not deleted." }) }).nullable(),
    latestMigration: z.string().nullable().meta({ description: "Name of the newest applied D1 migration; null if the migrations table is missing." }),
    time: IsoTimeSchema,
  })
  .meta({ id: "PlatformHealth" });
export type PlatformHealth = z.infer<typeof PlatformHealthSchema>;

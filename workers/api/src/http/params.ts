/** Path parameter schemas shared by routes, so each id is named and described once. */
import { z } from "zod";

const id = (name: string, example: string) =>
  z
    .string()
    .min(1)
    .max(64)
    .meta({ param: { name, in: "path" }, example });

export const TenantParams = z.object({ tenantId: id("tenantId", "ten_01JD0000000000000000000000") });
export const AgentParams = TenantParams.extend({ agentId: id("agentId", "agt_01JD0000000000000000000000") });
export const TeamParams = TenantParams.extend({ teamId: id("teamId", "team_01JD0000000000000000000000") });
export const TeamAgentParams = TeamParams.extend({ agentId: id("agentId", "agt_01JD0000000000000000000000") });
export const MemberParams = TenantParams.extend({ userId: id("userId", "usr_01JD0000000000000000000000") });
export const InviteParams = TenantParams.extend({ inviteId: id("inviteId", "inv_01JD0000000000000000000000") });
export const ApiKeyParams = TenantParams.extend({ apiKeyId: id("apiKeyId", "key_01JD0000000000000000000000") });
export const ConfigVersionParams = TenantParams.extend({
  version: z.coerce
    .number()
    .int()
    .min(1)
    .meta({ param: { name: "version", in: "path" }, example: 1 }),
});
/** A string, not the provider enum: an unknown or unconfigured provider is 404, not a validation error. */
export const OAuthProviderParams = z.object({ provider: id("provider", "github") });
export const ProjectParams = TenantParams.extend({ projectId: id("projectId", "prj_01JD0000000000000000000000") });
export const ProjectMemberParams = ProjectParams.extend({ userId: id("userId", "usr_01JD0000000000000000000000") });

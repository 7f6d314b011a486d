/** Types of API objects, derived from the API's own schemas (never redefined here). */
import type { z } from "zod";
import type { AgentSchema, AgentWithSecretSchema } from "@shared/schemas/agents";
import type { ApiKeySchema, CreatedApiKeySchema } from "@shared/schemas/api-keys";
import type { MeSchema, SessionSchema, UserSchema } from "@shared/schemas/auth";
import type { CreatedInviteSchema, InviteSchema, MemberSchema } from "@shared/schemas/members";
import type { TeamSchema } from "@shared/schemas/teams";
import type { TenantConfigVersionSchema, TenantSchema } from "@shared/schemas/tenant";

export type Me = z.infer<typeof MeSchema>;
export type User = z.infer<typeof UserSchema>;
export type Membership = Me["memberships"][number];
export type Session = z.infer<typeof SessionSchema>;
export type Tenant = z.infer<typeof TenantSchema>;
export type TenantConfigVersion = z.infer<typeof TenantConfigVersionSchema>;
export type Agent = z.infer<typeof AgentSchema>;
export type AgentWithSecret = z.infer<typeof AgentWithSecretSchema>;
export type Team = z.infer<typeof TeamSchema>;
export type TeamWithAgents = { team: Team; agents: Agent[] };
export type Member = z.infer<typeof MemberSchema>;
export type Invite = z.infer<typeof InviteSchema>;
export type CreatedInvite = z.infer<typeof CreatedInviteSchema>;
export type ApiKey = z.infer<typeof ApiKeySchema>;
export type CreatedApiKey = z.infer<typeof CreatedApiKeySchema>;

export type { OperatorTenant, OperatorTenantDetail, PlatformHealth } from "@shared/schemas/admin";

/** Row → API object mappers. Output types come from the shared zod schemas, rows from drizzle. */
import type { z } from "zod";
import type { AgentRow, ApiKeyRow, InviteRow, MembershipRow, SessionRow, TeamRow, TenantRow, UserRow } from "../../shared/db/schema";
import type { Agent } from "../../shared/schemas/agents";
import type { ApiKeySchema } from "../../shared/schemas/api-keys";
import type { SessionSchema, User } from "../../shared/schemas/auth";
import { toIso } from "../../shared/schemas/common";
import type { InviteSchema, MemberSchema } from "../../shared/schemas/members";
import type { Team } from "../../shared/schemas/teams";
import type { Tenant } from "../../shared/schemas/tenant";
import { projectIdOf } from "../../shared/projects";

export const toUser = (u: UserRow): User => ({
  id: u.id,
  email: u.email,
  name: u.name,
  isOperator: u.isOperator,
  createdAt: toIso(u.createdAt),
});

export const toTenant = (t: TenantRow): Tenant => ({
  id: t.id,
  name: t.name,
  plan: t.plan,
  config: t.config,
  configVersion: t.configVersion,
  createdAt: toIso(t.createdAt),
  updatedAt: toIso(t.updatedAt),
});

export const toSession = (s: SessionRow, currentId: string | null): z.infer<typeof SessionSchema> => ({
  id: s.id,
  current: s.id === currentId,
  createdAt: toIso(s.createdAt),
  lastSeenAt: toIso(s.lastSeenAt),
  expiresAt: toIso(s.expiresAt),
  ip: s.ip,
  userAgent: s.userAgent,
});

export function inviteStatus(i: InviteRow, now = Date.now()): z.infer<typeof InviteSchema>["status"] {
  if (i.acceptedAt !== null) return "accepted";
  if (i.revokedAt !== null) return "revoked";
  if (i.expiresAt <= now) return "expired";
  return "pending";
}

export const toInvite = (i: InviteRow): z.infer<typeof InviteSchema> => ({
  id: i.id,
  tenantId: i.tenantId,
  email: i.email,
  role: i.role,
  status: inviteStatus(i),
  invitedBy: i.invitedBy,
  createdAt: toIso(i.createdAt),
  expiresAt: toIso(i.expiresAt),
});

export const toAgent = (a: AgentRow, teamIds: string[]): Agent => ({
  id: a.id,
  tenantId: a.tenantId,
  name: a.name,
  description: a.description,
  template: a.template,
  toolCategories: a.toolCategories,
  trustLevel: a.trustLevel,
  status: a.status,
  secretPrefix: a.secretPrefix,
  secretRotatedAt: toIso(a.secretRotatedAt),
  teamIds,
  projectId: projectIdOf(a),
  createdAt: toIso(a.createdAt),
  updatedAt: toIso(a.updatedAt),
});

export const toTeam = (t: TeamRow, agentIds: string[]): Team => ({
  id: t.id,
  tenantId: t.tenantId,
  name: t.name,
  description: t.description,
  agentIds,
  projectId: projectIdOf(t),
  createdAt: toIso(t.createdAt),
  updatedAt: toIso(t.updatedAt),
});

export const toApiKey = (k: ApiKeyRow): z.infer<typeof ApiKeySchema> => ({
  id: k.id,
  tenantId: k.tenantId,
  name: k.name,
  prefix: `sbk_${k.prefix}`,
  scopes: k.scopes,
  createdBy: k.createdBy,
  createdAt: toIso(k.createdAt),
  expiresAt: toIso(k.expiresAt),
  lastUsedAt: toIso(k.lastUsedAt),
  revokedAt: toIso(k.revokedAt),
  projectId: k.projectId,
});

/** A membership joined with its user: what the members list and role changes read. */
export type MemberView = Pick<MembershipRow, "userId" | "role" | "createdAt"> & Pick<UserRow, "email" | "name">;

export const toMember = (m: MemberView): z.infer<typeof MemberSchema> => ({
  userId: m.userId,
  email: m.email,
  name: m.name,
  role: m.role,
  joinedAt: toIso(m.createdAt),
});

/**
 * The D1 schema: the one definition of every table. drizzle-kit generates the SQL migrations in
 * `d1-migrations/` from this file (`npm run db:generate`); row types are derived from it with
 * `$inferSelect` / `$inferInsert`, never written by hand.
 *
 * Conventions: ids are prefixed, time-sortable strings (see crypto/ids.ts), so `ORDER BY id` is
 * creation order and a stable pagination key. Times are integer milliseconds since the epoch.
 * Soft-deleted rows (`deleted_at`) are invisible to the API and answer 404.
 */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex, type AnySQLiteColumn } from "drizzle-orm/sqlite-core";
import type { AgentTemplate, ToolCategory } from "../agent-templates";
import type { Permission } from "../auth/permissions";
import type { Role } from "../auth/roles";
import type { PlanId } from "../plans";
import type { TenantConfig } from "../schemas/tenant";
import type { AlertMatch, AlertSeverity, AlertStatus } from "../schemas/alerts";
import type { TrustLevel } from "../trust-levels";

const now = sql`(unixepoch('subsec') * 1000)`;

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    /** `pbkdf2-sha256$<iterations>$<salt b64url>$<hash b64url>`: the format records its own cost. */
    passwordHash: text("password_hash"),
    isOperator: integer("is_operator", { mode: "boolean" }).notNull().default(false),
    /** Set when the person proved they read this address (password reset, invite accept, verified OAuth email). */
    emailVerifiedAt: integer("email_verified_at"),
    /** TOTP secret, AES-GCM encrypted with DATA_ENCRYPTION_KEY; set during enrolment, active once mfaEnabledAt is set. */
    totpSecretEnc: text("totp_secret_enc"),
    /** The last TOTP time step accepted: RFC 6238 §5.2, a code for this step or an earlier one is refused (no replay). */
    totpLastStep: integer("totp_last_step"),
    mfaEnabledAt: integer("mfa_enabled_at"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [uniqueIndex("users_email_unique").on(t.email)],
);

export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull().default(now),
    expiresAt: integer("expires_at").notNull(),
    lastSeenAt: integer("last_seen_at").notNull().default(now),
    revokedAt: integer("revoked_at"),
    ip: text("ip"),
    userAgent: text("user_agent"),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

export const tenants = sqliteTable("tenants", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  plan: text("plan").$type<PlanId>().notNull().default("free"),
  /** The current config; every change also writes a row to tenant_config_versions. */
  config: text("config", { mode: "json" }).$type<TenantConfig>().notNull(),
  configVersion: integer("config_version").notNull().default(1),
  createdAt: integer("created_at").notNull().default(now),
  updatedAt: integer("updated_at").notNull().default(now),
  deletedAt: integer("deleted_at"),
});

export const tenantConfigVersions = sqliteTable(
  "tenant_config_versions",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    name: text("name").notNull(),
    config: text("config", { mode: "json" }).$type<TenantConfig>().notNull(),
    /** Why this version exists: created, update, or rollback to version N. */
    reason: text("reason").notNull(),
    rolledBackFrom: integer("rolled_back_from"),
    createdBy: text("created_by"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.version] })],
);

export const memberships = sqliteTable(
  "memberships",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role").$type<Role>().notNull(),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.userId] }), index("memberships_user_idx").on(t.userId)],
);

export const invites = sqliteTable(
  "invites",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    role: text("role").$type<Role>().notNull(),
    /** SHA-256 of the invite token; the token itself is shown once. */
    tokenHash: text("token_hash").notNull(),
    invitedBy: text("invited_by").notNull(),
    createdAt: integer("created_at").notNull().default(now),
    expiresAt: integer("expires_at").notNull(),
    acceptedAt: integer("accepted_at"),
    acceptedBy: text("accepted_by"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [index("invites_tenant_idx").on(t.tenantId), uniqueIndex("invites_token_unique").on(t.tokenHash)],
);

export const agents = sqliteTable(
  "agents",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    template: text("template").$type<AgentTemplate>().notNull(),
    toolCategories: text("tool_categories", { mode: "json" }).$type<ToolCategory[]>().notNull(),
    trustLevel: integer("trust_level").$type<TrustLevel>().notNull(),
    status: text("status").$type<"active" | "suspended">().notNull().default("active"),
    /** SHA-256 of the agent secret (high-entropy, so a slow KDF adds nothing). */
    secretHash: text("secret_hash").notNull(),
    secretPrefix: text("secret_prefix").notNull(),
    secretRotatedAt: integer("secret_rotated_at").notNull().default(now),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
    deletedAt: integer("deleted_at"),
    /** The project it belongs to (docs/projects.md). Null only on rows written before projects existed (or by old code during the rollout): read as the tenant's default project. */
    projectId: text("project_id").references((): AnySQLiteColumn => projects.id),
  },
  (t) => [index("agents_tenant_idx").on(t.tenantId, t.id), index("agents_project_idx").on(t.tenantId, t.projectId, t.id)],
);

export const teams = sqliteTable(
  "teams",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
    deletedAt: integer("deleted_at"),
    /** As agents.projectId; a team's agents are all in the team's project. */
    projectId: text("project_id").references((): AnySQLiteColumn => projects.id),
  },
  (t) => [index("teams_tenant_idx").on(t.tenantId, t.id), index("teams_project_idx").on(t.tenantId, t.projectId, t.id)],
);

export const teamAgents = sqliteTable(
  "team_agents",
  {
    teamId: text("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    agentId: text("agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    addedAt: integer("added_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.agentId] }), index("team_agents_agent_idx").on(t.agentId)],
);

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** The public part of the key, used to find the row; the rest is only stored hashed. */
    prefix: text("prefix").notNull(),
    secretHash: text("secret_hash").notNull(),
    scopes: text("scopes", { mode: "json" }).$type<Permission[]>().notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull().default(now),
    expiresAt: integer("expires_at"),
    lastUsedAt: integer("last_used_at"),
    revokedAt: integer("revoked_at"),
    /** Null: the key works across the tenant (every key made before projects existed). Set: the key sees only this project's agents, teams and keys. */
    projectId: text("project_id").references((): AnySQLiteColumn => projects.id),
  },
  (t) => [uniqueIndex("api_keys_prefix_unique").on(t.prefix), index("api_keys_tenant_idx").on(t.tenantId, t.id)],
);

/**
 * The first ledger's hot window (legacy, read-only): one row per scheme-v1 entry, mirrored from the
 * AuditLedger until the block ledger took the hot window into the ledger objects themselves
 * (docs/audit.md, "Migrating from the D1 hot window"). Nothing writes here any more; retention
 * deletes the rows as they age out, and a later release drops the table.
 */
export const auditEvents = sqliteTable(
  "audit_events",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id"),
    at: integer("at").notNull(),
    actorType: text("actor_type").$type<"user" | "api_key" | "agent" | "system" | "anonymous">().notNull(),
    actorId: text("actor_id"),
    actorName: text("actor_name"),
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    severity: text("severity").$type<"info" | "warning" | "critical">().notNull(),
    outcome: text("outcome").$type<"success" | "failure" | "denied">().notNull(),
    details: text("details", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
    // The hash chain (workers/shared/audit/chain.ts), mirrored from the AuditLedger Durable Object
    // that assigns them. Null only on rows written before the ledger existed.
    chainId: text("chain_id"),
    seq: integer("seq"),
    prevHash: text("prev_hash"),
    hash: text("hash"),
  },
  (t) => [
    index("audit_tenant_idx").on(t.tenantId, t.at),
    index("audit_action_idx").on(t.action),
    uniqueIndex("audit_chain_seq_unique").on(t.chainId, t.seq),
  ],
);

/** One-time MFA recovery codes, stored hashed; `usedAt` marks a spent code. */
export const recoveryCodes = sqliteTable(
  "recovery_codes",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    codeHash: text("code_hash").notNull(),
    createdAt: integer("created_at").notNull().default(now),
    usedAt: integer("used_at"),
  },
  (t) => [index("recovery_codes_user_idx").on(t.userId)],
);

/**
 * A password-verified login waiting for its second factor. The client holds the random token
 * (stored hashed); attempts are counted so the 6-digit code cannot be brute-forced.
 */
export const mfaChallenges = sqliteTable(
  "mfa_challenges",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    createdAt: integer("created_at").notNull().default(now),
    expiresAt: integer("expires_at").notNull(),
    attempts: integer("attempts").notNull().default(0),
    usedAt: integer("used_at"),
  },
  (t) => [uniqueIndex("mfa_challenges_token_unique").on(t.tokenHash)],
);

/** External identities (GitHub, Google) linked to a user. */
export const oauthAccounts = sqliteTable(
  "oauth_accounts",
  {
    provider: text("provider").$type<"github" | "google">().notNull(),
    providerUserId: text("provider_user_id").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.provider, t.providerUserId] }), index("oauth_accounts_user_idx").on(t.userId)],
);

export const passwordResetTokens = sqliteTable(
  "password_reset_tokens",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    createdAt: integer("created_at").notNull().default(now),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
  },
  (t) => [uniqueIndex("password_reset_tokens_token_unique").on(t.tokenHash), index("password_reset_tokens_user_idx").on(t.userId)],
);

/**
 * Mail that would have been sent, kept only when ENVIRONMENT is "development": the local stack
 * has no mail server, so the dashboard's dev outbox page shows these instead.
 */
export const devOutbox = sqliteTable("dev_outbox", {
  id: text("id").primaryKey(),
  to: text("to").notNull(),
  subject: text("subject").notNull(),
  text: text("text").notNull(),
  createdAt: integer("created_at").notNull().default(now),
});

/**
 * Keys that sign agent tokens. The private key is AES-GCM encrypted (DATA_ENCRYPTION_KEY,
 * purpose "signing-key"); the public JWK is published at /.well-known/jwks.json until
 * `expiresAt`, which is set on retirement to outlive every token the key signed.
 */
export const signingKeys = sqliteTable("signing_keys", {
  kid: text("kid").primaryKey(),
  alg: text("alg").$type<"EdDSA" | "ES256">().notNull(),
  publicJwk: text("public_jwk", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  privateJwkEnc: text("private_jwk_enc").notNull(),
  createdAt: integer("created_at").notNull().default(now),
  /** The newest key that is not retired signs; older active keys only verify. */
  retiredAt: integer("retired_at"),
  /** After this, the key is gone from the JWKS and refused for verification. */
  expiresAt: integer("expires_at"),
});

/**
 * Alert rules (docs/alerts.md): evaluated inside the tenant's AuditLedger Durable Object, which
 * keeps a copy in its own SQLite (the rules API pushes every change there). Hard-deleted: alerts
 * keep the rule's name.
 */
export const alertRules = sqliteTable(
  "alert_rules",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    match: text("match", { mode: "json" }).$type<AlertMatch>().notNull(),
    threshold: integer("threshold").notNull(),
    windowSeconds: integer("window_seconds").notNull(),
    severity: text("severity").$type<AlertSeverity>().notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    webhookIds: text("webhook_ids", { mode: "json" }).$type<string[]>().notNull(),
    createdBy: text("created_by"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [index("alert_rules_tenant_idx").on(t.tenantId, t.id)],
);

/**
 * Alerts fired by rules. Written by the ledger Durable Object (insert, then count/last seq as the
 * alert grows during its quiet period); status changes come from the API only.
 */
export const alerts = sqliteTable(
  "alerts",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    ruleId: text("rule_id").notNull(),
    ruleName: text("rule_name").notNull(),
    severity: text("severity").$type<AlertSeverity>().notNull(),
    status: text("status").$type<AlertStatus>().notNull().default("open"),
    summary: text("summary").notNull(),
    count: integer("count").notNull(),
    firstSeq: integer("first_seq").notNull(),
    lastSeq: integer("last_seq").notNull(),
    firstEventAt: integer("first_event_at").notNull(),
    lastEventAt: integer("last_event_at").notNull(),
    sampleEventIds: text("sample_event_ids", { mode: "json" }).$type<string[]>().notNull(),
    firedAt: integer("fired_at").notNull(),
    acknowledgedAt: integer("acknowledged_at"),
    acknowledgedBy: text("acknowledged_by"),
    resolvedAt: integer("resolved_at"),
    resolvedBy: text("resolved_by"),
    resolutionNote: text("resolution_note"),
  },
  (t) => [index("alerts_tenant_idx").on(t.tenantId, t.id), index("alerts_tenant_status_idx").on(t.tenantId, t.status, t.id)],
);

/** Tenant webhook endpoints for alerts. The HMAC secret is AES-GCM encrypted (purpose "webhook-secret"). */
export const webhooks = sqliteTable(
  "webhooks",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    description: text("description").notNull().default(""),
    secretEnc: text("secret_enc").notNull(),
    secretPrefix: text("secret_prefix").notNull(),
    createdBy: text("created_by"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [index("webhooks_tenant_idx").on(t.tenantId, t.id)],
);

/**
 * One row per (alert, webhook): the unit the ALERT_WEBHOOKS queue retries. `payload` is the exact
 * JSON body, fixed at creation so every retry sends the same bytes (only the signature's timestamp changes).
 */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    webhookId: text("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    alertId: text("alert_id").notNull(),
    event: text("event").notNull(),
    payload: text("payload").notNull(),
    status: text("status").$type<"pending" | "delivered" | "failed">().notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    deliveredAt: integer("delivered_at"),
  },
  (t) => [
    index("webhook_deliveries_webhook_idx").on(t.webhookId, t.id),
    uniqueIndex("webhook_deliveries_alert_webhook_unique").on(t.alertId, t.webhookId),
  ],
);

/** Every HTTP attempt of a delivery (queue redeliveries of the same attempt overwrite their row). */
export const webhookDeliveryAttempts = sqliteTable(
  "webhook_delivery_attempts",
  {
    deliveryId: text("delivery_id")
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: "cascade" }),
    attempt: integer("attempt").notNull(),
    at: integer("at").notNull(),
    statusCode: integer("status_code"),
    error: text("error"),
    durationMs: integer("duration_ms").notNull(),
  },
  (t) => [primaryKey({ columns: [t.deliveryId, t.attempt] })],
);

/**
 * Audit archive checkpoints (workers/shared/audit/archive/): one row per audit chain (tenant id,
 * or "platform"). `lastDay` is the newest UTC day whose archive and signed digest are in R2;
 * `lastSeq`/`lastHash`/`lastDigest*` are what the next day's digest links to. Advanced only after
 * both R2 objects are written, by a compare-and-set on `lastDay`, and only by the lease holder
 * (`leaseOwner` until `leaseUntil`), so redelivered or concurrent jobs neither skip nor duplicate.
 */
export const auditArchiveCheckpoints = sqliteTable("audit_archive_checkpoints", {
  chainId: text("chain_id").primaryKey(),
  lastDay: text("last_day"),
  lastSeq: integer("last_seq").notNull().default(0),
  lastHash: text("last_hash").notNull(),
  lastDigestKey: text("last_digest_key"),
  lastDigestSha256: text("last_digest_sha256"),
  leaseOwner: text("lease_owner"),
  leaseUntil: integer("lease_until"),
  updatedAt: integer("updated_at").notNull().default(now),
});

/**
 * The index of archived days (one row per chain and UTC day, written with the checkpoint), which
 * the archives API lists. `archiveKey` is null for a day without events (its digest still proves
 * the absence). `expiredAt` is set when the cold window deleted the R2 objects.
 */
export const auditArchives = sqliteTable(
  "audit_archives",
  {
    chainId: text("chain_id").notNull(),
    day: text("day").notNull(),
    fromSeq: integer("from_seq").notNull(),
    toSeq: integer("to_seq").notNull(),
    count: integer("count").notNull(),
    archiveKey: text("archive_key"),
    archiveSha256: text("archive_sha256"),
    archiveBytes: integer("archive_bytes"),
    digestKey: text("digest_key").notNull(),
    digestSha256: text("digest_sha256").notNull(),
    kid: text("kid").notNull(),
    createdAt: integer("created_at").notNull().default(now),
    expiredAt: integer("expired_at"),
  },
  (t) => [primaryKey({ columns: [t.chainId, t.day] })],
);

/**
 * Keys that sign audit archive digests: Ed25519, a kid space of their own (`adk_…`), apart from
 * the agent-token keys. Private keys AES-GCM encrypted (DATA_ENCRYPTION_KEY, purpose
 * "audit-digest-key"). The newest unretired key signs; retired keys are never deleted and stay
 * published at /.well-known/audit-digest-keys.json, since archives are verified years later.
 */
export const auditDigestKeys = sqliteTable("audit_digest_keys", {
  kid: text("kid").primaryKey(),
  publicJwk: text("public_jwk", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  privateJwkEnc: text("private_jwk_enc").notNull(),
  createdAt: integer("created_at").notNull().default(now),
  retiredAt: integer("retired_at"),
});

export type UserRow = typeof users.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;
export type TenantRow = typeof tenants.$inferSelect;
export type MembershipRow = typeof memberships.$inferSelect;
export type InviteRow = typeof invites.$inferSelect;
export type AgentRow = typeof agents.$inferSelect;
export type TeamRow = typeof teams.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type AuditEventRow = typeof auditEvents.$inferSelect;
export type AuditEventInsert = typeof auditEvents.$inferInsert;
export type RecoveryCodeRow = typeof recoveryCodes.$inferSelect;
export type MfaChallengeRow = typeof mfaChallenges.$inferSelect;
export type OauthAccountRow = typeof oauthAccounts.$inferSelect;
export type PasswordResetTokenRow = typeof passwordResetTokens.$inferSelect;
export type SigningKeyRow = typeof signingKeys.$inferSelect;
export type AlertRuleRow = typeof alertRules.$inferSelect;
export type AlertRow = typeof alerts.$inferSelect;
export type WebhookRow = typeof webhooks.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
export type AuditArchiveCheckpointRow = typeof auditArchiveCheckpoints.$inferSelect;
export type AuditArchiveRow = typeof auditArchives.$inferSelect;
export type AuditDigestKeyRow = typeof auditDigestKeys.$inferSelect;

/**
 * Projects (docs/projects.md): the unit a tenant separates work into. Agents, teams and API keys
 * carry a `project_id`; later project-scoped tables (runs, budgets…) follow the same convention.
 * Every tenant has a default project whose id is derived from the tenant's (`prj_` + the tenant
 * id's body, see shared/projects.ts), so the backfill migration, old rows with a null
 * `project_id` and code that creates it lazily all agree on it without a lookup.
 */
export const projects = sqliteTable(
  "projects",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    isDefault: integer("is_default", { mode: "boolean" }).notNull().default(false),
    /** Archived projects accept no new or changed agents, teams or keys; their data stays readable. */
    archivedAt: integer("archived_at"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [index("projects_tenant_idx").on(t.tenantId, t.id), uniqueIndex("projects_tenant_name_unique").on(t.tenantId, t.name)],
);

/**
 * A member's role inside one project, which can only NARROW their tenant role (the effective role
 * is the less powerful of the two; see auth/permissions.ts `projectRoleHas`). No row: the tenant role applies.
 */
export const projectMembers = sqliteTable(
  "project_members",
  {
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    tenantId: text("tenant_id").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role").$type<Role>().notNull(),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.userId] }), index("project_members_tenant_user_idx").on(t.tenantId, t.userId)],
);

export type ProjectRow = typeof projects.$inferSelect;
export type ProjectMemberRow = typeof projectMembers.$inferSelect;

/**
 * Single sign-on (docs/sso.md): one OpenID Connect connection per tenant. The client secret is
 * AES-GCM encrypted with DATA_ENCRYPTION_KEY (purpose "sso-client-secret") until the vault exists.
 */
export const ssoConnections = sqliteTable(
  "sso_connections",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    issuer: text("issuer").notNull(),
    clientId: text("client_id").notNull(),
    clientSecretEnc: text("client_secret_enc").notNull(),
    /** Lower-cased email domains this connection signs in; each is claimed by one tenant only (sso_domains). */
    emailDomains: text("email_domains", { mode: "json" }).$type<string[]>().notNull(),
    /** The ID-token claim holding the person's groups. */
    groupsClaim: text("groups_claim").notNull().default("groups"),
    groupRoles: text("group_roles", { mode: "json" }).$type<Array<{ group: string; role: Role }>>().notNull(),
    /** Role for a person none of whose groups is mapped; null refuses them. */
    defaultRole: text("default_role").$type<Role>(),
    /** Off unless the tenant opts in: no group mapping grants (or takes away) the owner role. */
    allowOwnerFromGroups: integer("allow_owner_from_groups", { mode: "boolean" }).notNull().default(false),
    jitProvisioning: integer("jit_provisioning", { mode: "boolean" }).notNull().default(true),
    ssoRequired: integer("sso_required", { mode: "boolean" }).notNull().default(false),
    /** The owner who may still sign in with a password while SSO is required (break-glass). */
    breakGlassUserId: text("break_glass_user_id").references(() => users.id, { onDelete: "set null" }),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [uniqueIndex("sso_connections_tenant_unique").on(t.tenantId)],
);

/** Which tenant's connection serves an email domain: the login page routes by it, so a domain has one owner. */
export const ssoDomains = sqliteTable("sso_domains", {
  domain: text("domain").primaryKey(),
  tenantId: text("tenant_id")
    .notNull()
    .references(() => tenants.id, { onDelete: "cascade" }),
  connectionId: text("connection_id")
    .notNull()
    .references(() => ssoConnections.id, { onDelete: "cascade" }),
});

/** A person at a tenant's identity provider (issuer + `sub`), linked to a Switchboard user. */
export const ssoIdentities = sqliteTable(
  "sso_identities",
  {
    connectionId: text("connection_id")
      .notNull()
      .references(() => ssoConnections.id, { onDelete: "cascade" }),
    issuer: text("issuer").notNull(),
    subject: text("subject").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    createdAt: integer("created_at").notNull().default(now),
    lastLoginAt: integer("last_login_at"),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.issuer, t.subject] }), index("sso_identities_user_idx").on(t.userId)],
);

export type SsoConnectionRow = typeof ssoConnections.$inferSelect;
export type SsoIdentityRow = typeof ssoIdentities.$inferSelect;

/**
 * The last run of each cron job (workers/api/src/cron.ts), for the operator console's health: one
 * row per job, overwritten at every run's start and end. A row stuck in `running` past a run's
 * time limit means the invocation died mid-job.
 */
export const cronRuns = sqliteTable("cron_runs", {
  job: text("job").primaryKey(),
  lastStartedAt: integer("last_started_at").notNull(),
  lastFinishedAt: integer("last_finished_at"),
  lastStatus: text("last_status").$type<"running" | "ok" | "failed">().notNull(),
  /** The failure's message (never a stack or secrets: the operator console shows it). */
  lastError: text("last_error"),
  lastSuccessAt: integer("last_success_at"),
  /** What the last successful run did (e.g. `{ enqueued: 3 }`), as the job reports it. */
  lastSummary: text("last_summary", { mode: "json" }).$type<Record<string, unknown>>(),
  runs: integer("runs").notNull().default(0),
});
export type CronRunRow = typeof cronRuns.$inferSelect;

// ── Egress proxy, secrets vault (docs/egress.md, docs/secrets.md) ─────────────────────────────

/**
 * Egress rules. `agentId` set: an allow rule granted to that agent. `agentId` null: a tenant-wide
 * deny rule (subtracted from every agent's policy). Hard-deleted (the audit trail keeps them).
 * Host patterns are stored canonical (workers/shared/egress/host-pattern.ts).
 */
export const egressRules = sqliteTable(
  "egress_rules",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    agentId: text("agent_id"),
    effect: text("effect").$type<"allow" | "deny">().notNull(),
    host: text("host").notNull(),
    /** Upper-case HTTP methods, or null for any. */
    methods: text("methods", { mode: "json" }).$type<string[] | null>(),
    pathPrefix: text("path_prefix"),
    schemes: text("schemes", { mode: "json" }).$type<Array<"https" | "http">>().notNull(),
    description: text("description").notNull().default(""),
    createdBy: text("created_by"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [index("egress_rules_tenant_agent_idx").on(t.tenantId, t.agentId)],
);

/** An agent's egress mode: `mock` (nothing leaves; answers from declared responses) until an admin switches it to `live`. No row = mock. */
export const agentEgress = sqliteTable("agent_egress", {
  agentId: text("agent_id")
    .primaryKey()
    .references(() => agents.id, { onDelete: "cascade" }),
  tenantId: text("tenant_id").notNull(),
  mode: text("mode").$type<"mock" | "live">().notNull(),
  updatedBy: text("updated_by"),
  updatedAt: integer("updated_at").notNull().default(now),
});

/** Metering: proxied calls per tenant, agent and UTC day, upserted by each agent's EgressGate in batches (never per call). */
export const egressUsage = sqliteTable(
  "egress_usage",
  {
    tenantId: text("tenant_id").notNull(),
    agentId: text("agent_id").notNull(),
    day: text("day").notNull(),
    allowed: integer("allowed").notNull().default(0),
    denied: integer("denied").notNull().default(0),
    bytesOut: integer("bytes_out").notNull().default(0),
    bytesIn: integer("bytes_in").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.agentId, t.day] })],
);

/**
 * Vault data keys: one AES-256-GCM data key (DEK) per tenant, stored only wrapped by a
 * key-encryption key (KEK) from the VAULT_KEKS secret; `kekId` says which, so the KEK rotates
 * by re-wrapping these rows (workers/shared/vault/rewrap.ts) while secrets stay untouched.
 */
export const vaultKeys = sqliteTable(
  "vault_keys",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    kekId: text("kek_id").notNull(),
    wrappedKey: text("wrapped_key").notNull(),
    createdAt: integer("created_at").notNull().default(now),
    rewrappedAt: integer("rewrapped_at"),
  },
  (t) => [uniqueIndex("vault_keys_tenant_unique").on(t.tenantId), index("vault_keys_kek_idx").on(t.kekId)],
);

/**
 * Secrets: write-only credentials the egress proxy injects. Bound to one host (and optionally a
 * path prefix and methods) and one injection scheme; scoped to agents or to skills. The value
 * lives only in `secret_versions`, encrypted with the tenant's data key.
 */
export const secrets = sqliteTable(
  "secrets",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    host: text("host").notNull(),
    pathPrefix: text("path_prefix"),
    methods: text("methods", { mode: "json" }).$type<string[] | null>(),
    injection: text("injection", { mode: "json" }).$type<SecretInjection>().notNull(),
    scope: text("scope", { mode: "json" }).$type<SecretScope>().notNull(),
    currentVersion: integer("current_version").notNull(),
    expiresAt: integer("expires_at"),
    createdBy: text("created_by"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
    deletedAt: integer("deleted_at"),
  },
  (t) => [
    index("secrets_tenant_idx").on(t.tenantId, t.id),
    uniqueIndex("secrets_tenant_name_live_unique").on(t.tenantId, t.name).where(sql`deleted_at is null`),
  ],
);

export const secretVersions = sqliteTable(
  "secret_versions",
  {
    secretId: text("secret_id")
      .notNull()
      .references(() => secrets.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    vaultKeyId: text("vault_key_id").notNull(),
    /** `v1.<iv>.<ciphertext>` under the tenant's data key, AAD = tenant|secret|version. */
    ciphertext: text("ciphertext").notNull(),
    createdBy: text("created_by"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.secretId, t.version] })],
);

export type SecretInjection = { type: "header"; name: string; format: string } | { type: "query"; name: string };
export type SecretScope = { agents: string[] } | { skills: string[] };
export type EgressRuleRow = typeof egressRules.$inferSelect;
export type AgentEgressRow = typeof agentEgress.$inferSelect;
export type VaultKeyRow = typeof vaultKeys.$inferSelect;
export type SecretRow = typeof secrets.$inferSelect;
export type SecretVersionRow = typeof secretVersions.$inferSelect;

// ── Skills (docs/skills.md) ───────────────────────────────────────────────────────────────────

/**
 * A tenant's skill catalog: the core bundle (publisher `switchboard`, copied in when the tenant is
 * created) and the tenant's own private registry (publisher `tenant`). Names are unique per tenant.
 */
export const skills = sqliteTable(
  "skills",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    publisher: text("publisher").$type<"switchboard" | "tenant">().notNull(),
    title: text("title").notNull(),
    description: text("description").notNull().default(""),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [uniqueIndex("skills_tenant_name_unique").on(t.tenantId, t.name)],
);

/** Immutable published versions (semver); only the status moves: published → deprecated, or → yanked. */
export const skillVersions = sqliteTable(
  "skill_versions",
  {
    skillId: text("skill_id")
      .notNull()
      .references(() => skills.id, { onDelete: "cascade" }),
    version: text("version").notNull(),
    manifest: text("manifest", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    status: text("status").$type<"published" | "deprecated" | "yanked">().notNull().default("published"),
    statusMessage: text("status_message"),
    publishedBy: text("published_by"),
    publishedAt: integer("published_at").notNull().default(now),
    statusChangedAt: integer("status_changed_at"),
    // Skill runtime (docs/skills.md#code): set when the version ships code. The code itself is in
    // R2 (`codeKey`, or the Worker's own bundle for core skills: `core:<name>@<version>`); the index
    // keeps what listing tools and keying isolates need without reading R2.
    contentHash: text("content_hash"),
    codeKey: text("code_key"),
    codeBytes: integer("code_bytes"),
    tools: text("tools", { mode: "json" }).$type<Array<Record<string, unknown>>>(),
  },
  (t) => [primaryKey({ columns: [t.skillId, t.version] })],
);

/** A skill installed on an agent, pinned to a version, with its own sandbox mode. */
export const agentSkills = sqliteTable(
  "agent_skills",
  {
    agentId: text("agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    skillId: text("skill_id")
      .notNull()
      .references(() => skills.id, { onDelete: "cascade" }),
    tenantId: text("tenant_id").notNull(),
    version: text("version").notNull(),
    mode: text("mode").$type<"mock" | "live">().notNull(),
    installedBy: text("installed_by"),
    installedAt: integer("installed_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.skillId] }), index("agent_skills_tenant_idx").on(t.tenantId)],
);

export type SkillRow = typeof skills.$inferSelect;
export type SkillVersionRow = typeof skillVersions.$inferSelect;
export type AgentSkillRow = typeof agentSkills.$inferSelect;

/**
 * Billing (docs/billing.md). A tenant's Stripe customer, created in the background when the tenant
 * is (BILLING_JOBS queue, Stripe idempotency key `tenant-customer-<tenantId>`).
 */
export const billingCustomers = sqliteTable(
  "billing_customers",
  {
    tenantId: text("tenant_id")
      .primaryKey()
      .references(() => tenants.id, { onDelete: "cascade" }),
    stripeCustomerId: text("stripe_customer_id").notNull(),
    livemode: integer("livemode", { mode: "boolean" }).notNull(),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [uniqueIndex("billing_customers_stripe_unique").on(t.stripeCustomerId)],
);

/**
 * Stripe subscriptions as last seen, one row per subscription. `stateAt` (Stripe's clock, unix
 * seconds) is the `created` of the event whose snapshot this is, or the time it was re-fetched:
 * an older event never overwrites a newer state (docs/billing.md, "Ordering"). The tenant's plan is
 * derived from these rows in the same D1 batch that changes them.
 */
export const billingSubscriptions = sqliteTable(
  "billing_subscriptions",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    status: text("status").$type<import("../schemas/billing").SubscriptionStatus>().notNull(),
    /** The plan its base price buys; null when the price is not one of ours. */
    plan: text("plan").$type<PlanId>(),
    priceId: text("price_id"),
    currentPeriodEnd: integer("current_period_end"),
    cancelAtPeriodEnd: integer("cancel_at_period_end", { mode: "boolean" }).notNull().default(false),
    trialEnd: integer("trial_end"),
    stateAt: integer("state_at").notNull(),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [index("billing_subscriptions_tenant_idx").on(t.tenantId)],
);

/**
 * Stripe events processed by the queue consumer: the dedup row, inserted in the SAME D1 batch as
 * the event's effects (so "seen" always means "applied"). `audit` holds the audit events the
 * effects produced, re-emitted (idempotently, by id) when a duplicate arrives after a crash.
 */
export const stripeEvents = sqliteTable("stripe_events", {
  id: text("id").primaryKey(),
  type: text("type").notNull(),
  created: integer("created").notNull(),
  livemode: integer("livemode", { mode: "boolean" }).notNull(),
  tenantId: text("tenant_id"),
  outcome: text("outcome").notNull(),
  audit: text("audit", { mode: "json" }).$type<unknown[]>().notNull(),
  processedAt: integer("processed_at").notNull(),
});

/**
 * Usage per tenant, month, kind and agent (`agent_id` '' = the tenant's total), flushed in batches
 * by the tenant's UsageMeter Durable Object (absolute values, only ever growing). `reported` is how
 * much of a tenant total has been turned into usage_reports rows.
 */
export const usageCounters = sqliteTable(
  "usage_counters",
  {
    tenantId: text("tenant_id").notNull(),
    period: text("period").notNull(),
    kind: text("kind").$type<import("../billing/usage-kinds").UsageKind>().notNull(),
    agentId: text("agent_id").notNull(),
    quantity: integer("quantity").notNull(),
    reported: integer("reported").notNull().default(0),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.period, t.kind, t.agentId] })],
);

/**
 * One Stripe meter event each: `id` is the meter event's `identifier`, so a resend after a crash or
 * a redelivered job is counted once by Stripe. Rows of a tenant add up to its counters' `reported`.
 * Status: pending → sent; `not_billable` when the tenant had no paid subscription (nothing sent).
 */
export const usageReports = sqliteTable(
  "usage_reports",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    period: text("period").notNull(),
    kind: text("kind").$type<import("../billing/usage-kinds").UsageKind>().notNull(),
    quantity: integer("quantity").notNull(),
    /** The counter's `reported` before and after this row: rows of a counter tile it without gaps. */
    fromTotal: integer("from_total").notNull(),
    toTotal: integer("to_total").notNull(),
    status: text("status").$type<"pending" | "sent" | "not_billable" | "expired">().notNull(),
    createdAt: integer("created_at").notNull(),
    sentAt: integer("sent_at"),
  },
  (t) => [index("usage_reports_tenant_status_idx").on(t.tenantId, t.status)],
);

/** Budgets (docs/billing.md): soft and hard caps per month, per tenant (`scope_key` '*') or per agent. */
export const budgets = sqliteTable(
  "budgets",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    agentId: text("agent_id"),
    /** `agent_id`, or '*' for the tenant: one budget per scope and metric. */
    scopeKey: text("scope_key").notNull(),
    metric: text("metric").$type<import("../schemas/billing").BudgetMetric>().notNull(),
    softLimit: integer("soft_limit"),
    hardLimit: integer("hard_limit"),
    createdBy: text("created_by"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [uniqueIndex("budgets_scope_unique").on(t.tenantId, t.scopeKey, t.metric)],
);

export type BillingCustomerRow = typeof billingCustomers.$inferSelect;
export type BillingSubscriptionRow = typeof billingSubscriptions.$inferSelect;
export type UsageReportRow = typeof usageReports.$inferSelect;
export type BudgetRow = typeof budgets.$inferSelect;

/**
 * Safe mode (docs/governance.md "Kill switch and safe mode"): one row per tenant or team that is
 * held. `scope_id` is the tenant's id for the whole tenant, or the team's id; lifting deletes the
 * row (the audit trail keeps the history). Read on every agent-token verification and EgressGate
 * load through workers/shared/governance/safe-mode.ts.
 */
export const safeModes = sqliteTable(
  "safe_modes",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    scopeId: text("scope_id").notNull(),
    /** Null for the whole tenant. */
    teamId: text("team_id").references(() => teams.id, { onDelete: "cascade" }),
    reason: text("reason").notNull(),
    enteredBy: text("entered_by"),
    enteredAt: integer("entered_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.scopeId] })],
);
export type SafeModeRow = typeof safeModes.$inferSelect;

/**
 * Policies as code (docs/governance.md "Policies as code (Cedar)"): a tenant's Cedar policy set,
 * append-only. Every save is a new version with its author and message; rollback writes a new
 * version with an old version's text. The newest version is the one enforced (when enabled).
 */
export const policyVersions = sqliteTable(
  "policy_versions",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    /** The Cedar policy set, as written (validated against the schema when saved). */
    text: text("text").notNull(),
    message: text("message").notNull(),
    rolledBackFrom: integer("rolled_back_from"),
    createdBy: text("created_by"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.version] })],
);

/** Whether Cedar gates the tenant's decisions (off: native policy only, and no policy Worker call at all). */
export const tenantPolicySettings = sqliteTable("tenant_policy_settings", {
  tenantId: text("tenant_id")
    .primaryKey()
    .references(() => tenants.id, { onDelete: "cascade" }),
  cedarEnabled: integer("cedar_enabled", { mode: "boolean" }).notNull().default(false),
  updatedBy: text("updated_by"),
  updatedAt: integer("updated_at").notNull().default(now),
});

export type PolicyVersionRow = typeof policyVersions.$inferSelect;

/**
 * Runs (docs/runs.md): one agent invoking another through the team relay, with a scope and a
 * budget. The live budget counters are columns of the row: a charge is ONE conditional UPDATE
 * (`used + n <= max AND status = 'running'`), which D1 serialises, so concurrent charges cannot
 * overspend and no extra Durable Object hop is needed.
 */
export const runs = sqliteTable(
  "runs",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    teamId: text("team_id").notNull(),
    callerAgentId: text("caller_agent_id").notNull(),
    calleeAgentId: text("callee_agent_id").notNull(),
    parentRunId: text("parent_run_id"),
    via: text("via").$type<import("../runs/schemas").RunVia>().notNull(),
    status: text("status").$type<import("../runs/schemas").RunStatus>().notNull(),
    /** The skills/tools the callee may use for this run (`skill` or `skill/tool`); empty = no restriction beyond its own. */
    scope: text("scope", { mode: "json" }).$type<string[]>().notNull(),
    maxCalls: integer("max_calls"),
    maxEgressCalls: integer("max_egress_calls"),
    maxCostUnits: integer("max_cost_units"),
    usedCalls: integer("used_calls").notNull().default(0),
    usedEgressCalls: integer("used_egress_calls").notNull().default(0),
    usedCostUnits: integer("used_cost_units").notNull().default(0),
    deadlineAt: integer("deadline_at").notNull(),
    inputHash: text("input_hash").notNull(),
    /** The input (canonical JSON, RFC 8785), kept for the run detail and the export bundle. */
    input: text("input").notNull(),
    outputHash: text("output_hash"),
    /** The output (the callee's reply body, JSON), kept for the run detail and the export bundle. */
    output: text("output"),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    cardVersion: text("card_version"),
    relaySeq: integer("relay_seq"),
    startedAt: integer("started_at").notNull(),
    finishedAt: integer("finished_at"),
    durationMs: integer("duration_ms"),
    /** The signed provenance record (compact JWS) once the run has ended. */
    provenance: text("provenance"),
  },
  (t) => [
    index("runs_tenant_idx").on(t.tenantId, t.id),
    index("runs_callee_idx").on(t.tenantId, t.calleeAgentId, t.id),
    index("runs_caller_idx").on(t.tenantId, t.callerAgentId, t.id),
    index("runs_parent_idx").on(t.parentRunId),
  ],
);

/**
 * Reputation per agent as callee (docs/runs.md "Reputation"), updated by the statement that ends a
 * run: outcome counters and a ring of the last 100 durations (`durations`, JSON array; slot
 * `finished % 100`), all in one UPDATE so concurrent run ends never lose one another.
 */
export const agentReputation = sqliteTable("agent_reputation", {
  agentId: text("agent_id").primaryKey(),
  tenantId: text("tenant_id").notNull(),
  succeeded: integer("succeeded").notNull().default(0),
  failed: integer("failed").notNull().default(0),
  timedOut: integer("timed_out").notNull().default(0),
  budgetExceeded: integer("budget_exceeded").notNull().default(0),
  denied: integer("denied").notNull().default(0),
  /** Runs that ended (all statuses but denied): the ring's write position. */
  finished: integer("finished").notNull().default(0),
  durations: text("durations", { mode: "json" }).$type<number[]>().notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export type RunRow = typeof runs.$inferSelect;
export type AgentReputationRow = typeof agentReputation.$inferSelect;

/**
 * The API's public names for typed clients, in one place: every operation's `operationId` (the
 * method name a generated client gives it — stable: renaming one breaks every client, and the
 * OpenAPI test fails on any change), the tags' descriptions, and the routes authenticated by an
 * agent token rather than a person's session or an API key.
 *
 * Kept here rather than in each route file so the client surface reads as one list. A route not
 * listed gets an id derived from its method and path (`derivedOperationId`) and the OpenAPI test
 * asks for an entry: ids are chosen by a person, once.
 */

/** `"<METHOD> <path>"` → operationId (camelCase verb + noun). */
export const OPERATION_IDS: Record<string, string> = {
  "GET /health": "getHealth",
  // Auth and the signed-in person
  "POST /v1/auth/signup": "signUp",
  "POST /v1/auth/login": "logIn",
  "POST /v1/auth/login/mfa": "completeMfaLogin",
  "POST /v1/auth/logout": "logOut",
  "POST /v1/auth/logout-all": "logOutEverywhere",
  "POST /v1/auth/password/forgot": "requestPasswordReset",
  "POST /v1/auth/password/reset": "resetPassword",
  "GET /v1/auth/oauth/providers": "listOAuthProviders",
  "GET /v1/auth/oauth/{provider}/start": "startOAuthLogin",
  "GET /v1/auth/oauth/{provider}/callback": "completeOAuthLogin",
  "GET /v1/me": "getMe",
  "GET /v1/me/sessions": "listMySessions",
  "DELETE /v1/me/sessions/{sessionId}": "revokeMySession",
  "DELETE /v1/me/memberships/{tenantId}": "leaveTenant",
  "GET /v1/me/mfa": "getMfaStatus",
  "POST /v1/me/mfa/totp/setup": "startTotpSetup",
  "POST /v1/me/mfa/totp/enable": "enableTotp",
  "POST /v1/me/mfa/disable": "disableMfa",
  "POST /v1/me/mfa/recovery-codes": "regenerateRecoveryCodes",
  "GET /v1/me/oauth": "listLinkedAccounts",
  "POST /v1/me/oauth/{provider}/link": "linkOAuthAccount",
  "DELETE /v1/me/oauth/{provider}": "unlinkOAuthAccount",
  // Tenants, members, invites
  "POST /v1/tenants": "createTenant",
  "GET /v1/tenants/{tenantId}": "getTenant",
  "PATCH /v1/tenants/{tenantId}": "updateTenant",
  "DELETE /v1/tenants/{tenantId}": "deleteTenant",
  "GET /v1/tenants/{tenantId}/config/versions": "listTenantConfigVersions",
  "GET /v1/tenants/{tenantId}/config/versions/{version}": "getTenantConfigVersion",
  "POST /v1/tenants/{tenantId}/config/versions/{version}/rollback": "rollbackTenantConfig",
  "GET /v1/tenants/{tenantId}/members": "listMembers",
  "PATCH /v1/tenants/{tenantId}/members/{userId}": "updateMemberRole",
  "DELETE /v1/tenants/{tenantId}/members/{userId}": "removeMember",
  "GET /v1/tenants/{tenantId}/invites": "listInvites",
  "POST /v1/tenants/{tenantId}/invites": "createInvite",
  "DELETE /v1/tenants/{tenantId}/invites/{inviteId}": "revokeInvite",
  "POST /v1/invites/preview": "previewInvite",
  "POST /v1/invites/accept": "acceptInvite",
  // Agents, teams, API keys
  "POST /v1/tenants/{tenantId}/agents": "createAgent",
  "GET /v1/tenants/{tenantId}/agents": "listAgents",
  "GET /v1/tenants/{tenantId}/agents/{agentId}": "getAgent",
  "PATCH /v1/tenants/{tenantId}/agents/{agentId}": "updateAgent",
  "DELETE /v1/tenants/{tenantId}/agents/{agentId}": "deleteAgent",
  "POST /v1/tenants/{tenantId}/agents/{agentId}/suspend": "suspendAgent",
  "POST /v1/tenants/{tenantId}/agents/{agentId}/resume": "resumeAgent",
  "POST /v1/tenants/{tenantId}/agents/{agentId}/rotate-secret": "rotateAgentSecret",
  "POST /v1/tenants/{tenantId}/teams": "createTeam",
  "GET /v1/tenants/{tenantId}/teams": "listTeams",
  "GET /v1/tenants/{tenantId}/teams/{teamId}": "getTeam",
  "PATCH /v1/tenants/{tenantId}/teams/{teamId}": "updateTeam",
  "DELETE /v1/tenants/{tenantId}/teams/{teamId}": "deleteTeam",
  "PUT /v1/tenants/{tenantId}/teams/{teamId}/agents/{agentId}": "addTeamAgent",
  "DELETE /v1/tenants/{tenantId}/teams/{teamId}/agents/{agentId}": "removeTeamAgent",
  "POST /v1/tenants/{tenantId}/api-keys": "createApiKey",
  "GET /v1/tenants/{tenantId}/api-keys": "listApiKeys",
  "DELETE /v1/tenants/{tenantId}/api-keys/{apiKeyId}": "revokeApiKey",
  // Agent identity and the relay
  "POST /v1/agent-tokens": "issueAgentToken",
  "GET /.well-known/jwks.json": "getAgentTokenKeys",
  "GET /v1/agent/me": "getAgentMe",
  "GET /v1/teams/{teamId}/relay": "connectRelay",
  "GET /v1/tenants/{tenantId}/teams/{teamId}/relay/observe": "observeRelay",
  "GET /v1/tenants/{tenantId}/teams/{teamId}/allowlist": "getAllowlist",
  "PUT /v1/tenants/{tenantId}/teams/{teamId}/allowlist": "replaceAllowlist",
  "POST /v1/tenants/{tenantId}/teams/{teamId}/allowlist/edges": "addAllowlistEdge",
  "DELETE /v1/tenants/{tenantId}/teams/{teamId}/allowlist/edges": "removeAllowlistEdge",
  "POST /v1/tenants/{tenantId}/teams/{teamId}/allowlist/topics": "addAllowlistTopicRule",
  "DELETE /v1/tenants/{tenantId}/teams/{teamId}/allowlist/topics": "removeAllowlistTopicRule",
  // Audit, archives, alerts
  "GET /v1/tenants/{tenantId}/audit": "listAuditEvents",
  "GET /v1/tenants/{tenantId}/audit/{seq}": "getAuditEvent",
  "POST /v1/tenants/{tenantId}/audit/verify": "verifyAuditChain",
  "GET /v1/tenants/{tenantId}/audit/export": "exportAuditEvents",
  "GET /.well-known/audit-digest-keys.json": "getAuditDigestKeys",
  "GET /v1/tenants/{tenantId}/audit/archives": "listAuditArchives",
  "GET /v1/tenants/{tenantId}/audit/archives/{day}/digest": "getAuditArchiveDigest",
  "GET /v1/tenants/{tenantId}/audit/archives/{day}/archive": "downloadAuditArchive",
  "GET /v1/alert-rule-templates": "listAlertRuleTemplates",
  "GET /v1/tenants/{tenantId}/alert-rules": "listAlertRules",
  "POST /v1/tenants/{tenantId}/alert-rules": "createAlertRule",
  "GET /v1/tenants/{tenantId}/alert-rules/{ruleId}": "getAlertRule",
  "PATCH /v1/tenants/{tenantId}/alert-rules/{ruleId}": "updateAlertRule",
  "DELETE /v1/tenants/{tenantId}/alert-rules/{ruleId}": "deleteAlertRule",
  "GET /v1/tenants/{tenantId}/alerts/live": "connectAlertsLive",
  "GET /v1/tenants/{tenantId}/alerts": "listAlerts",
  "GET /v1/tenants/{tenantId}/alerts/{alertId}": "getAlert",
  "POST /v1/tenants/{tenantId}/alerts/{alertId}/acknowledge": "acknowledgeAlert",
  "POST /v1/tenants/{tenantId}/alerts/{alertId}/resolve": "resolveAlert",
  "GET /v1/tenants/{tenantId}/webhooks": "listWebhooks",
  "POST /v1/tenants/{tenantId}/webhooks": "createWebhook",
  "DELETE /v1/tenants/{tenantId}/webhooks/{webhookId}": "deleteWebhook",
  "GET /v1/tenants/{tenantId}/webhooks/{webhookId}/deliveries": "listWebhookDeliveries",
  "POST /v1/tenants/{tenantId}/webhooks/{webhookId}/test": "testWebhook",
  // Agents' coordination (agent token; docs/coordination.md)
  "POST /v1/agent/locks/acquire": "acquireLock",
  "POST /v1/agent/locks/release": "releaseLock",
  "POST /v1/agent/locks/renew": "renewLock",
  "GET /v1/agent/locks": "listMyTeamLocks",
  "POST /v1/agent/tasks": "createAgentTask",
  "GET /v1/agent/tasks": "listAgentTasks",
  "POST /v1/agent/tasks/claim": "claimTask",
  "POST /v1/agent/tasks/complete": "completeTask",
  "POST /v1/agent/tasks/fail": "failTask",
  "GET /v1/agent/tasks/{taskId}": "getAgentTask",
  "POST /v1/agent/handoffs": "createHandoff",
  "POST /v1/agent/handoffs/read": "readHandoffs",
  "GET /v1/agent/handoffs/sent": "listSentHandoffs",
  "POST /v1/agent/memory": "remember",
  "POST /v1/agent/memory/recall": "recall",
  "DELETE /v1/agent/memory/{memoryId}": "forgetMemory",
  "POST /v1/agent/heartbeat": "sendHeartbeat",
  "GET /v1/agent/agents": "listTeamAgents",
  "POST /v1/agent/guardrails/check": "checkGuardrails",
  "GET /v1/agent/audit": "listMyAuditEvents",
  // A team's coordination, for people and API keys (docs/coordination.md)
  "GET /v1/tenants/{tenantId}/teams/{teamId}/coordination/locks": "listTeamLocks",
  "POST /v1/tenants/{tenantId}/teams/{teamId}/coordination/locks/force-release": "forceReleaseLock",
  "GET /v1/tenants/{tenantId}/teams/{teamId}/coordination/tasks": "listTeamTasks",
  "POST /v1/tenants/{tenantId}/teams/{teamId}/coordination/tasks": "createTeamTask",
  "POST /v1/tenants/{tenantId}/teams/{teamId}/coordination/tasks/{taskId}/cancel": "cancelTeamTask",
  "POST /v1/tenants/{tenantId}/teams/{teamId}/coordination/tasks/{taskId}/requeue": "requeueTeamTask",
  "GET /v1/tenants/{tenantId}/teams/{teamId}/coordination/handoffs": "listTeamHandoffs",
  "GET /v1/tenants/{tenantId}/teams/{teamId}/coordination/memory": "searchTeamMemory",
  "GET /v1/tenants/{tenantId}/teams/{teamId}/coordination/memory/usage": "getTeamMemoryUsage",
  "DELETE /v1/tenants/{tenantId}/teams/{teamId}/coordination/memory/{memoryId}": "deleteTeamMemory",
  "GET /v1/tenants/{tenantId}/teams/{teamId}/coordination/agents": "listTeamPresence",
  "GET /v1/tenants/{tenantId}/teams/{teamId}/coordination/workflow-templates": "listWorkflowTemplates",
  "POST /v1/tenants/{tenantId}/teams/{teamId}/coordination/workflows": "startWorkflow",
  "GET /v1/tenants/{tenantId}/teams/{teamId}/coordination/workflows": "listWorkflowRuns",
  "GET /v1/tenants/{tenantId}/teams/{teamId}/coordination/workflows/{runId}": "getWorkflowRun",
  "GET /v1/tenants/{tenantId}/teams/{teamId}/coordination/settings": "getCoordinationSettings",
  "PUT /v1/tenants/{tenantId}/teams/{teamId}/coordination/settings": "updateCoordinationSettings",
  "GET /v1/tenants/{tenantId}/teams/{teamId}/export": "exportTeamYaml",
  "POST /v1/tenants/{tenantId}/teams/{teamId}/apply": "applyTeamYaml",
  // MCP (docs/mcp.md)
  "POST /mcp": "callMcp",
  "GET /mcp": "getMcp",
  "DELETE /mcp": "deleteMcp",
  "OPTIONS /mcp": "preflightMcp",
  "GET /.well-known/oauth-protected-resource/mcp": "getMcpResourceMetadata",
  // Projects (docs/projects.md)
  "POST /v1/tenants/{tenantId}/projects": "createProject",
  "GET /v1/tenants/{tenantId}/projects": "listProjects",
  "GET /v1/tenants/{tenantId}/projects/{projectId}": "getProject",
  "PATCH /v1/tenants/{tenantId}/projects/{projectId}": "updateProject",
  "POST /v1/tenants/{tenantId}/projects/{projectId}/archive": "archiveProject",
  "POST /v1/tenants/{tenantId}/projects/{projectId}/unarchive": "unarchiveProject",
  "GET /v1/tenants/{tenantId}/projects/{projectId}/members": "listProjectMembers",
  "PUT /v1/tenants/{tenantId}/projects/{projectId}/members/{userId}": "setProjectRole",
  "DELETE /v1/tenants/{tenantId}/projects/{projectId}/members/{userId}": "removeProjectRole",
  // Single sign-on (docs/sso.md)
  "GET /v1/tenants/{tenantId}/sso": "getSsoConnection",
  "PUT /v1/tenants/{tenantId}/sso": "putSsoConnection",
  "DELETE /v1/tenants/{tenantId}/sso": "deleteSsoConnection",
  "POST /v1/auth/sso/discover": "discoverSso",
  "GET /v1/auth/sso/start": "startSsoLogin",
  "GET /v1/auth/sso/callback": "completeSsoLogin",
  // Egress, secrets and skills (docs/egress.md, docs/secrets.md, docs/skills.md)
  "GET /v1/tenants/{tenantId}/agents/{agentId}/egress": "getAgentEgress",
  "POST /v1/tenants/{tenantId}/agents/{agentId}/egress/rules": "addEgressRule",
  "DELETE /v1/tenants/{tenantId}/agents/{agentId}/egress/rules/{egressRuleId}": "removeEgressRule",
  "PUT /v1/tenants/{tenantId}/agents/{agentId}/egress/mode": "setEgressMode",
  "POST /v1/tenants/{tenantId}/agents/{agentId}/egress/test": "testEgressUrl",
  "GET /v1/tenants/{tenantId}/agents/{agentId}/egress/activity": "listEgressActivity",
  "GET /v1/tenants/{tenantId}/egress/deny-rules": "listEgressDenyRules",
  "POST /v1/tenants/{tenantId}/egress/deny-rules": "addEgressDenyRule",
  "DELETE /v1/tenants/{tenantId}/egress/deny-rules/{denyRuleId}": "removeEgressDenyRule",
  "GET /v1/tenants/{tenantId}/secrets": "listSecrets",
  "POST /v1/tenants/{tenantId}/secrets": "createSecret",
  "GET /v1/tenants/{tenantId}/secrets/{secretId}": "getSecret",
  "PATCH /v1/tenants/{tenantId}/secrets/{secretId}": "updateSecret",
  "DELETE /v1/tenants/{tenantId}/secrets/{secretId}": "deleteSecret",
  "POST /v1/tenants/{tenantId}/secrets/{secretId}/rotate": "rotateSecret",
  "GET /v1/skills/manifest.schema.json": "getSkillManifestSchema",
  "GET /v1/tenants/{tenantId}/skills": "listSkills",
  "POST /v1/tenants/{tenantId}/skills": "publishSkill",
  "GET /v1/tenants/{tenantId}/skills/{skillName}": "getSkill",
  "POST /v1/tenants/{tenantId}/skills/{skillName}/versions/{version}/deprecate": "deprecateSkillVersion",
  "POST /v1/tenants/{tenantId}/skills/{skillName}/versions/{version}/yank": "yankSkillVersion",
  "GET /v1/tenants/{tenantId}/agents/{agentId}/skills": "listAgentSkills",
  "PUT /v1/tenants/{tenantId}/agents/{agentId}/skills/{skillName}": "installSkill",
  "DELETE /v1/tenants/{tenantId}/agents/{agentId}/skills/{skillName}": "uninstallSkill",
  "POST /v1/tenants/{tenantId}/skills/dry-run": "dryRunSkill",
  // Skill runtime (docs/skills.md#code)
  "GET /v1/agent/skills/tools": "listAgentSkillTools",
  "POST /v1/agent/skills/{skillName}/tools/{tool}": "invokeSkillTool",
  "GET /v1/tenants/{tenantId}/skills/{skillName}/versions/{version}/source": "getSkillVersionSource",
  "GET /v1/tenants/{tenantId}/skills/{skillName}/invocations": "listSkillInvocations",
  // Billing (docs/billing.md)
  "GET /v1/tenants/{tenantId}/billing": "getBilling",
  "POST /v1/tenants/{tenantId}/billing/checkout": "startCheckout",
  "POST /v1/tenants/{tenantId}/billing/plan": "changePlan",
  "POST /v1/tenants/{tenantId}/billing/portal": "openBillingPortal",
  "GET /v1/tenants/{tenantId}/billing/invoices": "listInvoices",
  "GET /v1/tenants/{tenantId}/billing/usage": "getUsageHistory",
  "GET /v1/tenants/{tenantId}/budgets": "listBudgets",
  "POST /v1/tenants/{tenantId}/budgets": "createBudget",
  "PATCH /v1/tenants/{tenantId}/budgets/{budgetId}": "updateBudget",
  "DELETE /v1/tenants/{tenantId}/budgets/{budgetId}": "deleteBudget",
  "POST /v1/billing/webhooks": "receiveStripeWebhook",
  // Safe mode (docs/governance.md "Kill switch and safe mode")
  "GET /v1/tenants/{tenantId}/safe-mode": "getSafeMode",
  "POST /v1/tenants/{tenantId}/safe-mode": "enterSafeMode",
  "POST /v1/tenants/{tenantId}/safe-mode/lift": "liftSafeMode",
  "POST /v1/tenants/{tenantId}/teams/{teamId}/safe-mode": "enterTeamSafeMode",
  "POST /v1/tenants/{tenantId}/teams/{teamId}/safe-mode/lift": "liftTeamSafeMode",
  // Operators and development
  "POST /v1/admin/vault/rewrap": "rewrapVaultKeys",
  "GET /v1/admin/tenants": "listAllTenants",
  "GET /v1/admin/tenants/{tenantId}": "getAnyTenant",
  "GET /v1/admin/health": "getPlatformHealth",
  "GET /v1/dev/outbox": "listDevOutbox",
  // Policies as code (docs/governance.md "Policies as code (Cedar)")
  "GET /v1/tenants/{tenantId}/policies": "getPolicySettings",
  "PUT /v1/tenants/{tenantId}/policies/settings": "updatePolicySettings",
  "POST /v1/tenants/{tenantId}/policies/validate": "validatePolicy",
  "GET /v1/tenants/{tenantId}/policies/versions": "listPolicyVersions",
  "POST /v1/tenants/{tenantId}/policies/versions": "createPolicyVersion",
  "GET /v1/tenants/{tenantId}/policies/versions/{version}": "getPolicyVersion",
  "POST /v1/tenants/{tenantId}/policies/versions/{version}/rollback": "rollbackPolicyVersion",
  "GET /v1/tenants/{tenantId}/policies/diff": "diffPolicyVersions",
  "POST /v1/tenants/{tenantId}/policies/dry-run": "dryRunPolicy",
  // Runs (docs/runs.md)
  "POST /v1/agent/runs": "invokeAgent",
  "GET /v1/agent/runs/{runId}": "getMyRun",
  "GET /v1/tenants/{tenantId}/runs": "listRuns",
  "GET /v1/tenants/{tenantId}/runs/{runId}": "getRun",
  "GET /v1/tenants/{tenantId}/runs/{runId}/bundle": "exportRunBundle",
  // A2A (docs/a2a.md)
  "GET /v1/a2a/agents/{agentId}/.well-known/agent-card.json": "getA2aAgentCard",
  "POST /v1/a2a/agents/{agentId}": "callA2aAgent",
  "GET /v1/a2a/tenants/{tenantId}/jwks.json": "getA2aCardKeys",
  "GET /v1/tenants/{tenantId}/agents/{agentId}/agent-card": "getAgentCard",
  "POST /v1/tenants/{tenantId}/a2a/card-keys/rotate": "rotateA2aCardKeys",
  // Approvals (docs/governance.md#approvals)
  "GET /v1/tenants/{tenantId}/approvals/live": "watchApprovals",
  "GET /v1/tenants/{tenantId}/approvals": "listApprovals",
  "GET /v1/tenants/{tenantId}/approvals/{approvalId}": "getApproval",
  "POST /v1/tenants/{tenantId}/approvals/{approvalId}/approve": "approveApproval",
  "POST /v1/tenants/{tenantId}/approvals/{approvalId}/deny": "denyApproval",
  "GET /v1/agent/approvals/{approvalId}": "getAgentApproval",
  "GET /v1/tenants/{tenantId}/teams/{teamId}/supervised-pairs": "getSupervisedPairs",
  "PUT /v1/tenants/{tenantId}/teams/{teamId}/supervised-pairs": "replaceSupervisedPairs",
  // Guardrails screen's "test a command" box (docs/governance.md)
  "POST /v1/tenants/{tenantId}/guardrails/check": "testTenantGuardrails",
};

/**
 * Routes whose caller is an agent holding a short-lived agent token (`Authorization: Bearer <jwt>`):
 * everything under `/v1/agent/`, plus these.
 */
const AGENT_TOKEN_ROUTES = new Set([
  "GET /v1/teams/{teamId}/relay",
  "POST /mcp",
  "GET /mcp",
  "DELETE /mcp",
  "GET /v1/a2a/agents/{agentId}/.well-known/agent-card.json",
  "POST /v1/a2a/agents/{agentId}",
]);

export function isAgentTokenRoute(key: string): boolean {
  return key.split(" ")[1]!.startsWith("/v1/agent/") || AGENT_TOKEN_ROUTES.has(key);
}

export const operationKey = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

/**
 * The id of a route nobody has named yet: method and path words in camelCase
 * (`POST /v1/tenants/{tenantId}/widgets/{widgetId}/frob` → `postTenantsWidgetsFrob`). Only a fallback.
 */
export function derivedOperationId(method: string, path: string): string {
  const words = path
    .split("/")
    .filter((segment) => segment && segment !== "v1" && !segment.startsWith("{"))
    .flatMap((segment) => segment.split(/[^A-Za-z0-9]+/))
    .filter(Boolean);
  return [method.toLowerCase(), ...words.map((w) => w[0]!.toUpperCase() + w.slice(1))].join("");
}

/** Tag descriptions, shown as section intros in the reference and in generated clients. */
export const TAGS: { name: string; description: string }[] = [
  { name: "Platform", description: "Liveness of the API and its database." },
  {
    name: "Auth",
    description:
      "People signing up and in: passwords, sessions (an HttpOnly cookie), MFA sign-in, password reset, GitHub and Google sign-in, and who the caller is (`GET /v1/me`).",
  },
  { name: "MFA", description: "A person's own second factor: TOTP enrolment, recovery codes, turning MFA off." },
  { name: "Tenants", description: "A tenant is a company's space: its settings (versioned, with rollback), plan and everything below." },
  { name: "Members", description: "People in a tenant and their roles (owner, admin, member, viewer), and leaving a tenant." },
  { name: "Invites", description: "Inviting people by email with a role; the invitee accepts with the one-time token." },
  {
    name: "Agents",
    description: "A tenant's AI agents: template, trust level, status (suspend / resume) and the agent secret they exchange for tokens.",
  },
  { name: "Teams", description: "Groups of agents that share a relay and an allowlist." },
  {
    name: "API keys",
    description: "Keys for automation, scoped to one tenant; a key acts with at most its creator's current permissions.",
  },
  {
    name: "Agent identity",
    description:
      "Agents exchange their secret for a short-lived signed agent token (Ed25519, keys at `/.well-known/jwks.json`), then call the agent routes with it.",
  },
  {
    name: "Relay",
    description:
      "A team's message relay: the agents' WebSocket (protocol in docs/protocol.md), the observers' live feed, and the allowlist of who may talk to whom.",
  },
  { name: "Audit", description: "The tenant's tamper-evident audit trail: list, read one event, verify the hash chain, export." },
  {
    name: "Audit archives",
    description: "Closed UTC days archived to R2 with signed digests, and the public keys to verify them offline.",
  },
  {
    name: "Alerts",
    description: "Alert rules over audit events, the alerts they raise (live inbox included) and the signed webhooks they call.",
  },
  {
    name: "Agent coordination",
    description:
      "What an agent does with its team's coordination state, authenticated by its agent token: locks with fencing tokens, the work queue, hand-offs, memory, heartbeat and discovery (docs/coordination.md).",
  },
  {
    name: "Coordination",
    description:
      "A team's coordination state for people and API keys: the task board, locks, hand-offs, memory, who is online, workflow runs, and the team as YAML (export, dry-run diff, apply).",
  },
  {
    name: "MCP",
    description:
      "The Model Context Protocol endpoint (Streamable HTTP, stateless) through which any MCP client acts as an agent with its agent token (docs/mcp.md).",
  },
  {
    name: "Projects",
    description:
      "Projects inside a tenant: agents, teams and API keys belong to one, and members may hold a narrower role in one (docs/projects.md).",
  },
  {
    name: "Single sign-on",
    description:
      "The tenant's OpenID Connect connection (group → role mapping, just-in-time members, SSO required) and the sign-in flow it drives (docs/sso.md).",
  },
  {
    name: "Egress",
    description:
      "What each agent may call outside (rules, tenant deny rules, mock or live mode), a URL tester, and the calls it made through the egress proxy (docs/egress.md).",
  },
  {
    name: "Secrets",
    description:
      "The tenant's vault: write-only secrets bound to one host and injected by the egress proxy, never readable again (docs/secrets.md).",
  },
  {
    name: "Skills",
    description:
      "The skill catalog and the tenant's private registry (manifests with enforced network and env), installs per agent, and the dry-run report (docs/skills.md).",
  },
  {
    name: "Billing",
    description:
      "The tenant's plan and Stripe subscription (Checkout, plan changes, the Customer Portal, invoices), usage this month against the plan's allowances, budgets with soft and hard caps, and Stripe's webhook endpoint (docs/billing.md).",
  },
  {
    name: "Governance",
    description:
      'The kill switch: safe mode for the tenant or one team, which stops every held agent at once (docs/governance.md "Kill switch and safe mode"); and testing a command against the tenant\'s guardrail policy (docs/governance.md "Dashboard: the Guardrails screen").',
  },
  {
    name: "Policies",
    description:
      "Policies as code: the tenant's Cedar policy sets, versioned with diff and rollback, validated against Switchboard's schema, a dry-run over recent audit events, and the switch that makes Cedar an additional gate (docs/governance.md).",
  },
  {
    name: "Approvals",
    description:
      "Operations waiting for a person — egress calls and relayed requests the guardrails or the trust level gate, messages between supervised pairs: the inbox, decisions, the live feed, and an agent's read of its own approval (docs/governance.md#approvals).",
  },
  { name: "Operator", description: "The platform operator's console: every tenant and the platform's health. Operators only." },
  { name: "Development", description: "Routes that exist only on the local stack (`ENVIRONMENT=development`)." },
  {
    name: "Runs",
    description:
      "Cross-agent invocation as runs: an agent invokes another through the team relay with a scope and a budget; runs, their timelines and signed provenance bundles (docs/runs.md).",
  },
  {
    name: "A2A",
    description:
      "Agent2Agent protocol v1.0: each agent's signed Agent Card, the tenant's card signing keys (JWKS, rotation), and each agent's JSON-RPC endpoint, where a message from another agent is a relayed cross-agent invocation (docs/a2a.md).",
  },
];

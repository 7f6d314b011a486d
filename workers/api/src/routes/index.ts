import { adminRoutes } from "./admin";
import { agentTokensRoutes } from "./agent-tokens";
import { agentsRoutes } from "./agents";
import { auditRoutes } from "./audit";
import { alertRulesRoutes } from "./alert-rules";
import { alertsRoutes } from "./alerts";
import { apiKeysRoutes } from "./api-keys";
import { auditArchivesRoutes } from "./audit-archives";
import { authRoutes } from "./auth";
import { devOutboxRoutes } from "./dev-outbox";
import { egressRoutes } from "./egress";
import { secretsRoutes } from "./secrets";
import { skillsRoutes } from "./skills";
import { skillRuntimeRoutes } from "./skill-runtime";
import { vaultAdminRoutes } from "./vault-admin";
import { healthRoutes } from "./health";
import { invitesRoutes } from "./invites";
import { membersRoutes } from "./members";
import { mfaRoutes } from "./mfa";
import { oauthRoutes } from "./oauth";
import { passwordResetRoutes } from "./password-reset";
import { projectsRoutes } from "./projects";
import { ssoRoutes } from "./sso";
import { relayRoutes } from "./relay";
import { teamsRoutes } from "./teams";
import { tenantRoutes } from "./tenants";
import { webhooksRoutes } from "./webhooks";
import { agentCoordinationRoutes } from "./agent-coordination";
import { coordinationRoutes } from "./coordination";
import { mcpRoutes } from "./mcp";
import { teamYamlRoutes } from "./team-yaml";
import { billingRoutes } from "./billing";
import { billingWebhookRoutes } from "./billing-webhooks";
import { budgetsRoutes } from "./budgets";
import { safeModeRoutes } from "./safe-mode";
import { policiesRoutes } from "./policies";
import { runsRoutes } from "./runs";
import { a2aRoutes } from "./a2a";
import { approvalsRoutes } from "./approvals";
import { guardrailsRoutes } from "./guardrails";

/** Every route module the API serves. auditRoutes stays last: its `/audit/{seq}` must not shadow other `/audit/...` paths. */
export const ROUTE_MODULES = [
  healthRoutes,
  authRoutes,
  tenantRoutes,
  membersRoutes,
  invitesRoutes,
  agentsRoutes,
  teamsRoutes,
  apiKeysRoutes,
  adminRoutes,
  mfaRoutes,
  passwordResetRoutes,
  oauthRoutes,
  devOutboxRoutes,
  agentTokensRoutes,
  relayRoutes,
  auditArchivesRoutes,
  alertRulesRoutes,
  alertsRoutes,
  webhooksRoutes,
  agentCoordinationRoutes,
  coordinationRoutes,
  teamYamlRoutes,
  mcpRoutes,
  projectsRoutes,
  ssoRoutes,
  egressRoutes,
  secretsRoutes,
  skillsRoutes,
  skillRuntimeRoutes,
  vaultAdminRoutes,
  billingRoutes,
  billingWebhookRoutes,
  budgetsRoutes,
  safeModeRoutes,
  policiesRoutes,
  runsRoutes,
  a2aRoutes,
  approvalsRoutes,
  guardrailsRoutes,
  auditRoutes,
];

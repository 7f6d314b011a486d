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
import { vaultAdminRoutes } from "./vault-admin";
import { healthRoutes } from "./health";
import { invitesRoutes } from "./invites";
import { membersRoutes } from "./members";
import { mfaRoutes } from "./mfa";
import { oauthRoutes } from "./oauth";
import { passwordResetRoutes } from "./password-reset";
import { relayRoutes } from "./relay";
import { teamsRoutes } from "./teams";
import { tenantRoutes } from "./tenants";
import { webhooksRoutes } from "./webhooks";

/** Every route module the API serves. auditRoutes stays last: its `/audit/{seq}` must not shadow other `/audit/...` paths. */
export const ROUTE_MODULES = [healthRoutes, authRoutes, tenantRoutes, membersRoutes, invitesRoutes, agentsRoutes, teamsRoutes, apiKeysRoutes, adminRoutes, mfaRoutes, passwordResetRoutes, oauthRoutes, devOutboxRoutes, agentTokensRoutes, relayRoutes, auditArchivesRoutes, alertRulesRoutes, alertsRoutes, webhooksRoutes, egressRoutes, secretsRoutes, skillsRoutes, vaultAdminRoutes, auditRoutes];

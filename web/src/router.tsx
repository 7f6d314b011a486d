/**
 * The route tree (code-based). Screens live one per file under src/screens/; this file only says
 * where each is mounted and which guard runs first.
 *
 *   /login /login/mfa /signup /forgot-password /reset-password /dev/outbox   public
 *   / /tenants/new /invites/accept /account/security                          signed in
 *   /t/$tenantId/{agents,agents/new,agents/$agentId,teams,teams/$teamId,members,api-keys,settings,audit,alerts,alerts/rules}
 *   /operator /operator/tenants/$tenantId /operator/health                    platform operators
 */
import { createRootRouteWithContext, createRoute, createRouter, lazyRouteComponent, Outlet, redirect } from "@tanstack/react-router";
import type { QueryClient } from "@tanstack/react-query";
import { AppShell } from "./components/layout/app-shell";
import { NotFoundScreen, RouteErrorScreen } from "./screens/errors";
import { loadMe } from "./lib/session";
import { safeNext, stringParam } from "./lib/redirect";
import { LoginScreen } from "./screens/auth/login";
import { MfaStepScreen } from "./screens/auth/mfa-step";
import { SignupScreen } from "./screens/auth/signup";
import { ForgotPasswordScreen } from "./screens/auth/forgot-password";
import { ResetPasswordScreen } from "./screens/auth/reset-password";
import { DevOutboxScreen } from "./screens/auth/dev-outbox";
import { HomeScreen } from "./screens/home";
import { CreateTenantScreen } from "./screens/create-tenant";
import { InviteAcceptScreen } from "./screens/invite-accept";
import { TenantLayout } from "./screens/tenant/tenant-layout";
import { AgentsScreen } from "./screens/tenant/agents";
import { AgentWizardScreen } from "./screens/tenant/agent-wizard";
import { AgentDetailScreen } from "./screens/tenant/agent-detail";
import { TeamsScreen } from "./screens/tenant/teams";
import { TeamDetailScreen } from "./screens/tenant/team-detail";
import { MembersScreen } from "./screens/tenant/members";
import { ApiKeysScreen } from "./screens/tenant/api-keys";
import { SettingsScreen } from "./screens/tenant/settings";
import { AuditSearchSchema } from "./screens/tenant/audit/audit-search";
import { AlertsInboxSearchSchema } from "./screens/tenant/alerts/alerts-search";
import { RunsSearchSchema } from "./screens/tenant/runs/runs-api";
import { OperatorLayout } from "./screens/operator/operator-layout";

export interface RouterContext {
  queryClient: QueryClient;
}

const rootRoute = createRootRouteWithContext<RouterContext>()({
  component: Outlet,
  notFoundComponent: NotFoundScreen,
  errorComponent: RouteErrorScreen,
});

const nextSearch = (search: Record<string, unknown>): { next?: string } => ({ next: safeNext(search.next) });

/** Signed-in people skip the log-in and sign-up pages. */
async function redirectIfSignedIn(next: string | undefined) {
  if (await loadMe()) throw redirect({ href: next ?? "/" });
}

const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/login",
  validateSearch: (s: Record<string, unknown>): { next?: string; error?: string } => ({ ...nextSearch(s), error: stringParam(s, "error") }),
  beforeLoad: ({ search }) => redirectIfSignedIn(search.next),
  component: LoginScreen,
});
const loginMfaRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/login/mfa",
  validateSearch: nextSearch,
  component: MfaStepScreen,
});
const signupRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/signup",
  validateSearch: nextSearch,
  beforeLoad: ({ search }) => redirectIfSignedIn(search.next),
  component: SignupScreen,
});
const forgotRoute = createRoute({ getParentRoute: () => rootRoute, path: "/forgot-password", component: ForgotPasswordScreen });
const resetRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/reset-password",
  validateSearch: (s: Record<string, unknown>): { token?: string } => ({ token: stringParam(s, "token") }),
  component: ResetPasswordScreen,
});
const outboxRoute = createRoute({ getParentRoute: () => rootRoute, path: "/dev/outbox", component: DevOutboxScreen });

/** Everything below needs a signed-in person; otherwise → /login?next=<here>. */
const appRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: "app",
  beforeLoad: async ({ location }) => {
    const me = await loadMe();
    if (!me) throw redirect({ to: "/login", search: { next: location.href, error: undefined } });
    return { me };
  },
  component: AppShell,
});

const homeRoute = createRoute({ getParentRoute: () => appRoute, path: "/", component: HomeScreen });
const createTenantRoute = createRoute({ getParentRoute: () => appRoute, path: "/tenants/new", component: CreateTenantScreen });
const inviteAcceptRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/invites/accept",
  validateSearch: (s: Record<string, unknown>): { token?: string } => ({ token: stringParam(s, "token") }),
  component: InviteAcceptScreen,
});
const securityRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/account/security",
  validateSearch: (s: Record<string, unknown>): { error?: string } => ({ error: stringParam(s, "error") }),
  // Lazy: account security carries the QR code library; the operator console few people see.
  component: lazyRouteComponent(() => import("./screens/account/security"), "SecurityScreen"),
});

// `?project=<id>`: the project selector's choice (docs/projects.md), kept in the URL for every tenant screen.
const tenantRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/t/$tenantId",
  validateSearch: (s: Record<string, unknown>): { project?: string } => ({ project: stringParam(s, "project") }),
  component: TenantLayout,
});
const tenantIndexRoute = createRoute({
  getParentRoute: () => tenantRoute,
  path: "/",
  beforeLoad: ({ params }) => {
    throw redirect({ to: "/t/$tenantId/agents", params });
  },
});
const agentsSearch = (s: Record<string, unknown>): { status?: string; template?: string } => ({
  status: stringParam(s, "status"),
  template: stringParam(s, "template"),
});
const agentsRoute = createRoute({
  getParentRoute: () => tenantRoute,
  path: "/agents",
  validateSearch: agentsSearch,
  component: AgentsScreen,
});
const agentNewRoute = createRoute({ getParentRoute: () => tenantRoute, path: "/agents/new", component: AgentWizardScreen });
const agentDetailRoute = createRoute({ getParentRoute: () => tenantRoute, path: "/agents/$agentId", component: AgentDetailScreen });
const teamsRoute = createRoute({ getParentRoute: () => tenantRoute, path: "/teams", component: TeamsScreen });
const teamDetailRoute = createRoute({ getParentRoute: () => tenantRoute, path: "/teams/$teamId", component: TeamDetailScreen });
// Lazy: the graph editor carries @xyflow/react, which only these pages need.
const teamAllowlistRoute = createRoute({
  getParentRoute: () => tenantRoute,
  path: "/teams/$teamId/allowlist",
  component: lazyRouteComponent(() => import("./screens/tenant/relay/allowlist-screen"), "AllowlistScreen"),
});
const teamFeedRoute = createRoute({
  getParentRoute: () => tenantRoute,
  path: "/teams/$teamId/feed",
  component: lazyRouteComponent(() => import("./screens/tenant/relay/feed-screen"), "FeedScreen"),
});
// Lazy: the coordination screen (tasks, locks, hand-offs, memory, presence, workflows, YAML).
const teamCoordinationRoute = createRoute({
  getParentRoute: () => tenantRoute,
  path: "/teams/$teamId/coordination",
  component: lazyRouteComponent(() => import("./screens/tenant/coordination/coordination-screen"), "CoordinationScreen"),
});
const membersRoute = createRoute({ getParentRoute: () => tenantRoute, path: "/members", component: MembersScreen });
const apiKeysRoute = createRoute({ getParentRoute: () => tenantRoute, path: "/api-keys", component: ApiKeysScreen });
const settingsRoute = createRoute({ getParentRoute: () => tenantRoute, path: "/settings", component: SettingsScreen });
// Billing (docs/billing.md): `?checkout=success|canceled` is where Stripe Checkout sends the person back.
const billingRoute = createRoute({
  getParentRoute: () => tenantRoute,
  path: "/billing",
  validateSearch: (s: Record<string, unknown>): { checkout?: string } => ({ checkout: stringParam(s, "checkout") }),
  component: lazyRouteComponent(() => import("./screens/tenant/billing/billing-screen"), "BillingScreen"),
});
// Lazy: audit and alert screens are visited now and then; their search schemas stay here (validated before loading).
const auditRoute = createRoute({
  getParentRoute: () => tenantRoute,
  path: "/audit",
  validateSearch: AuditSearchSchema,
  component: lazyRouteComponent(() => import("./screens/tenant/audit/audit-log"), "AuditLogScreen"),
});
const alertsRoute = createRoute({
  getParentRoute: () => tenantRoute,
  path: "/alerts",
  validateSearch: AlertsInboxSearchSchema,
  component: lazyRouteComponent(() => import("./screens/tenant/alerts/alerts-inbox"), "AlertsInboxScreen"),
});
const alertRulesRoute = createRoute({
  getParentRoute: () => tenantRoute,
  path: "/alerts/rules",
  component: lazyRouteComponent(() => import("./screens/tenant/alerts/alert-rules"), "AlertRulesScreen"),
});

// Approvals (docs/governance.md#approvals): the inbox, lazy.
const approvalsRoute = createRoute({
  getParentRoute: () => tenantRoute,
  path: "/approvals",
  component: lazyRouteComponent(() => import("./screens/tenant/approvals/approvals-inbox"), "ApprovalsInboxScreen"),
});

// Egress, secrets and skills (docs/egress.md, secrets.md, skills.md): lazy, one chunk each.
const agentEgressRoute = createRoute({
  getParentRoute: () => tenantRoute,
  path: "/agents/$agentId/egress",
  component: lazyRouteComponent(() => import("./screens/tenant/egress/agent-egress"), "AgentEgressScreen"),
});
const secretsRoute = createRoute({
  getParentRoute: () => tenantRoute,
  path: "/secrets",
  component: lazyRouteComponent(() => import("./screens/tenant/egress/secrets"), "SecretsScreen"),
});
const skillsRoute = createRoute({
  getParentRoute: () => tenantRoute,
  path: "/skills",
  component: lazyRouteComponent(() => import("./screens/tenant/egress/skills"), "SkillsScreen"),
});

// Policies as code (docs/governance.md "Policies as code (Cedar)"): lazy, its own chunk.
const policiesRoute = createRoute({
  getParentRoute: () => tenantRoute,
  path: "/policies",
  component: lazyRouteComponent(() => import("./screens/tenant/policies/policies-screen"), "PoliciesScreen"),
});

// One skill's page (docs/skills.md#the-skill-page): `?version=` and `?tool=` make "Try it" deep-linkable.
const skillPageRoute = createRoute({
  getParentRoute: () => tenantRoute,
  path: "/skills/$skillName",
  validateSearch: (s: Record<string, unknown>): { version?: string; tool?: string } => ({
    version: stringParam(s, "version"),
    tool: stringParam(s, "tool"),
  }),
  component: lazyRouteComponent(() => import("./screens/tenant/egress/skill-page"), "SkillPageScreen"),
});
// Runs (docs/runs.md): lazy; filters in the URL (deep links).
const runsRoute = createRoute({
  getParentRoute: () => tenantRoute,
  path: "/runs",
  validateSearch: RunsSearchSchema,
  component: lazyRouteComponent(() => import("./screens/tenant/runs/runs-list"), "RunsScreen"),
});
const runDetailRoute = createRoute({
  getParentRoute: () => tenantRoute,
  path: "/runs/$runId",
  component: lazyRouteComponent(() => import("./screens/tenant/runs/run-detail"), "RunDetailScreen"),
});

// Guardrails (docs/governance.md "Dashboard: the Guardrails screen"): the policy and a "test a command" box, lazy.
const guardrailsRoute = createRoute({
  getParentRoute: () => tenantRoute,
  path: "/guardrails",
  component: lazyRouteComponent(() => import("./screens/tenant/governance/guardrails-screen"), "GuardrailsScreen"),
});

const operatorRoute = createRoute({ getParentRoute: () => appRoute, path: "/operator", component: OperatorLayout });
const operatorIndexRoute = createRoute({
  getParentRoute: () => operatorRoute,
  path: "/",
  component: lazyRouteComponent(() => import("./screens/operator/tenants"), "OperatorTenantsScreen"),
});
const operatorTenantRoute = createRoute({
  getParentRoute: () => operatorRoute,
  path: "/tenants/$tenantId",
  component: lazyRouteComponent(() => import("./screens/operator/tenant-detail"), "OperatorTenantScreen"),
});
const operatorHealthRoute = createRoute({
  getParentRoute: () => operatorRoute,
  path: "/health",
  component: lazyRouteComponent(() => import("./screens/operator/health"), "OperatorHealthScreen"),
});

const routeTree = rootRoute.addChildren([
  loginRoute,
  loginMfaRoute,
  signupRoute,
  forgotRoute,
  resetRoute,
  outboxRoute,
  appRoute.addChildren([
    homeRoute,
    createTenantRoute,
    inviteAcceptRoute,
    securityRoute,
    tenantRoute.addChildren([
      tenantIndexRoute,
      agentsRoute,
      agentNewRoute,
      agentDetailRoute,
      teamsRoute,
      teamDetailRoute,
      teamAllowlistRoute,
      teamFeedRoute,
      teamCoordinationRoute,
      membersRoute,
      apiKeysRoute,
      settingsRoute,
      auditRoute,
      alertsRoute,
      alertRulesRoute,
      agentEgressRoute,
      secretsRoute,
      skillsRoute,
      billingRoute,
      policiesRoute,
      skillPageRoute,
      runsRoute,
      runDetailRoute,
      approvalsRoute,
      guardrailsRoute,
    ]),
    operatorRoute.addChildren([operatorIndexRoute, operatorTenantRoute, operatorHealthRoute]),
  ]),
]);

export function makeRouter(queryClient: QueryClient) {
  return createRouter({
    routeTree,
    context: { queryClient },
    defaultPreload: "intent",
    defaultPreloadStaleTime: 0,
    scrollRestoration: true,
  });
}

declare module "@tanstack/react-router" {
  interface Register {
    router: ReturnType<typeof makeRouter>;
  }
}

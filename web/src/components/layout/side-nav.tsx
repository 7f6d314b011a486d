import { Link, useSearch } from "@tanstack/react-router";
import {
  Activity,
  Bell,
  Bot,
  Building,
  CreditCard,
  Gavel,
  KeyRound,
  LockKeyhole,
  Package,
  Scale,
  ScrollText,
  Settings,
  ShieldAlert,
  ShieldCheck,
  Users,
  UsersRound,
  Workflow,
  Wrench,
} from "lucide-react";
import type { ReactNode } from "react";
import { can, type Role } from "@/lib/permissions";
import { OpenAlertsBadge } from "@/screens/tenant/alerts/open-alerts-badge";

const linkClass =
  "flex items-center gap-2.5 rounded-md px-3 py-2 text-sm font-medium text-zinc-700 hover:bg-zinc-100 hover:text-zinc-900 data-[status=active]:bg-indigo-50 data-[status=active]:text-indigo-800";

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="space-y-1">
      <p className="px-3 pb-1 text-xs font-semibold tracking-wide text-zinc-600 uppercase">{title}</p>
      <ul className="space-y-0.5">{children}</ul>
    </div>
  );
}

/** Tenant sections (only what the role can read), the person's own pages, and the operator console. */
export function SideNav({ tenant, isOperator }: { tenant: { id: string; name: string; role: Role } | undefined; isOperator: boolean }) {
  const params = tenant ? { tenantId: tenant.id } : undefined;
  // The project selector's choice (`?project=`, docs/projects.md) follows the person from screen to screen.
  const { project } = useSearch({ strict: false }) as { project?: string };
  const carry = { project };
  return (
    <nav aria-label="Main" className="space-y-6">
      {tenant && params && (
        <Section title={tenant.name}>
          <li>
            <Link to="/t/$tenantId/agents" params={params} search={carry} className={linkClass}>
              <Bot className="size-4" aria-hidden="true" /> Agents
            </Link>
          </li>
          <li>
            <Link to="/t/$tenantId/teams" params={params} search={carry} className={linkClass}>
              <UsersRound className="size-4" aria-hidden="true" /> Teams
            </Link>
          </li>
          <li>
            <Link to="/t/$tenantId/runs" params={params} className={linkClass}>
              <Workflow className="size-4" aria-hidden="true" /> Runs
            </Link>
          </li>
          {can(tenant.role, "audit:read") && (
            <>
              <li>
                <Link to="/t/$tenantId/audit" params={params} search={carry} className={linkClass}>
                  <ScrollText className="size-4" aria-hidden="true" /> Audit log
                </Link>
              </li>
              <li>
                <Link to="/t/$tenantId/alerts" params={params} search={carry} className={linkClass}>
                  <Bell className="size-4" aria-hidden="true" /> Alerts
                  <OpenAlertsBadge tenantId={tenant.id} />
                </Link>
              </li>
            </>
          )}
          {can(tenant.role, "approvals:read") && (
            <li>
              <Link to="/t/$tenantId/approvals" params={params} className={linkClass}>
                <Gavel className="size-4" aria-hidden="true" /> Approvals
              </Link>
            </li>
          )}
          {can(tenant.role, "skills:read") && (
            <li>
              <Link to="/t/$tenantId/skills" params={params} className={linkClass}>
                <Package className="size-4" aria-hidden="true" /> Skills
              </Link>
            </li>
          )}
          {can(tenant.role, "secrets:read") && (
            <li>
              <Link to="/t/$tenantId/secrets" params={params} className={linkClass}>
                <LockKeyhole className="size-4" aria-hidden="true" /> Secrets
              </Link>
            </li>
          )}
          {can(tenant.role, "policies:read") && (
            <li>
              <Link to="/t/$tenantId/policies" params={params} className={linkClass}>
                <Scale className="size-4" aria-hidden="true" /> Policies
              </Link>
            </li>
          )}
          {can(tenant.role, "tenant:read") && (
            <li>
              <Link to="/t/$tenantId/guardrails" params={params} className={linkClass}>
                <ShieldAlert className="size-4" aria-hidden="true" /> Guardrails
              </Link>
            </li>
          )}
          {can(tenant.role, "members:read") && (
            <li>
              <Link to="/t/$tenantId/members" params={params} search={carry} className={linkClass}>
                <Users className="size-4" aria-hidden="true" /> Members
              </Link>
            </li>
          )}
          {can(tenant.role, "api_keys:read") && (
            <li>
              <Link to="/t/$tenantId/api-keys" params={params} search={carry} className={linkClass}>
                <KeyRound className="size-4" aria-hidden="true" /> API keys
              </Link>
            </li>
          )}
          {can(tenant.role, "billing:read") && (
            <li>
              <Link to="/t/$tenantId/billing" params={params} search={carry} className={linkClass}>
                <CreditCard className="size-4" aria-hidden="true" /> Billing
              </Link>
            </li>
          )}
          <li>
            <Link to="/t/$tenantId/settings" params={params} search={carry} className={linkClass}>
              <Settings className="size-4" aria-hidden="true" /> Settings
            </Link>
          </li>
        </Section>
      )}
      <Section title="You">
        <li>
          <Link to="/account/security" className={linkClass}>
            <ShieldCheck className="size-4" aria-hidden="true" /> Account security
          </Link>
        </li>
      </Section>
      {isOperator && (
        <Section title="Platform">
          <li>
            <Link to="/operator" activeOptions={{ exact: true }} className={linkClass}>
              <Building className="size-4" aria-hidden="true" /> All tenants
            </Link>
          </li>
          <li>
            <Link to="/operator/health" className={linkClass}>
              <Activity className="size-4" aria-hidden="true" /> Platform health
            </Link>
          </li>
        </Section>
      )}
      {!tenant && !isOperator && (
        <p className="flex items-center gap-2 px-3 text-xs text-zinc-600">
          <Wrench className="size-3.5 shrink-0" aria-hidden="true" /> You are not in a tenant yet.
        </p>
      )}
    </nav>
  );
}

import { useQuery } from "@tanstack/react-query";
import { Link, Outlet, useParams } from "@tanstack/react-router";
import { useEffect, useMemo } from "react";
import { TenantContext, makeTenantContext } from "@/components/layout/tenant-context";
import { Alert, buttonClass, PageHeader } from "@/components/ui";
import { isApiError } from "@/lib/api";
import { rememberTenant } from "@/lib/last-tenant";
import { tenantQuery } from "@/lib/queries";
import { useMe } from "@/lib/session";
import { ProjectSelector } from "./project-selector";
import { OverBudgetBanner } from "./billing/over-budget-banner";
import { SafeModeBanner } from "./governance/safe-mode-banner";

/** /t/$tenantId: resolves the person's role in the tenant for every screen below. */
export function TenantLayout() {
  const { tenantId } = useParams({ from: "/app/t/$tenantId" });
  const me = useMe();
  const membership = me.memberships.find((m) => m.tenantId === tenantId);
  const value = useMemo(
    () => (membership ? makeTenantContext(membership.tenantId, membership.tenantName, membership.role) : null),
    [membership],
  );
  useEffect(() => {
    if (membership) rememberTenant(membership.tenantId);
  }, [membership]);
  // A tenant that requires MFA refuses every request of a member without it: say so once, here.
  const tenant = useQuery({ ...tenantQuery(tenantId), enabled: Boolean(membership) });
  const mfaRequired = tenant.isError && isApiError(tenant.error, "mfa_required");

  if (value && mfaRequired) {
    return (
      <>
        <PageHeader title="Turn on two-step verification" description={`${value.tenantName} requires MFA for every member.`} />
        <Alert tone="warning">
          Turn on two-step verification for your account to use this tenant. It takes a minute with an authenticator app.
        </Alert>
        <div className="mt-4 flex gap-2">
          <Link to="/account/security" className={buttonClass("primary")}>
            Go to account security
          </Link>
        </div>
      </>
    );
  }

  if (!value) {
    return (
      <>
        <PageHeader title="Tenant not available" />
        <Alert tone="warning">
          You are not a member of this tenant, or it no longer exists. Choose another tenant from the switcher above.
        </Alert>
        <div className="mt-4 flex gap-2">
          <Link to="/" className={buttonClass("secondary")}>
            Go to your dashboard
          </Link>
          {me.user.isOperator && (
            <Link to="/operator/tenants/$tenantId" params={{ tenantId }} className={buttonClass("secondary")}>
              Open in operator console
            </Link>
          )}
        </div>
      </>
    );
  }
  return (
    <TenantContext.Provider value={value}>
      <ProjectSelector tenantId={value.tenantId} />
      <SafeModeBanner />
      <OverBudgetBanner />
      <Outlet />
    </TenantContext.Provider>
  );
}

/**
 * The over-budget banner on every tenant screen (docs/billing.md): a hard cap reached (agents are
 * being refused), a failed payment, or a tenant over its plan's limits after a downgrade. The
 * billing screen shows the full list itself, so the banner stays off there.
 */
import { useQuery } from "@tanstack/react-query";
import { Link, useLocation } from "@tanstack/react-router";
import { useTenant } from "@/components/layout/tenant-context";
import { Alert } from "@/components/ui";
import { billingOverviewQuery } from "./billing-queries";

const SHOWN = new Set(["budget_hard_exceeded", "past_due", "over_plan_limit"]);

export function OverBudgetBanner() {
  const { tenantId } = useTenant();
  const { pathname } = useLocation();
  const overview = useQuery({ ...billingOverviewQuery(tenantId), staleTime: 60_000 });
  const alerts = (overview.data?.alerts ?? []).filter((a) => SHOWN.has(a.code));
  if (alerts.length === 0 || pathname.endsWith("/billing")) return null;
  return (
    <Alert
      tone={alerts.some((a) => a.code !== "over_plan_limit") ? "danger" : "warning"}
      className="mb-4"
      title="Billing needs attention"
      action={
        <Link to="/t/$tenantId/billing" params={{ tenantId }} className="text-sm font-medium underline">
          Open billing
        </Link>
      }
    >
      {alerts.map((a) => (
        <p key={a.code}>{a.message}</p>
      ))}
    </Alert>
  );
}

import { useQuery } from "@tanstack/react-query";
import { alertsQuery } from "./alerts-api";
import { useAlertsLive } from "./alerts-live";

/**
 * The count of open alerts beside "Alerts" in the side nav. Mounting it keeps the tenant's live
 * alerts socket open on every screen, so the count moves the moment an alert fires.
 */
export function OpenAlertsBadge({ tenantId }: { tenantId: string }) {
  useAlertsLive(tenantId);
  const open = useQuery(alertsQuery(tenantId, "open"));
  const count = open.data?.length ?? 0;
  if (count === 0) return null;
  return (
    <span
      data-testid="open-alerts-count"
      className="ml-auto rounded-full bg-red-600 px-1.5 py-0.5 text-xs leading-none font-semibold text-white"
    >
      {count > 99 ? "99+" : count}
      <span className="sr-only"> open</span>
    </span>
  );
}

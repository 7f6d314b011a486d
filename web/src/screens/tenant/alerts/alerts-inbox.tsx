import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate, useSearch } from "@tanstack/react-router";
import { BellOff, CheckCircle2 } from "lucide-react";
import { useTenant } from "@/components/layout/tenant-context";
import { QueryState } from "@/components/query-state";
import { PageHeader, Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui";
import { AlertCard } from "./alert-card";
import { alertKeys, alertsApi, alertsQuery, type Alert } from "./alerts-api";
import { upsertAlert, useAlertsLive } from "./alerts-live";
import { AlertsSectionNav } from "./alerts-section-nav";
import { INBOX_TABS, type InboxTab } from "./alerts-search";
import { LiveIndicator } from "./live-indicator";

const TAB_LABELS: Record<InboxTab, string> = { open: "Open", acknowledged: "Acknowledged", resolved: "Resolved" };

const EMPTY: Record<InboxTab, { title: string; description: string }> = {
  open: { title: "No open alerts", description: "All quiet. New alerts appear here the moment a rule fires." },
  acknowledged: { title: "Nothing acknowledged", description: "Acknowledge an open alert to tell your team someone is on it." },
  resolved: { title: "No resolved alerts yet", description: "Alerts you resolve are kept here." },
};

/** /t/$tenantId/alerts: what the tenant's rules fired, open and resolved, updated live. */
export function AlertsInboxScreen() {
  const { tenantId, can } = useTenant();
  const search = useSearch({ from: "/app/t/$tenantId/alerts" });
  const navigate = useNavigate({ from: "/t/$tenantId/alerts" });
  const tab: InboxTab = search.status ?? "open";
  const live = useAlertsLive(tenantId);
  return (
    <>
      <PageHeader
        title="Alerts"
        description="Alerts fire when audit events match your rules. Resolve them once handled."
        actions={<LiveIndicator live={live} />}
      />
      <AlertsSectionNav />
      {!can("alerts:write") && (
        <p className="-mt-2 mb-4 text-sm text-zinc-600">Owners and admins acknowledge and resolve alerts; you can follow them here.</p>
      )}
      <Tabs value={tab} onValueChange={(v) => navigate({ search: { status: v === "open" ? undefined : (v as InboxTab) } })}>
        <TabsList aria-label="Alert status">
          {INBOX_TABS.map((status) => (
            <TabsTrigger key={status} value={status}>
              {TAB_LABELS[status]}
            </TabsTrigger>
          ))}
        </TabsList>
        {INBOX_TABS.map((status) => (
          <TabsContent key={status} value={status}>
            <AlertList tab={status} />
          </TabsContent>
        ))}
      </Tabs>
    </>
  );
}

function AlertList({ tab }: { tab: InboxTab }) {
  const { tenantId, can } = useTenant();
  const queryClient = useQueryClient();
  const alerts = useQuery(alertsQuery(tenantId, tab));
  const change = (action: (alertId: string) => Promise<{ alert: Alert }>) => async (alertId: string) => {
    const { alert } = await action(alertId);
    upsertAlert(queryClient, tenantId, alert);
    await queryClient.invalidateQueries({ queryKey: alertKeys.list(tenantId, alert.status) });
  };
  const actions = can("alerts:write")
    ? {
        acknowledge: change((alertId) => alertsApi.acknowledge(tenantId, alertId)),
        resolve: (alertId: string, note: string | undefined) => change((id) => alertsApi.resolve(tenantId, id, note))(alertId),
      }
    : undefined;
  return (
    <QueryState
      query={alerts}
      loadingLabel="Loading alerts…"
      empty={{ ...EMPTY[tab], icon: tab === "resolved" ? <BellOff className="size-8" /> : <CheckCircle2 className="size-8" /> }}
    >
      {(list) => (
        <ul aria-label={`${TAB_LABELS[tab]} alerts`} className="space-y-3">
          {list.map((a) => (
            <AlertCard key={a.id} alert={a} actions={actions} />
          ))}
        </ul>
      )}
    </QueryState>
  );
}

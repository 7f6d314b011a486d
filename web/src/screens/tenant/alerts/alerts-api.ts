/**
 * Everything the alert screens ask the API, in one module: query keys, fetchers and mutations'
 * requests. Shapes are the API's own (workers/shared/schemas/alerts.ts); templates come from the
 * same code the API serves them from (workers/shared/alerts/templates.ts).
 */
import { queryOptions } from "@tanstack/react-query";
import type { z } from "zod";
import type {
  Alert,
  AlertRule,
  AlertStatus,
  CreateAlertRuleInput,
  CreatedWebhookSchema,
  CreateWebhookInputSchema,
  UpdateAlertRuleInput,
  Webhook,
} from "@shared/schemas/alerts";
import { api, getAll } from "@/lib/api";
import { tenantPath } from "@/lib/queries";

export type { Alert, AlertRule, AlertStatus, Webhook };
export type CreatedWebhook = z.infer<typeof CreatedWebhookSchema>;
export type CreateWebhookInput = z.infer<typeof CreateWebhookInputSchema>;

const alertsKey = (tenantId: string) => ["tenant", tenantId, "alerts"] as const;
export const alertKeys = {
  all: alertsKey,
  list: (tenantId: string, status: AlertStatus) => [...alertsKey(tenantId), "list", status] as const,
  rules: (tenantId: string) => [...alertsKey(tenantId), "rules"] as const,
  webhooks: (tenantId: string) => [...alertsKey(tenantId), "webhooks"] as const,
};

const t = tenantPath;
const id = encodeURIComponent;

/** Alerts in one status, newest first. Inboxes stay short (alerts get resolved), so a few pages suffice. */
export const alertsQuery = (tenantId: string, status: AlertStatus) =>
  queryOptions({ queryKey: alertKeys.list(tenantId, status), queryFn: () => getAll<Alert>(`${t(tenantId)}/alerts`, { status }, 5) });

/** Rules and webhooks come whole (a tenant has at most ALERT_LIMITS of each), oldest first. */
export const alertRulesQuery = (tenantId: string) =>
  queryOptions({
    queryKey: alertKeys.rules(tenantId),
    queryFn: () => api.get<{ data: AlertRule[] }>(`${t(tenantId)}/alert-rules`).then((r) => r.data),
  });
/** Needs alerts:write (webhook URLs can carry tokens). */
export const webhooksQuery = (tenantId: string) =>
  queryOptions({
    queryKey: alertKeys.webhooks(tenantId),
    queryFn: () => api.get<{ data: Webhook[] }>(`${t(tenantId)}/webhooks`).then((r) => r.data),
  });

export const alertsApi = {
  acknowledge: (tenantId: string, alertId: string) => api.post<{ alert: Alert }>(`${t(tenantId)}/alerts/${id(alertId)}/acknowledge`, {}),
  resolve: (tenantId: string, alertId: string, note?: string) =>
    api.post<{ alert: Alert }>(`${t(tenantId)}/alerts/${id(alertId)}/resolve`, note ? { note } : {}),
  createRule: (tenantId: string, input: CreateAlertRuleInput) => api.post<{ rule: AlertRule }>(`${t(tenantId)}/alert-rules`, input),
  updateRule: (tenantId: string, ruleId: string, input: UpdateAlertRuleInput) =>
    api.patch<{ rule: AlertRule }>(`${t(tenantId)}/alert-rules/${id(ruleId)}`, input),
  deleteRule: (tenantId: string, ruleId: string) => api.delete(`${t(tenantId)}/alert-rules/${id(ruleId)}`),
  createWebhook: (tenantId: string, input: CreateWebhookInput) => api.post<CreatedWebhook>(`${t(tenantId)}/webhooks`, input),
  deleteWebhook: (tenantId: string, webhookId: string) => api.delete(`${t(tenantId)}/webhooks/${id(webhookId)}`),
};

/** The live socket's URL on this origin (ws: or wss: to match the page). */
export function alertsLiveUrl(tenantId: string): string {
  const url = new URL(`${t(tenantId)}/alerts/live`, window.location.origin);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}

/** Row → API object for alerts, rules, webhooks; shared by the API routes and the ledger's live frames. */
import type { AlertRow, AlertRuleRow, WebhookDeliveryRow, WebhookRow } from "../db/schema";
import type { Alert, AlertRule, Webhook, WebhookDelivery } from "../schemas/alerts";
import { toIso } from "../schemas/common";

export const toAlert = (r: AlertRow): Alert => ({
  id: r.id,
  tenantId: r.tenantId,
  ruleId: r.ruleId,
  ruleName: r.ruleName,
  severity: r.severity,
  status: r.status,
  summary: r.summary,
  count: r.count,
  firstSeq: r.firstSeq,
  lastSeq: r.lastSeq,
  firstEventAt: toIso(r.firstEventAt),
  lastEventAt: toIso(r.lastEventAt),
  sampleEventIds: r.sampleEventIds,
  firedAt: toIso(r.firedAt),
  acknowledgedAt: toIso(r.acknowledgedAt),
  acknowledgedBy: r.acknowledgedBy,
  resolvedAt: toIso(r.resolvedAt),
  resolvedBy: r.resolvedBy,
  resolutionNote: r.resolutionNote,
});

export const toAlertRule = (r: AlertRuleRow): AlertRule => ({
  id: r.id,
  tenantId: r.tenantId,
  name: r.name,
  description: r.description,
  match: r.match,
  threshold: r.threshold,
  windowSeconds: r.windowSeconds,
  severity: r.severity,
  enabled: r.enabled,
  webhookIds: r.webhookIds,
  createdAt: toIso(r.createdAt),
  updatedAt: toIso(r.updatedAt),
});

export const toWebhook = (w: WebhookRow): Webhook => ({
  id: w.id,
  tenantId: w.tenantId,
  url: w.url,
  description: w.description,
  secretPrefix: w.secretPrefix,
  createdAt: toIso(w.createdAt),
});

export const toWebhookDelivery = (d: WebhookDeliveryRow): WebhookDelivery => ({
  id: d.id,
  webhookId: d.webhookId,
  alertId: d.alertId,
  event: d.event,
  status: d.status,
  attempts: d.attempts,
  lastStatusCode: d.lastStatusCode,
  lastError: d.lastError,
  createdAt: toIso(d.createdAt),
  updatedAt: toIso(d.updatedAt),
  deliveredAt: toIso(d.deliveredAt),
});

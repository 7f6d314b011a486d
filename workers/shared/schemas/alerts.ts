/**
 * Alerts: rules that turn audit events into alerts, the alerts themselves, the webhooks they are
 * delivered to, and the frames/payloads of both channels (dashboard WebSocket, signed webhooks).
 * Imports only zod, so the dashboard can use these shapes. Semantics: docs/alerts.md.
 */
import { z } from "zod";
import { IsoTimeSchema } from "./common";

export const ALERT_SEVERITIES = ["info", "warning", "critical"] as const;
export const AlertSeveritySchema = z.enum(ALERT_SEVERITIES).meta({ id: "AlertSeverity" });
export type AlertSeverity = z.infer<typeof AlertSeveritySchema>;

export const ALERT_STATUSES = ["open", "acknowledged", "resolved"] as const;
export const AlertStatusSchema = z.enum(ALERT_STATUSES).meta({ id: "AlertStatus" });
export type AlertStatus = z.infer<typeof AlertStatusSchema>;

/** Product limits (not plan limits): they bound the per-event work inside the tenant's ledger. */
export const ALERT_LIMITS = {
  rulesPerTenant: 50,
  webhooksPerTenant: 10,
  webhooksPerRule: 5,
  maxThreshold: 1000,
  minWindowSeconds: 10,
  maxWindowSeconds: 86_400,
  sampleEventIds: 10,
} as const;

/** `relay.message_denied` (exact) or `relay.*` (every action under `relay.`). */
const ActionPattern = z
  .string()
  .max(100)
  .regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*(\.\*)?$/, {
    message: "An action name like `agent.suspended`, or a prefix ending in `.*` like `relay.*`.",
  });

export const AlertMatchSchema = z
  .object({
    action: ActionPattern.meta({
      description: "Exact action, or a prefix ending in `.*` (`relay.*` matches `relay.message_denied`, not `relay` itself).",
    }),
    outcome: z.enum(["success", "failure", "denied"]).optional().meta({ description: "Only events with this outcome." }),
    severity: AlertSeveritySchema.optional().meta({ description: "Only events with this (event) severity." }),
    actor: z
      .object({ type: z.enum(["user", "api_key", "agent", "system", "anonymous"]).optional(), id: z.string().min(1).max(64).optional() })
      .strict()
      .optional()
      .meta({ description: "Only events by this actor type and/or actor id." }),
  })
  .strict()
  .meta({ id: "AlertMatch" });
export type AlertMatch = z.infer<typeof AlertMatchSchema>;

const RuleName = z.string().trim().min(1).max(80);
const WebhookIds = z.array(z.string().min(1).max(64)).max(ALERT_LIMITS.webhooksPerRule);

/** The editable fields, without defaults: `.partial()` keeps defaults, which would reset fields a PATCH did not name. */
const ruleFields = {
  name: RuleName,
  description: z.string().max(500),
  match: AlertMatchSchema,
  threshold: z
    .number()
    .int()
    .min(1)
    .max(ALERT_LIMITS.maxThreshold)
    .meta({ description: "Matching events needed within the window. 1 = every matching event is an alert (the window is then unused)." }),
  windowSeconds: z
    .number()
    .int()
    .min(ALERT_LIMITS.minWindowSeconds)
    .max(ALERT_LIMITS.maxWindowSeconds)
    .meta({ description: "Sliding window length; also the quiet period after the rule fires." }),
  severity: AlertSeveritySchema,
  enabled: z.boolean(),
  webhookIds: WebhookIds.meta({ description: "Webhooks (of this tenant) that receive this rule's alerts." }),
};

export const CreateAlertRuleInputSchema = z
  .object({
    ...ruleFields,
    description: ruleFields.description.optional(),
    threshold: ruleFields.threshold.optional(),
    windowSeconds: ruleFields.windowSeconds.optional(),
    severity: ruleFields.severity.optional(),
    enabled: ruleFields.enabled.optional(),
    webhookIds: ruleFields.webhookIds.optional(),
  })
  .strict()
  .meta({
    id: "CreateAlertRuleInput",
    description: "Defaults: threshold 1, windowSeconds 300, severity warning, enabled true, no webhooks.",
  });
export type CreateAlertRuleInput = z.infer<typeof CreateAlertRuleInputSchema>;
export const RULE_DEFAULTS = {
  description: "",
  threshold: 1,
  windowSeconds: 300,
  severity: "warning",
  enabled: true,
  webhookIds: [] as string[],
} as const;

export const UpdateAlertRuleInputSchema = z
  .object(ruleFields)
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: "Change at least one field." })
  .meta({ id: "UpdateAlertRuleInput" });
export type UpdateAlertRuleInput = z.infer<typeof UpdateAlertRuleInputSchema>;

export const AlertRuleSchema = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    ...ruleFields,
    createdAt: IsoTimeSchema,
    updatedAt: IsoTimeSchema,
  })
  .meta({ id: "AlertRule" });
export type AlertRule = z.infer<typeof AlertRuleSchema>;

export const AlertRuleTemplateSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    description: z.string(),
    rule: CreateAlertRuleInputSchema,
  })
  .meta({ id: "AlertRuleTemplate" });
export type AlertRuleTemplate = z.infer<typeof AlertRuleTemplateSchema>;

export const AlertSchema = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    ruleId: z.string(),
    ruleName: z.string().meta({ description: "The rule's name when it fired (rules can be renamed or deleted)." }),
    severity: AlertSeveritySchema,
    status: AlertStatusSchema,
    summary: z.string(),
    count: z.number().int().meta({
      description: "Matching events attached to this alert: those that crossed the threshold plus those during the quiet period.",
    }),
    firstSeq: z.number().int().meta({ description: "Chain seq of the first attached event (GET /audit to read them)." }),
    lastSeq: z.number().int(),
    firstEventAt: IsoTimeSchema,
    lastEventAt: IsoTimeSchema,
    sampleEventIds: z.array(z.string()).meta({ description: `Up to ${ALERT_LIMITS.sampleEventIds} attached event ids, oldest first.` }),
    firedAt: IsoTimeSchema,
    acknowledgedAt: IsoTimeSchema.nullable(),
    acknowledgedBy: z.string().nullable(),
    resolvedAt: IsoTimeSchema.nullable(),
    resolvedBy: z.string().nullable(),
    resolutionNote: z.string().nullable(),
  })
  .meta({ id: "Alert" });
export type Alert = z.infer<typeof AlertSchema>;

export const AlertListQuerySchema = z
  .object({
    status: AlertStatusSchema.optional().meta({ description: "Only alerts in this status." }),
    limit: z.coerce.number().int().min(1).max(100).default(25).meta({ description: "Page size, 1–100 (default 25)." }),
    cursor: z.string().max(200).optional().meta({ description: "`nextCursor` from the previous page." }),
  })
  .strict();

export const ResolveAlertInputSchema = z
  .object({ note: z.string().max(1000).optional() })
  .strict()
  .meta({ id: "ResolveAlertInput" });

/** Frames the live alerts socket (`GET /v1/tenants/{tenantId}/alerts/live`) sends. */
export const AlertFrameSchema = z
  .discriminatedUnion("type", [
    z
      .object({ type: z.literal("alert"), alert: AlertSchema })
      .meta({ description: "A new alert, or the new state of one (grown, acknowledged, resolved): upsert by `alert.id`." }),
    z.object({ type: z.literal("error"), code: z.string(), message: z.string() }),
  ])
  .meta({ id: "AlertFrame" });
export type AlertFrame = z.infer<typeof AlertFrameSchema>;

// ---- webhooks

export const CreateWebhookInputSchema = z
  .object({
    url: z
      .string()
      .max(2000)
      .meta({ description: "https URL (http://localhost only in development).", example: "https://hooks.example.com/switchboard" }),
    description: z.string().max(200).optional(),
  })
  .strict()
  .meta({ id: "CreateWebhookInput" });

export const WebhookSchema = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    url: z.string(),
    description: z.string(),
    secretPrefix: z.string().meta({ description: "The first characters of the signing secret, to tell secrets apart." }),
    createdAt: IsoTimeSchema,
  })
  .meta({ id: "Webhook" });
export type Webhook = z.infer<typeof WebhookSchema>;

export const CreatedWebhookSchema = z
  .object({ webhook: WebhookSchema, secret: z.string().meta({ description: "The signing secret. Shown once: store it now." }) })
  .meta({ id: "CreatedWebhook" });

export const WEBHOOK_DELIVERY_STATUSES = ["pending", "delivered", "failed"] as const;

export const WebhookDeliverySchema = z
  .object({
    id: z.string().meta({ description: "Also sent as the `Switchboard-Delivery` header: the same on every retry." }),
    webhookId: z.string(),
    alertId: z.string(),
    event: z.string(),
    status: z.enum(WEBHOOK_DELIVERY_STATUSES).meta({ description: "`failed`: retries exhausted, moved to the dead-letter queue." }),
    attempts: z.number().int(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    createdAt: IsoTimeSchema,
    updatedAt: IsoTimeSchema,
    deliveredAt: IsoTimeSchema.nullable(),
  })
  .meta({ id: "WebhookDelivery" });
export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;

/** The JSON body of every webhook request. */
export const WebhookPayloadSchema = z
  .object({
    id: z.string().meta({ description: "The delivery id (same as the `Switchboard-Delivery` header)." }),
    type: z.literal("alert.fired"),
    createdAt: IsoTimeSchema,
    tenantId: z.string(),
    data: z.object({ alert: AlertSchema }),
  })
  .meta({ id: "WebhookPayload" });
export type WebhookPayload = z.infer<typeof WebhookPayloadSchema>;

/** The body of `POST …/webhooks/{webhookId}/test`'s request to the receiver (never retried, not recorded as a delivery). */
export const WebhookTestPayloadSchema = z
  .object({
    id: z.string(),
    type: z.literal("webhook.test"),
    createdAt: IsoTimeSchema,
    tenantId: z.string(),
    data: z.object({ webhookId: z.string() }),
  })
  .meta({ id: "WebhookTestPayload" });
export type WebhookTestPayload = z.infer<typeof WebhookTestPayloadSchema>;

export const WebhookTestResultSchema = z
  .object({
    delivered: z.boolean().meta({ description: "The receiver answered 2xx." }),
    statusCode: z.number().int().nullable().meta({ description: "null when no response came back." }),
    error: z.string().nullable(),
    durationMs: z.number().int(),
  })
  .meta({ id: "WebhookTestResult" });

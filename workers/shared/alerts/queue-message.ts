/** The body of an ALERT_WEBHOOKS queue message: one webhook delivery to attempt. */
export interface AlertWebhookMessage {
  deliveryId: string;
  tenantId: string;
}

export const ALERT_WEBHOOKS_QUEUE = "switchboard-alert-webhooks";
export const ALERT_WEBHOOKS_DLQ = "switchboard-alert-webhooks-dlq";

import { z } from "zod";
import { ALERT_STATUSES, AlertStatusSchema, type AlertStatus } from "@shared/schemas/alerts";

/** The inbox's tab (an alert status) lives in the URL (`?status=resolved`), so each list can be linked to. */
export const INBOX_TABS = ALERT_STATUSES;
export const AlertsInboxSearchSchema = z.object({ status: AlertStatusSchema.optional().catch(undefined) });
export type InboxTab = AlertStatus;

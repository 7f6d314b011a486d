/**
 * What the API says about mail it sends, so clients never claim a mail went out when none did
 * (docs/deploy.md, "Email"). Browser-safe.
 */
import { z } from "zod";

/** How this deployment delivers mail at all (no per-recipient information in it). */
export const MailDeliverySchema = z.enum(["email", "dev_outbox", "not_configured"]).meta({
  id: "MailDelivery",
  description:
    "`email`: a mail provider is configured and mail is sent. `dev_outbox`: local development, mail is kept in the dev outbox (`GET /v1/dev/outbox`) instead. `not_configured`: this deployment cannot send mail; nothing was sent.",
});
export type MailDelivery = z.infer<typeof MailDeliverySchema>;

/** What happened to one mail. */
export const MailStatusSchema = z.enum(["sent", "dev_outbox", "not_configured", "failed"]).meta({
  id: "MailStatus",
  description:
    "`sent`: the mail provider accepted it. `dev_outbox`: kept in the dev outbox (local development). `not_configured`: no mail provider, nothing was sent. `failed`: the provider refused it or could not be reached; nothing was sent.",
});
export type MailStatus = z.infer<typeof MailStatusSchema>;

export const MailResultSchema = z.object({ status: MailStatusSchema }).meta({
  id: "MailResult",
  description: "What happened to the mail this request sent. Anything but `sent` means nobody was mailed: hand the link over another way.",
});

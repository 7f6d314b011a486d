/**
 * Outgoing mail, through one function. No mail provider is wired yet:
 * - in development (`ENVIRONMENT = "development"`) a mail is stored in `dev_outbox`, which the
 *   dashboard's dev outbox page reads through `GET /v1/dev/outbox`, and logged with its text so
 *   it also shows on the console of `npm start`;
 * - anywhere else it is logged as not sent (subject and recipient only: bodies carry one-time
 *   links) — the deployment has no way to send mail until a provider is configured.
 * A provider goes in `deliver` below and nowhere else: a `send_email` binding (Cloudflare Email
 * Routing) or an HTTP mail API whose key is a wrangler secret, declared in wrangler.toml and
 * `Env`. Callers do not change.
 */
import { newId } from "../../../shared/crypto/ids";
import { createDb } from "../../../shared/db/client";
import { devOutbox } from "../../../shared/db/schema";

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** The local stack keeps mail in the dev outbox, and only the local stack serves it. */
export function devOutboxEnabled(env: Pick<Env, "ENVIRONMENT">): boolean {
  return env.ENVIRONMENT === "development";
}

export async function sendMail(env: Env, mail: Mail): Promise<void> {
  if (devOutboxEnabled(env)) {
    // One clock reading for both, so the id's time prefix and createdAt never disagree across a ms tick.
    const createdAt = Date.now();
    const id = newId("mail", createdAt);
    await createDb(env.DB).insert(devOutbox).values({ id, to: mail.to, subject: mail.subject, text: mail.text, createdAt });
    console.log(JSON.stringify({ level: "info", msg: "mail kept in the dev outbox (GET /v1/dev/outbox)", id, to: mail.to, subject: mail.subject, text: mail.text }));
    return;
  }
  await deliver(mail);
}

async function deliver(mail: Mail): Promise<void> {
  console.warn(JSON.stringify({ level: "warn", msg: "mail not sent: no mail provider is configured", to: mail.to, subject: mail.subject }));
}

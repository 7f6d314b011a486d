/**
 * Outgoing mail, through this one module. Where mail goes (docs/decisions.md, "Email"):
 *
 * - a provider is configured (`RESEND_API_KEY` secret and `MAIL_FROM` var): it is sent through
 *   Resend's HTTP API — one `POST https://api.resend.com/emails` with an `Idempotency-Key`, so a
 *   retry never sends twice. Plain `fetch` rather than Resend's SDK: it is one request, and the
 *   SDK would add weight to the Worker and nothing else;
 * - otherwise, in development (`ENVIRONMENT = "development"`, the local stack): it is kept in
 *   `dev_outbox`, which the dashboard's dev outbox page reads (`GET /v1/dev/outbox`);
 * - otherwise nothing is sent, and the caller is told (`not_configured`): the API answers it to
 *   clients (MailStatus / MailDelivery, workers/shared/schemas/mail.ts) so no page ever says a mail
 *   was sent when none was.
 *
 * Mail bodies carry one-time links, so they are never logged (the dev outbox is local only).
 */
import { newId } from "../../../shared/crypto/ids";
import { createDb } from "../../../shared/db/client";
import { devOutbox } from "../../../shared/db/schema";
import type { MailDelivery, MailStatus } from "../../../shared/schemas/mail";
import { log } from "../../../shared/observability/log";

export interface Mail {
  to: string;
  subject: string;
  text: string;
  /** Same key, same mail: the provider sends it once even if we ask twice (e.g. `invite/<id>`). */
  idempotencyKey?: string;
}

export type MailOutcome =
  | { status: Extract<MailStatus, "sent">; providerId: string }
  | { status: Extract<MailStatus, "dev_outbox">; id: string }
  | { status: Extract<MailStatus, "not_configured" | "failed"> };

export const RESEND_API_URL = "https://api.resend.com/emails";
const PROVIDER_TIMEOUT_MS = 10_000;
/** One retry, on a network error, a 429 or a 5xx: the idempotency key makes it safe. */
const ATTEMPTS = 2;

type MailEnv = Pick<Env, "ENVIRONMENT" | "DB" | "RESEND_API_KEY" | "MAIL_FROM">;

/** The local stack keeps mail in the dev outbox, and only the local stack serves it. */
export function devOutboxEnabled(env: Pick<Env, "ENVIRONMENT">): boolean {
  return env.ENVIRONMENT === "development";
}

function providerConfigured(env: Pick<Env, "RESEND_API_KEY" | "MAIL_FROM">): boolean {
  return Boolean(env.RESEND_API_KEY) && Boolean(env.MAIL_FROM);
}

/** How this deployment delivers mail, for answers that must not reveal whether a recipient exists. */
export function mailDelivery(env: Pick<Env, "ENVIRONMENT" | "RESEND_API_KEY" | "MAIL_FROM">): MailDelivery {
  if (providerConfigured(env)) return "email";
  return devOutboxEnabled(env) ? "dev_outbox" : "not_configured";
}

export async function sendMail(env: MailEnv, mail: Mail): Promise<MailOutcome> {
  switch (mailDelivery(env)) {
    case "email":
      return sendThroughProvider(env, mail);
    case "dev_outbox":
      return keepInDevOutbox(env, mail);
    case "not_configured":
      log.warn("mail not sent: no mail provider is configured (RESEND_API_KEY, MAIL_FROM)", { to: mail.to, subject: mail.subject });
      return { status: "not_configured" };
  }
}

async function keepInDevOutbox(env: MailEnv, mail: Mail): Promise<MailOutcome> {
  // One clock reading for both, so the id's time prefix and createdAt never disagree across a ms tick.
  const createdAt = Date.now();
  const id = newId("mail", createdAt);
  await createDb(env.DB).insert(devOutbox).values({ id, to: mail.to, subject: mail.subject, text: mail.text, createdAt });
  log.info("mail kept in the dev outbox (GET /v1/dev/outbox)", { id, to: mail.to, subject: mail.subject });
  return { status: "dev_outbox", id };
}

async function sendThroughProvider(env: MailEnv, mail: Mail): Promise<MailOutcome> {
  const headers: Record<string, string> = { authorization: `Bearer ${env.RESEND_API_KEY}`, "content-type": "application/json" };
  if (mail.idempotencyKey) headers["idempotency-key"] = mail.idempotencyKey;
  const body = JSON.stringify({ from: env.MAIL_FROM, to: [mail.to], subject: mail.subject, text: mail.text });
  let lastProblem = "";
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    let res: Response;
    try {
      res = await fetch(RESEND_API_URL, { method: "POST", headers, body, signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS) });
    } catch (err) {
      lastProblem = `unreachable: ${String(err)}`;
      continue;
    }
    if (res.ok) {
      const answer = (await res.json().catch(() => null)) as { id?: unknown } | null;
      const providerId = typeof answer?.id === "string" ? answer.id : "";
      log.info("mail sent", { to: mail.to, subject: mail.subject, provider: "resend", providerId });
      return { status: "sent", providerId };
    }
    // Resend answers `{ statusCode, name, message }`; the name says what to fix (e.g. invalid_from_address).
    const problem = (await res.json().catch(() => null)) as { name?: unknown; message?: unknown } | null;
    lastProblem = `${res.status} ${String(problem?.name ?? "")}: ${String(problem?.message ?? "")}`;
    if (res.status !== 429 && res.status < 500) break;
  }
  log.error("mail not sent: the mail provider refused it or could not be reached", {
    to: mail.to,
    subject: mail.subject,
    provider: "resend",
    problem: lastProblem,
  });
  return { status: "failed" };
}

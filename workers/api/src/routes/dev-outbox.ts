/**
 * The dev mail outbox: the local stack has no mail server, so mail sent in development is kept in
 * `dev_outbox` (services/mail.ts) and listed here for the dashboard's outbox page. Anywhere but
 * development the route answers exactly like a path that does not exist.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { desc } from "drizzle-orm";
import { devOutbox } from "../../../shared/db/schema";
import { toIso } from "../../../shared/schemas/common";
import { DevOutboxSchema } from "../../../shared/schemas/mfa";
import type { AppEnv } from "../env";
import { ApiError } from "../http/api-error";
import { defineRoute, jsonResponse } from "../http/route";
import { devOutboxEnabled } from "../services/mail";

export const devOutboxRoutes = new OpenAPIHono<AppEnv>();
const DEV_OUTBOX_LIMIT = 50;

devOutboxRoutes.openapi(
  defineRoute("public", {
    method: "get",
    path: "/v1/dev/outbox",
    tags: ["Development"],
    summary: "Mail the local stack would have sent (development only)",
    description: `The newest ${DEV_OUTBOX_LIMIT} mails, newest first. Served only when the Worker runs with \`ENVIRONMENT = "development"\` (the local stack); in any other environment it answers 404 \`not_found\`, as if the route did not exist. Unauthenticated on purpose: it exists for a developer's own machine.`,
    responses: { 200: jsonResponse(DevOutboxSchema, "Mails, newest first.") },
  }),
  async (c) => {
    if (!devOutboxEnabled(c.env)) throw new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}.`);
    const rows = await c
      .get("db")
      .select()
      .from(devOutbox)
      .orderBy(desc(devOutbox.createdAt), desc(devOutbox.id))
      .limit(DEV_OUTBOX_LIMIT)
      .all();
    return c.json(
      { data: rows.map((m) => ({ id: m.id, to: m.to, subject: m.subject, text: m.text, createdAt: toIso(m.createdAt) })) },
      200,
    );
  },
);

/**
 * The request id, first of all middleware: every API request gets one (`req_…`, time-sortable),
 * returned in the `X-Request-Id` response header and as `error.requestId` in every error body,
 * attached to every log line written while the request runs (log context) and to the details of
 * every audit event it emits (http/audit.ts). A caller may send its own `X-Request-Id` (up to 128
 * characters of `A-Z a-z 0-9 _ - =`) to trace a call end to end; anything else is replaced.
 *
 * Hono's request-id middleware assigns the id. The header and error bodies get it here, after the
 * route has answered, so that every error — thrown ApiErrors, validation failures, 404/405 from
 * the router, an error a Durable Object answered with — carries it without each producer having
 * to know about it.
 */
import type { Context, MiddlewareHandler } from "hono";
import { requestId } from "hono/request-id";
import { newId } from "../../../shared/crypto/ids";
import { withLogContext } from "../../../shared/observability/log";
import type { AppEnv } from "../env";

export const REQUEST_ID_HEADER = "X-Request-Id";
const MAX_INCOMING_ID_LENGTH = 128;

const assignRequestId = requestId({
  headerName: REQUEST_ID_HEADER,
  limitLength: MAX_INCOMING_ID_LENGTH,
  generator: () => newId("request"),
});

export const requestContext: MiddlewareHandler<AppEnv> = (c, next) =>
  assignRequestId(c, () =>
    withLogContext({ requestId: c.get("requestId") }, async () => {
      await next();
      // Hono's middleware set the header before the route ran; a Response built outside the
      // context (error handlers, a Durable Object's answer) does not carry it, so set it again.
      c.header(REQUEST_ID_HEADER, c.get("requestId"));
      await addRequestIdToErrorBody(c);
    }),
  );

/** `{ error: {…} }` bodies (the project's error shape) get `error.requestId`; anything else is left alone. */
async function addRequestIdToErrorBody(c: Context<AppEnv>): Promise<void> {
  const res = c.res;
  if (res.status < 400 || !(res.headers.get("content-type") ?? "").includes("application/json")) return;
  let body: unknown;
  try {
    body = await res.clone().json();
  } catch {
    return;
  }
  const error = (body as { error?: unknown } | null)?.error;
  if (!error || typeof error !== "object" || "requestId" in error) return;
  const headers = new Headers(res.headers);
  headers.delete("content-length");
  c.res = new Response(JSON.stringify({ ...(body as object), error: { ...error, requestId: c.get("requestId") } }), {
    status: res.status,
    statusText: res.statusText,
    headers,
  });
}

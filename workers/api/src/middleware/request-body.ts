/**
 * Body guard for every request: a body must be JSON (415 otherwise), at most MAX_BODY_BYTES (413)
 * and parse (400 invalid_json). It parses once; Hono caches the result, so the route's zod
 * validator reads the same object. Requests without a body pass untouched.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "../http/api-error";

export const MAX_BODY_BYTES = 64 * 1024;
/** Stripe's events (an invoice with many lines) can outgrow 64 KiB; the webhook verifies its signature before using any of it. */
const LARGER_BODY_PATHS: Record<string, number> = { "/v1/billing/webhooks": 1024 * 1024 };

export const requestBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  const declaredLength = c.req.header("content-length");
  const hasBody = (declaredLength !== undefined && declaredLength !== "0") || c.req.header("transfer-encoding") !== undefined;
  if (!hasBody || c.req.method === "GET" || c.req.method === "HEAD") return next();

  const maxBytes = LARGER_BODY_PATHS[c.req.path] ?? MAX_BODY_BYTES;
  if (declaredLength !== undefined && Number(declaredLength) > maxBytes) throw tooLarge(maxBytes);
  const contentType = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  // A2A clients may send the protocol's own media type (docs/a2a.md); it is JSON.
  const a2aJson = contentType === "application/a2a+json" && c.req.path.startsWith("/v1/a2a/");
  if (contentType !== "application/json" && !a2aJson) {
    throw new ApiError("unsupported_media_type", `Send the body as application/json (got ${contentType || "no Content-Type"}).`, {
      expected: "application/json",
    });
  }
  // Read the bytes ourselves: Content-Length can be absent (chunked) or wrong.
  const raw = await c.req.raw.clone().arrayBuffer();
  if (raw.byteLength > maxBytes) throw tooLarge(maxBytes);
  try {
    await c.req.json();
  } catch {
    throw new ApiError("invalid_json", "The body is not valid JSON.");
  }
  return next();
};

function tooLarge(maxBytes = MAX_BODY_BYTES) {
  return new ApiError("payload_too_large", `The body is larger than ${maxBytes} bytes.`, { maxBytes });
}

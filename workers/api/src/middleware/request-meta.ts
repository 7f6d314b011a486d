import type { MiddlewareHandler } from "hono";
import { createDb } from "../../../shared/db/client";
import type { AppEnv } from "../env";

/** Per-request context every handler may rely on: the database and who is calling from where. */
export const requestMeta: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set("db", createDb(c.env.DB));
  c.set("ip", c.req.header("cf-connecting-ip") ?? c.req.header("x-real-ip") ?? null);
  c.set("userAgent", c.req.header("user-agent")?.slice(0, 512) ?? null);
  c.set("principal", null);
  await next();
  c.header("X-Content-Type-Options", "nosniff");
  // Default for API answers; a route that is meant to be cached (the JWKS) sets its own.
  if (!c.res.headers.has("Cache-Control")) c.header("Cache-Control", "no-store");
};

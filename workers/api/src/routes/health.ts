import { OpenAPIHono, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import type { AppEnv } from "../env";
import { defineRoute, jsonResponse } from "../http/route";

export const healthRoutes = new OpenAPIHono<AppEnv>();

const HealthSchema = z
  .object({ status: z.enum(["ok", "degraded"]), checks: z.object({ d1: z.enum(["ok", "error"]) }), time: z.string() })
  .meta({ id: "Health" });

healthRoutes.openapi(
  defineRoute("public", {
    method: "get",
    path: "/health",
    tags: ["Platform"],
    summary: "Liveness and D1 reachability",
    responses: { 200: jsonResponse(HealthSchema, "Healthy."), 503: jsonResponse(HealthSchema, "A dependency is failing.") },
  }),
  async (c) => {
    let d1: "ok" | "error" = "ok";
    try {
      await c.get("db").run(sql`select 1`);
    } catch {
      d1 = "error";
    }
    const body = { status: d1 === "ok" ? ("ok" as const) : ("degraded" as const), checks: { d1 }, time: new Date().toISOString() };
    return d1 === "ok" ? c.json(body, 200) : c.json(body, 503);
  },
);

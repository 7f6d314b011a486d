import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env";

export const agentsRoutes = new OpenAPIHono<AppEnv>();

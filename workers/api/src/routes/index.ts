import { authRoutes } from "./auth";
import { healthRoutes } from "./health";
import { tenantRoutes } from "./tenants";

/** Every route module the API serves. */
export const ROUTE_MODULES = [healthRoutes, authRoutes, tenantRoutes];

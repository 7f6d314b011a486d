/** The API's route table, read from the app itself, for tests that must cover every route. */
import { PERMISSIONS, type Permission, type RouteAccess } from "../../workers/shared/auth/permissions";
import { createApp } from "../../workers/api/src/app";

export interface RouteInfo {
  method: string;
  /** OpenAPI template, e.g. /v1/tenants/{tenantId}/agents/{agentId} */
  path: string;
  access: RouteAccess | undefined;
  hasBody: boolean;
  params: string[];
}

export function apiRoutes(): RouteInfo[] {
  const app = createApp();
  return app.openAPIRegistry.definitions
    .filter((d) => d.type === "route")
    .map((d) => {
      const route = (d as { route: any }).route;
      return {
        method: String(route.method).toUpperCase(),
        path: route.path as string,
        access: route["x-access"] as RouteAccess | undefined,
        hasBody: Boolean(route.request?.body),
        params: [...(route.path as string).matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
      };
    });
}

export function isPermission(access: RouteAccess | undefined): access is Permission {
  return (PERMISSIONS as readonly string[]).includes(access ?? "");
}

export function fillPath(template: string, values: Record<string, string>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for {${name}} in ${template}`);
    return value;
  });
}

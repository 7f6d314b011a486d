import { createContext, useContext } from "react";
import type { Permission, Role } from "@/lib/permissions";
import { can } from "@/lib/permissions";

export interface TenantContextValue {
  tenantId: string;
  tenantName: string;
  role: Role;
  can: (permission: Permission) => boolean;
}

export const TenantContext = createContext<TenantContextValue | null>(null);

export function makeTenantContext(tenantId: string, tenantName: string, role: Role): TenantContextValue {
  return { tenantId, tenantName, role, can: (p) => can(role, p) };
}

/** The current tenant and the signed-in person's role in it (inside /t/$tenantId/…). */
export function useTenant(): TenantContextValue {
  const value = useContext(TenantContext);
  if (!value) throw new Error("useTenant used outside a tenant route");
  return value;
}

/** Safe mode's API reads and writes (docs/governance.md "Kill switch and safe mode"); shapes from the API's own schemas. */
import { queryOptions } from "@tanstack/react-query";
import type { EnterSafeModeInput, LiftSafeModeInput, SafeModeStatus } from "@shared/schemas/safe-mode";
import { api } from "@/lib/api";
import { keys, tenantPath } from "@/lib/queries";

export const safeModeKey = (tenantId: string) => [...keys.tenant(tenantId), "safe-mode"] as const;

/** Polled every 30 s: a switch thrown by another admin reaches every open dashboard. */
export const safeModeQuery = (tenantId: string) =>
  queryOptions({
    queryKey: safeModeKey(tenantId),
    queryFn: () => api.get<SafeModeStatus>(`${tenantPath(tenantId)}/safe-mode`),
    refetchInterval: 30_000,
  });

const base = (tenantId: string, teamId?: string) => `${tenantPath(tenantId)}${teamId ? `/teams/${teamId}` : ""}/safe-mode`;
export const enterSafeMode = (tenantId: string, input: EnterSafeModeInput, teamId?: string) => api.post(base(tenantId, teamId), input);
export const liftSafeMode = (tenantId: string, input: LiftSafeModeInput, teamId?: string) =>
  api.post(`${base(tenantId, teamId)}/lift`, input);

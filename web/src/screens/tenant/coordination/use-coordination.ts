/** Queries of the coordination screen: one key per team and part, polled every 2 s so progress shows. */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useTenant } from "@/components/layout/tenant-context";
import { coordinationApi, coordKeys, type CoordinationApi } from "./coordination-api";

export const POLL_MS = 2_000;

export function useCoordQuery<T>(teamId: string, key: string, fetcher: (api: CoordinationApi) => Promise<T>, poll = true) {
  const { tenantId } = useTenant();
  return useQuery({
    queryKey: [...coordKeys(tenantId, teamId), key],
    queryFn: () => fetcher(coordinationApi(tenantId, teamId)),
    refetchInterval: poll ? POLL_MS : false,
  });
}

export function useCoordActions(teamId: string) {
  const { tenantId, can } = useTenant();
  const client = useQueryClient();
  return {
    api: coordinationApi(tenantId, teamId),
    refresh: () => client.invalidateQueries({ queryKey: coordKeys(tenantId, teamId) }),
    canWrite: can("teams:write"),
    canAdmin: can("coordination:admin"),
  };
}

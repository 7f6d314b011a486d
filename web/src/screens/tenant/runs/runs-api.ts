/** The runs screens' API calls, URL search params and query keys (docs/runs.md), typed by the API's zod schemas. */
import { queryOptions } from "@tanstack/react-query";
import { z } from "zod";
import type { LedgerEntry } from "@shared/audit/chain";
import { RUN_STATUSES, type Run } from "@shared/runs/schemas";
import { api, type Page } from "@/lib/api";
import { keys, tenantPath } from "@/lib/queries";

export type { Run };
export { RUN_STATUSES };

/** Every filter lives in the URL (deep links); bad values are dropped, not fatal. */
export const RunsSearchSchema = z.object({
  agentId: z.string().trim().startsWith("agt_").max(64).optional().catch(undefined),
  status: z.enum(RUN_STATUSES).optional().catch(undefined),
  from: z.iso.date().optional().catch(undefined),
  to: z.iso.date().optional().catch(undefined),
});
export type RunsSearch = z.infer<typeof RunsSearchSchema>;

export interface RunDetail {
  run: Run;
  timeline: LedgerEntry[];
  children: Run[];
  provenance: Record<string, unknown> | null;
}

const dayStart = (d: string) => `${d}T00:00:00.000Z`;
const nextDay = (d: string) => new Date(Date.parse(dayStart(d)) + 86_400_000).toISOString();

export const runsQuery = (tenantId: string, s: RunsSearch) =>
  queryOptions({
    queryKey: [...keys.tenant(tenantId), "runs", s],
    queryFn: () =>
      api.get<Page<Run>>(`${tenantPath(tenantId)}/runs`, {
        limit: 100,
        ...(s.agentId ? { agentId: s.agentId } : {}),
        ...(s.status ? { status: s.status } : {}),
        ...(s.from ? { from: dayStart(s.from) } : {}),
        ...(s.to ? { to: nextDay(s.to) } : {}),
      }),
  });

export const runQuery = (tenantId: string, runId: string) =>
  queryOptions({
    queryKey: [...keys.tenant(tenantId), "run", runId],
    queryFn: () => api.get<RunDetail>(`${tenantPath(tenantId)}/runs/${encodeURIComponent(runId)}`),
    refetchInterval: (q) => (q.state.data?.run.status === "running" ? 2_000 : false),
  });

export const bundleUrl = (tenantId: string, runId: string) => `${tenantPath(tenantId)}/runs/${encodeURIComponent(runId)}/bundle`;

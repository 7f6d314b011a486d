/**
 * Everything the audit screens ask the API, in one module: query keys, fetchers, the export URL.
 * Shapes are the API's own (workers/shared/schemas/audit.ts); entries are the ledger's
 * `LedgerEntry` exactly as hashed (workers/shared/audit/chain.ts).
 */
import { infiniteQueryOptions, queryOptions } from "@tanstack/react-query";
import type { z } from "zod";
import type { LedgerEntry } from "@shared/audit/chain";
import type {
  AuditEntryEnvelopeSchema,
  AuditPageSchema,
  ChainBreakReport,
  ExportQuery,
  VerifyInput,
  VerifyResult,
} from "@shared/schemas/audit";
import { api } from "@/lib/api";
import { tenantPath } from "@/lib/queries";
import type { AuditFilters } from "./audit-search";

export type { ChainBreakReport, LedgerEntry, VerifyInput, VerifyResult };
type AuditPage = z.infer<typeof AuditPageSchema>;
type AuditEntryEnvelope = z.infer<typeof AuditEntryEnvelopeSchema>;

export type ExportFormat = ExportQuery["format"];

const PAGE_SIZE = 50;

const auditKey = (tenantId: string) => ["tenant", tenantId, "audit"] as const;
export const auditKeys = {
  all: auditKey,
  list: (tenantId: string, filters: AuditFilters) => [...auditKey(tenantId), "list", filters] as const,
  event: (tenantId: string, seq: number) => [...auditKey(tenantId), "event", seq] as const,
};

const base = (tenantId: string) => `${tenantPath(tenantId)}/audit`;

export const auditListQuery = (tenantId: string, filters: AuditFilters) =>
  infiniteQueryOptions({
    queryKey: auditKeys.list(tenantId, filters),
    queryFn: ({ pageParam }) => api.get<AuditPage>(base(tenantId), { ...filters, limit: PAGE_SIZE, cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });

export const auditEventQuery = (tenantId: string, seq: number) =>
  queryOptions({
    queryKey: auditKeys.event(tenantId, seq),
    queryFn: () => api.get<AuditEntryEnvelope>(`${base(tenantId)}/${seq}`).then((r) => r.entry),
    staleTime: Infinity, // an entry never changes: that is the point of the ledger
  });

export function verifyChain(tenantId: string, range: VerifyInput): Promise<VerifyResult> {
  return api.post<VerifyResult>(`${base(tenantId)}/verify`, range);
}

/** A plain link: the browser downloads it with the session cookie, streamed by the API. */
export function exportUrl(tenantId: string, format: ExportFormat, range: Omit<ExportQuery, "format">): string {
  const params = new URLSearchParams({ format });
  for (const [k, v] of Object.entries(range)) if (v !== undefined && v !== "") params.set(k, String(v));
  return `${base(tenantId)}/export?${params.toString()}`;
}

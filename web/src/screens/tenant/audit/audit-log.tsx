import { useInfiniteQuery } from "@tanstack/react-query";
import { useNavigate, useSearch } from "@tanstack/react-router";
import { RefreshCw, ScrollText } from "lucide-react";
import { useMemo } from "react";
import { useTenant } from "@/components/layout/tenant-context";
import { Button, EmptyState, ErrorState, LoadingState, PageHeader } from "@/components/ui";
import { auditListQuery } from "./audit-api";
import { AuditFilterBar } from "./audit-filters";
import { useAuditNames } from "./audit-names";
import { filtersOf, hasFilters, type AuditFilters } from "./audit-search";
import { AuditTable } from "./audit-table";
import { EventDrawer } from "./event-drawer";
import { ExportPanel } from "./export-panel";
import { VerifyPanel } from "./verify-panel";

/** /t/$tenantId/audit: the tenant's tamper-evident audit log. */
export function AuditLogScreen() {
  const { tenantId, can } = useTenant();
  const search = useSearch({ from: "/app/t/$tenantId/audit" });
  const navigate = useNavigate({ from: "/t/$tenantId/audit" });
  const filters = useMemo(() => filtersOf(search), [search]);
  const list = useInfiniteQuery(auditListQuery(tenantId, filters));
  const names = useAuditNames(tenantId);
  const entries = useMemo(() => list.data?.pages.flatMap((p) => p.data) ?? [], [list.data]);
  const bySeq = useMemo(() => new Map(entries.map((e) => [e.seq, e])), [entries]);
  const olderPagesError = list.isFetchNextPageError ? list.error : null;
  const knownActions = useMemo(() => [...new Set(entries.map((e) => e.action))].sort(), [entries]);

  // Both push a history entry: Back undoes a filter or closes the drawer. New filters close the drawer.
  const setFilters = (next: AuditFilters) => navigate({ search: { ...next, event: undefined } });
  const openEvent = (seq: number | undefined) => navigate({ search: (s) => ({ ...s, event: seq }) });

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every change, sign-in and agent action in this tenant, newest first. Events are hash-chained (the events written together form one block, and each block is chained to the one before it), so any later edit is detectable."
      />
      <div className="mb-6 grid gap-4 lg:grid-cols-2">
        <VerifyPanel tenantId={tenantId} onOpenEvent={openEvent} />
        {can("audit:export") && <ExportPanel tenantId={tenantId} from={filters.from} to={filters.to} />}
      </div>
      <AuditFilterBar filters={filters} onChange={setFilters} knownActions={knownActions} />
      {list.isPending ? (
        <LoadingState label="Loading audit events…" />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} title="Could not load the audit log" />
      ) : entries.length === 0 ? (
        hasFilters(search) ? (
          <EmptyState
            title="No events match these filters"
            description="Change or remove the filters above."
            action={
              <Button variant="secondary" onClick={() => setFilters({})}>
                Clear all filters
              </Button>
            }
          />
        ) : (
          <EmptyState
            title="No audit events yet"
            description="Events appear here as people and agents act in this tenant."
            icon={<ScrollText className="size-8" />}
          />
        )
      ) : (
        <>
          <div className="mb-2 flex items-center justify-between gap-3">
            <p className="text-sm text-zinc-600">Newest first. New events appear when you refresh.</p>
            <Button variant="ghost" size="sm" pending={list.isRefetching && !list.isFetchingNextPage} onClick={() => void list.refetch()}>
              <RefreshCw className="size-4" aria-hidden="true" /> Refresh
            </Button>
          </div>
          <AuditTable entries={entries} names={names} selectedSeq={search.event} onOpen={openEvent} />
          <div className="mt-4 flex items-center justify-between gap-3 text-sm text-zinc-600">
            <p aria-live="polite">
              Showing {entries.length.toLocaleString()} {entries.length === 1 ? "event" : "events"}
              {list.hasNextPage ? "" : " — that is all of them"}.
            </p>
            {list.hasNextPage && (
              <Button variant="secondary" pending={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
                Load older events
              </Button>
            )}
          </div>
          {olderPagesError && (
            <ErrorState error={olderPagesError} onRetry={() => void list.fetchNextPage()} title="Could not load older events" />
          )}
        </>
      )}
      <EventDrawer
        tenantId={tenantId}
        seq={search.event}
        loaded={bySeq}
        names={names}
        onSeq={openEvent}
        onFilterAction={(action) => setFilters({ ...filters, q: undefined, action })}
      />
    </>
  );
}

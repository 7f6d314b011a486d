import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { EmptyState, ErrorState, LoadingState } from "./ui";

interface QueryStateProps<T> {
  query: UseQueryResult<T>;
  loadingLabel?: string;
  errorTitle?: string;
  /** Shown instead of children when `isEmpty(data)`; defaults to "an empty array". */
  empty?: { title: string; description?: ReactNode; action?: ReactNode; icon?: ReactNode };
  isEmpty?: (data: T) => boolean;
  children: (data: T) => ReactNode;
}

/** The loading, error (with retry) and empty states every list and detail view shows. */
export function QueryState<T>({ query, loadingLabel, errorTitle, empty, isEmpty, children }: QueryStateProps<T>) {
  if (query.isPending) return <LoadingState label={loadingLabel} />;
  if (query.isError) return <ErrorState error={query.error} onRetry={() => void query.refetch()} title={errorTitle} />;
  const data = query.data;
  const emptyNow = isEmpty ? isEmpty(data) : Array.isArray(data) && data.length === 0;
  if (empty && emptyNow) return <EmptyState {...empty} />;
  return <>{children(data)}</>;
}

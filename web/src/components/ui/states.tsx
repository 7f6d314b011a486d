import type { ReactNode } from "react";
import { Inbox, Loader2 } from "lucide-react";
import { describeError } from "@/lib/forms";
import { isApiError } from "@/lib/api";
import { Alert } from "./alert";
import { Button } from "./button";

export function LoadingState({ label = "Loading…" }: { label?: string }) {
  return (
    <div
      role="status"
      aria-busy="true"
      aria-live="polite"
      className="flex items-center justify-center gap-2 rounded-lg bg-white px-4 py-10 text-sm text-zinc-600 ring-1 ring-zinc-200"
    >
      <Loader2 className="size-4 animate-spin" aria-hidden="true" />
      {label}
    </div>
  );
}

export function EmptyState({
  title,
  description,
  action,
  icon,
}: {
  title: string;
  description?: ReactNode;
  action?: ReactNode;
  icon?: ReactNode;
}) {
  return (
    <div className="flex flex-col items-center rounded-lg border border-dashed border-zinc-300 bg-white px-6 py-12 text-center">
      <div className="mb-3 text-zinc-500" aria-hidden="true">
        {icon ?? <Inbox className="size-8" />}
      </div>
      <p className="text-base font-semibold text-zinc-900">{title}</p>
      {description && <p className="mt-1 max-w-md text-sm text-zinc-600">{description}</p>}
      {action && <div className="mt-4">{action}</div>}
    </div>
  );
}

export function ErrorState({ error, onRetry, title = "Could not load this" }: { error: unknown; onRetry?: () => void; title?: string }) {
  const notFound = isApiError(error, "not_found");
  return (
    <Alert
      tone="danger"
      title={notFound ? "Not found" : title}
      action={
        onRetry && !notFound ? (
          <Button variant="secondary" size="sm" onClick={onRetry}>
            Try again
          </Button>
        ) : undefined
      }
    >
      {describeError(error)}
    </Alert>
  );
}

import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { Fragment, type ReactNode } from "react";
import { AuthLayout } from "@/components/layout/auth-layout";
import { Alert, Button, EmptyState, ErrorState, LoadingState } from "@/components/ui";
import { isApiError } from "@/lib/api";
import { formatDateTime } from "@/lib/format";
import { devOutboxQuery } from "./dev-outbox-probe";

/** Local development sends no mail: this page lists what would have been sent (password resets, invites). */
export function DevOutboxScreen() {
  const outbox = useQuery(devOutboxQuery);
  return (
    <AuthLayout
      wide
      title="Dev mail outbox"
      description="Mail the local stack would have sent, newest first. Only available in local development."
      footer={
        <Link to="/" className="font-medium text-indigo-700 underline-offset-2 hover:underline">
          Back to the dashboard
        </Link>
      }
    >
      <div className="mb-4 flex justify-end">
        <Button variant="secondary" size="sm" onClick={() => outbox.refetch()} pending={outbox.isFetching}>
          Refresh
        </Button>
      </div>
      {outbox.isPending ? (
        <LoadingState label="Loading mail…" />
      ) : outbox.isError ? (
        isApiError(outbox.error, "not_found") ? (
          <Alert tone="info">The mail outbox is only available when the API runs in local development.</Alert>
        ) : (
          <ErrorState error={outbox.error} onRetry={() => outbox.refetch()} />
        )
      ) : outbox.data.length === 0 ? (
        <EmptyState title="No mail yet" description="Ask for a password reset or invite someone, then refresh." />
      ) : (
        <ul className="space-y-4">
          {outbox.data.map((mail) => (
            <li key={mail.id}>
              <article className="rounded-md ring-1 ring-zinc-200">
                <header className="border-b border-zinc-200 bg-zinc-50 px-4 py-3">
                  <h2 className="text-sm font-semibold text-zinc-900">{mail.subject}</h2>
                  <p className="text-xs text-zinc-600">
                    To {mail.to} · {formatDateTime(mail.createdAt)}
                  </p>
                </header>
                <div className="px-4 py-3 font-mono text-sm break-words whitespace-pre-wrap text-zinc-800">{linkify(mail.text)}</div>
              </article>
            </li>
          ))}
        </ul>
      )}
    </AuthLayout>
  );
}

/** Makes the links in a plain-text mail clickable. */
function linkify(text: string): ReactNode[] {
  return text.split(/(https?:\/\/[^\s]+)/g).map((part, i) =>
    /^https?:\/\//.test(part) ? (
      <a key={i} href={part} className="text-indigo-700 underline">
        {part}
      </a>
    ) : (
      <Fragment key={i}>{part}</Fragment>
    ),
  );
}

import { useMutation } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { CheckCircle2, Hand } from "lucide-react";
import { useState } from "react";
import { useTenant } from "@/components/layout/tenant-context";
import { Alert as Notice, Button, Dialog, DialogClose, DialogContent, DialogFooter, Field, Textarea } from "@/components/ui";
import { formatDateTime, formatRelative } from "@/lib/format";
import { describeError } from "@/lib/forms";
import { SeverityBadge } from "../audit/audit-badges";
import type { Alert } from "./alerts-api";

/** One alert in the inbox: what fired, how many events, when, and (for admins) resolving it. */
export interface AlertActions {
  acknowledge: (alertId: string) => Promise<unknown>;
  resolve: (alertId: string, note: string | undefined) => Promise<unknown>;
}

export function AlertCard({ alert, actions }: { alert: Alert; actions?: AlertActions }) {
  const { tenantId } = useTenant();
  const span =
    alert.count === 1 ? formatDateTime(alert.firstEventAt) : `${formatDateTime(alert.firstEventAt)} – ${formatDateTime(alert.lastEventAt)}`;
  const headingId = `alert-${alert.id}`;
  return (
    <li aria-labelledby={headingId} className="rounded-lg bg-white p-4 shadow-xs ring-1 ring-zinc-200">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0 space-y-1">
          <div className="flex flex-wrap items-center gap-2">
            <SeverityBadge severity={alert.severity} />
            <h3 id={headingId} className="text-sm font-semibold text-zinc-900">
              {alert.ruleName}
            </h3>
            <span className="text-xs text-zinc-600" title={formatDateTime(alert.firedAt)}>
              fired {formatRelative(alert.firedAt)}
            </span>
          </div>
          <p className="text-sm text-zinc-800">{alert.summary}</p>
          <p className="text-xs text-zinc-600">
            {alert.count} matching {alert.count === 1 ? "event" : "events"} · {span} ·{" "}
            <Link
              to="/t/$tenantId/audit"
              params={{ tenantId }}
              search={{ event: alert.firstSeq }}
              className="font-medium text-indigo-700 underline-offset-2 hover:underline"
            >
              open event #{alert.firstSeq} in the audit log
            </Link>
          </p>
          {alert.status === "acknowledged" && (
            <p className="text-xs text-zinc-700">Acknowledged {formatRelative(alert.acknowledgedAt)}: someone is on it.</p>
          )}
          {alert.status === "resolved" && (
            <p className="flex items-center gap-1 text-xs text-green-800">
              <CheckCircle2 className="size-3.5" aria-hidden="true" />
              <span>
                Resolved {formatRelative(alert.resolvedAt)}
                {alert.resolutionNote && <span className="text-zinc-700">: “{alert.resolutionNote}”</span>}
              </span>
            </p>
          )}
        </div>
        {actions && alert.status !== "resolved" && (
          <div className="flex shrink-0 gap-2">
            {alert.status === "open" && <AcknowledgeButton alert={alert} onAcknowledge={() => actions.acknowledge(alert.id)} />}
            <ResolveButton alert={alert} onResolve={(note) => actions.resolve(alert.id, note)} />
          </div>
        )}
      </div>
    </li>
  );
}

function AcknowledgeButton({ alert, onAcknowledge }: { alert: Alert; onAcknowledge: () => Promise<unknown> }) {
  const acknowledge = useMutation({ mutationFn: onAcknowledge });
  return (
    <div>
      <Button
        variant="ghost"
        size="sm"
        pending={acknowledge.isPending}
        aria-label={`Acknowledge alert: ${alert.ruleName}`}
        onClick={() => acknowledge.mutate()}
      >
        <Hand className="size-4" aria-hidden="true" /> Acknowledge
      </Button>
      {acknowledge.isError && (
        <p role="alert" className="mt-1 max-w-56 text-xs text-red-700">
          {describeError(acknowledge.error)}
        </p>
      )}
    </div>
  );
}

function ResolveButton({ alert, onResolve }: { alert: Alert; onResolve: (note: string | undefined) => Promise<unknown> }) {
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState("");
  const resolve = useMutation({ mutationFn: (text: string | undefined) => onResolve(text), onSuccess: () => setOpen(false) });
  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        if (resolve.isPending) return;
        setOpen(o);
        if (!o) resolve.reset();
      }}
    >
      <Button variant="secondary" size="sm" onClick={() => setOpen(true)} aria-label={`Resolve alert: ${alert.ruleName}`}>
        <CheckCircle2 className="size-4" aria-hidden="true" /> Resolve
      </Button>
      <DialogContent
        title="Resolve this alert?"
        description={`“${alert.ruleName}” moves to Resolved. If the rule matches again, a new alert fires.`}
      >
        <form
          onSubmit={(e) => {
            e.preventDefault();
            resolve.mutate(note.trim() || undefined);
          }}
          className="space-y-4"
        >
          <Field label="Note (optional)" hint="What happened and what you did, for whoever reads this later.">
            <Textarea value={note} maxLength={1000} onChange={(e) => setNote(e.target.value)} />
          </Field>
          {resolve.isError && <Notice tone="danger">{describeError(resolve.error)}</Notice>}
          <DialogFooter>
            <DialogClose asChild>
              <Button variant="secondary" disabled={resolve.isPending}>
                Cancel
              </Button>
            </DialogClose>
            <Button type="submit" pending={resolve.isPending}>
              Resolve alert
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

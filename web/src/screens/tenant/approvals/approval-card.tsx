import { useMutation } from "@tanstack/react-query";
import { Check, X } from "lucide-react";
import { useState } from "react";
import {
  Alert as Notice,
  Badge,
  Button,
  Dialog,
  DialogClose,
  DialogContent,
  DialogFooter,
  Field,
  Textarea,
  type BadgeTone,
} from "@/components/ui";
import { formatDateTime, formatRelative } from "@/lib/format";
import { describeError } from "@/lib/forms";
import type { Approval } from "./approvals-api";

const STATUS_TONE: Record<Approval["status"], BadgeTone> = {
  pending: "warning",
  approved: "info",
  executed: "success",
  denied: "danger",
  expired: "neutral",
};
const KIND_LABEL: Record<Approval["kind"], string> = {
  egress_call: "Egress call",
  relay_request: "Relay message",
  supervised_message: "Supervised pair",
};
const SOURCE_LABEL: Record<Approval["trigger"]["source"], string> = {
  guardrail: "Guardrail",
  trust_level: "Trust level",
  supervised_pair: "Supervised pair",
};

export type Decide = (approvalId: string, decision: "approve" | "deny", reason: string | undefined) => Promise<unknown>;

/** One approval: what is asked, by whom, why it needs a person, and (for owners and admins) the decision. */
export function ApprovalCard({ approval, decide }: { approval: Approval; decide?: Decide }) {
  const headingId = `approval-${approval.id}`;
  return (
    <li aria-labelledby={headingId} className="rounded-lg bg-white p-4 shadow-xs ring-1 ring-zinc-200">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0 flex-1 space-y-1.5">
          <div className="flex flex-wrap items-center gap-2">
            <Badge tone={STATUS_TONE[approval.status]}>{approval.status}</Badge>
            <Badge tone="accent">{KIND_LABEL[approval.kind]}</Badge>
            <h3 id={headingId} className="font-mono text-sm font-semibold break-all text-zinc-900">
              {approval.summary}
            </h3>
          </div>
          <p className="text-xs text-zinc-600">
            Asked by <span className="font-mono">{approval.agentId}</span>
            {approval.teamId && (
              <>
                {" "}
                in <span className="font-mono">{approval.teamId}</span>
              </>
            )}{" "}
            <span title={formatDateTime(approval.createdAt)}>{formatRelative(approval.createdAt)}</span>
            {approval.status === "pending" && <> · expires {formatRelative(approval.expiresAt)}</>}
          </p>
          <p className="text-sm text-zinc-800">
            <span className="font-medium">{SOURCE_LABEL[approval.trigger.source]}:</span> {approval.trigger.detail}
          </p>
          {approval.subject.preview && (
            <pre className="max-h-32 overflow-auto rounded-md bg-zinc-50 p-2 font-mono text-xs whitespace-pre-wrap text-zinc-800 ring-1 ring-zinc-200">
              {approval.subject.preview}
            </pre>
          )}
          {approval.status !== "pending" && approval.decidedAt && (
            <p className="text-xs text-zinc-700">
              {approval.status === "expired" ? "Expired" : approval.status === "denied" ? "Denied" : "Approved"}{" "}
              {formatRelative(approval.decidedAt)}
              {approval.decidedBy && approval.status !== "expired" && <> by {approval.decidedBy}</>}
              {approval.reason && <>: “{approval.reason}”</>}
              {approval.executedAt && <> · carried out {formatRelative(approval.executedAt)}</>}
            </p>
          )}
        </div>
        {decide && approval.status === "pending" && (
          <div className="flex shrink-0 gap-2">
            <DecideButton approval={approval} decision="deny" onDecide={decide} />
            <DecideButton approval={approval} decision="approve" onDecide={decide} />
          </div>
        )}
      </div>
    </li>
  );
}

function DecideButton({ approval, decision, onDecide }: { approval: Approval; decision: "approve" | "deny"; onDecide: Decide }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const run = useMutation({
    mutationFn: (text: string | undefined) => onDecide(approval.id, decision, text),
    onSuccess: () => setOpen(false),
  });
  const approve = decision === "approve";
  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        if (run.isPending) return;
        setOpen(o);
        if (!o) run.reset();
      }}
    >
      <Button
        variant={approve ? "primary" : "secondary"}
        size="sm"
        onClick={() => setOpen(true)}
        aria-label={`${approve ? "Approve" : "Deny"}: ${approval.summary}`}
      >
        {approve ? <Check className="size-4" aria-hidden="true" /> : <X className="size-4" aria-hidden="true" />}
        {approve ? "Approve" : "Deny"}
      </Button>
      <DialogContent
        title={approve ? "Approve this operation?" : "Deny this operation?"}
        description={
          approve
            ? approval.kind === "egress_call"
              ? "The agent may make exactly this call once, within 15 minutes."
              : "The message is delivered now."
            : "The operation is refused; the agent is told."
        }
      >
        <form
          onSubmit={(e) => {
            e.preventDefault();
            run.mutate(reason.trim() || undefined);
          }}
          className="space-y-4"
        >
          <p className="font-mono text-sm break-all text-zinc-900">{approval.summary}</p>
          <Field label="Reason (optional)" hint="Kept with the approval and in the audit log.">
            <Textarea value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />
          </Field>
          {run.isError && <Notice tone="danger">{describeError(run.error)}</Notice>}
          <DialogFooter>
            <DialogClose asChild>
              <Button variant="secondary" disabled={run.isPending}>
                Cancel
              </Button>
            </DialogClose>
            <Button type="submit" variant={approve ? "primary" : "danger"} pending={run.isPending}>
              {approve ? "Approve" : "Deny"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

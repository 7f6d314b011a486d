import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ShieldCheck } from "lucide-react";
import { useState, type FormEvent } from "react";
import { Alert, Button, CardSection, CopyButton, Field, Input } from "@/components/ui";
import { describeError } from "@/lib/forms";
import { auditKeys, verifyChain, type ChainBreakReport, type VerifyInput, type VerifyResult } from "./audit-api";
import { shortHash } from "./audit-badges";

/** What each kind of break means, in words (exhaustive over the API's kinds: a new kind fails the typecheck). */
const BREAK_KINDS: Record<ChainBreakReport["kind"], { title: string; meaning: string; expected: string; found: string }> = {
  gap: {
    title: "An event is missing",
    meaning: "The sequence numbers skip here: an event was deleted, or moved out of its block.",
    expected: "Expected seq",
    found: "Found seq",
  },
  prev_hash_mismatch: {
    title: "A link does not match",
    meaning: "This link's previous hash is not the hash of the link before it: an event was removed, inserted or reordered here.",
    expected: "Previous link's hash",
    found: "This link's prevHash",
  },
  hash_mismatch: {
    title: "An event was altered",
    meaning:
      "This event's content, or its block's Merkle root or hash, no longer produces the recorded hash, or differs from the ledger's head or the last archived day: it was edited after it was written.",
    expected: "Expected hash",
    found: "Found hash",
  },
  truncated: {
    title: "The log ends early",
    meaning: "Events the ledger wrote are missing from the end of the range: the log was cut short.",
    expected: "Last seq expected",
    found: "Last seq found",
  },
  unexpected_entry: {
    title: "An event the ledger never wrote",
    meaning: "The log holds an event past the ledger's head: it was inserted from outside.",
    expected: "Expected",
    found: "Found hash",
  },
};

/** Recomputes the tenant's hash chain on the server over a seq range and shows what it found. */
export function VerifyPanel({ tenantId, onOpenEvent }: { tenantId: string; onOpenEvent: (seq: number) => void }) {
  const queryClient = useQueryClient();
  const [fromSeq, setFromSeq] = useState("");
  const [toSeq, setToSeq] = useState("");
  const verify = useMutation({
    mutationFn: (range: VerifyInput) => verifyChain(tenantId, range),
    // A failed verification is itself audited (audit.chain_verify_failed): show it in the list.
    onSuccess: (result) => result.status === "broken" && queryClient.invalidateQueries({ queryKey: auditKeys.all(tenantId) }),
  });
  const rangeError = fromSeq && toSeq && Number(toSeq) < Number(fromSeq) ? "“To” must not be before “From”." : undefined;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (rangeError) return;
    verify.mutate({ fromSeq: fromSeq ? Number(fromSeq) : undefined, toSeq: toSeq ? Number(toSeq) : undefined });
  };

  return (
    <CardSection
      title="Verify integrity"
      description="Recompute every hash in the chain and check each link. Leave the range empty to check the whole chain."
    >
      <form onSubmit={submit} className="flex flex-wrap items-end gap-3" aria-label="Verify the audit chain">
        <Field label="From seq" className="w-28 space-y-1">
          <Input
            type="number"
            min={1}
            step={1}
            inputMode="numeric"
            value={fromSeq}
            onChange={(e) => setFromSeq(e.target.value)}
            placeholder="first"
          />
        </Field>
        <Field label="To seq" className="w-28 space-y-1" error={rangeError}>
          <Input
            type="number"
            min={1}
            step={1}
            inputMode="numeric"
            value={toSeq}
            onChange={(e) => setToSeq(e.target.value)}
            placeholder="latest"
          />
        </Field>
        <Button type="submit" pending={verify.isPending} disabled={Boolean(rangeError)}>
          <ShieldCheck className="size-4" aria-hidden="true" /> Verify chain
        </Button>
      </form>
      <div aria-live="polite" className="mt-3 empty:mt-0">
        {verify.isError && (
          <Alert tone="danger" title="Could not verify">
            {describeError(verify.error)}
          </Alert>
        )}
        {verify.data && <VerifyOutcome result={verify.data} onOpenEvent={onOpenEvent} />}
      </div>
    </CardSection>
  );
}

function VerifyOutcome({ result, onOpenEvent }: { result: VerifyResult; onOpenEvent: (seq: number) => void }) {
  if (result.status === "intact") {
    return (
      <Alert
        tone="success"
        title={`Intact — ${result.count.toLocaleString()} ${result.count === 1 ? "event" : "events"}, head #${result.headSeq} ${shortHash(result.headHash)}`}
      >
        <p>
          Events #{result.fromSeq} to #{result.toSeq} are unchanged and every link holds. Keep the head hash to prove later that nothing
          before it was rewritten, and check an export against it offline with{" "}
          <code className="font-mono">switchboard-verify &lt;export.jsonl&gt; --expect-head &lt;hash&gt;</code>.
        </p>
        <div className="mt-2 flex flex-wrap items-center gap-2">
          <code className="min-w-0 flex-1 font-mono text-xs break-all" data-testid="verify-head-hash">
            {result.headHash}
          </code>
          <CopyButton value={result.headHash} label="Copy head hash" />
        </div>
      </Alert>
    );
  }
  return <BrokenLink report={result.firstBreak} onOpenEvent={onOpenEvent} />;
}

function BrokenLink({ report, onOpenEvent }: { report: ChainBreakReport; onOpenEvent: (seq: number) => void }) {
  const kind = BREAK_KINDS[report.kind];
  return (
    <Alert tone="danger" title={`Broken at #${report.seq}: ${kind.title}`}>
      <p>
        {kind.meaning} Events before #{report.seq} verified; nothing from here on can be trusted until this is explained.
      </p>
      <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1">
        <dt className="font-medium">{kind.expected}</dt>
        <dd>
          <code className="font-mono text-xs break-all">{report.expected === null ? "nothing" : String(report.expected)}</code>
        </dd>
        <dt className="font-medium">{kind.found}</dt>
        <dd>
          <code className="font-mono text-xs break-all">{report.found === null ? "nothing" : String(report.found)}</code>
        </dd>
      </dl>
      <Button variant="secondary" size="sm" className="mt-3" onClick={() => onOpenEvent(report.seq)}>
        Open event #{report.seq}
      </Button>
    </Alert>
  );
}

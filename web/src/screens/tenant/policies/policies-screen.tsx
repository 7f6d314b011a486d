/**
 * Policies as code (docs/governance.md "Policies as code (Cedar)"): the tenant's Cedar policy set
 * — an editor with validate, dry-run (which recent decisions would change) and save with a
 * message; the version history with diff and rollback; the switch that makes Cedar an additional
 * gate. Everyone reads; owners and admins change (the API enforces it, this only hides buttons).
 */
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useTenant } from "@/components/layout/tenant-context";
import { QueryState } from "@/components/query-state";
import {
  ActionsTh,
  Alert,
  Badge,
  Button,
  CardSection,
  CodeBlock,
  ConfirmDialog,
  Dialog,
  DialogClose,
  DialogContent,
  DialogFooter,
  Field,
  Input,
  PageHeader,
  Table,
  TBody,
  Td,
  Textarea,
  Th,
  THead,
  Tr,
} from "@/components/ui";
import { isApiError } from "@/lib/api";
import { cn } from "@/lib/cn";
import { formatDateTime } from "@/lib/format";
import { membersQuery } from "@/lib/queries";
import { useInvalidateTenant } from "@/lib/use-tenant-invalidate";
import {
  policiesApi,
  policySettingsQuery,
  policyVersionsQuery,
  type PolicyDiff,
  type PolicyDryRun,
  type PolicyIssue,
  type PolicySettings,
  type PolicyVersion,
} from "./policies-api";

type Feedback = { tone: "success" | "danger" | "info"; title: string; issues?: PolicyIssue[] } | null;

export function PoliciesScreen() {
  const { tenantId, can } = useTenant();
  const settings = useQuery(policySettingsQuery(tenantId));
  const versions = useQuery(policyVersionsQuery(tenantId));
  return (
    <>
      <PageHeader
        title="Policies"
        description="Policies as code with Cedar. Native rules always apply; when Cedar is on, your policy set is an additional gate on egress calls and skill tool calls: it can refuse, never grant."
        actions={settings.data && <EnforcementToggle settings={settings.data} canWrite={can("policies:write")} />}
      />
      <div className="space-y-6">
        <QueryState query={settings} loadingLabel="Loading policies…">
          {(s) => (
            <QueryState query={versions} loadingLabel="Loading versions…">
              {(list) => <Editor settings={s} versions={list} canWrite={can("policies:write")} />}
            </QueryState>
          )}
        </QueryState>
        <History versions={versions.data ?? []} canWrite={can("policies:write")} />
        {settings.data && <SchemaCard settings={settings.data} />}
      </div>
    </>
  );
}

function EnforcementToggle({ settings, canWrite }: { settings: PolicySettings; canWrite: boolean }) {
  const { tenantId } = useTenant();
  const invalidate = useInvalidateTenant();
  const badge = settings.enabled ? (
    <Badge tone="success">Cedar on · v{settings.currentVersion}</Badge>
  ) : (
    <Badge tone="neutral">Native policy only</Badge>
  );
  if (!canWrite) return badge;
  return (
    <div className="flex items-center gap-3">
      {badge}
      <ConfirmDialog
        trigger={
          <Button variant={settings.enabled ? "secondary" : "primary"} disabled={!settings.enabled && settings.currentVersion === null}>
            {settings.enabled ? "Turn Cedar off" : "Turn Cedar on"}
          </Button>
        }
        tone={settings.enabled ? "danger" : "primary"}
        title={settings.enabled ? "Turn Cedar off?" : `Enforce policy version ${settings.currentVersion}?`}
        description={
          settings.enabled
            ? "Only native rules will apply. Calls your policy set refuses today will be allowed again where native rules allow them."
            : "Every egress call and skill tool call of this tenant's agents will also need your policy set's permission. Run a dry-run first to see what would change."
        }
        confirmLabel={settings.enabled ? "Turn off" : "Turn on"}
        onConfirm={async () => {
          await policiesApi.setEnabled(tenantId, !settings.enabled);
          await invalidate();
        }}
      />
    </div>
  );
}

function Editor({ settings, versions, canWrite }: { settings: PolicySettings; versions: PolicyVersion[]; canWrite: boolean }) {
  const { tenantId } = useTenant();
  const invalidate = useInvalidateTenant();
  const current = versions[0] ?? null;
  const [text, setText] = useState(current?.text ?? settings.starter);
  const [message, setMessage] = useState("");
  const [feedback, setFeedback] = useState<Feedback>(null);
  const [report, setReport] = useState<PolicyDryRun | null>(null);
  const [busy, setBusy] = useState<"validate" | "dry-run" | "save" | null>(null);
  // A new current text (a save, a rollback) replaces the editor's; the feedback stays.
  const currentText = current?.text ?? settings.starter;
  useEffect(() => setText(currentText), [currentText]);

  const run = async (what: "validate" | "dry-run" | "save", fn: () => Promise<void>) => {
    setBusy(what);
    setFeedback(null);
    try {
      await fn();
    } catch (err) {
      if (isApiError(err, "policy_invalid"))
        setFeedback({ tone: "danger", title: "The policy set is not valid", issues: (err.details.errors as PolicyIssue[]) ?? [] });
      else setFeedback({ tone: "danger", title: isApiError(err) ? err.message : "Something went wrong." });
    } finally {
      setBusy(null);
    }
  };

  return (
    <CardSection
      title={current ? `Policy set (editing from v${current.version})` : "Policy set (not saved yet)"}
      description="Cedar denies unless a policy permits: keep a permit and add forbids. Validate checks the set against the schema below."
    >
      <div className="space-y-4">
        <Field label="Cedar policies">
          <Textarea
            value={text}
            onChange={(e) => setText(e.target.value)}
            rows={14}
            spellCheck={false}
            readOnly={!canWrite}
            className="font-mono text-[13px]"
          />
        </Field>
        {feedback && (
          <Alert tone={feedback.tone} title={feedback.title}>
            {feedback.issues && feedback.issues.length > 0 && (
              <ul className="list-disc space-y-1 pl-5">
                {feedback.issues.map((i, n) => (
                  <li key={`${n}-${i.message}`}>
                    {i.policyId && <span className="font-mono">{i.policyId}: </span>}
                    {i.message}
                    {i.help && <span className="text-zinc-700"> — {i.help}</span>}
                  </li>
                ))}
              </ul>
            )}
          </Alert>
        )}
        <div className="flex flex-wrap items-end gap-3">
          <Button
            variant="secondary"
            disabled={busy !== null}
            onClick={() =>
              run("validate", async () => {
                const res = await policiesApi.validate(tenantId, text);
                setFeedback({ tone: "success", title: `Valid: ${res.policies} ${res.policies === 1 ? "policy" : "policies"}.` });
              })
            }
          >
            {busy === "validate" ? "Validating…" : "Validate"}
          </Button>
          {canWrite && (
            <>
              <Button
                variant="secondary"
                disabled={busy !== null}
                onClick={() => run("dry-run", async () => setReport(await policiesApi.dryRun(tenantId, text, 200)))}
              >
                {busy === "dry-run" ? "Replaying…" : "Dry-run (last 200 events)"}
              </Button>
              <Field label="Change message" className="min-w-64 flex-1 space-y-1.5">
                <Input value={message} onChange={(e) => setMessage(e.target.value)} placeholder="Why this change" maxLength={500} />
              </Field>
              <Button
                disabled={busy !== null || message.trim() === ""}
                onClick={() =>
                  run("save", async () => {
                    const res = await policiesApi.save(tenantId, text, message.trim(), current?.version ?? 0);
                    setMessage("");
                    setFeedback({
                      tone: "success",
                      title: `Saved as version ${res.version.version}.${settings.enabled ? " It is enforced now." : ""}`,
                    });
                    await invalidate();
                  })
                }
              >
                {busy === "save" ? "Saving…" : "Save version"}
              </Button>
            </>
          )}
        </div>
        {report && <DryRunReport report={report} />}
      </div>
    </CardSection>
  );
}

function DryRunReport({ report }: { report: PolicyDryRun }) {
  return (
    <section aria-label="Dry-run report" className="space-y-3 rounded-md bg-zinc-50 p-4 ring-1 ring-zinc-200">
      <h3 className="text-sm font-semibold text-zinc-900">Dry-run report</h3>
      <p className="text-sm text-zinc-700">
        Read {report.eventsRead} audit events; {report.replayed} {report.replayed === 1 ? "was a decision" : "were decisions"} Cedar takes
        part in ({report.nativeDenied} refused by native rules, which Cedar cannot change).{" "}
        <strong>
          {report.allowToDeny} would be denied, {report.denyToAllow} would be allowed
        </strong>
        ; {report.unchanged} unchanged.
      </p>
      {report.changed.length > 0 && (
        <Table caption="Decisions that would change">
          <THead>
            <Tr>
              <Th>Change</Th>
              <Th>Call</Th>
              <Th>Agent</Th>
              <Th>When</Th>
              <Th>Decided by</Th>
            </Tr>
          </THead>
          <TBody>
            {report.changed.map((c) => (
              <Tr key={c.seq}>
                <Td>
                  <Badge tone={c.to === "deny" ? "danger" : "success"} className="whitespace-nowrap">
                    {c.from} → {c.to}
                  </Badge>
                </Td>
                <Td className="font-mono text-xs break-all">{c.summary}</Td>
                <Td className="font-mono text-xs break-all">{c.agentId}</Td>
                <Td className="whitespace-nowrap text-zinc-700">{formatDateTime(c.at)}</Td>
                <Td className="font-mono text-xs">{c.policies.join(", ") || "no permit"}</Td>
              </Tr>
            ))}
          </TBody>
        </Table>
      )}
    </section>
  );
}

function History({ versions, canWrite }: { versions: PolicyVersion[]; canWrite: boolean }) {
  const { tenantId } = useTenant();
  const members = useQuery(membersQuery(tenantId));
  const invalidate = useInvalidateTenant();
  const [diff, setDiff] = useState<PolicyDiff | null>(null);
  const who = new Map((members.data ?? []).map((m) => [m.userId, m.name]));
  const latest = versions[0]?.version;
  return (
    <CardSection
      title="Version history"
      description="Newest first. Every save is a version; a rollback saves an old version's text as a new one."
    >
      {versions.length === 0 ? (
        <p className="text-sm text-zinc-700">No versions yet. Save the editor's policy set to create version 1.</p>
      ) : (
        <Table caption="Policy versions">
          <THead>
            <Tr>
              <Th>Version</Th>
              <Th>Message</Th>
              <Th>By</Th>
              <Th>When</Th>
              <ActionsTh />
            </Tr>
          </THead>
          <TBody>
            {versions.map((v) => (
              <Tr key={v.version}>
                <Td className="whitespace-nowrap font-medium">
                  v{v.version} {v.version === latest && <Badge tone="success">Current</Badge>}
                </Td>
                <Td className="text-zinc-700">{v.message}</Td>
                <Td className="text-zinc-700">{v.createdBy ? (who.get(v.createdBy) ?? "A former member") : "API key"}</Td>
                <Td className="whitespace-nowrap text-zinc-700">{formatDateTime(v.createdAt)}</Td>
                <Td className="text-right whitespace-nowrap">
                  <div className="flex justify-end gap-1">
                    {v.version > 1 && (
                      <Button
                        variant="ghost"
                        size="sm"
                        aria-label={`Diff version ${v.version} with version ${v.version - 1}`}
                        onClick={async () => setDiff(await policiesApi.diff(tenantId, v.version - 1, v.version))}
                      >
                        Diff
                      </Button>
                    )}
                    {canWrite && v.version !== latest && (
                      <ConfirmDialog
                        trigger={
                          <Button variant="ghost" size="sm" aria-label={`Roll back to version ${v.version}`}>
                            Roll back
                          </Button>
                        }
                        title={`Roll back to version ${v.version}?`}
                        description={`Version ${v.version}'s text is saved as version ${(latest ?? 0) + 1} and, if Cedar is on, enforced at once. History is kept.`}
                        confirmLabel="Roll back"
                        onConfirm={async () => {
                          await policiesApi.rollback(tenantId, v.version);
                          await invalidate();
                        }}
                      />
                    )}
                  </div>
                </Td>
              </Tr>
            ))}
          </TBody>
        </Table>
      )}
      <Dialog open={diff !== null} onOpenChange={(o) => !o && setDiff(null)}>
        <DialogContent title={diff ? `Version ${diff.from} → version ${diff.to}` : "Diff"} className="max-w-3xl">
          {diff && <DiffView diff={diff} />}
          <DialogFooter>
            <DialogClose asChild>
              <Button variant="secondary">Close</Button>
            </DialogClose>
          </DialogFooter>
        </DialogContent>
      </Dialog>
    </CardSection>
  );
}

function DiffView({ diff }: { diff: PolicyDiff }) {
  return (
    <div className="space-y-2">
      <p className="text-sm text-zinc-700">
        {diff.added} {diff.added === 1 ? "line" : "lines"} added, {diff.removed} removed.
      </p>
      {/* Focusable: a keyboard can scroll a long diff. */}
      <pre
        tabIndex={0}
        aria-label="Line diff"
        className="max-h-96 overflow-auto rounded-md bg-white p-3 font-mono text-[13px] ring-1 ring-zinc-200"
      >
        {diff.lines.map((l, n) => (
          <div
            // biome-ignore lint/suspicious/noArrayIndexKey: a diff's lines have no identity but their position
            key={n}
            className={cn(
              "whitespace-pre-wrap break-all",
              l.op === "add" ? "bg-green-50 text-green-900" : l.op === "remove" ? "bg-red-50 text-red-900" : "text-zinc-700",
            )}
          >
            {l.op === "add" ? "+ " : l.op === "remove" ? "- " : "  "}
            {l.text}
          </div>
        ))}
      </pre>
    </div>
  );
}

function SchemaCard({ settings }: { settings: PolicySettings }) {
  return (
    <CardSection
      title="Schema"
      description="Entity types and actions your policies are validated against. Actions marked “not enforced yet” validate but no decision point asks Cedar about them today."
    >
      <div className="space-y-3">
        <ul className="flex flex-wrap gap-2" aria-label="Actions">
          {settings.actions.map((a) => (
            <li key={a.action}>
              <Badge tone={a.enforced ? "accent" : "neutral"}>
                {a.action} {a.enforced ? "· enforced" : "· not enforced yet"}
              </Badge>
            </li>
          ))}
        </ul>
        <CodeBlock code={settings.schema} label="Cedar schema" />
      </div>
    </CardSection>
  );
}

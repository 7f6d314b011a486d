import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Plus, SlidersHorizontal } from "lucide-react";
import { useState } from "react";
import { ALERT_RULE_TEMPLATES } from "@shared/alerts/templates";
import { useTenant } from "@/components/layout/tenant-context";
import { QueryState } from "@/components/query-state";
import { ActionsTh, Alert, Badge, Button, CardSection, ConfirmDialog, PageHeader, Table, TBody, Td, Th, THead, Tr } from "@/components/ui";
import { describeError } from "@/lib/forms";
import { SeverityBadge } from "../audit/audit-badges";
import { alertKeys, alertRulesQuery, alertsApi, webhooksQuery, type AlertRule } from "./alerts-api";
import { AlertsSectionNav } from "./alerts-section-nav";
import { RuleDialog, type RuleDraft } from "./rule-dialog";
import { WebhooksCard } from "./webhooks-card";

/** "every event", "10 events within 5 min". */
export function describeTrigger(rule: Pick<AlertRule, "threshold" | "windowSeconds">): string {
  if (rule.threshold === 1) return "Every matching event";
  const s = rule.windowSeconds;
  const window = s % 3600 === 0 ? `${s / 3600} h` : s % 60 === 0 ? `${s / 60} min` : `${s} s`;
  return `${rule.threshold} events within ${window}`;
}

/** /t/$tenantId/alerts/rules: what fires alerts, and where they are sent. */
export function AlertRulesScreen() {
  const { tenantId, can } = useTenant();
  const rules = useQuery(alertRulesQuery(tenantId));
  const writable = can("alerts:write");
  const webhooks = useQuery({ ...webhooksQuery(tenantId), enabled: writable });
  const [draft, setDraft] = useState<RuleDraft | null>(null);
  // Templates lead while there are no rules; once there are, the rules do.
  const hasRules = (rules.data?.length ?? 0) > 0;
  const templates = <Templates onUse={(t) => setDraft({ template: t.rule, title: t.title, description: t.description })} />;
  const newRule = writable ? (
    <Button onClick={() => setDraft({ blank: true })}>
      <Plus className="size-4" aria-hidden="true" /> New rule
    </Button>
  ) : undefined;

  return (
    <>
      <PageHeader
        title="Alert rules"
        description="Rules watch the audit log as events are written. When one matches often enough, it fires an alert in the inbox and to its webhooks."
        actions={newRule}
      />
      <AlertsSectionNav />
      {!writable && (
        <Alert tone="info" className="mb-4">
          Only owners and admins create and change alert rules and webhooks.
        </Alert>
      )}
      <div className="space-y-6">
        {writable && !hasRules && templates}
        <section aria-labelledby="rules-heading">
          <h2 id="rules-heading" className="mb-3 text-base font-semibold text-zinc-900">
            Your rules
          </h2>
          <QueryState
            query={rules}
            loadingLabel="Loading rules…"
            empty={{
              title: "No alert rules yet",
              description: writable ? "Start from a template above, or create your own." : "An owner or admin can add rules.",
              icon: <SlidersHorizontal className="size-8" />,
            }}
          >
            {(list) => <RulesTable rules={list} webhookCount={webhooks.data?.length} onEdit={(rule) => setDraft({ rule })} />}
          </QueryState>
        </section>
        {writable && hasRules && templates}
        {writable && <WebhooksCard webhooks={webhooks} />}
      </div>
      <RuleDialog draft={draft} webhooks={webhooks.data ?? []} onClose={() => setDraft(null)} />
    </>
  );
}

function Templates({ onUse }: { onUse: (t: (typeof ALERT_RULE_TEMPLATES)[number]) => void }) {
  return (
    <CardSection title="Start from a template" description="Common rules, ready to adjust before you save them.">
      <ul className="grid gap-3 sm:grid-cols-2 xl:grid-cols-3">
        {ALERT_RULE_TEMPLATES.map((t) => (
          <li key={t.id} className="flex flex-col rounded-md p-3 ring-1 ring-zinc-200">
            <h3 className="text-sm font-semibold text-zinc-900">{t.title}</h3>
            <p className="mt-1 flex-1 text-xs text-zinc-600">{t.description}</p>
            <div className="mt-3">
              <Button variant="secondary" size="sm" onClick={() => onUse(t)} aria-label={`Use template: ${t.title}`}>
                Use template
              </Button>
            </div>
          </li>
        ))}
      </ul>
    </CardSection>
  );
}

function RulesTable({
  rules,
  webhookCount,
  onEdit,
}: {
  rules: AlertRule[];
  webhookCount: number | undefined;
  onEdit: (rule: AlertRule) => void;
}) {
  const { tenantId, can } = useTenant();
  const queryClient = useQueryClient();
  const writable = can("alerts:write");
  const refresh = () => queryClient.invalidateQueries({ queryKey: alertKeys.rules(tenantId) });
  const setEnabled = useMutation({
    mutationFn: ({ rule, enabled }: { rule: AlertRule; enabled: boolean }) => alertsApi.updateRule(tenantId, rule.id, { enabled }),
    // Refused or not, the switch shows what the server has.
    onSettled: () => refresh(),
  });
  return (
    <>
      {setEnabled.isError && (
        <Alert tone="danger" className="mb-3">
          {describeError(setEnabled.error)}
        </Alert>
      )}
      <Table caption="Alert rules">
        <THead>
          <Tr>
            <Th>Rule</Th>
            <Th>Matches</Th>
            <Th>Fires on</Th>
            <Th>Severity</Th>
            <Th>Webhooks</Th>
            <Th>Status</Th>
            {writable && <ActionsTh />}
          </Tr>
        </THead>
        <TBody>
          {rules.map((r) => (
            <Tr key={r.id}>
              <Td>
                <p className="font-medium">{r.name}</p>
                {r.description && <p className="max-w-xs text-xs text-zinc-600">{r.description}</p>}
              </Td>
              <Td>
                <code className="font-mono text-xs">{r.match.action}</code>
                {r.match.outcome && <p className="text-xs text-zinc-600">outcome: {r.match.outcome}</p>}
                {r.match.severity && <p className="text-xs text-zinc-600">severity: {r.match.severity}</p>}
                {r.match.actor && (
                  <p className="text-xs text-zinc-600">actor: {[r.match.actor.type, r.match.actor.id].filter(Boolean).join(" ")}</p>
                )}
              </Td>
              <Td className="text-zinc-700">{describeTrigger(r)}</Td>
              <Td>
                <SeverityBadge severity={r.severity} />
              </Td>
              <Td className="text-zinc-700">
                {r.webhookIds.length === 0
                  ? "Dashboard only"
                  : `${r.webhookIds.length}${webhookCount !== undefined ? ` of ${webhookCount}` : ""}`}
              </Td>
              <Td>
                {writable ? (
                  <span className="inline-flex items-center">
                    <button
                      type="button"
                      role="switch"
                      aria-checked={r.enabled}
                      aria-label={`Rule ${r.name} enabled`}
                      onClick={() => setEnabled.mutate({ rule: r, enabled: !r.enabled })}
                      className={`relative inline-flex h-6 w-11 shrink-0 items-center rounded-full transition-colors ${r.enabled ? "bg-indigo-600" : "bg-zinc-300"}`}
                    >
                      <span
                        className={`inline-block size-5 rounded-full bg-white shadow transition-transform ${r.enabled ? "translate-x-5.5" : "translate-x-0.5"}`}
                        aria-hidden="true"
                      />
                    </button>
                    <span className="ml-2 text-xs text-zinc-700" aria-hidden="true">
                      {r.enabled ? "On" : "Off"}
                    </span>
                  </span>
                ) : (
                  <Badge tone={r.enabled ? "success" : "neutral"}>{r.enabled ? "Enabled" : "Disabled"}</Badge>
                )}
              </Td>
              {writable && (
                <Td className="text-right whitespace-nowrap">
                  <Button variant="ghost" size="sm" onClick={() => onEdit(r)} aria-label={`Edit rule ${r.name}`}>
                    Edit
                  </Button>
                  <ConfirmDialog
                    trigger={
                      <Button variant="ghost" size="sm" aria-label={`Delete rule ${r.name}`}>
                        Delete
                      </Button>
                    }
                    title={`Delete the rule “${r.name}”?`}
                    description="It stops firing at once. Alerts it already fired stay in the inbox."
                    confirmLabel="Delete rule"
                    onConfirm={async () => {
                      await alertsApi.deleteRule(tenantId, r.id);
                      await refresh();
                    }}
                  />
                </Td>
              )}
            </Tr>
          ))}
        </TBody>
      </Table>
    </>
  );
}

/**
 * Guardrails (docs/governance.md "Dashboard: the Guardrails screen"): the tenant's guardrail policy
 * as it stands (severities → action, pack and rule overrides, from the tenant config the dashboard
 * already loads) and a "Test a command" box that asks the API what that policy decides for a
 * command line, SQL or an HTTP call at a chosen trust level. Every member may look and test; the
 * policy is changed in the tenant config (versioned: Settings → configuration history).
 */
import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState, type FormEvent } from "react";
import { DEFAULT_GUARDRAIL_POLICY, type GuardrailAction } from "@shared/guardrails/policy";
import { PACKS, type Pack } from "@shared/guardrails/registry";
import { useTenant } from "@/components/layout/tenant-context";
import { QueryState } from "@/components/query-state";
import { trustHint, TrustLevelSelect } from "@/components/trust-level-select";
import {
  Alert,
  Badge,
  Button,
  CardSection,
  Field,
  Input,
  PageHeader,
  Select,
  Table,
  TBody,
  Td,
  Textarea,
  Th,
  THead,
  Tr,
  type BadgeTone,
} from "@/components/ui";
import { isApiError } from "@/lib/api";
import { tenantQuery } from "@/lib/queries";
import { testGuardrails, type GuardrailPolicy, type TenantGuardrailCheck } from "./guardrails-api";

const ACTION_LABEL: Record<GuardrailAction, string> = {
  block: "Block",
  require_approval: "Require approval",
  log: "Log",
  allow: "Allow",
};
const ACTION_TONE: Record<GuardrailAction, BadgeTone> = { block: "danger", require_approval: "warning", log: "info", allow: "success" };

function ActionBadge({ action }: { action: GuardrailAction }) {
  return <Badge tone={ACTION_TONE[action]}>{ACTION_LABEL[action]}</Badge>;
}

export function GuardrailsScreen() {
  const { tenantId } = useTenant();
  const tenant = useQuery(tenantQuery(tenantId));
  return (
    <>
      <PageHeader
        title="Guardrails"
        description="What your agents may not do without a person: every command, SQL statement and HTTP call they check is matched against destructive-operation rules, and this policy says what happens."
      />
      <QueryState query={tenant} loadingLabel="Loading the guardrail policy…">
        {(t) => (
          <div className="space-y-6">
            <TestCommand />
            <PolicyCard
              policy={t.config.guardrails ?? DEFAULT_GUARDRAIL_POLICY}
              custom={t.config.guardrails !== undefined}
              version={t.configVersion}
            />
          </div>
        )}
      </QueryState>
    </>
  );
}

function PolicyCard({ policy, custom, version }: { policy: GuardrailPolicy; custom: boolean; version: number }) {
  const { tenantId } = useTenant();
  const packs = Object.entries(policy.packs) as Array<[Pack, GuardrailAction]>;
  const rules = Object.entries(policy.rules) as Array<[string, GuardrailAction]>;
  return (
    <CardSection
      title="Current policy"
      description={
        <>
          {custom ? `Set in the tenant config (version ${version}).` : "The default policy: this tenant has not set its own."} A rule
          override wins over its pack's, a pack's over the severity's; the most severe finding decides. Trust levels 3–4 turn “Require
          approval” into “Log”; “Block” applies to every level.
        </>
      }
      actions={
        <Link to="/t/$tenantId/settings" params={{ tenantId }} className="text-sm font-medium text-indigo-700 hover:underline">
          Change it: configuration history
        </Link>
      }
    >
      <div className="grid gap-6 md:grid-cols-3">
        <div>
          <h3 className="mb-2 text-sm font-semibold text-zinc-900">By severity</h3>
          <dl className="space-y-2 text-sm">
            {(["critical", "high", "medium"] as const).map((s) => (
              <div key={s} className="flex items-center justify-between gap-3">
                <dt className="capitalize text-zinc-700">{s}</dt>
                <dd>
                  <ActionBadge action={policy.severities[s]} />
                </dd>
              </div>
            ))}
          </dl>
        </div>
        <Overrides title="Pack overrides" empty="No pack overrides." rows={packs.map(([p, a]) => ({ id: p, hint: PACKS[p], action: a }))} />
        <Overrides title="Rule overrides" empty="No rule overrides." rows={rules.map(([r, a]) => ({ id: r, action: a }))} />
      </div>
      <p className="mt-4 text-xs text-zinc-600">
        The policy is <code>config.guardrails</code> of the tenant: change it with <code>PATCH /v1/tenants/{"{tenantId}"}</code> (owners and
        admins); every change is a new configuration version you can compare and roll back in Settings.
      </p>
    </CardSection>
  );
}

function Overrides({
  title,
  empty,
  rows,
}: {
  title: string;
  empty: string;
  rows: Array<{ id: string; hint?: string; action: GuardrailAction }>;
}) {
  return (
    <div>
      <h3 className="mb-2 text-sm font-semibold text-zinc-900">{title}</h3>
      {rows.length === 0 ? (
        <p className="text-sm text-zinc-600">{empty}</p>
      ) : (
        <dl className="space-y-2 text-sm">
          {rows.map((r) => (
            <div key={r.id} className="flex items-center justify-between gap-3" title={r.hint}>
              <dt className="font-mono text-xs text-zinc-800">{r.id}</dt>
              <dd>
                <ActionBadge action={r.action} />
              </dd>
            </div>
          ))}
        </dl>
      )}
    </div>
  );
}

type Kind = "command" | "sql" | "http";
const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

function TestCommand() {
  const { tenantId } = useTenant();
  const [kind, setKind] = useState<Kind>("command");
  const [content, setContent] = useState("");
  const [method, setMethod] = useState<(typeof HTTP_METHODS)[number]>("DELETE");
  const [url, setUrl] = useState("");
  const [trust, setTrust] = useState("2");
  const [result, setResult] = useState<TenantGuardrailCheck | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const input =
        kind === "http"
          ? { action: `http.${method.toLowerCase()}`, resource: url, ...(content ? { content } : {}) }
          : { action: kind === "sql" ? "sql" : "shell.exec", content };
      setResult(await testGuardrails(tenantId, { ...input, trustLevel: Number(trust) }));
    } catch (err) {
      setResult(null);
      setError(isApiError(err) ? err.message : "The check failed. Try again.");
    } finally {
      setBusy(false);
    }
  };
  const empty = kind === "http" ? url.trim() === "" : content.trim() === "";

  return (
    <CardSection
      title="Test a command"
      description="Ask what the current policy decides, as an agent at the trust level you choose would hear it. Nothing runs and nothing is recorded in the audit log."
    >
      <form onSubmit={submit} className="space-y-4" aria-label="Test a command">
        <div className="grid gap-4 md:grid-cols-3">
          <Field label="What">
            <Select value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
              <option value="command">A command line</option>
              <option value="sql">SQL</option>
              <option value="http">An HTTP call</option>
            </Select>
          </Field>
          <Field label="Trust level" hint={trustHint(trust)} className="space-y-1.5 md:col-span-2">
            <TrustLevelSelect value={trust} onChange={(e) => setTrust(e.target.value)} />
          </Field>
        </div>
        {kind === "http" && (
          <div className="grid gap-4 md:grid-cols-4">
            <Field label="Method">
              <Select value={method} onChange={(e) => setMethod(e.target.value as (typeof HTTP_METHODS)[number])}>
                {HTTP_METHODS.map((m) => (
                  <option key={m}>{m}</option>
                ))}
              </Select>
            </Field>
            <Field label="URL" className="space-y-1.5 md:col-span-3">
              <Input value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://api.example.com/v1/users/42" />
            </Field>
          </div>
        )}
        <Field label={kind === "command" ? "Command" : kind === "sql" ? "SQL" : "Body (optional)"}>
          <Textarea
            value={content}
            onChange={(e) => setContent(e.target.value)}
            rows={3}
            className="font-mono text-sm"
            placeholder={kind === "command" ? "sudo rm -rf /" : kind === "sql" ? "DELETE FROM orders" : '{"confirm": true}'}
          />
        </Field>
        <Button type="submit" disabled={busy || empty}>
          {busy ? "Checking…" : "Check"}
        </Button>
      </form>
      {error && (
        <Alert tone="danger" title="Could not check" className="mt-4">
          {error}
        </Alert>
      )}
      {result && <Verdict result={result} />}
    </CardSection>
  );
}

const DECISION_TEXT: Record<GuardrailAction, string> = {
  block: "Blocked: the agent would be refused.",
  require_approval: "Requires approval: a person must approve it first.",
  log: "Allowed and logged.",
  allow: "Allowed: no guardrail rule matched.",
};
const DECISION_TONE = { block: "danger", require_approval: "warning", log: "info", allow: "success" } as const;

function Verdict({ result }: { result: TenantGuardrailCheck }) {
  const { verdict, trustLevel } = result;
  return (
    <section aria-label="Decision" className="mt-4 space-y-3">
      <Alert tone={DECISION_TONE[verdict.decision]} title={DECISION_TEXT[verdict.decision]}>
        At trust level {trustLevel}.{verdict.trustAdjusted && " The trust level turned “Require approval” into “Log”."}
        {verdict.findings.length === 0 &&
          verdict.reasons[0] &&
          verdict.decision === "allow" &&
          verdict.reasons[0].startsWith("Nothing") &&
          ` ${verdict.reasons[0]}`}
      </Alert>
      {verdict.findings.length > 0 && (
        <Table>
          <THead>
            <Tr>
              <Th>Rule</Th>
              <Th>Pack</Th>
              <Th>Severity</Th>
              <Th>Policy says</Th>
              <Th>Why</Th>
            </Tr>
          </THead>
          <TBody>
            {verdict.findings.map((f, i) => (
              <Tr key={`${f.ruleId}-${i}`}>
                <Td className="font-mono text-xs">{f.ruleId}</Td>
                <Td className="font-mono text-xs" title={PACKS[f.pack]}>
                  {f.pack}
                </Td>
                <Td className="capitalize">{f.severity}</Td>
                <Td>
                  <ActionBadge action={f.action} />
                </Td>
                <Td>
                  <p>{f.reason}</p>
                  <p className="mt-1 font-mono text-xs text-zinc-600">{f.match}</p>
                </Td>
              </Tr>
            ))}
          </TBody>
        </Table>
      )}
    </section>
  );
}

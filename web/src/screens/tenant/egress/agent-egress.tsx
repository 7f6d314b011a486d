/**
 * An agent's egress: its mode (mock/live), the rules granted to it (add/remove), what its installed
 * skills and the tenant's deny rules add, a "test a URL" box that shows the proxy's own decision and
 * reason, and its recent egress activity (audit events, refreshed every 5 s).
 */
import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "@tanstack/react-router";
import { useState, type FormEvent } from "react";
import { useTenant } from "@/components/layout/tenant-context";
import { QueryState } from "@/components/query-state";
import {
  ActionsTh,
  Alert,
  Badge,
  Button,
  CardSection,
  ConfirmDialog,
  Field,
  Input,
  PageHeader,
  Select,
  Table,
  TBody,
  Td,
  Th,
  THead,
  Tr,
} from "@/components/ui";
import { isApiError } from "@/lib/api";
import { formatRelative } from "@/lib/format";
import { agentQuery } from "@/lib/queries";
import { useInvalidateTenant } from "@/lib/use-tenant-invalidate";
import { agentEgressQuery, egressActivityQuery, egressApi, type EgressDecision } from "./egress-api";

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

export function AgentEgressScreen() {
  const { agentId } = useParams({ from: "/app/t/$tenantId/agents/$agentId/egress" });
  const { tenantId, can } = useTenant();
  const agent = useQuery(agentQuery(tenantId, agentId));
  const egress = useQuery(agentEgressQuery(tenantId, agentId));
  const invalidate = useInvalidateTenant();
  const writable = can("egress:write");
  const name = agent.data?.name ?? "Agent";

  return (
    <>
      <PageHeader
        title={`${name}: egress`}
        description="Outbound HTTP through the egress proxy. Default deny: the agent reaches only hosts its rules and installed skills allow, minus the tenant's deny rules."
        actions={
          <Link
            to="/t/$tenantId/agents/$agentId"
            params={{ tenantId, agentId }}
            className="text-sm font-medium text-indigo-700 hover:underline"
          >
            Back to the agent
          </Link>
        }
      />
      <QueryState query={egress} loadingLabel="Loading egress policy…">
        {(e) => (
          <div className="space-y-6">
            <CardSection
              title="Mode"
              description={
                e.mode === "live"
                  ? "Live: allowed calls go out for real."
                  : "Mock: nothing leaves; installed skills' declared responses answer. Switching to live is audited."
              }
            >
              <div className="flex flex-wrap items-center gap-3">
                <Badge tone={e.mode === "live" ? "success" : "neutral"}>{e.mode}</Badge>
                <span className="text-sm text-zinc-700">
                  Trust level {e.trustLevel}: {e.methods.length ? e.methods.join(", ") : "no methods without approval"} ·{" "}
                  {e.limits.requestsPerMinute} calls/min · {e.limits.concurrency} in flight
                </span>
                {writable && (
                  <ConfirmDialog
                    trigger={
                      <Button variant={e.mode === "live" ? "secondary" : "primary"} size="sm">
                        {e.mode === "live" ? "Switch to mock" : "Switch to live"}
                      </Button>
                    }
                    title={e.mode === "live" ? `Switch ${name} to mock?` : `Switch ${name} to live?`}
                    description={
                      e.mode === "live"
                        ? "Nothing will leave; declared responses answer."
                        : "Allowed calls will reach the real hosts, with the credentials bound to them."
                    }
                    confirmLabel={e.mode === "live" ? "Switch to mock" : "Go live"}
                    onConfirm={async () => {
                      await egressApi.setMode(tenantId, agentId, e.mode === "live" ? "mock" : "live");
                      await invalidate();
                    }}
                  />
                )}
              </div>
            </CardSection>
            <CardSection
              title="Rules"
              description="Hosts this agent may call. *.example.com matches its subdomains (not example.com itself); https only."
            >
              {e.rules.length === 0 ? (
                <p className="text-sm text-zinc-700">No rules: the agent reaches nothing of its own.</p>
              ) : (
                <Table caption="Egress rules">
                  <THead>
                    <Tr>
                      <Th>Host</Th>
                      <Th>Methods</Th>
                      <Th>Path prefix</Th>
                      <Th>Added</Th>
                      {writable && <ActionsTh />}
                    </Tr>
                  </THead>
                  <TBody>
                    {e.rules.map((r) => (
                      <Tr key={r.id}>
                        <Td className="font-mono text-sm">{r.host}</Td>
                        <Td>{r.methods?.join(", ") ?? "any"}</Td>
                        <Td className="font-mono text-sm">{r.pathPrefix ?? "—"}</Td>
                        <Td>{formatRelative(r.createdAt)}</Td>
                        {writable && (
                          <Td className="text-right">
                            <ConfirmDialog
                              trigger={
                                <Button variant="ghost" size="sm" aria-label={`Remove rule ${r.host}`}>
                                  Remove
                                </Button>
                              }
                              title={`Remove ${r.host}?`}
                              description="The agent's next call to this host is refused."
                              confirmLabel="Remove rule"
                              onConfirm={async () => {
                                await egressApi.removeRule(tenantId, agentId, r.id);
                                await invalidate();
                              }}
                            />
                          </Td>
                        )}
                      </Tr>
                    ))}
                  </TBody>
                </Table>
              )}
              {writable && <AddRuleForm agentId={agentId} />}
              {e.skills.length > 0 && (
                <p className="mt-4 text-sm text-zinc-700">
                  From installed skills:{" "}
                  {e.skills
                    .flatMap((s) => s.network.map((n) => `${n.host}${n.pathPrefix ?? ""} (${s.name}@${s.version}, ${s.mode})`))
                    .join(" · ")}
                </p>
              )}
              {e.denyRules.length > 0 && (
                <p className="mt-2 text-sm text-zinc-700">Tenant deny rules: {e.denyRules.map((r) => r.host).join(", ")}</p>
              )}
            </CardSection>

            <TestUrlCard agentId={agentId} />
            <ActivityCard agentId={agentId} />
          </div>
        )}
      </QueryState>
    </>
  );
}

function AddRuleForm({ agentId }: { agentId: string }) {
  const { tenantId } = useTenant();
  const invalidate = useInvalidateTenant();
  const [host, setHost] = useState("");
  const [method, setMethod] = useState("");
  const [pathPrefix, setPathPrefix] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      await egressApi.addRule(tenantId, agentId, {
        host: host.trim(),
        ...(method ? { methods: [method] } : {}),
        ...(pathPrefix.trim() ? { pathPrefix: pathPrefix.trim() } : {}),
      });
      setHost("");
      setPathPrefix("");
      await invalidate();
    } catch (err) {
      setError(isApiError(err) ? (err.issues[0]?.message ?? err.message) : String(err));
    } finally {
      setPending(false);
    }
  };
  return (
    <form
      onSubmit={submit}
      noValidate
      className="mt-4 grid gap-3 sm:grid-cols-[2fr_1fr_1fr_auto] sm:items-end"
      aria-label="Add an egress rule"
    >
      <Field label="Host" error={error ?? undefined}>
        <Input value={host} onChange={(e) => setHost(e.target.value)} placeholder="api.github.com or *.example.com" autoComplete="off" />
      </Field>
      <Field label="Method">
        <Select value={method} onChange={(e) => setMethod(e.target.value)}>
          <option value="">Any allowed</option>
          {METHODS.map((m) => (
            <option key={m}>{m}</option>
          ))}
        </Select>
      </Field>
      <Field label="Path prefix (optional)">
        <Input value={pathPrefix} onChange={(e) => setPathPrefix(e.target.value)} placeholder="/repos" autoComplete="off" />
      </Field>
      <Button type="submit" pending={pending} disabled={!host.trim()}>
        Add rule
      </Button>
    </form>
  );
}

function TestUrlCard({ agentId }: { agentId: string }) {
  const { tenantId } = useTenant();
  const [url, setUrl] = useState("");
  const [method, setMethod] = useState("GET");
  const [decision, setDecision] = useState<EgressDecision | null>(null);
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      setDecision(await egressApi.test(tenantId, agentId, url.trim(), method));
    } catch (err) {
      setDecision(null);
      setError(isApiError(err) ? err.message : String(err));
    }
  };
  return (
    <CardSection title="Test a URL" description="The proxy's own decision for this agent right now. Nothing is sent.">
      <form onSubmit={submit} noValidate className="grid gap-3 sm:grid-cols-[1fr_8rem_auto] sm:items-end" aria-label="Test a URL">
        <Field label="URL" error={error ?? undefined}>
          <Input
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="https://api.github.com/repos/acme/app"
            autoComplete="off"
          />
        </Field>
        <Field label="Method">
          <Select value={method} onChange={(e) => setMethod(e.target.value)}>
            {METHODS.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </Select>
        </Field>
        <Button type="submit" disabled={!url.trim()}>
          Test
        </Button>
      </form>
      {decision && (
        <div role="status" aria-label="Decision" className="mt-4">
          <Alert tone={decision.decision === "allow" ? "success" : "danger"} title={decision.decision === "allow" ? "Allowed" : "Denied"}>
            <p>
              <code className="font-mono text-xs">{decision.reason}</code> — {decision.message}
            </p>
            {decision.detail && <p className="mt-1 text-xs">{decision.detail}</p>}
            {decision.decision === "allow" && (
              <p className="mt-1 text-xs">
                {decision.mode === "mock" ? "Mock mode: nothing leaves; a declared response answers." : "Live."}{" "}
                {decision.credential
                  ? `${decision.mode === "mock" ? "When live, the credential injected would be" : "Credential injected:"} ${decision.credential.name}.`
                  : "No credential bound to this host."}
              </p>
            )}
          </Alert>
        </div>
      )}
    </CardSection>
  );
}

function ActivityCard({ agentId }: { agentId: string }) {
  const { tenantId } = useTenant();
  const activity = useQuery(egressActivityQuery(tenantId, agentId));
  return (
    <CardSection title="Egress activity" description="The agent's recent calls, from the audit trail (about a second behind).">
      <QueryState
        query={activity}
        loadingLabel="Loading activity…"
        isEmpty={(p) => p.data.length === 0}
        empty={{ title: "No calls yet", description: "Calls the agent makes through the proxy appear here." }}
      >
        {(page) => (
          <Table caption="Egress activity">
            <THead>
              <Tr>
                <Th>When</Th>
                <Th>Decision</Th>
                <Th>Call</Th>
                <Th>Reason</Th>
                <Th>Status</Th>
              </Tr>
            </THead>
            <TBody>
              {page.data.map((entry) => {
                const d = entry.details as Record<string, string | number | null>;
                const allowed = entry.action === "egress.request_allowed";
                return (
                  <Tr key={entry.id}>
                    <Td className="whitespace-nowrap">{formatRelative(new Date(entry.at).toISOString())}</Td>
                    <Td>
                      <Badge tone={allowed ? "success" : "danger"}>{allowed ? "allowed" : "denied"}</Badge>
                    </Td>
                    <Td className="font-mono text-xs">
                      {d.method} {d.scheme}://{d.host}
                      {d.path}
                    </Td>
                    <Td className="font-mono text-xs">{d.reason}</Td>
                    <Td>{d.status ?? "—"}</Td>
                  </Tr>
                );
              })}
            </TBody>
          </Table>
        )}
      </QueryState>
    </CardSection>
  );
}

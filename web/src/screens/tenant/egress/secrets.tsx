/**
 * The secrets vault: create (bound to one host and an injection scheme, scoped to agents or
 * skills), rotate, delete. Values are write-only: they go to the API once and are never shown —
 * the API never returns them.
 */
import { useQuery } from "@tanstack/react-query";
import { KeyRound, Plus } from "lucide-react";
import { useState, type FormEvent } from "react";
import { useTenant } from "@/components/layout/tenant-context";
import { QueryState } from "@/components/query-state";
import {
  ActionsTh,
  Alert,
  Badge,
  Button,
  ConfirmDialog,
  Dialog,
  DialogClose,
  DialogContent,
  DialogFooter,
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
import { formatDate, formatRelative } from "@/lib/format";
import { agentsQuery } from "@/lib/queries";
import { useInvalidateTenant } from "@/lib/use-tenant-invalidate";
import { egressApi, secretsQuery, type Secret } from "./egress-api";

export function SecretsScreen() {
  const { tenantId, can } = useTenant();
  const secrets = useQuery({ ...secretsQuery(tenantId), enabled: can("secrets:read") });
  const agents = useQuery(agentsQuery(tenantId));
  const invalidate = useInvalidateTenant();
  const [creating, setCreating] = useState(false);
  const [rotating, setRotating] = useState<Secret | null>(null);
  const agentName = (id: string) => agents.data?.find((a) => a.id === id)?.name ?? id;
  const create = can("secrets:write") ? (
    <Button onClick={() => setCreating(true)}>
      <Plus className="size-4" aria-hidden="true" /> New secret
    </Button>
  ) : undefined;

  if (!can("secrets:read")) {
    return (
      <>
        <PageHeader title="Secrets" />
        <Alert tone="info">Owners, admins and members see which secrets exist; only owners and admins manage them.</Alert>
      </>
    );
  }
  return (
    <>
      <PageHeader
        title="Secrets"
        description="Credentials the egress proxy injects into agents' calls. Agents never see them: a value is stored encrypted, bound to one host, never shown again, and redacted from responses."
        actions={create}
      />
      <QueryState
        query={secrets}
        loadingLabel="Loading secrets…"
        empty={{
          title: "No secrets",
          description: "Add an API key for a host your agents call; the proxy will inject it.",
          action: create,
          icon: <KeyRound className="size-8" />,
        }}
      >
        {(list) => (
          <Table caption="Secrets">
            <THead>
              <Tr>
                <Th>Name</Th>
                <Th>Bound to</Th>
                <Th>Injected as</Th>
                <Th>Scope</Th>
                <Th>Version</Th>
                <Th>Status</Th>
                {can("secrets:write") && <ActionsTh />}
              </Tr>
            </THead>
            <TBody>
              {list.map((s) => (
                <Tr key={s.id}>
                  <Td className="font-mono text-sm font-medium">{s.name}</Td>
                  <Td className="font-mono text-xs">
                    {s.host}
                    {s.pathPrefix ?? ""}
                    {s.methods ? ` (${s.methods.join(", ")})` : ""}
                  </Td>
                  <Td className="font-mono text-xs">
                    {s.injection.type === "header" ? `${s.injection.name}: ${s.injection.format}` : `?${s.injection.name}=…`}
                  </Td>
                  <Td className="text-sm">
                    {"agents" in s.scope ? s.scope.agents.map(agentName).join(", ") : `skills: ${s.scope.skills.join(", ")}`}
                  </Td>
                  <Td>
                    v{s.currentVersion} <span className="text-xs text-zinc-600">({formatRelative(s.versions[0]?.createdAt)})</span>
                  </Td>
                  <Td>
                    <Badge tone={s.status === "active" ? "success" : "warning"}>{s.status}</Badge>
                    {s.expiresAt && <span className="ml-1 text-xs text-zinc-600">until {formatDate(s.expiresAt)}</span>}
                  </Td>
                  {can("secrets:write") && (
                    <Td className="space-x-1 text-right whitespace-nowrap">
                      <Button variant="ghost" size="sm" onClick={() => setRotating(s)} aria-label={`Rotate ${s.name}`}>
                        Rotate
                      </Button>
                      <ConfirmDialog
                        trigger={
                          <Button variant="ghost" size="sm" aria-label={`Delete ${s.name}`}>
                            Delete
                          </Button>
                        }
                        title={`Delete ${s.name}?`}
                        description="It is never injected again and its stored versions are erased."
                        confirmLabel="Delete secret"
                        onConfirm={async () => {
                          await egressApi.deleteSecret(tenantId, s.id);
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
      </QueryState>
      <CreateSecretDialog open={creating} onOpenChange={setCreating} agents={agents.data ?? []} />
      <RotateSecretDialog secret={rotating} onClose={() => setRotating(null)} />
    </>
  );
}

function CreateSecretDialog({
  open,
  onOpenChange,
  agents,
}: {
  open: boolean;
  onOpenChange: (o: boolean) => void;
  agents: Array<{ id: string; name: string }>;
}) {
  const { tenantId } = useTenant();
  const invalidate = useInvalidateTenant();
  const [form, setForm] = useState({
    name: "",
    value: "",
    host: "",
    pathPrefix: "",
    type: "header",
    header: "authorization",
    format: "Bearer {value}",
    query: "key",
    scopeKind: "agents",
    agentId: "",
    skills: "",
  });
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      await egressApi.createSecret(tenantId, {
        name: form.name.trim(),
        value: form.value,
        host: form.host.trim(),
        ...(form.pathPrefix.trim() ? { pathPrefix: form.pathPrefix.trim() } : {}),
        injection:
          form.type === "header"
            ? { type: "header", name: form.header.trim(), format: form.format }
            : { type: "query", name: form.query.trim() },
        scope:
          form.scopeKind === "agents"
            ? { agents: [form.agentId || agents[0]?.id].filter(Boolean) }
            : {
                skills: form.skills
                  .split(",")
                  .map((s) => s.trim())
                  .filter(Boolean),
              },
      });
      await invalidate();
      setForm({ ...form, name: "", value: "", host: "", pathPrefix: "" });
      onOpenChange(false);
    } catch (err) {
      setError(isApiError(err) ? [err.message, ...err.issues.map((i) => `${i.path}: ${i.message}`)].join(" ") : String(err));
    } finally {
      setPending(false);
    }
  };
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent title="New secret" className="max-w-2xl">
        <form onSubmit={submit} noValidate className="space-y-4" aria-label="New secret">
          {error && <Alert tone="danger">{error}</Alert>}
          <div className="grid gap-3 sm:grid-cols-2">
            <Field label="Name" hint="UPPER_SNAKE_CASE; skills declare secrets by this name.">
              <Input value={form.name} onChange={set("name")} placeholder="GITHUB_TOKEN" autoComplete="off" />
            </Field>
            <Field label="Value" hint="Write-only: never shown again.">
              <Input type="password" value={form.value} onChange={set("value")} autoComplete="new-password" />
            </Field>
            <Field label="Host" hint="One exact host: the only place it is sent.">
              <Input value={form.host} onChange={set("host")} placeholder="api.github.com" autoComplete="off" />
            </Field>
            <Field label="Path prefix (optional)">
              <Input value={form.pathPrefix} onChange={set("pathPrefix")} placeholder="/repos" autoComplete="off" />
            </Field>
            <Field label="Injected as">
              <Select value={form.type} onChange={set("type")}>
                <option value="header">Header</option>
                <option value="query">Query parameter</option>
              </Select>
            </Field>
            {form.type === "header" ? (
              <div className="grid grid-cols-2 gap-2">
                <Field label="Header">
                  <Input value={form.header} onChange={set("header")} autoComplete="off" />
                </Field>
                <Field label="Format">
                  <Input value={form.format} onChange={set("format")} autoComplete="off" />
                </Field>
              </div>
            ) : (
              <Field label="Parameter">
                <Input value={form.query} onChange={set("query")} autoComplete="off" />
              </Field>
            )}
            <Field label="Scope">
              <Select value={form.scopeKind} onChange={set("scopeKind")}>
                <option value="agents">An agent</option>
                <option value="skills">Skills</option>
              </Select>
            </Field>
            {form.scopeKind === "agents" ? (
              <Field label="Agent">
                <Select value={form.agentId || agents[0]?.id || ""} onChange={set("agentId")}>
                  {agents.map((a) => (
                    <option key={a.id} value={a.id}>
                      {a.name}
                    </option>
                  ))}
                </Select>
              </Field>
            ) : (
              <Field label="Skills" hint="Comma-separated; each must declare this name in its manifest env.">
                <Input value={form.skills} onChange={set("skills")} placeholder="github" autoComplete="off" />
              </Field>
            )}
          </div>
          <DialogFooter>
            <DialogClose asChild>
              <Button variant="secondary">Cancel</Button>
            </DialogClose>
            <Button type="submit" pending={pending}>
              Store secret
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

function RotateSecretDialog({ secret, onClose }: { secret: Secret | null; onClose: () => void }) {
  const { tenantId } = useTenant();
  const invalidate = useInvalidateTenant();
  const [value, setValue] = useState("");
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!secret) return;
    setError(null);
    try {
      await egressApi.rotateSecret(tenantId, secret.id, value);
      setValue("");
      await invalidate();
      onClose();
    } catch (err) {
      setError(isApiError(err) ? (err.issues[0]?.message ?? err.message) : String(err));
    }
  };
  return (
    <Dialog open={secret !== null} onOpenChange={(o) => !o && onClose()}>
      <DialogContent title={`Rotate ${secret?.name ?? ""}`}>
        <form onSubmit={submit} noValidate className="space-y-4">
          <Field
            label="New value"
            error={error ?? undefined}
            hint={`Becomes v${(secret?.currentVersion ?? 0) + 1}; the proxy uses it from the next call.`}
          >
            <Input type="password" value={value} onChange={(e) => setValue(e.target.value)} autoComplete="new-password" />
          </Field>
          <DialogFooter>
            <DialogClose asChild>
              <Button variant="secondary">Cancel</Button>
            </DialogClose>
            <Button type="submit" disabled={value.length === 0}>
              Rotate
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

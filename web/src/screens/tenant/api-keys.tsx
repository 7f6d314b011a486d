import { useQuery } from "@tanstack/react-query";
import { KeyRound, Plus } from "lucide-react";
import { useSearch } from "@tanstack/react-router";
import { useState } from "react";
import { Controller } from "react-hook-form";
import type { Permission } from "@shared/auth/permissions";
import { CreateApiKeyInputSchema } from "@shared/schemas/api-keys";
import { CheckboxGroup } from "@/components/checkbox-group";
import { useTenant } from "@/components/layout/tenant-context";
import { QueryState } from "@/components/query-state";
import { apiKeyState, ApiKeyStateBadge } from "@/components/status-badges";
import {
  ActionsTh,
  Alert,
  Badge,
  Button,
  Checkbox,
  ConfirmDialog,
  Dialog,
  DialogClose,
  DialogContent,
  DialogFooter,
  Field,
  FieldSet,
  FormAlert,
  Input,
  Label,
  PageHeader,
  SecretReveal,
  Table,
  TBody,
  Td,
  Th,
  THead,
  Tr,
} from "@/components/ui";
import { api } from "@/lib/api";
import { formatDate, formatRelative } from "@/lib/format";
import { useFormMutation, useSchemaForm } from "@/lib/forms";
import { permissionsOf } from "@/lib/permissions";
import { apiKeysQuery, projectsQuery, tenantPath } from "@/lib/queries";
import type { CreatedApiKey } from "@/lib/types";
import { useInvalidateTenant } from "@/lib/use-tenant-invalidate";

export function ApiKeysScreen() {
  const { tenantId, can } = useTenant();
  // The tenant-wide project selector's choice (tenant-layout.tsx): the keys that work in that project.
  const { project } = useSearch({ from: "/app/t/$tenantId" });
  const keys = useQuery({ ...apiKeysQuery(tenantId, project), enabled: can("api_keys:read") });
  const projects = useQuery(projectsQuery(tenantId));
  const projectName = new Map((projects.data ?? []).map((p) => [p.id, p.name]));
  const invalidate = useInvalidateTenant();
  const [creating, setCreating] = useState(false);
  const createButton = can("api_keys:write") ? (
    <Button onClick={() => setCreating(true)}>
      <Plus className="size-4" aria-hidden="true" /> New API key
    </Button>
  ) : undefined;

  if (!can("api_keys:read")) {
    return (
      <>
        <PageHeader title="API keys" />
        <Alert tone="info">Only owners and admins manage API keys.</Alert>
      </>
    );
  }

  return (
    <>
      <PageHeader
        title="API keys"
        description="Keys for automation: each is scoped to this tenant and carries only the permissions you choose. Send it as Authorization: Bearer <key>."
        actions={createButton}
      />
      <QueryState
        query={keys}
        loadingLabel="Loading API keys…"
        empty={{
          title: "No API keys",
          description: "Create a key for scripts and CI. You will see it once.",
          action: createButton,
          icon: <KeyRound className="size-8" />,
        }}
      >
        {(list) => (
          <Table caption="API keys">
            <THead>
              <Tr>
                <Th>Name</Th>
                <Th>Key</Th>
                <Th>Scopes</Th>
                <Th>Project</Th>
                <Th>Status</Th>
                <Th>Expires</Th>
                <Th>Last used</Th>
                {can("api_keys:write") && <ActionsTh />}
              </Tr>
            </THead>
            <TBody>
              {[...list].reverse().map((k) => {
                const state = apiKeyState(k);
                return (
                  <Tr key={k.id}>
                    <Td className="font-medium">{k.name}</Td>
                    <Td>
                      <code className="font-mono text-xs">{k.prefix}…</code>
                    </Td>
                    <Td>
                      <span className="flex max-w-xs flex-wrap gap-1">
                        {k.scopes.map((s) => (
                          <Badge key={s}>{s}</Badge>
                        ))}
                      </span>
                    </Td>
                    <Td className="whitespace-nowrap text-zinc-700">
                      {k.projectId ? (projectName.get(k.projectId) ?? k.projectId) : "All projects"}
                    </Td>
                    <Td>
                      <ApiKeyStateBadge state={state} />
                    </Td>
                    <Td className="whitespace-nowrap text-zinc-700">{k.expiresAt ? formatDate(k.expiresAt) : "Never"}</Td>
                    <Td className="whitespace-nowrap text-zinc-700">{formatRelative(k.lastUsedAt)}</Td>
                    {can("api_keys:write") && (
                      <Td className="text-right">
                        {state === "active" && (
                          <ConfirmDialog
                            trigger={
                              <Button variant="ghost" size="sm" aria-label={`Revoke API key ${k.name}`}>
                                Revoke
                              </Button>
                            }
                            title={`Revoke ${k.name}?`}
                            description="Anything using this key is refused from its next request. This cannot be undone."
                            confirmLabel="Revoke key"
                            onConfirm={async () => {
                              await api.delete(`${tenantPath(tenantId)}/api-keys/${encodeURIComponent(k.id)}`);
                              await invalidate();
                            }}
                          />
                        )}
                      </Td>
                    )}
                  </Tr>
                );
              })}
            </TBody>
          </Table>
        )}
      </QueryState>
      <CreateKeyDialog
        open={creating}
        onOpenChange={setCreating}
        project={project ? { id: project, name: projectName.get(project) ?? project } : undefined}
      />
    </>
  );
}

type KeyForm = { name: string; scopes: Permission[]; expiresAt: string; bindToProject: boolean };

/** A date input's "YYYY-MM-DD" → the end of that day, local time, as the API's ISO time. */
const endOfDayIso = (date: string) => (date ? new Date(`${date}T23:59:59`).toISOString() : undefined);

/** `project`: the project the selector is on; the new key is bound to it unless the person unticks that. */
function CreateKeyDialog({
  open,
  onOpenChange,
  project,
}: {
  open: boolean;
  onOpenChange: (o: boolean) => void;
  project?: { id: string; name: string };
}) {
  const { tenantId, role } = useTenant();
  const invalidate = useInvalidateTenant();
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const grantable = permissionsOf(role);
  const form = useSchemaForm<KeyForm, typeof CreateApiKeyInputSchema>(CreateApiKeyInputSchema, {
    defaultValues: { name: "", scopes: [], expiresAt: "", bindToProject: true },
    toInput: (v: KeyForm) => ({
      name: v.name,
      scopes: v.scopes,
      expiresAt: endOfDayIso(v.expiresAt),
      projectId: project && v.bindToProject ? project.id : undefined,
    }),
  });
  const { errors } = form.formState;
  const create = useFormMutation(form, {
    mutationFn: (input) => api.post<CreatedApiKey>(`${tenantPath(tenantId)}/api-keys`, input),
    onSuccess: async (result) => {
      setCreated(result);
      await invalidate();
    },
    codeFields: { forbidden: "scopes" },
  });
  const close = (o: boolean) => {
    onOpenChange(o);
    if (!o) {
      setCreated(null);
      form.reset();
    }
  };
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

  return (
    <Dialog open={open} onOpenChange={close}>
      <DialogContent title={created ? "API key created" : "New API key"} className="max-w-2xl">
        {created ? (
          <>
            <SecretReveal label="API key" value={created.key}>
              Only a hash of the key is stored. If you lose it, revoke it and create a new one.
            </SecretReveal>
            <DialogFooter>
              <DialogClose asChild>
                <Button>I have stored the key</Button>
              </DialogClose>
            </DialogFooter>
          </>
        ) : (
          <form onSubmit={create.submit} noValidate className="space-y-4">
            <FormAlert errors={errors} />
            <Field label="Key name" error={errors.name?.message} hint="Say where it is used, e.g. “CI deploys”.">
              <Input autoComplete="off" {...form.register("name")} />
            </Field>
            <FieldSet legend="Scopes" hint="A key can carry only permissions you hold yourself." error={errors.scopes?.message}>
              <Controller
                control={form.control}
                name="scopes"
                render={({ field }) => (
                  <CheckboxGroup
                    name="scopes"
                    options={grantable.map((p) => ({ value: p, label: <code className="font-mono text-[13px]">{p}</code> }))}
                    value={field.value}
                    onChange={(v) => field.onChange(v as Permission[])}
                  />
                )}
              />
            </FieldSet>
            <Field
              label="Expires on (optional)"
              error={errors.expiresAt?.message}
              hint="Leave empty for a key that does not expire."
              className="max-w-56 space-y-1.5"
            >
              <Input type="date" min={tomorrow} {...form.register("expiresAt")} />
            </Field>
            {project && (
              <div className="flex items-start gap-3">
                <Checkbox id="bindToProject" className="mt-0.5" aria-describedby="bindToProject-hint" {...form.register("bindToProject")} />
                <div>
                  <Label htmlFor="bindToProject">Only for project {project.name}</Label>
                  <p id="bindToProject-hint" className="text-xs text-zinc-600">
                    The key then sees only this project's agents, teams and keys. Untick for a key that works across the tenant.
                  </p>
                </div>
              </div>
            )}
            <DialogFooter>
              <DialogClose asChild>
                <Button variant="secondary">Cancel</Button>
              </DialogClose>
              <Button type="submit" pending={create.isPending}>
                Create key
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}

import { useQueryClient, type UseQueryResult } from "@tanstack/react-query";
import { Plus, Webhook as WebhookIcon } from "lucide-react";
import { useState } from "react";
import { CreateWebhookInputSchema } from "@shared/schemas/alerts";
import { useTenant } from "@/components/layout/tenant-context";
import { QueryState } from "@/components/query-state";
import {
  ActionsTh,
  Button,
  CardSection,
  ConfirmDialog,
  Dialog,
  DialogClose,
  DialogContent,
  DialogFooter,
  Field,
  FormAlert,
  Input,
  SecretReveal,
  Table,
  TBody,
  Td,
  Th,
  THead,
  Tr,
} from "@/components/ui";
import { formatDate } from "@/lib/format";
import { useFormMutation, useSchemaForm } from "@/lib/forms";
import { alertKeys, alertsApi, type CreatedWebhook, type CreateWebhookInput, type Webhook } from "./alerts-api";

/** Where alerts go besides the dashboard: HTTPS endpoints that receive each alert, signed with their own secret. */
export function WebhooksCard({ webhooks }: { webhooks: UseQueryResult<Webhook[]> }) {
  const { tenantId, can } = useTenant();
  const queryClient = useQueryClient();
  const [creating, setCreating] = useState(false);
  const writable = can("alerts:write");
  const addButton = writable ? (
    <Button variant="secondary" onClick={() => setCreating(true)}>
      <Plus className="size-4" aria-hidden="true" /> Add webhook
    </Button>
  ) : undefined;
  return (
    <CardSection
      title="Webhooks"
      description="Rules can send their alerts to these HTTPS endpoints as signed JSON POSTs, retried until delivered."
      actions={addButton}
    >
      <QueryState
        query={webhooks}
        loadingLabel="Loading webhooks…"
        empty={{
          title: "No webhooks",
          description: "Add one to receive alerts in your own systems (chat, paging, SIEM).",
          icon: <WebhookIcon className="size-8" />,
        }}
      >
        {(list) => (
          <Table caption="Webhooks">
            <THead>
              <Tr>
                <Th>URL</Th>
                <Th>Secret</Th>
                <Th>Added</Th>
                {writable && <ActionsTh />}
              </Tr>
            </THead>
            <TBody>
              {list.map((w) => (
                <Tr key={w.id}>
                  <Td>
                    <p className="font-mono text-xs break-all">{w.url}</p>
                    {w.description && <p className="text-xs text-zinc-600">{w.description}</p>}
                  </Td>
                  <Td>
                    <code className="font-mono text-xs">{w.secretPrefix}…</code>
                  </Td>
                  <Td className="whitespace-nowrap text-zinc-700">{formatDate(w.createdAt)}</Td>
                  {writable && (
                    <Td className="text-right">
                      <ConfirmDialog
                        trigger={
                          <Button variant="ghost" size="sm" aria-label={`Delete webhook ${w.url}`}>
                            Delete
                          </Button>
                        }
                        title="Delete this webhook?"
                        description={`${w.url} stops receiving alerts at once, and rules that sent to it no longer do. Alerts still show in the dashboard.`}
                        confirmLabel="Delete webhook"
                        onConfirm={async () => {
                          await alertsApi.deleteWebhook(tenantId, w.id);
                          await queryClient.invalidateQueries({ queryKey: alertKeys.all(tenantId) });
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
      <CreateWebhookDialog open={creating} onOpenChange={setCreating} />
    </CardSection>
  );
}

function CreateWebhookDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (o: boolean) => void }) {
  const { tenantId } = useTenant();
  const queryClient = useQueryClient();
  const [created, setCreated] = useState<CreatedWebhook | null>(null);
  const form = useSchemaForm<{ url: string; description: string }, typeof CreateWebhookInputSchema>(CreateWebhookInputSchema, {
    defaultValues: { url: "", description: "" },
    toInput: (v) =>
      ({ url: v.url.trim(), ...(v.description.trim() ? { description: v.description.trim() } : {}) }) satisfies CreateWebhookInput,
  });
  const { errors } = form.formState;
  const create = useFormMutation(form, {
    mutationFn: (input) => alertsApi.createWebhook(tenantId, input),
    onSuccess: async (result) => {
      setCreated(result);
      await queryClient.invalidateQueries({ queryKey: alertKeys.webhooks(tenantId) });
    },
  });
  const close = (o: boolean) => {
    onOpenChange(o);
    if (!o) {
      setCreated(null);
      form.reset();
    }
  };
  return (
    <Dialog open={open} onOpenChange={close}>
      <DialogContent title={created ? "Webhook added" : "Add a webhook"} className="sm:max-w-2xl">
        {created ? (
          <>
            <SecretReveal label="Signing secret" value={created.secret}>
              Your endpoint uses it to check that each request really comes from Switchboard: the{" "}
              <code className="font-mono">Switchboard-Signature</code> header carries an HMAC-SHA256 of the timestamp and body made with
              this secret. Only an encrypted copy is kept here; if you lose it, delete the webhook and add it again.
            </SecretReveal>
            <DialogFooter>
              <DialogClose asChild>
                <Button>I have stored the secret</Button>
              </DialogClose>
            </DialogFooter>
          </>
        ) : (
          <form onSubmit={create.submit} noValidate className="space-y-4">
            <FormAlert errors={errors} />
            <Field label="URL" error={errors.url?.message} hint="An https:// address that accepts POST requests.">
              <Input
                type="url"
                inputMode="url"
                autoComplete="off"
                spellCheck={false}
                placeholder="https://hooks.example.com/switchboard"
                {...form.register("url")}
              />
            </Field>
            <Field label="Description (optional)" error={errors.description?.message}>
              <Input autoComplete="off" placeholder="e.g. #security channel" {...form.register("description")} />
            </Field>
            <DialogFooter>
              <DialogClose asChild>
                <Button variant="secondary">Cancel</Button>
              </DialogClose>
              <Button type="submit" pending={create.isPending}>
                Add webhook
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}

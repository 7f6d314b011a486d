/**
 * Settings → Single sign-on: the tenant's OpenID Connect connection (docs/sso.md). One form over
 * `PUT /v1/tenants/{id}/sso`, validated by the API's own schema; the client secret is write-only
 * (left empty, the stored one is kept), and the redirect URI to register at the provider is shown
 * once a connection exists.
 */
import { queryOptions, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { FieldError, UseFormRegisterReturn } from "react-hook-form";
import { PutSsoConnectionInputSchema, type SsoConnection } from "@shared/schemas/sso";
import { ROLES } from "@shared/auth/roles";
import { useTenant } from "@/components/layout/tenant-context";
import { QueryState } from "@/components/query-state";
import {
  Alert,
  Badge,
  Button,
  CardSection,
  Checkbox,
  ConfirmDialog,
  CopyButton,
  Field,
  FormAlert,
  Input,
  Label,
  Select,
  Textarea,
} from "@/components/ui";
import { api, isApiError } from "@/lib/api";
import { useFormMutation, useSchemaForm } from "@/lib/forms";
import { membersQuery, tenantPath } from "@/lib/queries";

const ssoKey = (tenantId: string) => ["tenant", tenantId, "sso"] as const;

/** The connection, or null when the tenant has none (the API answers 404 then). */
const ssoQuery = (tenantId: string) =>
  queryOptions({
    queryKey: ssoKey(tenantId),
    queryFn: () =>
      api.get<{ connection: SsoConnection }>(`${tenantPath(tenantId)}/sso`).then(
        (r) => r.connection,
        (err) => {
          if (isApiError(err, "not_found")) return null;
          throw err;
        },
      ),
  });

/** What the inputs hold: lists as text a person types, "" for "none". */
type SsoForm = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  emailDomains: string;
  groupsClaim: string;
  groupRoles: string;
  defaultRole: string;
  allowOwnerFromGroups: boolean;
  jitProvisioning: boolean;
  ssoRequired: boolean;
  breakGlassUserId: string;
  enabled: boolean;
};

const EMPTY: SsoForm = {
  issuer: "",
  clientId: "",
  clientSecret: "",
  emailDomains: "",
  groupsClaim: "groups",
  groupRoles: "",
  defaultRole: "member",
  allowOwnerFromGroups: false,
  jitProvisioning: true,
  ssoRequired: false,
  breakGlassUserId: "",
  enabled: true,
};

const fromConnection = (c: SsoConnection | null): SsoForm =>
  c
    ? {
        issuer: c.issuer,
        clientId: c.clientId,
        clientSecret: "",
        emailDomains: c.emailDomains.join(", "),
        groupsClaim: c.groupsClaim,
        groupRoles: c.groupRoles.map((g) => `${g.group} = ${g.role}`).join("\n"),
        defaultRole: c.defaultRole ?? "",
        allowOwnerFromGroups: c.allowOwnerFromGroups,
        jitProvisioning: c.jitProvisioning,
        ssoRequired: c.ssoRequired,
        breakGlassUserId: c.breakGlassUserId ?? "",
        enabled: c.enabled,
      }
    : EMPTY;

/** One mapping per line, `group = role`; a line the API would refuse is passed on as typed so its error names the line. */
function parseGroupRoles(text: string): Array<{ group: string; role: string }> {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const at = line.lastIndexOf("=");
      return at < 0
        ? { group: line, role: "" }
        : {
            group: line.slice(0, at).trim(),
            role: line
              .slice(at + 1)
              .trim()
              .toLowerCase(),
          };
    });
}

const toInput = (v: SsoForm) => ({
  issuer: v.issuer.trim(),
  clientId: v.clientId,
  ...(v.clientSecret ? { clientSecret: v.clientSecret } : {}),
  emailDomains: v.emailDomains.split(/[\s,]+/).filter(Boolean),
  groupsClaim: v.groupsClaim,
  groupRoles: parseGroupRoles(v.groupRoles),
  defaultRole: v.defaultRole === "" ? null : v.defaultRole,
  allowOwnerFromGroups: v.allowOwnerFromGroups,
  jitProvisioning: v.jitProvisioning,
  ssoRequired: v.ssoRequired,
  breakGlassUserId: v.breakGlassUserId === "" ? null : v.breakGlassUserId,
  enabled: v.enabled,
});

/** A list field's errors come back per item (`emailDomains.1`): show the first. */
function firstMessage(error: unknown): string | undefined {
  if (!error || typeof error !== "object") return undefined;
  if (typeof (error as FieldError).message === "string" && (error as FieldError).message) return (error as FieldError).message;
  for (const [key, inner] of Object.entries(error)) {
    if (key === "ref" || key === "type") continue;
    const message = firstMessage(inner);
    if (message) return /^\d+$/.test(key) ? `Entry ${Number(key) + 1}: ${message}` : message;
  }
  return undefined;
}

export function SsoSettings() {
  const { tenantId, can } = useTenant();
  const connection = useQuery({ ...ssoQuery(tenantId), enabled: can("sso:read") });
  if (!can("sso:read")) return null;
  return (
    <CardSection
      title="Single sign-on"
      description={
        <>
          Let people sign in through your company's OpenID Connect provider, with groups mapped to roles. See{" "}
          <a className="underline" href="/docs">
            the API reference
          </a>{" "}
          and docs/sso.md.
        </>
      }
    >
      <QueryState query={connection} loadingLabel="Loading single sign-on…">
        {(c) => <SsoForm connection={c} />}
      </QueryState>
    </CardSection>
  );
}

function SsoForm({ connection }: { connection: SsoConnection | null }) {
  const { tenantId, can } = useTenant();
  const queryClient = useQueryClient();
  const editable = can("sso:write");
  const owners = useQuery({ ...membersQuery(tenantId), select: (members) => members.filter((m) => m.role === "owner") });
  const form = useSchemaForm<SsoForm, typeof PutSsoConnectionInputSchema>(PutSsoConnectionInputSchema, {
    defaultValues: fromConnection(connection),
    toInput,
  });
  const { errors, isDirty } = form.formState;
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    if (!form.formState.isDirty) form.reset(fromConnection(connection));
  }, [connection, form]);

  const save = useFormMutation(form, {
    mutationFn: (input) => {
      setSaved(false);
      return api.put<{ connection: SsoConnection }>(`${tenantPath(tenantId)}/sso`, input);
    },
    onSuccess: ({ connection: updated }) => {
      queryClient.setQueryData(ssoKey(tenantId), updated);
      form.reset(fromConnection(updated));
      setSaved(true);
    },
    codeFields: { domain_taken: "emailDomains", owner_required: "breakGlassUserId" },
  });
  const remove = useMutation({
    mutationFn: () => api.delete(`${tenantPath(tenantId)}/sso`),
    onSuccess: () => {
      queryClient.setQueryData(ssoKey(tenantId), null);
      form.reset(EMPTY);
    },
  });

  return (
    <form onSubmit={save.submit} noValidate className="max-w-2xl space-y-5" aria-label="Single sign-on">
      {connection ? (
        <div className="flex flex-wrap items-center gap-2 text-sm text-zinc-700">
          <Badge tone={connection.enabled ? "success" : "neutral"}>{connection.enabled ? "Enabled" : "Disabled"}</Badge>
          {connection.ssoRequired && <Badge tone="warning">SSO required</Badge>}
          <span>Redirect URI to register at your provider:</span>
          <code className="rounded bg-zinc-100 px-1.5 py-0.5 text-xs break-all">{connection.redirectUri}</code>
          <CopyButton value={connection.redirectUri} label="Copy" size="sm" variant="secondary" />
        </div>
      ) : (
        <Alert tone="info">No single sign-on is configured. Members sign in with a password, GitHub or Google.</Alert>
      )}
      {!editable && <Alert tone="info">Only owners and admins can change single sign-on.</Alert>}
      <FormAlert errors={errors} />
      {saved && !isDirty && <Alert tone="success">Single sign-on saved.</Alert>}
      <fieldset disabled={!editable} className="space-y-5">
        <legend className="sr-only">OpenID Connect provider</legend>
        <Field
          label="Issuer URL"
          error={errors.issuer?.message}
          hint="Its /.well-known/openid-configuration must answer; it is checked when you save."
        >
          <Input placeholder="https://login.example.com/" {...form.register("issuer")} />
        </Field>
        <div className="grid gap-5 sm:grid-cols-2">
          <Field label="Client ID" error={errors.clientId?.message}>
            <Input autoComplete="off" {...form.register("clientId")} />
          </Field>
          <Field
            label="Client secret"
            error={errors.clientSecret?.message}
            hint={connection ? "Stored encrypted. Leave empty to keep the current one." : "Stored encrypted; never shown again."}
          >
            <Input type="password" autoComplete="new-password" {...form.register("clientSecret")} />
          </Field>
        </div>
        <Field
          label="Email domains"
          error={firstMessage(errors.emailDomains)}
          hint="People with these email domains sign in through this provider. Separate with commas."
        >
          <Input placeholder="example.com, example.org" {...form.register("emailDomains")} />
        </Field>
        <div className="grid gap-5 sm:grid-cols-2">
          <Field label="Groups claim" error={errors.groupsClaim?.message} hint="The ID-token claim that lists the person's groups.">
            <Input {...form.register("groupsClaim")} />
          </Field>
          <Field label="Role when no group matches" error={errors.defaultRole?.message}>
            <Select {...form.register("defaultRole")}>
              {ROLES.filter((r) => r !== "owner").map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
              <option value="">refuse sign-in</option>
            </Select>
          </Field>
        </div>
        <Field
          label="Group → role mapping"
          error={firstMessage(errors.groupRoles)}
          hint="One per line, e.g. “platform-admins = admin”. A person in several groups gets the most powerful role."
        >
          <Textarea
            rows={4}
            className="font-mono text-sm"
            placeholder={"platform-admins = admin\nengineering = member"}
            {...form.register("groupRoles")}
          />
        </Field>
        <div className="space-y-3">
          <CheckRow
            id="sso-enabled"
            label="Enabled"
            hint="Off: the connection is kept but nobody signs in through it."
            registration={form.register("enabled")}
          />
          <CheckRow
            id="sso-jit"
            label="Create members at their first sign-in"
            hint="Off: only people who are already members may sign in."
            registration={form.register("jitProvisioning")}
          />
          <CheckRow
            id="sso-owner-groups"
            label="Let a group grant the owner role"
            hint="Only an owner can turn this on."
            registration={form.register("allowOwnerFromGroups")}
          />
          <CheckRow
            id="sso-required"
            label="Require SSO for these domains"
            hint="Password, GitHub and Google sign-in are refused for them, except for the break-glass owner below."
            registration={form.register("ssoRequired")}
          />
        </div>
        <Field
          label="Break-glass owner"
          error={errors.breakGlassUserId?.message}
          hint="An owner who keeps password sign-in if the provider breaks. Required when SSO is required."
        >
          <Select {...form.register("breakGlassUserId")}>
            <option value="">none</option>
            {(owners.data ?? []).map((m) => (
              <option key={m.userId} value={m.userId}>
                {m.name} ({m.email})
              </option>
            ))}
          </Select>
        </Field>
      </fieldset>
      {editable && (
        <div className="flex flex-wrap gap-2">
          <Button type="submit" pending={save.isPending} disabled={!isDirty}>
            {connection ? "Save changes" : "Connect provider"}
          </Button>
          {isDirty && (
            <Button variant="secondary" onClick={() => form.reset(fromConnection(connection))}>
              Discard
            </Button>
          )}
          {connection && (
            <ConfirmDialog
              trigger={<Button variant="danger">Remove single sign-on</Button>}
              title="Remove single sign-on?"
              description="Members sign in with a password, GitHub or Google again; people who only ever used SSO need a password reset."
              confirmLabel="Remove"
              onConfirm={() => remove.mutateAsync()}
            />
          )}
        </div>
      )}
    </form>
  );
}

function CheckRow({ id, label, hint, registration }: { id: string; label: string; hint: string; registration: UseFormRegisterReturn }) {
  return (
    <div className="flex items-start gap-3">
      <Checkbox id={id} className="mt-0.5" aria-describedby={`${id}-hint`} {...registration} />
      <div>
        <Label htmlFor={id}>{label}</Label>
        <p id={`${id}-hint`} className="text-xs text-zinc-600">
          {hint}
        </p>
      </div>
    </div>
  );
}

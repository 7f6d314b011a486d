import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useEffect, useState } from "react";
import { UpdateTenantInputSchema } from "@shared/schemas/tenant";
import { PLANS } from "@shared/plans";
import { useTenant } from "@/components/layout/tenant-context";
import { QueryState } from "@/components/query-state";
import { trustHint, TrustLevelSelect } from "@/components/trust-level-select";
import {
  Alert,
  Badge,
  Button,
  CardSection,
  Checkbox,
  ConfirmDialog,
  Field,
  FormAlert,
  IdValue,
  Input,
  Label,
  PageHeader,
} from "@/components/ui";
import { api } from "@/lib/api";
import { useFormMutation, useSchemaForm } from "@/lib/forms";
import { keys, tenantPath, tenantQuery } from "@/lib/queries";
import type { Tenant } from "@/lib/types";
import { useInvalidateTenant } from "@/lib/use-tenant-invalidate";
import { ConfigHistory } from "./config-history";
import { SsoSettings } from "./sso-settings";
import { SafeModeCard } from "./governance/safe-mode-card";

export function SettingsScreen() {
  const { tenantId } = useTenant();
  const tenant = useQuery(tenantQuery(tenantId));
  return (
    <>
      <PageHeader
        title="Settings"
        description="The tenant's name and configuration. Every change is saved as a new version you can compare and roll back to."
      />
      <QueryState query={tenant} loadingLabel="Loading settings…">
        {(t) => (
          <div className="space-y-6">
            <GeneralSettings tenant={t} />
            <ConfigHistory tenant={t} />
            <SsoSettings />
            <SafeModeCard />
            <DangerZone tenant={t} />
          </div>
        )}
      </QueryState>
    </>
  );
}

type SettingsForm = { name: string; config: { requireMfa: boolean; defaultTrustLevel: string } };
const fromTenant = (t: Tenant): SettingsForm => ({
  name: t.name,
  config: { requireMfa: t.config.requireMfa, defaultTrustLevel: String(t.config.defaultTrustLevel) },
});

function GeneralSettings({ tenant }: { tenant: Tenant }) {
  const { tenantId, can } = useTenant();
  const queryClient = useQueryClient();
  const invalidate = useInvalidateTenant();
  const editable = can("tenant:update");
  const form = useSchemaForm<SettingsForm, typeof UpdateTenantInputSchema>(UpdateTenantInputSchema, {
    defaultValues: fromTenant(tenant),
    toInput: (v: SettingsForm) => ({
      name: v.name,
      config: { requireMfa: v.config.requireMfa, defaultTrustLevel: Number(v.config.defaultTrustLevel) },
      expectedVersion: tenant.configVersion,
    }),
  });
  const { errors, isDirty } = form.formState;
  const [savedVersion, setSavedVersion] = useState<number | null>(null);
  const conflict = errors.root?.server?.type === "version_conflict";

  // A newer version loaded (after save, rollback or reload): show it, unless the person is mid-edit.
  useEffect(() => {
    if (!form.formState.isDirty) form.reset(fromTenant(tenant));
  }, [tenant, form]);

  const save = useFormMutation(form, {
    mutationFn: (input) => {
      setSavedVersion(null);
      return api.patch<{ tenant: Tenant }>(tenantPath(tenantId), input);
    },
    onSuccess: async ({ tenant: updated }) => {
      form.reset(fromTenant(updated));
      setSavedVersion(updated.configVersion);
      await invalidate();
      await queryClient.invalidateQueries({ queryKey: keys.me }); // the name shows in the tenant switcher
    },
  });

  return (
    <CardSection
      title="General"
      description={
        <>
          Plan: <Badge tone="accent">{PLANS[tenant.plan].name}</Badge> · Config version {tenant.configVersion} · Tenant ID{" "}
          <IdValue id={tenant.id} label="tenant ID" />
        </>
      }
    >
      <form onSubmit={save.submit} noValidate className="max-w-xl space-y-5">
        {!editable && <Alert tone="info">Only owners and admins can change settings.</Alert>}
        {conflict ? (
          <Alert
            tone="danger"
            title="Someone else changed the settings"
            action={
              <Button
                variant="secondary"
                size="sm"
                onClick={async () => {
                  const fresh = await queryClient.fetchQuery({ ...tenantQuery(tenantId), staleTime: 0 });
                  form.reset(fromTenant(fresh));
                  await invalidate();
                }}
              >
                Load latest
              </Button>
            }
          >
            Your change was not saved because the settings changed since you opened this page. Load the latest version, then make your
            change again.
          </Alert>
        ) : (
          <FormAlert errors={errors} />
        )}
        {savedVersion !== null && !isDirty && <Alert tone="success">Settings saved as version {savedVersion}.</Alert>}
        <fieldset disabled={!editable} className="space-y-5">
          <legend className="sr-only">Tenant settings</legend>
          <Field label="Tenant name" error={errors.name?.message}>
            <Input {...form.register("name")} />
          </Field>
          <div className="flex items-start gap-3">
            <Checkbox id="requireMfa" className="mt-0.5" aria-describedby="requireMfa-hint" {...form.register("config.requireMfa")} />
            <div>
              <Label htmlFor="requireMfa">Require MFA for all members</Label>
              <p id="requireMfa-hint" className="text-xs text-zinc-600">
                Members without MFA must turn it on before they can use this tenant. Turn on MFA for your own account first.
              </p>
              {errors.config?.requireMfa && <p className="text-sm text-red-700">{errors.config.requireMfa.message}</p>}
            </div>
          </div>
          <Field
            label="Default trust level for new agents"
            error={errors.config?.defaultTrustLevel?.message}
            hint={trustHint(form.watch("config.defaultTrustLevel"))}
          >
            <TrustLevelSelect {...form.register("config.defaultTrustLevel")} />
          </Field>
        </fieldset>
        {editable && (
          <div className="flex gap-2">
            <Button type="submit" pending={save.isPending} disabled={!isDirty}>
              Save changes
            </Button>
            {isDirty && (
              <Button variant="secondary" onClick={() => form.reset(fromTenant(tenant))}>
                Discard
              </Button>
            )}
          </div>
        )}
      </form>
    </CardSection>
  );
}

function DangerZone({ tenant }: { tenant: Tenant }) {
  const { tenantId, can } = useTenant();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const leaveOrDelete = async (run: () => Promise<unknown>) => {
    await run();
    await queryClient.invalidateQueries({ queryKey: keys.me });
    queryClient.removeQueries({ queryKey: keys.tenant(tenantId) });
    await navigate({ to: "/" });
  };
  return (
    <CardSection title="Leave or delete">
      <div className="space-y-4">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <div>
            <p className="text-sm font-medium text-zinc-900">Leave this tenant</p>
            <p className="text-sm text-zinc-600">You lose access until someone invites you again. The last owner cannot leave.</p>
          </div>
          <ConfirmDialog
            trigger={<Button variant="secondary">Leave tenant</Button>}
            title={`Leave ${tenant.name}?`}
            description="You will lose access to its agents, teams and settings."
            confirmLabel="Leave tenant"
            onConfirm={() => leaveOrDelete(() => api.delete(`${tenantPath(tenantId)}/membership`))}
          />
        </div>
        {can("tenant:delete") && (
          <div className="flex flex-wrap items-center justify-between gap-3 border-t border-zinc-200 pt-4">
            <div>
              <p className="text-sm font-medium text-zinc-900">Delete this tenant</p>
              <p className="text-sm text-zinc-600">
                Its agents stop working and its API keys are revoked at once. Only owners can do this.
              </p>
            </div>
            <ConfirmDialog
              trigger={<Button variant="danger">Delete tenant</Button>}
              title={`Delete ${tenant.name}?`}
              description="Every agent, team and API key of this tenant stops working immediately. This cannot be undone from the dashboard."
              confirmLabel="Delete tenant"
              confirmText={tenant.name}
              onConfirm={() => leaveOrDelete(() => api.delete(tenantPath(tenantId)))}
            />
          </div>
        )}
      </div>
    </CardSection>
  );
}

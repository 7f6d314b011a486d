import { useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { CreateTenantInputSchema } from "@shared/schemas/tenant";
import { Button, Field, FormAlert, Input } from "@/components/ui";
import { api } from "@/lib/api";
import { useFormMutation, useSchemaForm } from "@/lib/forms";
import { keys } from "@/lib/queries";
import type { Tenant } from "@/lib/types";

type TenantForm = { name: string };

/** Creates a tenant (the creator becomes its owner) and opens it. */
export function CreateTenantForm() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const form = useSchemaForm<TenantForm, typeof CreateTenantInputSchema>(CreateTenantInputSchema, { defaultValues: { name: "" } });
  const { errors } = form.formState;
  const create = useFormMutation(form, {
    mutationFn: (values) => api.post<{ tenant: Tenant }>("/v1/tenants", values),
    onSuccess: async ({ tenant }) => {
      await queryClient.invalidateQueries({ queryKey: keys.me });
      await navigate({ to: "/t/$tenantId/agents", params: { tenantId: tenant.id } });
    },
  });
  return (
    <form onSubmit={create.submit} noValidate className="space-y-4">
      <FormAlert errors={errors} />
      <Field label="Tenant name" error={errors.name?.message} hint="Usually your company or team name. You can change it later.">
        <Input autoComplete="organization" placeholder="Acme Inc." {...form.register("name")} />
      </Field>
      <Button type="submit" pending={create.isPending}>
        Create tenant
      </Button>
    </form>
  );
}

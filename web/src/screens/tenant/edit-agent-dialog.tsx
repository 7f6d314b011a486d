import { useEffect } from "react";
import { Controller } from "react-hook-form";
import type { ToolCategory } from "@shared/agent-templates";
import { UpdateAgentInputSchema } from "@shared/schemas/agents";
import { CheckboxGroup } from "@/components/checkbox-group";
import { useTenant } from "@/components/layout/tenant-context";
import { trustHint, TrustLevelSelect } from "@/components/trust-level-select";
import { Button, Dialog, DialogClose, DialogContent, DialogFooter, Field, FieldSet, FormAlert, Input, Textarea } from "@/components/ui";
import { api } from "@/lib/api";
import { TOOL_OPTIONS } from "@/lib/agent-form";
import { useFormMutation, useSchemaForm } from "@/lib/forms";
import { tenantPath } from "@/lib/queries";
import type { Agent } from "@/lib/types";
import { useInvalidateTenant } from "@/lib/use-tenant-invalidate";

type EditForm = { name: string; description: string; toolCategories: ToolCategory[]; trustLevel: string };

const fromAgent = (a: Agent): EditForm => ({
  name: a.name,
  description: a.description,
  toolCategories: [...a.toolCategories],
  trustLevel: String(a.trustLevel),
});

export function EditAgentDialog({ agent, open, onOpenChange }: { agent: Agent; open: boolean; onOpenChange: (open: boolean) => void }) {
  const { tenantId } = useTenant();
  const invalidate = useInvalidateTenant();
  const form = useSchemaForm<EditForm, typeof UpdateAgentInputSchema>(UpdateAgentInputSchema, {
    defaultValues: fromAgent(agent),
    toInput: (v: EditForm) => ({ ...v, trustLevel: Number(v.trustLevel) }),
  });
  const { errors } = form.formState;
  useEffect(() => {
    if (open) form.reset(fromAgent(agent));
  }, [open, agent, form]);

  const save = useFormMutation(form, {
    mutationFn: (input) => api.patch(`${tenantPath(tenantId)}/agents/${encodeURIComponent(agent.id)}`, input),
    onSuccess: async () => {
      await invalidate();
      onOpenChange(false);
    },
  });

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent title={`Edit ${agent.name}`} className="max-w-2xl">
        <form onSubmit={save.submit} noValidate className="space-y-4">
          <FormAlert errors={errors} />
          <Field label="Name" error={errors.name?.message}>
            <Input {...form.register("name")} />
          </Field>
          <Field label="Description" error={errors.description?.message}>
            <Textarea rows={2} {...form.register("description")} />
          </Field>
          <FieldSet legend="Tools" error={errors.toolCategories?.message}>
            <Controller
              control={form.control}
              name="toolCategories"
              render={({ field }) => (
                <CheckboxGroup
                  name="edit-tools"
                  options={TOOL_OPTIONS}
                  value={field.value}
                  onChange={(v) => field.onChange(v as ToolCategory[])}
                />
              )}
            />
          </FieldSet>
          <Field label="Trust level" error={errors.trustLevel?.message} hint={trustHint(form.watch("trustLevel"))}>
            <TrustLevelSelect {...form.register("trustLevel")} />
          </Field>
          <DialogFooter>
            <DialogClose asChild>
              <Button variant="secondary">Cancel</Button>
            </DialogClose>
            <Button type="submit" pending={save.isPending}>
              Save changes
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

import { useQuery } from "@tanstack/react-query";
import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { Check } from "lucide-react";
import { useState } from "react";
import { Controller, type FieldPath } from "react-hook-form";
import { AGENT_TEMPLATES, TEMPLATE_DEFAULTS, type AgentTemplate, type ToolCategory } from "@shared/agent-templates";
import { CreateAgentInputSchema } from "@shared/schemas/agents";
import { CheckboxGroup } from "@/components/checkbox-group";
import { useTenant } from "@/components/layout/tenant-context";
import { trustHint, TrustLevelSelect } from "@/components/trust-level-select";
import {
  Alert,
  Badge,
  Button,
  buttonClass,
  Card,
  EmptyState,
  ErrorState,
  Field,
  FieldSet,
  FormAlert,
  Input,
  LoadingState,
  PageHeader,
  SecretReveal,
  Textarea,
} from "@/components/ui";
import { api } from "@/lib/api";
import { TOOL_OPTIONS, toolLabel, toTrustLevel, trustInfo } from "@/lib/agent-form";
import { applyApiError, useFormMutation, useSchemaForm } from "@/lib/forms";
import { teamsQuery, tenantPath, tenantQuery } from "@/lib/queries";
import type { AgentWithSecret } from "@/lib/types";
import { useInvalidateTenant } from "@/lib/use-tenant-invalidate";
import { ConnectAgentPanel } from "./connect-agent-panel";

type AgentForm = {
  template: AgentTemplate;
  name: string;
  description: string;
  toolCategories: ToolCategory[];
  trustLevel: string;
  teamIds: string[];
};

const STEPS: Array<{ title: string; fields: Array<FieldPath<AgentForm>> }> = [
  { title: "Role template", fields: ["template", "name", "description"] },
  { title: "Tools", fields: ["toolCategories", "trustLevel"] },
  { title: "Teams", fields: ["teamIds"] },
  { title: "Review", fields: [] },
];

const toInput = (v: AgentForm) => ({
  name: v.name,
  template: v.template,
  description: v.description === "" ? undefined : v.description,
  toolCategories: v.toolCategories,
  trustLevel: toTrustLevel(v.trustLevel),
  teamIds: v.teamIds,
});

/** New agent in steps: role template → tools → teams → review → the secret, shown once. */
export function AgentWizardScreen() {
  const { tenantId, can } = useTenant();
  const navigate = useNavigate();
  const invalidate = useInvalidateTenant();
  const { project } = useSearch({ from: "/app/t/$tenantId" });
  const teams = useQuery(teamsQuery(tenantId, project));
  const tenant = useQuery(tenantQuery(tenantId));
  const [step, setStep] = useState(0);
  const [created, setCreated] = useState<AgentWithSecret | null>(null);
  const form = useSchemaForm<AgentForm, typeof CreateAgentInputSchema>(CreateAgentInputSchema, {
    defaultValues: {
      template: "pm",
      name: "",
      description: "",
      toolCategories: [...TEMPLATE_DEFAULTS.pm.tools],
      trustLevel: "",
      teamIds: [],
    },
    toInput,
  });
  const { errors } = form.formState;
  const values = form.watch();

  const next = async () => {
    const fields = STEPS[step]!.fields;
    if (fields.length === 0 || (await form.trigger(fields, { shouldFocus: true }))) setStep((s) => s + 1);
  };

  const create = useFormMutation(form, {
    // Into the project chosen in the selector (none chosen: the API's default project).
    mutationFn: (input) => api.post<AgentWithSecret>(`${tenantPath(tenantId)}/agents`, { ...input, projectId: project }),
    onSuccess: async (result) => {
      setCreated(result);
      await invalidate();
    },
    onError: (err) => {
      // The API's answer on the form, then the first step with a field it names.
      applyApiError(form, err);
      const firstBad = STEPS.findIndex((s) => s.fields.some((f) => form.getFieldState(f).error));
      if (firstBad >= 0) setStep(firstBad);
      return true;
    },
  });

  if (!can("agents:write")) {
    return (
      <>
        <PageHeader title="New agent" />
        <Alert tone="warning">Your role in this tenant cannot create agents. Ask an admin or a member with write access.</Alert>
      </>
    );
  }

  const defaultTrust = tenant.data?.config.defaultTrustLevel;
  const defaultTrustLabel =
    defaultTrust === undefined ? "Tenant default" : `Tenant default (${defaultTrust} · ${trustInfo(defaultTrust).label})`;
  const teamName = new Map((teams.data ?? []).map((t) => [t.id, t.name]));

  if (created) {
    return (
      <>
        <PageHeader
          title="Agent created"
          description={`${created.agent.name} is ready. Give it this secret: it exchanges it for short-lived tokens.`}
        />
        <div className="max-w-3xl space-y-6">
          <Card className="p-6">
            <SecretReveal label="Agent secret" value={created.secret}>
              Only a hash of this secret is stored. If you lose it, rotate the secret from the agent's page and update the agent.
            </SecretReveal>
          </Card>
          <ConnectAgentPanel agent={created.agent} secret={created.secret} />
          <div className="flex flex-wrap gap-2">
            <Link to="/t/$tenantId/agents/$agentId" params={{ tenantId, agentId: created.agent.id }} className={buttonClass("primary")}>
              I have stored the secret — open the agent
            </Link>
            <Button
              variant="secondary"
              onClick={() => {
                setCreated(null);
                setStep(0);
                form.reset();
              }}
            >
              Create another agent
            </Button>
          </div>
        </div>
      </>
    );
  }

  return (
    <>
      <PageHeader
        title="New agent"
        eyebrow={
          <Link to="/t/$tenantId/agents" params={{ tenantId }} className="text-indigo-700 underline-offset-2 hover:underline">
            ← Agents
          </Link>
        }
      />
      <nav aria-label="Steps" className="mb-6">
        <ol className="flex flex-wrap gap-2">
          {STEPS.map((s, i) => (
            <li
              key={s.title}
              aria-current={i === step ? "step" : undefined}
              className={`flex items-center gap-2 rounded-full px-3 py-1 text-sm ${i === step ? "bg-indigo-600 font-medium text-white" : i < step ? "bg-indigo-50 text-indigo-800" : "bg-zinc-100 text-zinc-700"}`}
            >
              <span aria-hidden="true" className="flex size-5 items-center justify-center rounded-full bg-white/20 text-xs">
                {i < step ? <Check className="size-3.5" /> : i + 1}
              </span>
              <span>
                <span className="sr-only">Step {i + 1}: </span>
                {s.title}
                {i < step && <span className="sr-only"> (done)</span>}
              </span>
            </li>
          ))}
        </ol>
      </nav>

      <Card className="max-w-3xl p-6">
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (step < STEPS.length - 1) void next();
            else void create.submit();
          }}
          className="space-y-6"
        >
          <h2 className="text-lg font-semibold text-zinc-900">
            Step {step + 1} of {STEPS.length}: {STEPS[step]!.title}
          </h2>
          <FormAlert errors={errors} />

          {step === 0 && (
            <>
              <FieldSet
                legend="Role template"
                hint="A starting point: it picks the tools the agent begins with. You can change them in the next step."
                error={errors.template?.message}
              >
                <div className="grid gap-3 sm:grid-cols-2">
                  {AGENT_TEMPLATES.map((t) => (
                    <label
                      key={t}
                      className={`flex cursor-pointer gap-3 rounded-md p-3 ring-1 ring-inset ${values.template === t ? "bg-indigo-50 ring-indigo-400" : "ring-zinc-200 hover:bg-zinc-50"}`}
                    >
                      <input
                        type="radio"
                        value={t}
                        className="mt-1 accent-indigo-600"
                        {...form.register("template", {
                          onChange: (e) => form.setValue("toolCategories", [...TEMPLATE_DEFAULTS[e.target.value as AgentTemplate].tools]),
                        })}
                      />
                      <span>
                        <span className="block text-sm font-medium text-zinc-900">{TEMPLATE_DEFAULTS[t].label}</span>
                        <span className="block text-xs text-zinc-600">{TEMPLATE_DEFAULTS[t].description}</span>
                      </span>
                    </label>
                  ))}
                </div>
              </FieldSet>
              <Field label="Agent name" error={errors.name?.message}>
                <Input autoComplete="off" placeholder="e.g. Release PM" {...form.register("name")} />
              </Field>
              <Field label="Description (optional)" error={errors.description?.message}>
                <Textarea rows={2} {...form.register("description")} />
              </Field>
            </>
          )}

          {step === 1 && (
            <>
              <FieldSet
                legend="Tools"
                hint={`Prefilled from the ${TEMPLATE_DEFAULTS[values.template].label} template.`}
                error={errors.toolCategories?.message}
              >
                <Controller
                  control={form.control}
                  name="toolCategories"
                  render={({ field }) => (
                    <CheckboxGroup
                      name="toolCategories"
                      options={TOOL_OPTIONS}
                      value={field.value}
                      onChange={(v) => field.onChange(v as ToolCategory[])}
                      columns={3}
                    />
                  )}
                />
              </FieldSet>
              <Field
                label="Trust level"
                error={errors.trustLevel?.message}
                hint={`${trustHint(values.trustLevel === "" ? defaultTrust : values.trustLevel)} Start low; raise it later.`}
              >
                <TrustLevelSelect defaultOption={defaultTrustLabel} {...form.register("trustLevel")} />
              </Field>
            </>
          )}

          {step === 2 && (
            <FieldSet
              legend="Teams"
              hint="Agents talk to each other inside teams. You can also add the agent to teams later."
              error={errors.teamIds?.message}
            >
              {teams.isPending ? (
                <LoadingState label="Loading teams…" />
              ) : teams.isError ? (
                <ErrorState error={teams.error} onRetry={() => void teams.refetch()} />
              ) : teams.data.length === 0 ? (
                <EmptyState title="No teams yet" description="Skip this step; create a team later and add the agent to it." />
              ) : (
                <Controller
                  control={form.control}
                  name="teamIds"
                  render={({ field }) => (
                    <CheckboxGroup
                      name="teamIds"
                      options={teams.data.map((t) => ({
                        value: t.id,
                        label: t.name,
                        description: t.description || `${t.agentIds.length} agents`,
                      }))}
                      value={field.value}
                      onChange={field.onChange}
                    />
                  )}
                />
              )}
            </FieldSet>
          )}

          {step === 3 && (
            <dl className="divide-y divide-zinc-200 rounded-md ring-1 ring-zinc-200">
              <ReviewRow label="Name">{values.name}</ReviewRow>
              <ReviewRow label="Template">{TEMPLATE_DEFAULTS[values.template].label}</ReviewRow>
              {values.description && <ReviewRow label="Description">{values.description}</ReviewRow>}
              <ReviewRow label="Tools">
                {values.toolCategories.length === 0 ? (
                  "None"
                ) : (
                  <span className="flex flex-wrap gap-1">
                    {values.toolCategories.map((t) => (
                      <Badge key={t}>{toolLabel(t)}</Badge>
                    ))}
                  </span>
                )}
              </ReviewRow>
              <ReviewRow label="Trust level">
                {values.trustLevel === "" ? defaultTrustLabel : `${values.trustLevel} · ${trustInfo(Number(values.trustLevel)).label}`}
              </ReviewRow>
              <ReviewRow label="Teams">
                {values.teamIds.length === 0 ? "None" : values.teamIds.map((id) => teamName.get(id) ?? id).join(", ")}
              </ReviewRow>
            </dl>
          )}

          <div className="flex flex-wrap justify-between gap-2 border-t border-zinc-200 pt-4">
            {step > 0 ? (
              <Button variant="secondary" onClick={() => setStep((s) => s - 1)} disabled={create.isPending}>
                Back
              </Button>
            ) : (
              <Button variant="secondary" onClick={() => navigate({ to: "/t/$tenantId/agents", params: { tenantId } })}>
                Cancel
              </Button>
            )}
            {step < STEPS.length - 1 ? (
              <Button type="submit">Next: {STEPS[step + 1]!.title}</Button>
            ) : (
              <Button type="submit" pending={create.isPending}>
                Create agent
              </Button>
            )}
          </div>
        </form>
      </Card>
    </>
  );
}

function ReviewRow({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="grid grid-cols-3 gap-4 px-4 py-3 text-sm">
      <dt className="font-medium text-zinc-700">{label}</dt>
      <dd className="col-span-2 text-zinc-900">{children}</dd>
    </div>
  );
}

import { useQueryClient } from "@tanstack/react-query";
import { Controller, type FieldErrors } from "react-hook-form";
import {
  ALERT_LIMITS,
  ALERT_SEVERITIES,
  CreateAlertRuleInputSchema,
  RULE_DEFAULTS,
  type AlertSeverity,
  type CreateAlertRuleInput,
} from "@shared/schemas/alerts";
import { CheckboxGroup } from "@/components/checkbox-group";
import { useTenant } from "@/components/layout/tenant-context";
import {
  Button,
  Checkbox,
  Dialog,
  DialogClose,
  DialogContent,
  DialogFooter,
  Field,
  FormAlert,
  Input,
  Label,
  Select,
  Textarea,
} from "@/components/ui";
import { humanize, ordinal } from "@/lib/format";
import { useFormMutation, useSchemaForm } from "@/lib/forms";
import { OUTCOMES } from "../audit/audit-search";
import { alertKeys, alertsApi, type AlertRule, type Webhook } from "./alerts-api";

/** Form values: strings where inputs give strings; named after the API's fields so its errors land on them. */
type RuleForm = {
  name: string;
  description: string;
  match: { action: string; outcome: string };
  threshold: string;
  windowMinutes: string;
  severity: AlertSeverity;
  enabled: boolean;
  webhookIds: string[];
};

/** What the dialog starts from: a rule being edited, a template, or nothing (defaults). */
export type RuleDraft = { rule: AlertRule } | { template: CreateAlertRuleInput; title: string; description: string } | { blank: true };

function formValues(draft: RuleDraft): RuleForm {
  const src: CreateAlertRuleInput =
    "rule" in draft ? draft.rule : "template" in draft ? draft.template : { name: "", match: { action: "" } };
  return {
    name: src.name,
    // A template's own explanation is a good start for the rule's description.
    description: src.description ?? ("template" in draft ? draft.description : RULE_DEFAULTS.description),
    match: { action: src.match.action, outcome: src.match.outcome ?? "" },
    threshold: String(src.threshold ?? RULE_DEFAULTS.threshold),
    windowMinutes: String((src.windowSeconds ?? RULE_DEFAULTS.windowSeconds) / 60),
    severity: src.severity ?? RULE_DEFAULTS.severity,
    enabled: src.enabled ?? RULE_DEFAULTS.enabled,
    webhookIds: [...(src.webhookIds ?? [])],
  };
}

/** A number input's text as a number; empty is NaN ("Enter a number."), not 0 ("Enter 1 or more."). */
const numberField = (text: string) => (text.trim() === "" ? Number.NaN : Number(text));

/** Form → API input. Match conditions the form does not show (actor, event severity) are kept as they were. */
function toInput(draft: RuleDraft, v: RuleForm): CreateAlertRuleInput {
  const kept = "rule" in draft ? draft.rule.match : "template" in draft ? draft.template.match : {};
  const { outcome: _old, ...keptWithoutOutcome } = kept as CreateAlertRuleInput["match"];
  return {
    name: v.name,
    description: v.description,
    match: {
      ...keptWithoutOutcome,
      action: v.match.action.trim(),
      ...(v.match.outcome ? { outcome: v.match.outcome as "success" | "failure" | "denied" } : {}),
    },
    threshold: numberField(v.threshold),
    windowSeconds: Math.round(numberField(v.windowMinutes) * 60),
    severity: v.severity,
    enabled: v.enabled,
    webhookIds: v.webhookIds,
  };
}

const WINDOW_MINUTES = { min: ALERT_LIMITS.minWindowSeconds / 60, max: ALERT_LIMITS.maxWindowSeconds / 60 };

/** The threshold field's hint, for whatever is typed (nothing, 0 and 2.5 included). */
export function thresholdHint(value: string): string {
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < 1) return "How many matching events make an alert: 1 fires on every one.";
  return n === 1 ? "1 = every matching event fires." : `Fires at the ${ordinal(n)} match in the window.`;
}

/** 10 → "10 seconds", 86400 → "24 hours". */
const spoken = (seconds: number) =>
  seconds % 3600 === 0 ? `${seconds / 3600} hours` : seconds % 60 === 0 ? `${seconds / 60} minutes` : `${seconds} seconds`;

/** What is wrong with the window, in the minutes the form asks for. */
export function windowMinutesProblem(value: string): string {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) return "Enter a number of minutes.";
  const minutes = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 2 });
  return `Enter between ${minutes(WINDOW_MINUTES.min)} and ${minutes(WINDOW_MINUTES.max)} minutes (${spoken(ALERT_LIMITS.minWindowSeconds)} to ${spoken(ALERT_LIMITS.maxWindowSeconds)}).`;
}

export function RuleDialog({ draft, webhooks, onClose }: { draft: RuleDraft | null; webhooks: Webhook[]; onClose: () => void }) {
  return (
    <Dialog open={draft !== null} onOpenChange={(o) => !o && onClose()}>
      {draft && (
        <RuleFormContent
          key={"rule" in draft ? draft.rule.id : "template" in draft ? draft.title : "blank"}
          draft={draft}
          webhooks={webhooks}
          onDone={onClose}
        />
      )}
    </Dialog>
  );
}

function RuleFormContent({ draft, webhooks, onDone }: { draft: RuleDraft; webhooks: Webhook[]; onDone: () => void }) {
  const { tenantId } = useTenant();
  const queryClient = useQueryClient();
  const editing = "rule" in draft ? draft.rule : null;
  const form = useSchemaForm<RuleForm, typeof CreateAlertRuleInputSchema>(CreateAlertRuleInputSchema, {
    defaultValues: formValues(draft),
    toInput: (v: RuleForm) => toInput(draft, v),
  });
  const { errors } = form.formState;
  // The API names the window in seconds; the form asks for minutes, so its limits are said in minutes.
  const windowError = (errors as FieldErrors<{ windowSeconds: number }>).windowSeconds && windowMinutesProblem(form.watch("windowMinutes"));
  const threshold = form.watch("threshold");

  const save = useFormMutation(form, {
    mutationFn: (input) => (editing ? alertsApi.updateRule(tenantId, editing.id, input) : alertsApi.createRule(tenantId, input)),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: alertKeys.rules(tenantId) });
      onDone();
    },
  });

  const title = editing ? `Edit rule: ${editing.name}` : "title" in draft ? `New rule from template: ${draft.title}` : "New alert rule";
  return (
    <DialogContent
      title={title}
      description="A rule watches audit events as they are written and fires an alert when enough of them match."
      className="sm:max-w-2xl"
    >
      <form onSubmit={save.submit} noValidate className="space-y-4">
        <FormAlert errors={errors} />
        <Field label="Name" error={errors.name?.message}>
          <Input autoComplete="off" {...form.register("name")} />
        </Field>
        <Field label="Description (optional)" error={errors.description?.message}>
          <Textarea rows={2} {...form.register("description")} />
        </Field>
        <fieldset className="space-y-3 rounded-md p-4 ring-1 ring-zinc-200">
          <legend className="px-1 text-sm font-medium text-zinc-800">Which events</legend>
          <div className="grid gap-3 sm:grid-cols-[1fr_12rem]">
            <Field
              label="Action"
              error={errors.match?.action?.message}
              hint="Exact, like agent.suspended, or a prefix ending in .* like relay.*"
            >
              <Input spellCheck={false} autoComplete="off" className="font-mono" {...form.register("match.action")} />
            </Field>
            <Field label="Outcome" error={errors.match?.outcome?.message}>
              <Select {...form.register("match.outcome")}>
                <option value="">Any outcome</option>
                {OUTCOMES.map((o) => (
                  <option key={o} value={o}>
                    {humanize(o)}
                  </option>
                ))}
              </Select>
            </Field>
          </div>
        </fieldset>
        <fieldset className="space-y-3 rounded-md p-4 ring-1 ring-zinc-200">
          <legend className="px-1 text-sm font-medium text-zinc-800">When it fires</legend>
          <div className="grid gap-3 sm:grid-cols-3">
            <Field label="Threshold (events)" error={errors.threshold?.message} hint={thresholdHint(threshold)}>
              <Input type="number" min={1} max={ALERT_LIMITS.maxThreshold} step={1} inputMode="numeric" {...form.register("threshold")} />
            </Field>
            <Field
              label="Window (minutes)"
              error={windowError}
              hint={
                threshold === "1"
                  ? "After it fires, matches within this time join the same alert."
                  : "Matches are counted over this window; after it fires, more matches within it join the same alert."
              }
            >
              <Input
                type="number"
                min={WINDOW_MINUTES.min}
                max={WINDOW_MINUTES.max}
                step="any"
                inputMode="decimal"
                {...form.register("windowMinutes")}
              />
            </Field>
            <Field label="Alert severity" error={errors.severity?.message}>
              <Select {...form.register("severity")}>
                {ALERT_SEVERITIES.map((s) => (
                  <option key={s} value={s}>
                    {humanize(s)}
                  </option>
                ))}
              </Select>
            </Field>
          </div>
        </fieldset>
        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-zinc-800">Also send to webhooks</legend>
          {webhooks.length === 0 ? (
            <p className="text-sm text-zinc-600">
              No webhooks yet. Alerts show in the dashboard; add a webhook on this page to get them in your own systems too.
            </p>
          ) : (
            <Controller
              control={form.control}
              name="webhookIds"
              render={({ field }) => (
                <CheckboxGroup
                  name="webhookIds"
                  columns={1}
                  options={webhooks.map((w) => ({
                    value: w.id,
                    label: <span className="font-mono text-[13px] break-all">{w.url}</span>,
                    description: w.description || undefined,
                  }))}
                  value={field.value}
                  onChange={field.onChange}
                />
              )}
            />
          )}
          {errors.webhookIds?.message && <p className="text-sm text-red-700">{errors.webhookIds.message}</p>}
        </fieldset>
        <div className="flex items-center gap-2">
          <Checkbox id="rule-enabled" {...form.register("enabled")} />
          <Label htmlFor="rule-enabled">Enabled</Label>
        </div>
        <DialogFooter>
          <DialogClose asChild>
            <Button variant="secondary">Cancel</Button>
          </DialogClose>
          <Button type="submit" pending={save.isPending}>
            {editing ? "Save rule" : "Create rule"}
          </Button>
        </DialogFooter>
      </form>
    </DialogContent>
  );
}

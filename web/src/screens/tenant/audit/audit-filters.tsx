import { Filter, X } from "lucide-react";
import { useRef, type FormEvent } from "react";
import { Button, Field, Input, Select } from "@/components/ui";
import { formatDateTime } from "@/lib/format";
import { actorTypeLabel, outcomeLabel, severityLabel } from "./audit-badges";
import { ACTOR_TYPES, FILTER_KEYS, OUTCOMES, SEVERITIES, type AuditFilters } from "./audit-search";

const LABELS: Record<(typeof FILTER_KEYS)[number], string> = {
  q: "Search",
  action: "Action",
  actorType: "Actor type",
  actorId: "Actor id",
  targetType: "Target type",
  targetId: "Target id",
  severity: "Severity",
  outcome: "Outcome",
  from: "From",
  to: "Before",
};

/** `<input type="datetime-local">` speaks local time without a zone; the URL and the API speak UTC ISO. */
function toLocalInput(iso: string | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
const fromLocalInput = (value: string) => (value ? new Date(value).toISOString() : undefined);

function valueLabel(key: (typeof FILTER_KEYS)[number], filters: AuditFilters): string {
  const v = filters[key];
  if (key === "from" || key === "to") return formatDateTime(v as string);
  if (key === "severity") return severityLabel(filters.severity!);
  if (key === "outcome") return outcomeLabel(filters.outcome!);
  if (key === "actorType") return actorTypeLabel(filters.actorType!);
  return String(v);
}

/**
 * The filter bar. The URL is the state: the form starts from it (and is re-created when it
 * changes: back button, a removed chip), and applying writes the URL back.
 */
export function AuditFilterBar({
  filters,
  onChange,
  knownActions,
}: {
  filters: AuditFilters;
  onChange: (next: AuditFilters) => void;
  knownActions: string[];
}) {
  const formRef = useRef<HTMLFormElement>(null);
  const advancedActive = Boolean(
    filters.actorType || filters.actorId || filters.targetType || filters.targetId || filters.from || filters.to,
  );

  const apply = (e?: FormEvent) => {
    e?.preventDefault();
    const data = new FormData(formRef.current!);
    const str = (name: string) => {
      const v = String(data.get(name) ?? "").trim();
      return v === "" ? undefined : v;
    };
    onChange({
      q: str("q"),
      action: str("action"),
      severity: str("severity") as AuditFilters["severity"],
      outcome: str("outcome") as AuditFilters["outcome"],
      actorType: str("actorType") as AuditFilters["actorType"],
      actorId: str("actorId"),
      targetType: str("targetType"),
      targetId: str("targetId"),
      from: fromLocalInput(String(data.get("from") ?? "")),
      to: fromLocalInput(String(data.get("to") ?? "")),
    });
  };
  const active = FILTER_KEYS.filter((k) => filters[k] !== undefined);

  return (
    <div className="mb-4 space-y-3">
      <form
        ref={formRef}
        key={JSON.stringify(filters)}
        onSubmit={apply}
        role="search"
        aria-label="Filter audit events"
        className="rounded-lg bg-white p-4 shadow-xs ring-1 ring-zinc-200"
      >
        <div className="flex flex-wrap items-end gap-3">
          <Field label="Search actions" className="w-56 space-y-1">
            <Input name="q" type="search" defaultValue={filters.q ?? ""} placeholder="e.g. login" />
          </Field>
          <Field label="Exact action" className="w-56 space-y-1">
            <Input
              name="action"
              defaultValue={filters.action ?? ""}
              placeholder="e.g. agent.suspended"
              spellCheck={false}
              list="audit-known-actions"
            />
          </Field>
          <datalist id="audit-known-actions">
            {knownActions.map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
          <Field label="Severity" className="w-36 space-y-1">
            <Select name="severity" defaultValue={filters.severity ?? ""} onChange={() => apply()}>
              <option value="">Any</option>
              {SEVERITIES.map((s) => (
                <option key={s} value={s}>
                  {severityLabel(s)}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Outcome" className="w-36 space-y-1">
            <Select name="outcome" defaultValue={filters.outcome ?? ""} onChange={() => apply()}>
              <option value="">Any</option>
              {OUTCOMES.map((o) => (
                <option key={o} value={o}>
                  {outcomeLabel(o)}
                </option>
              ))}
            </Select>
          </Field>
          <div className="flex gap-2">
            <Button type="submit" variant="secondary">
              <Filter className="size-4" aria-hidden="true" /> Apply filters
            </Button>
          </div>
        </div>
        <details className="mt-3 group" open={advancedActive}>
          <summary className="cursor-pointer text-sm font-medium text-indigo-700 select-none">
            More filters: actor, target, time range
          </summary>
          <div className="mt-3 flex flex-wrap items-end gap-3">
            <Field label="Actor type" className="w-36 space-y-1">
              <Select name="actorType" defaultValue={filters.actorType ?? ""}>
                <option value="">Any</option>
                {ACTOR_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {actorTypeLabel(t)}
                  </option>
                ))}
              </Select>
            </Field>
            <Field label="Actor id" className="w-52 space-y-1">
              <Input name="actorId" defaultValue={filters.actorId ?? ""} spellCheck={false} placeholder="usr_…, agt_…" />
            </Field>
            <Field label="Target type" className="w-36 space-y-1">
              <Input name="targetType" defaultValue={filters.targetType ?? ""} spellCheck={false} placeholder="agent" />
            </Field>
            <Field label="Target id" className="w-52 space-y-1">
              <Input name="targetId" defaultValue={filters.targetId ?? ""} spellCheck={false} />
            </Field>
            <Field label="From (your local time)" className="w-56 space-y-1">
              <Input name="from" type="datetime-local" defaultValue={toLocalInput(filters.from)} />
            </Field>
            <Field label="Before (your local time)" className="w-56 space-y-1">
              <Input name="to" type="datetime-local" defaultValue={toLocalInput(filters.to)} />
            </Field>
          </div>
        </details>
      </form>
      {active.length > 0 && (
        <div className="flex flex-wrap items-center gap-2 text-sm" aria-label="Active filters" role="group">
          <span className="text-zinc-600">Showing events where</span>
          {active.map((k) => (
            <button
              key={k}
              type="button"
              onClick={() => onChange({ ...filters, [k]: undefined })}
              className="inline-flex items-center gap-1 rounded-full bg-indigo-50 px-2.5 py-1 text-xs font-medium text-indigo-800 ring-1 ring-indigo-600/30 ring-inset hover:bg-indigo-100"
              aria-label={`Remove filter ${LABELS[k]}: ${valueLabel(k, filters)}`}
            >
              {LABELS[k]}: <span className="font-mono">{valueLabel(k, filters)}</span>
              <X className="size-3" aria-hidden="true" />
            </button>
          ))}
          <button
            type="button"
            className="text-xs font-medium text-zinc-700 underline underline-offset-2 hover:text-zinc-900"
            onClick={() => onChange({})}
          >
            Clear all
          </button>
        </div>
      )}
    </div>
  );
}

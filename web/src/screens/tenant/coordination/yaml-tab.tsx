/** The team as YAML: export, edit, see the dry-run diff, then apply (coordination admins). */
import { useEffect, useState } from "react";
import { Alert, Badge, Button, CardSection, Field, SecretReveal, Textarea } from "@/components/ui";
import { QueryState } from "@/components/query-state";
import type { TeamWithAgents } from "@/lib/types";
import type { TeamChange } from "./coordination-api";
import { useAction } from "./use-action";
import { useCoordActions, useCoordQuery } from "./use-coordination";

function describeChange(ch: TeamChange): string {
  const rest = Object.entries(ch)
    .filter(([k]) => k !== "kind" && k !== "agentId")
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join(", ");
  return rest;
}

export function YamlTab({ team }: { team: TeamWithAgents }) {
  const teamId = team.team.id;
  const exported = useCoordQuery(teamId, "yaml", (api) => api.exportYaml(), false);
  const { api, refresh, canAdmin } = useCoordActions(teamId);
  const [text, setText] = useState("");
  const [plan, setPlan] = useState<{
    changes: TeamChange[];
    applied: boolean;
    createdAgents: Array<{ id: string; name: string; secret: string }>;
  } | null>(null);
  const { error, pending, run } = useAction(refresh);
  useEffect(() => {
    if (exported.data && !text) setText(exported.data.yaml);
  }, [exported.data, text]);

  return (
    <QueryState query={exported} loadingLabel="Exporting the team…">
      {() => (
        <CardSection
          title="Team as YAML"
          description="Agents by name, the allowlist by role or agent name, coordination settings. Preview the diff, then apply; applying the same document twice changes nothing."
        >
          <div className="space-y-3">
            <Field label="Team document">
              <Textarea
                rows={18}
                className="font-mono text-xs"
                value={text}
                onChange={(e) => (setText(e.target.value), setPlan(null))}
                spellCheck={false}
                readOnly={!canAdmin}
              />
            </Field>
            {canAdmin ? (
              <div className="flex gap-2">
                <Button variant="secondary" pending={pending} onClick={() => void run(async () => setPlan(await api.apply(text, true)))}>
                  Preview changes
                </Button>
                <Button
                  disabled={!plan || plan.applied || plan.changes.length === 0}
                  pending={pending}
                  onClick={() =>
                    void run(async () => {
                      const result = await api.apply(text, false);
                      setPlan(result);
                      setText(result.yaml);
                    })
                  }
                >
                  Apply
                </Button>
              </div>
            ) : (
              <p className="text-sm text-zinc-600">Applying needs the coordination:admin permission (admins and owners).</p>
            )}
            {error && <Alert tone="danger">{error}</Alert>}
            {plan && (
              <section aria-label="Changes">
                <h3 className="mb-2 text-sm font-semibold text-zinc-900">
                  {plan.applied
                    ? `Applied ${plan.changes.length} changes`
                    : plan.changes.length === 0
                      ? "No changes: the team already matches"
                      : `${plan.changes.length} changes (dry run)`}
                </h3>
                <ul className="space-y-1 text-sm">
                  {plan.changes.map((ch, i) => (
                    <li key={i} className="flex gap-2">
                      <Badge
                        tone={
                          ch.kind.endsWith("remove") ? "danger" : ch.kind.endsWith("add") || ch.kind.endsWith("create") ? "success" : "info"
                        }
                      >
                        {ch.kind}
                      </Badge>
                      <span className="font-mono text-xs text-zinc-700">{describeChange(ch)}</span>
                    </li>
                  ))}
                </ul>
                {plan.createdAgents.map((a) => (
                  <div key={a.id} className="mt-3">
                    <SecretReveal label={`Secret of ${a.name}`} value={a.secret} />
                  </div>
                ))}
              </section>
            )}
          </div>
        </CardSection>
      )}
    </QueryState>
  );
}

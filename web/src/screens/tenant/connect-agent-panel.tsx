/**
 * "Connect this agent": what a person needs to run the agent's program — the API address, the
 * agent's and its team's ids, the environment variables, the SDK install command and a program
 * (sdk/README.md's quick start), each with a copy button. Shown right after the agent is created
 * (with its secret in the env file, the only time it is known) and on the agent's page (without).
 */
import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState, type ReactNode } from "react";
import { useTenant } from "@/components/layout/tenant-context";
import { Alert, CardSection, CodeBlock, Field, IdValue, Select } from "@/components/ui";
import { agentApiOrigin } from "@/lib/agent-api-origin";
import { envFile, installCommand, program, PROGRAM_FILE } from "@/lib/agent-connection";
import { teamsQuery } from "@/lib/queries";
import type { Agent } from "@/lib/types";

export function ConnectAgentPanel({
  agent,
  secret,
  showAgentId = true,
  className,
}: {
  agent: Agent;
  secret?: string;
  showAgentId?: boolean;
  className?: string;
}) {
  const { tenantId, can } = useTenant();
  const teams = useQuery(teamsQuery(tenantId));
  const [chosenTeam, setChosenTeam] = useState<string | undefined>(undefined);
  const teamId = chosenTeam !== undefined && agent.teamIds.includes(chosenTeam) ? chosenTeam : agent.teamIds[0];
  const teamName = (id: string) => teams.data?.find((t) => t.id === id)?.name ?? id;
  const apiOrigin = agentApiOrigin();
  const connection = { apiOrigin, agentId: agent.id, secret, teamId };

  return (
    <section aria-label="Connect this agent" className={className}>
      <CardSection
        title="Connect this agent"
        description="Your agent's program connects to its team's relay with the Switchboard SDK. It exchanges the agent's secret for short-lived tokens by itself."
      >
        <div className="space-y-5">
          <dl className="grid items-center gap-x-4 gap-y-2 text-sm sm:grid-cols-[8rem_minmax(0,1fr)]">
            <dt className="font-medium text-zinc-700">API URL</dt>
            <dd>
              <IdValue id={apiOrigin} label="API URL" />
            </dd>
            {showAgentId && (
              <>
                <dt className="font-medium text-zinc-700">Agent ID</dt>
                <dd>
                  <IdValue id={agent.id} label="agent ID" />
                </dd>
              </>
            )}
            <dt className="font-medium text-zinc-700">Team</dt>
            <dd className="min-w-0">
              {teamId === undefined ? (
                <span className="text-zinc-700">Not in a team yet</span>
              ) : (
                <span className="flex flex-wrap items-center gap-x-2 gap-y-1">
                  {agent.teamIds.length > 1 ? (
                    <Field label={<span className="sr-only">Team to connect to</span>} className="w-56">
                      <Select value={teamId} onChange={(e) => setChosenTeam(e.target.value)}>
                        {agent.teamIds.map((id) => (
                          <option key={id} value={id}>
                            {teamName(id)}
                          </option>
                        ))}
                      </Select>
                    </Field>
                  ) : (
                    <span className="font-medium text-zinc-900">{teamName(teamId)}</span>
                  )}
                  <IdValue id={teamId} label="team ID" />
                </span>
              )}
            </dd>
          </dl>

          {teamId === undefined && (
            <Alert tone="warning" title="Add the agent to a team first">
              Agents talk to each other inside a team, over its relay. {secret ? "Once you have stored the secret, open " : "Open "}
              <Link to="/t/$tenantId/teams" params={{ tenantId }} className="font-medium underline underline-offset-2">
                Teams
              </Link>{" "}
              to create one or add {agent.name} to one; the agent's page then shows its team ID.
            </Alert>
          )}

          <Step
            n={1}
            title="Put these in the agent's environment"
            intro={
              secret
                ? "The file holds the agent's secret: keep it out of version control."
                : `The secret was shown only when the agent was created. ${can("agents:credentials") ? "If you no longer have it, rotate it on this page." : "If it is lost, an owner or admin can rotate it."}`
            }
          >
            <CodeBlock code={envFile(connection)} label="environment variables" caption=".env" />
          </Step>
          <Step n={2} title="Install the SDK">
            <CodeBlock code={installCommand} label="install command" caption="shell" />
          </Step>
          <Step
            n={3}
            title="Run the agent"
            intro={
              <>
                An ES module (top-level <code className="font-mono">await</code>): save it as{" "}
                <code className="font-mono">{PROGRAM_FILE}</code>, or as a <code className="font-mono">.js</code> file in a package with{" "}
                <code className="font-mono">"type": "module"</code>.
              </>
            }
          >
            <CodeBlock code={program} label="code" caption={PROGRAM_FILE} />
          </Step>

          <p className="text-sm text-zinc-700">
            Connected agents may message no one until the team's allowlist has a rule for them (everything else is refused).
            {teamId !== undefined && (
              <>
                {" "}
                <Link
                  to="/t/$tenantId/teams/$teamId/allowlist"
                  params={{ tenantId, teamId }}
                  className="font-medium text-indigo-700 underline-offset-2 hover:underline"
                >
                  Open {teamName(teamId)}'s allowlist
                </Link>
                .
              </>
            )}
          </p>
        </div>
      </CardSection>
    </section>
  );
}

function Step({ n, title, intro, children }: { n: number; title: string; intro?: ReactNode; children: ReactNode }) {
  return (
    <div className="space-y-2">
      <h3 className="flex items-center gap-2 text-sm font-semibold text-zinc-900">
        <span aria-hidden="true" className="flex size-5 items-center justify-center rounded-full bg-indigo-100 text-xs text-indigo-800">
          {n}
        </span>
        {title}
      </h3>
      {intro && <p className="text-sm text-zinc-700">{intro}</p>}
      {children}
    </div>
  );
}

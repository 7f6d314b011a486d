/** Who is online: each agent's capabilities, last seen, status line and current task. */
import { Badge, CardSection, Table, TBody, Td, Th, THead, Tr } from "@/components/ui";
import { QueryState } from "@/components/query-state";
import { formatRelative } from "@/lib/format";
import type { TeamWithAgents } from "@/lib/types";
import { useCoordQuery } from "./use-coordination";

export function OnlineTab({ team }: { team: TeamWithAgents }) {
  const agents = useCoordQuery(team.team.id, "agents", (api) => api.agents());
  return (
    <QueryState query={agents} loadingLabel="Loading agents…">
      {({ agents: list }) => (
        <CardSection title="Who is online" description="Online: a heartbeat or any coordination call in the last minute.">
          <Table caption="Agents and presence">
            <THead>
              <Tr>
                <Th>Agent</Th>
                <Th>Presence</Th>
                <Th>Capabilities</Th>
                <Th>Status</Th>
                <Th>Current task</Th>
              </Tr>
            </THead>
            <TBody>
              {list.map((a) => (
                <Tr key={a.agentId}>
                  <Td>
                    <div className="font-medium text-zinc-900">{a.name}</div>
                    <div className="text-xs text-zinc-500">
                      {a.template} · trust {a.trustLevel}
                    </div>
                  </Td>
                  <Td>
                    {a.online ? (
                      <Badge tone="success">online</Badge>
                    ) : (
                      <Badge>{a.lastSeenAt ? `seen ${formatRelative(a.lastSeenAt)}` : "never seen"}</Badge>
                    )}
                  </Td>
                  <Td>{a.capabilities.join(", ")}</Td>
                  <Td>{a.statusText ?? "—"}</Td>
                  <Td className="font-mono text-xs">{a.currentTask ?? "—"}</Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        </CardSection>
      )}
    </QueryState>
  );
}

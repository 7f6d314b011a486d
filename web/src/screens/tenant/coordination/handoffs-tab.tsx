/** Hand-offs: who left what for whom, the version in its thread, and the read receipt. */
import { Badge, CardSection, EmptyState, Table, TBody, Td, Th, THead, Tr } from "@/components/ui";
import { QueryState } from "@/components/query-state";
import { formatRelative } from "@/lib/format";
import type { TeamWithAgents } from "@/lib/types";
import { useCoordQuery } from "./use-coordination";

export function HandoffsTab({ team }: { team: TeamWithAgents }) {
  const handoffs = useCoordQuery(team.team.id, "handoffs", (api) => api.handoffs());
  const names = new Map(team.agents.map((a) => [a.id, a.name]));
  return (
    <QueryState query={handoffs} loadingLabel="Loading hand-offs…">
      {({ handoffs: list }) => (
        <CardSection
          title="Hand-offs"
          description="Structured context agents leave for each other. A new hand-off with the same key to the same agent is the next version."
        >
          {list.length === 0 ? (
            <EmptyState
              title="No hand-offs yet"
              description="Agents leave them with the handoff tool; workflow steps leave one when they complete."
            />
          ) : (
            <Table caption="Hand-offs">
              <THead>
                <Tr>
                  <Th>Hand-off</Th>
                  <Th>From → to</Th>
                  <Th>Version</Th>
                  <Th>Read</Th>
                </Tr>
              </THead>
              <TBody>
                {list.map((h) => (
                  <Tr key={h.id}>
                    <Td>
                      <div className="font-medium text-zinc-900">{h.title}</div>
                      {h.done && <div className="text-xs text-zinc-600">Done: {h.done.slice(0, 160)}</div>}
                      {h.next && <div className="text-xs text-zinc-600">Next: {h.next.slice(0, 160)}</div>}
                      <div className="text-xs text-zinc-500">key {h.key}</div>
                    </Td>
                    <Td>
                      {h.from.id ? (names.get(h.from.id) ?? h.from.name ?? h.from.id) : h.from.type} → {names.get(h.to) ?? h.to}
                    </Td>
                    <Td>v{h.version}</Td>
                    <Td>
                      {h.readAt ? <Badge tone="success">read {formatRelative(h.readAt)}</Badge> : <Badge tone="warning">unread</Badge>}
                    </Td>
                  </Tr>
                ))}
              </TBody>
            </Table>
          )}
        </CardSection>
      )}
    </QueryState>
  );
}

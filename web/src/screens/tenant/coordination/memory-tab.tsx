/** The memory browser: full-text search (FTS5) over the team's and every agent's entries; delete one. */
import { useState } from "react";
import { Alert, ActionsTh, Badge, Button, CardSection, EmptyState, Field, Input, Table, TBody, Td, Th, THead, Tr } from "@/components/ui";
import { QueryState } from "@/components/query-state";
import { formatRelative } from "@/lib/format";
import type { TeamWithAgents } from "@/lib/types";
import { useAction } from "./use-action";
import { useCoordActions, useCoordQuery } from "./use-coordination";

export function MemoryTab({ team }: { team: TeamWithAgents }) {
  const teamId = team.team.id;
  const [draft, setDraft] = useState("");
  const [query, setQuery] = useState("");
  const memories = useCoordQuery(teamId, `memory:${query}`, (api) => api.memory(query));
  const { api, refresh, canWrite } = useCoordActions(teamId);
  const { error, run } = useAction(refresh);
  const names = new Map(team.agents.map((a) => [a.id, a.name]));
  return (
    <CardSection
      title="Memory"
      description="Episodic, working and procedural entries, private to an agent or shared with the team. Search is full text: words, &quot;phrases&quot;, prefix*."
    >
      <form
        role="search"
        className="mb-4 flex flex-wrap items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery(draft.trim());
        }}
      >
        <Field label="Search memory" className="min-w-64 flex-1">
          <Input type="search" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="e.g. canary" />
        </Field>
        <Button type="submit" variant="secondary">
          Search
        </Button>
      </form>
      {error && <Alert tone="danger">{error}</Alert>}
      <QueryState query={memories} loadingLabel="Searching memory…">
        {({ memories: list }) =>
          list.length === 0 ? (
            <EmptyState
              title={query ? `Nothing matches “${query}”` : "No memories yet"}
              description="Agents store memories with the remember tool."
            />
          ) : (
            <Table caption="Memory entries">
              <THead>
                <Tr>
                  <Th>Entry</Th>
                  <Th>Kind</Th>
                  <Th>Scope</Th>
                  <Th>Written</Th>
                  <ActionsTh />
                </Tr>
              </THead>
              <TBody>
                {list.map((m) => (
                  <Tr key={m.id}>
                    <Td>
                      <div className="text-zinc-900">{m.content.slice(0, 300)}</div>
                      {m.tags.length > 0 && (
                        <div className="mt-1 flex flex-wrap gap-1">
                          {m.tags.map((t) => (
                            <Badge key={t}>{t}</Badge>
                          ))}
                        </div>
                      )}
                    </Td>
                    <Td>{m.kind}</Td>
                    <Td>{m.scope === "team" ? "team" : `private: ${names.get(m.owner ?? "") ?? m.owner}`}</Td>
                    <Td>
                      {formatRelative(m.createdAt)}
                      {m.expiresAt && <div className="text-xs text-zinc-500">expires {formatRelative(m.expiresAt)}</div>}
                    </Td>
                    <Td className="text-right">
                      {canWrite && (
                        <Button variant="secondary" size="sm" onClick={() => void run(() => api.deleteMemory(m.id))}>
                          Delete
                        </Button>
                      )}
                    </Td>
                  </Tr>
                ))}
              </TBody>
            </Table>
          )
        }
      </QueryState>
    </CardSection>
  );
}

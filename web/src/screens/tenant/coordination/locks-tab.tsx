/** Held locks: holder, fencing token, expiry; force-release for coordination admins. */
import { Alert, ActionsTh, Badge, Button, CardSection, EmptyState, Table, TBody, Td, Th, THead, Tr } from "@/components/ui";
import { QueryState } from "@/components/query-state";
import { formatDateTime } from "@/lib/format";
import type { TeamWithAgents } from "@/lib/types";
import { useAction } from "./use-action";
import { useCoordActions, useCoordQuery } from "./use-coordination";

export function LocksTab({ team }: { team: TeamWithAgents }) {
  const teamId = team.team.id;
  const locks = useCoordQuery(teamId, "locks", (api) => api.locks());
  const { api, refresh, canAdmin } = useCoordActions(teamId);
  const { error, run } = useAction(refresh);
  return (
    <QueryState query={locks} loadingLabel="Loading locks…">
      {({ locks: list, fencingCounter }) => (
        <CardSection
          title="Locks"
          description={`Live locks and their fencing tokens. The team has issued ${fencingCounter} tokens; each acquisition gets a larger one.`}
        >
          {error && <Alert tone="danger">{error}</Alert>}
          {list.length === 0 ? (
            <EmptyState title="No locks held" description="Agents take locks with acquire_lock; they expire after their TTL." />
          ) : (
            <Table caption="Held locks">
              <THead>
                <Tr>
                  <Th>Resource</Th>
                  <Th>Holder</Th>
                  <Th>Fencing token</Th>
                  <Th>Expires</Th>
                  <ActionsTh />
                </Tr>
              </THead>
              <TBody>
                {list.map((l) => (
                  <Tr key={l.name}>
                    <Td className="font-mono text-xs">{l.name}</Td>
                    <Td>
                      {l.holder.name ?? l.holder.id} <Badge>{l.holder.type}</Badge>
                    </Td>
                    <Td className="font-mono">{l.fencingToken}</Td>
                    <Td>{formatDateTime(l.expiresAt)}</Td>
                    <Td className="text-right">
                      {canAdmin && (
                        <Button variant="danger" size="sm" onClick={() => void run(() => api.forceRelease(l.name))}>
                          Force release
                        </Button>
                      )}
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

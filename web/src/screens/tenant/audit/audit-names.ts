/**
 * Names for the ids audit entries carry. Relay events record their agent by id only (the relay
 * never looks names up on its hot path), API events record the person's email: the log resolves
 * agent, team and member ids against the tenant's current lists so every actor and target reads as
 * a name, with the id one hover away. An id no list holds (a deleted agent) stays an id.
 */
import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { agentsQuery, membersQuery, teamsQuery } from "@/lib/queries";
import type { LedgerEntry } from "./audit-api";

export type NameLookup = ReadonlyMap<string, string>;

export function useAuditNames(tenantId: string): NameLookup {
  const stale = { staleTime: 60_000 };
  const agents = useQuery({ ...agentsQuery(tenantId), ...stale });
  const teams = useQuery({ ...teamsQuery(tenantId), ...stale });
  const members = useQuery({ ...membersQuery(tenantId), ...stale });
  return useMemo(() => {
    const names = new Map<string, string>();
    for (const a of agents.data ?? []) names.set(a.id, a.name);
    for (const t of teams.data ?? []) names.set(t.id, t.name);
    for (const m of members.data ?? []) names.set(m.userId, m.name || m.email);
    return names;
  }, [agents.data, teams.data, members.data]);
}

/** What the entry recorded as the actor's name, else the name the id has now, else the id. */
export function actorName(actor: LedgerEntry["actor"], names: NameLookup): string | null {
  return actor.name ?? (actor.id ? (names.get(actor.id) ?? null) : null);
}

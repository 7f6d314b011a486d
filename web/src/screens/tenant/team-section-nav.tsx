/**
 * The team's sections — its members, its allowlist, its live message feed — as links (each is a
 * page with its own URL, so a feed or a graph can be bookmarked and opened in a new tab).
 */
import { Link } from "@tanstack/react-router";
import { ListChecks, Network, Radio, UsersRound } from "lucide-react";
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useTenant } from "@/components/layout/tenant-context";
import { QueryState } from "@/components/query-state";
import { PageHeader } from "@/components/ui";
import { teamQuery } from "@/lib/queries";
import type { TeamWithAgents } from "@/lib/types";

const linkClass =
  "-mb-px inline-flex items-center gap-1.5 border-b-2 border-transparent px-3 py-2 text-sm font-medium text-zinc-600 hover:text-zinc-900 data-[status=active]:border-indigo-600 data-[status=active]:text-indigo-700";

export function TeamSectionNav({ teamId }: { teamId: string }) {
  const { tenantId } = useTenant();
  const params = { tenantId, teamId };
  return (
    <nav aria-label="Team sections" className="mb-6 border-b border-zinc-200">
      <ul className="flex flex-wrap gap-1">
        <li>
          <Link to="/t/$tenantId/teams/$teamId" params={params} activeOptions={{ exact: true }} className={linkClass}>
            <UsersRound className="size-4" aria-hidden="true" /> Members
          </Link>
        </li>
        <li>
          <Link to="/t/$tenantId/teams/$teamId/allowlist" params={params} className={linkClass}>
            <Network className="size-4" aria-hidden="true" /> Allowlist
          </Link>
        </li>
        <li>
          <Link to="/t/$tenantId/teams/$teamId/feed" params={params} className={linkClass}>
            <Radio className="size-4" aria-hidden="true" /> Live feed
          </Link>
        </li>
        <li>
          <Link to="/t/$tenantId/teams/$teamId/coordination" params={params} className={linkClass}>
            <ListChecks className="size-4" aria-hidden="true" /> Coordination
          </Link>
        </li>
      </ul>
    </nav>
  );
}

/** A team sub-page: loads the team, shows its name as the h1 with the section links under it. */
export function TeamSubPage({
  teamId,
  description,
  children,
}: {
  teamId: string;
  description: ReactNode;
  children: (data: TeamWithAgents) => ReactNode;
}) {
  const { tenantId } = useTenant();
  const team = useQuery(teamQuery(tenantId, teamId));
  return (
    <QueryState query={team} loadingLabel="Loading team…">
      {(data) => (
        <>
          <PageHeader
            eyebrow={
              <Link to="/t/$tenantId/teams" params={{ tenantId }} className="text-indigo-700 underline-offset-2 hover:underline">
                ← Teams
              </Link>
            }
            title={data.team.name}
            description={description}
          />
          <TeamSectionNav teamId={data.team.id} />
          {children(data)}
        </>
      )}
    </QueryState>
  );
}

/**
 * The agent's signed A2A Agent Card (docs/a2a.md) on its page: version, the card and JWKS URLs
 * other agents use, and the card's JSON. Read through the tenant route (`GET …/agents/{id}/agent-card`)
 * because the agent-facing card URL takes an agent token, not a session.
 */
import { queryOptions, useQuery } from "@tanstack/react-query";
import { CardSection } from "@/components/ui";
import { api } from "@/lib/api";
import { keys, tenantPath } from "@/lib/queries";

interface AgentCardResponse {
  card: { name: string; version: string; skills?: Array<{ id: string }>; signatures: Array<{ protected: string }> };
  url: string;
  jwksUrl: string;
}

const agentCardQuery = (tenantId: string, agentId: string) =>
  queryOptions({
    // Under the agent's key: whatever refreshes the agent (an edit, a skill install) refreshes its card.
    queryKey: [...keys.agent(tenantId, agentId), "a2a-card"] as const,
    queryFn: () => api.get<AgentCardResponse>(`${tenantPath(tenantId)}/agents/${encodeURIComponent(agentId)}/agent-card`),
  });

export function AgentCardPanel({ tenantId, agentId, className }: { tenantId: string; agentId: string; className?: string }) {
  const card = useQuery(agentCardQuery(tenantId, agentId));
  return (
    <CardSection
      title="A2A Agent Card"
      description="What other agents discover with an A2A client: signed with the tenant's card key; the version goes up when the agent's capabilities change."
      className={className}
    >
      {card.isPending ? (
        <p className="text-sm text-zinc-600">Loading card…</p>
      ) : card.isError ? (
        <p className="text-sm text-red-700">The card could not be loaded.</p>
      ) : (
        <div className="space-y-3 text-sm">
          <dl className="grid grid-cols-3 gap-x-4 gap-y-2">
            <dt className="font-medium text-zinc-700">Version</dt>
            <dd className="col-span-2" data-testid="agent-card-version">
              {card.data.card.version}
            </dd>
            <dt className="font-medium text-zinc-700">Skills</dt>
            <dd className="col-span-2">{card.data.card.skills?.length ?? 0}</dd>
            <dt className="font-medium text-zinc-700">Card URL</dt>
            <dd className="col-span-2 break-all">
              <code className="font-mono text-xs">{card.data.url}</code>
              <span className="block text-zinc-600">Fetched with an agent token of this tenant.</span>
            </dd>
            <dt className="font-medium text-zinc-700">Signing keys</dt>
            <dd className="col-span-2 break-all">
              <a href={card.data.jwksUrl} className="text-indigo-700 underline-offset-2 hover:underline" target="_blank" rel="noreferrer">
                JWKS
              </a>
            </dd>
          </dl>
          <details>
            <summary className="cursor-pointer font-medium text-indigo-700">Show the card's JSON</summary>
            <pre
              className="mt-2 max-h-96 overflow-auto rounded bg-zinc-50 p-3 font-mono text-xs"
              data-testid="agent-card-json"
              // Scrollable, so reachable by keyboard (axe: scrollable-region-focusable).
              tabIndex={0}
              role="region"
              aria-label="Agent Card JSON"
            >
              {JSON.stringify(card.data.card, null, 2)}
            </pre>
          </details>
        </div>
      )}
    </CardSection>
  );
}

/**
 * A team's live message feed: every message the relay accepts (with its recipients and body) and
 * every one it refuses (with the reason), plus agents coming and going, as they happen. Read-only
 * for every role that can see the team. Newest first; the last MAX_FEED_ENTRIES rows are kept.
 */
import { useQuery } from "@tanstack/react-query";
import { useParams } from "@tanstack/react-router";
import { Pause, Play, RefreshCw, Trash2 } from "lucide-react";
import { useMemo, useState } from "react";
import { useTenant } from "@/components/layout/tenant-context";
import { Alert, Badge, Button, EmptyState, Field, Input, Select, Table, TBody, Td, Th, THead, Tr } from "@/components/ui";
import { api } from "@/lib/api";
import { humanize } from "@/lib/format";
import { agentsQuery, tenantPath } from "@/lib/queries";
import {
  isFiltering,
  KIND_FILTERS,
  matches,
  MAX_FEED_ENTRIES,
  NO_FILTERS,
  type FeedEntry,
  type FeedFilters,
} from "@/lib/relay/feed-entries";
import { agentNames } from "@/lib/relay/subjects";
import { useRelayFeed, type FeedStatus } from "@/lib/relay/use-relay-feed";
import { useNow } from "@/lib/use-now";
import type { TeamWithAgents } from "@/lib/types";
import { TeamSubPage } from "../team-section-nav";

export function FeedScreen() {
  const { teamId } = useParams({ from: "/app/t/$tenantId/teams/$teamId/feed" });
  return (
    <TeamSubPage
      teamId={teamId}
      description="Messages between this team's agents as the relay handles them: delivered, or refused by the allowlist."
    >
      {(data) => <Feed team={data} />}
    </TeamSubPage>
  );
}

const time = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });

function Feed({ team }: { team: TeamWithAgents }) {
  const { tenantId } = useTenant();
  const teamPath = `${tenantPath(tenantId)}/teams/${encodeURIComponent(team.team.id)}`;
  const feed = useRelayFeed(`${teamPath}/relay/observe`, () => api.get(teamPath));
  const tenantAgents = useQuery(agentsQuery(tenantId));
  const names = useMemo(() => agentNames(team.agents, tenantAgents.data), [team.agents, tenantAgents.data]);
  const [filters, setFilters] = useState<FeedFilters>(NO_FILTERS);
  const shown = useMemo(() => feed.entries.filter((e) => matches(e, filters, names)), [feed.entries, filters, names]);
  const name = (id: string) => names.get(id) ?? id;
  const set = <K extends keyof FeedFilters>(k: K, v: FeedFilters[K]) => setFilters((f) => ({ ...f, [k]: v }));

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3 rounded-lg bg-white px-4 py-3 shadow-xs ring-1 ring-zinc-200">
        <div className="flex flex-wrap items-center gap-3 text-sm">
          <ConnectionBadge status={feed.status} />
          <span className="text-zinc-600">
            Online now:{" "}
            {feed.status.state !== "live" ? (
              // Presence comes over the connection: while it is down, any list would be stale.
              "not known while disconnected"
            ) : feed.online.size === 0 ? (
              "no agents"
            ) : (
              <span className="font-medium text-zinc-900">{[...feed.online].map(name).sort().join(", ")}</span>
            )}
          </span>
        </div>
        <div className="flex flex-wrap gap-2">
          {(feed.status.state === "reconnecting" || feed.status.state === "stopped") && (
            <Button variant="secondary" size="sm" onClick={feed.reconnectNow}>
              <RefreshCw className="size-4" aria-hidden="true" /> Reconnect now
            </Button>
          )}
          {feed.paused ? (
            <Button size="sm" onClick={feed.resume}>
              <Play className="size-4" aria-hidden="true" /> Resume{feed.held.length > 0 ? ` (${feed.held.length} new)` : ""}
            </Button>
          ) : (
            <Button variant="secondary" size="sm" onClick={feed.pause}>
              <Pause className="size-4" aria-hidden="true" /> Pause
            </Button>
          )}
          <Button variant="ghost" size="sm" onClick={feed.clear} disabled={feed.entries.length === 0}>
            <Trash2 className="size-4" aria-hidden="true" /> Clear
          </Button>
        </div>
      </div>
      {feed.status.state === "stopped" && (
        <Alert tone="danger" title="The live feed is not available">
          {feed.status.message}
        </Alert>
      )}
      {feed.paused && (
        <Alert tone="info" title="Paused">
          The feed is still connected; new messages are held until you resume{feed.held.length > 0 ? ` (${feed.held.length} so far)` : ""}.
        </Alert>
      )}

      <form
        role="search"
        aria-label="Filter the feed"
        className="grid gap-3 rounded-lg bg-white px-4 py-3 shadow-xs ring-1 ring-zinc-200 sm:grid-cols-2 lg:grid-cols-[repeat(3,minmax(0,12rem))_minmax(0,1fr)_auto]"
        onSubmit={(e) => e.preventDefault()}
      >
        <Field label="Agent">
          <Select value={filters.agentId} onChange={(e) => set("agentId", e.target.value)}>
            <option value="">All agents</option>
            {team.agents.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Kind">
          <Select value={filters.kind} onChange={(e) => set("kind", e.target.value as FeedFilters["kind"])}>
            <option value="">All kinds</option>
            {KIND_FILTERS.map((k) => (
              <option key={k} value={k}>
                {k === "presence" ? "Online / offline" : humanize(k)}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Outcome">
          <Select value={filters.outcome} onChange={(e) => set("outcome", e.target.value as FeedFilters["outcome"])}>
            <option value="">All outcomes</option>
            <option value="allowed">Delivered</option>
            <option value="denied">Refused</option>
          </Select>
        </Field>
        <Field label="Search">
          <Input type="search" value={filters.text} onChange={(e) => set("text", e.target.value)} placeholder="Body, reason, topic…" />
        </Field>
        <div className="flex items-end">
          <Button variant="ghost" onClick={() => setFilters(NO_FILTERS)} disabled={!isFiltering(filters)}>
            Clear filters
          </Button>
        </div>
      </form>

      {/* Not a live region: on a busy team it would speak on every message. */}
      <p className="text-sm text-zinc-600">
        {isFiltering(filters)
          ? `Showing ${shown.length} of ${feed.entries.length} rows.`
          : `${feed.entries.length} ${feed.entries.length === 1 ? "row" : "rows"}.`}{" "}
        The newest {MAX_FEED_ENTRIES} are kept, newest first; times are when this page received them.
      </p>

      {feed.entries.length === 0 ? (
        <EmptyState
          title={feed.status.state === "live" ? "Waiting for messages" : "No messages yet"}
          description="Messages the team's agents send appear here the moment the relay handles them. Messages sent before you opened this page are in the audit log."
        />
      ) : shown.length === 0 ? (
        <EmptyState
          title="Nothing matches these filters"
          action={
            <Button variant="secondary" onClick={() => setFilters(NO_FILTERS)}>
              Clear filters
            </Button>
          }
        />
      ) : (
        <Table caption={`Live feed of ${team.team.name}`}>
          <THead>
            <Tr>
              <Th>Time</Th>
              <Th>Seq</Th>
              <Th>Kind</Th>
              <Th>From → to</Th>
              <Th>Outcome</Th>
              <Th>Body or reason</Th>
            </Tr>
          </THead>
          <TBody>
            {shown.map((e) => (
              <FeedRow key={e.key} entry={e} name={name} />
            ))}
          </TBody>
        </Table>
      )}
    </div>
  );
}

function FeedRow({ entry: e, name }: { entry: FeedEntry; name: (id: string) => string }) {
  /** The relay's reasons name agents by id; people know them by name. */
  const withNames = (text: string) => text.replace(/agt_[0-9A-Za-z]+/g, name);
  const at = <Td className="font-mono text-xs whitespace-nowrap text-zinc-600">{time.format(e.receivedAt)}</Td>;
  switch (e.type) {
    case "gap":
      return (
        <Tr className="bg-amber-50">
          {at}
          <Td colSpan={5} className="text-sm text-amber-900">
            {e.text}
          </Td>
        </Tr>
      );
    case "presence":
      return (
        <Tr>
          {at}
          <Td className="text-zinc-500">—</Td>
          <Td>Presence</Td>
          <Td>
            <span className="font-medium">{name(e.agentId)}</span> {e.status === "joined" ? "came online" : "went offline"}
          </Td>
          <Td className="text-zinc-500">—</Td>
          <Td className="text-zinc-500">—</Td>
        </Tr>
      );
    case "denied":
      return (
        <Tr className="bg-red-50/40">
          {at}
          <Td className="text-zinc-500">—</Td>
          <Td>{e.kind ? humanize(e.kind) : e.topic ? "Subscribe" : <span className="text-zinc-500">—</span>}</Td>
          <Td>
            <span className="font-medium">{e.from ? name(e.from) : "—"}</span>
            {e.to.length > 0 || e.topic ? " → " : null}
            {e.topic ? <code className="rounded bg-zinc-100 px-1 font-mono text-xs">{e.topic}</code> : null}
            {e.to.length > 0 ? <span className="font-medium">{e.to.map(name).join(", ")}</span> : null}
          </Td>
          <Td>
            <Badge tone="danger" className="whitespace-nowrap">
              Refused · {e.code}
            </Badge>
          </Td>
          <Td className="max-w-md text-sm text-zinc-700">{withNames(e.reason)}</Td>
        </Tr>
      );
    case "message":
      return (
        <Tr>
          {at}
          <Td className="font-mono text-xs">{e.seq}</Td>
          <Td>{humanize(e.kind)}</Td>
          <Td>
            <span className="font-medium">{name(e.from)}</span> →{" "}
            {e.topic ? <code className="rounded bg-zinc-100 px-1 font-mono text-xs">{e.topic}</code> : null}
            {e.topic && e.to.length > 0 ? " " : null}
            {e.to.length > 0 ? (
              <span className="font-medium">{e.to.map(name).join(", ")}</span>
            ) : e.topic ? (
              <span className="text-zinc-600"> (no subscribers)</span>
            ) : (
              "—"
            )}
          </Td>
          <Td>
            <Badge tone="success">Delivered</Badge>
          </Td>
          <Td className="max-w-md">
            <details>
              <summary className="cursor-pointer font-mono text-xs break-all text-zinc-800">
                <span className="text-zinc-600">{e.bodyBytes} bytes</span> {e.preview}
              </summary>
              <pre className="mt-1 max-h-64 overflow-auto rounded bg-zinc-50 p-2 font-mono text-xs whitespace-pre-wrap">
                {pretty(e.bodyJson)}
              </pre>
            </details>
          </Td>
        </Tr>
      );
  }
}

function pretty(json: string): string {
  try {
    return JSON.stringify(JSON.parse(json), null, 2).slice(0, 16_384);
  } catch {
    return json;
  }
}

function ConnectionBadge({ status }: { status: FeedStatus }) {
  const now = useNow(status.state === "reconnecting");
  switch (status.state) {
    case "live":
      return (
        <Badge tone="success">
          <span className="size-2 rounded-full bg-green-600" aria-hidden="true" /> Live
        </Badge>
      );
    case "connecting":
      return <Badge tone="info">{status.attempt === 0 ? "Connecting…" : `Reconnecting… (attempt ${status.attempt + 1})`}</Badge>;
    case "reconnecting":
      return <Badge tone="warning">Disconnected · retrying in {Math.max(0, Math.ceil((status.retryAt - now) / 1000))} s</Badge>;
    case "stopped":
      return <Badge tone="danger">Not connected</Badge>;
  }
}

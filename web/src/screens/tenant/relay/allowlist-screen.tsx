/**
 * A team's allowlist: who may message whom (directed rules between agents and roles) and who may
 * publish or subscribe to which topics. Default deny. People with teams:write edit a working copy
 * in the graph or the lists, then save the whole document with the version it was based on; a
 * save that lost a race (409 version_conflict) reloads the latest version and re-applies the
 * person's own changes on top for them to review. Everyone else sees it read-only.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "@tanstack/react-router";
import { Save, Undo2, Users } from "lucide-react";
import { useEffect, useMemo, useState } from "react";
import type { Allowlist, Edge, PutAllowlistInput, TopicRule } from "@shared/relay/allowlist";
import { useTenant } from "@/components/layout/tenant-context";
import { QueryState } from "@/components/query-state";
import { Alert, Badge, Button, CardSection, EmptyState } from "@/components/ui";
import { api, isApiError } from "@/lib/api";
import { describeError } from "@/lib/forms";
import { agentsQuery, allowlistQuery, keys, tenantPath } from "@/lib/queries";
import { addEdge, addTopicRule, changeCount, rebaseRules, removeEdges, removeTopicRule, type Rules } from "@/lib/relay/allowlist-draft";
import { agentNames, teamSubjects } from "@/lib/relay/subjects";
import type { TeamWithAgents } from "@/lib/types";
import { TeamSubPage } from "../team-section-nav";
import { AllowlistGraph } from "./allowlist-graph";
import { AddEdgeForm, AddTopicRuleForm, EdgeList, TopicRuleList } from "./rule-lists";
import { UnsavedChangesGuard } from "./unsaved-changes-guard";

export function AllowlistScreen() {
  const { teamId } = useParams({ from: "/app/t/$tenantId/teams/$teamId/allowlist" });
  return (
    <TeamSubPage teamId={teamId} description="Who may message whom on this team's relay. Anything without a rule is refused.">
      {(data) => <AllowlistLoader data={data} />}
    </TeamSubPage>
  );
}

function AllowlistLoader({ data }: { data: TeamWithAgents }) {
  const { tenantId } = useTenant();
  const allowlist = useQuery(allowlistQuery(tenantId, data.team.id));
  if (data.agents.length === 0 && allowlist.data && allowlist.data.edges.length === 0 && allowlist.data.topics.length === 0) {
    return (
      <EmptyState
        icon={<Users className="size-8" />}
        title="No agents in this team yet"
        description="Rules connect the team's agents and their roles. Add agents to the team first."
        action={
          <Link
            to="/t/$tenantId/teams/$teamId"
            params={{ tenantId, teamId: data.team.id }}
            className="font-medium text-indigo-700 underline-offset-2 hover:underline"
          >
            Go to the team's members
          </Link>
        }
      />
    );
  }
  return (
    <QueryState query={allowlist} loadingLabel="Loading the allowlist…" errorTitle="Could not load the allowlist">
      {(saved) => <AllowlistEditor team={data} saved={saved} />}
    </QueryState>
  );
}

type Notice = { tone: "success" | "warning" | "danger"; title: string; text: string };

function AllowlistEditor({ team, saved }: { team: TeamWithAgents; saved: Allowlist }) {
  const { tenantId, can } = useTenant();
  const queryClient = useQueryClient();
  const editable = can("teams:write");
  const tenantAgents = useQuery(agentsQuery(tenantId));
  const names = useMemo(() => agentNames(team.agents, tenantAgents.data), [team.agents, tenantAgents.data]);

  // `base` is the saved version the working copy started from; it is what a save names as expectedVersion.
  const [base, setBase] = useState<Allowlist>(saved);
  const [draft, setDraft] = useState<Rules>({ edges: saved.edges, topics: saved.topics });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [notice, setNotice] = useState<Notice | null>(null);
  const changes = changeCount(base, draft);

  // A newer saved version (another tab, another person) replaces the copy only when nothing is pending.
  useEffect(() => {
    if (saved.version !== base.version && changes === 0) {
      setBase(saved);
      setDraft({ edges: saved.edges, topics: saved.topics });
    }
  }, [saved, base.version, changes]);

  const subjects = useMemo(() => teamSubjects(team.agents, draft, names), [team.agents, draft, names]);

  const edit = (f: (r: Rules) => Rules) => {
    setNotice(null);
    setDraft(f);
  };
  const onAddEdge = (edge: Edge) => edit((r) => addEdge(r, edge));
  const onRemoveEdges = (keys: string[]) => {
    edit((r) => removeEdges(r, keys));
    setSelected((s) => new Set([...s].filter((k) => !keys.includes(k))));
  };
  const onAddTopic = (rule: TopicRule) => edit((r) => addTopicRule(r, rule));

  const path = `${tenantPath(tenantId)}/teams/${encodeURIComponent(team.team.id)}/allowlist`;
  const save = useMutation({
    mutationFn: (input: PutAllowlistInput) => api.put<{ allowlist: Allowlist }>(path, input),
    onMutate: () => setNotice(null),
    onSuccess: ({ allowlist }) => {
      queryClient.setQueryData(keys.allowlist(tenantId, team.team.id), allowlist);
      setBase(allowlist);
      setDraft({ edges: allowlist.edges, topics: allowlist.topics });
      setSelected(new Set());
      setNotice({
        tone: "success",
        title: `Saved as version ${allowlist.version}`,
        text: "Connected agents are judged by the new rules from their next message.",
      });
    },
    // Awaited by the mutation: the Save button stays busy while a lost race is rebased.
    onError: async (err, input) => {
      if (!isApiError(err, "version_conflict")) {
        setNotice({ tone: "danger", title: "The allowlist was not saved", text: describeError(err) });
        return;
      }
      try {
        const latest = await queryClient.fetchQuery({ ...allowlistQuery(tenantId, team.team.id), staleTime: 0 });
        const mine: Rules = { edges: input.edges, topics: input.topics };
        const pending = changeCount(base, mine);
        setBase(latest);
        setDraft(rebaseRules(base, mine, latest));
        setNotice({
          tone: "warning",
          title: "Someone else saved this allowlist while you were editing",
          text: `Nothing of yours was saved. We loaded their version ${latest.version} and re-applied your ${pending} ${pending === 1 ? "change" : "changes"} on top of it. Check the rules, then save again.`,
        });
      } catch (reloadErr) {
        setNotice({
          tone: "danger",
          title: "Someone else changed this allowlist, and reloading it failed",
          text: describeError(reloadErr),
        });
      }
    },
  });

  const discard = () => {
    setDraft({ edges: base.edges, topics: base.topics });
    setSelected(new Set());
    setNotice(null);
  };

  return (
    <div className="space-y-4">
      <UnsavedChangesGuard changes={changes} what="this allowlist" />
      {!editable && (
        <Alert tone="info" title="Read-only">
          Your role can see this allowlist but not change it. An owner, admin or member can.
        </Alert>
      )}
      <div
        className="flex flex-wrap items-center justify-between gap-3 rounded-lg bg-white px-4 py-3 shadow-xs ring-1 ring-zinc-200"
        role="group"
        aria-label="Save changes"
      >
        <p className="text-sm text-zinc-700" aria-live="polite">
          Version {base.version} · {draft.edges.length} message {draft.edges.length === 1 ? "rule" : "rules"} · {draft.topics.length} topic{" "}
          {draft.topics.length === 1 ? "rule" : "rules"}
          {changes > 0 && (
            <>
              {" "}
              <Badge tone="warning">
                {changes} unsaved {changes === 1 ? "change" : "changes"}
              </Badge>
            </>
          )}
        </p>
        {editable && (
          <div className="flex gap-2">
            <Button variant="secondary" onClick={discard} disabled={changes === 0 || save.isPending}>
              <Undo2 className="size-4" aria-hidden="true" /> Discard changes
            </Button>
            <Button
              onClick={() => save.mutate({ expectedVersion: base.version, edges: draft.edges, topics: draft.topics })}
              pending={save.isPending}
              disabled={changes === 0}
            >
              <Save className="size-4" aria-hidden="true" /> Save allowlist
            </Button>
          </div>
        )}
      </div>
      {notice && (
        <Alert tone={notice.tone} title={notice.title}>
          {notice.text}
        </Alert>
      )}

      <div className="grid items-start gap-4 xl:grid-cols-[minmax(0,1fr)_24rem]">
        <CardSection
          title="Graph"
          description={
            editable
              ? "Each arrow lets the box it starts from message the box it points to (direct messages, requests and broadcasts; replies are always allowed). To add one, drag from the blue dot on a box onto another box. To remove one, click it and press Delete, or use the list."
              : "Each arrow lets the box it starts from message the box it points to. Dashed boxes are roles: a rule for a role applies to every agent with that role."
          }
        >
          <AllowlistGraph
            subjects={subjects}
            rules={draft}
            editable={editable}
            onAddEdge={onAddEdge}
            onRemoveEdges={onRemoveEdges}
            selected={selected}
            onSelectedChange={setSelected}
          />
          <div className="mt-3 flex flex-wrap items-center gap-4 text-xs text-zinc-600">
            <span className="inline-flex items-center gap-1.5">
              <span className="inline-block h-3 w-5 rounded-sm bg-white ring-1 ring-zinc-400" aria-hidden="true" /> Agent
            </span>
            <span className="inline-flex items-center gap-1.5">
              <span className="inline-block h-3 w-5 rounded-sm border-2 border-dashed border-amber-500 bg-white" aria-hidden="true" /> Role
              (every agent with that role)
            </span>
            {editable && selected.size > 0 && (
              <Button variant="danger" size="sm" onClick={() => onRemoveEdges([...selected])}>
                Remove {selected.size} selected {selected.size === 1 ? "arrow" : "arrows"}
              </Button>
            )}
          </div>
        </CardSection>

        <div className="space-y-4">
          <CardSection title="Message rules" description="The arrows of the graph, as a list.">
            <div className="space-y-4">
              {editable && <AddEdgeForm subjects={subjects} rules={draft} onAdd={onAddEdge} />}
              <EdgeList
                rules={draft}
                base={base}
                names={names}
                editable={editable}
                onRemove={(k) => onRemoveEdges([k])}
                onRestore={onAddEdge}
              />
            </div>
          </CardSection>
          <CardSection title="Topic rules" description="Who may publish or subscribe to which topics.">
            <div className="space-y-4">
              {editable && <AddTopicRuleForm subjects={subjects} rules={draft} onAdd={onAddTopic} />}
              <TopicRuleList
                rules={draft}
                base={base}
                names={names}
                editable={editable}
                onRemove={(k) => edit((r) => removeTopicRule(r, k))}
                onRestore={onAddTopic}
              />
            </div>
          </CardSection>
        </div>
      </div>
    </div>
  );
}

/**
 * Declarative teams: a team as a YAML document (`teams.yaml`) — its agents, allowlist, topics
 * and coordination settings — and the diff between what a tenant has and what a document wants.
 * Pure (no I/O): the API exports with `toTeamDocument`/`stringifyTeam` and applies with
 * `parseTeamYaml` + `diffTeam`, then carries the changes out (services/team-apply.ts).
 *
 * Agents are referenced by NAME (ids differ between tenants and environments, names are what a
 * person writes); a name must be unique among the tenant's live agents to be used. Subjects on
 * the allowlist are written `role:<template>` or `agent:<name>`. Documents are emitted in a fixed
 * order, so export → apply → export is byte-identical and a second apply changes nothing.
 * YAML library: `yaml` (eemeli/yaml), YAML 1.2 core schema — no custom tags, no `!!js` types.
 */
import { parse, stringify } from "yaml";
import { z } from "zod";
import { AGENT_TEMPLATES, AgentTemplateSchema, type AgentTemplate } from "../agent-templates";
import { edgeKey, topicRuleKey, type Edge, type Subject, type TopicRule } from "../relay/allowlist";
import { TopicPatternSchema } from "../relay/allowlist";
import { TrustLevelSchema } from "../trust-levels";
import { CoordinationSettingsSchema, type CoordinationSettings } from "./schemas";

export const TEAM_API_VERSION = "switchboard.dev/v1";
export const MAX_YAML_BYTES = 60_000;

const SubjectRef = z.string().regex(/^(role|agent):.+$/, "`role:<template>` or `agent:<agent name>`");

export const TeamDocumentSchema = z
  .object({
    apiVersion: z.literal(TEAM_API_VERSION),
    kind: z.literal("Team"),
    metadata: z.object({ name: z.string().min(1).max(100), description: z.string().max(500).default("") }).strict(),
    spec: z
      .object({
        agents: z
          .array(
            z
              .object({
                name: z.string().min(1).max(100),
                template: AgentTemplateSchema,
                trustLevel: TrustLevelSchema,
                description: z.string().max(500).default(""),
              })
              .strict(),
          )
          .max(200)
          .default([]),
        allowlist: z
          .object({
            edges: z
              .array(z.object({ from: SubjectRef, to: SubjectRef }).strict())
              .max(1000)
              .default([]),
            topics: z
              .array(z.object({ topic: TopicPatternSchema, subject: SubjectRef, action: z.enum(["publish", "subscribe"]) }).strict())
              .max(500)
              .default([]),
          })
          .strict()
          .default({ edges: [], topics: [] }),
        coordination: CoordinationSettingsSchema.default(CoordinationSettingsSchema.parse({})),
      })
      .strict(),
  })
  .strict();
export type TeamDocument = z.infer<typeof TeamDocumentSchema>;

/** What the tenant has now, as the exporter and the differ see it. */
export interface TeamState {
  name: string;
  description: string;
  /** The team's member agents. */
  members: Array<{ id: string; name: string; template: AgentTemplate; trustLevel: number; description: string }>;
  allowlist: { version: number; edges: Edge[]; topics: TopicRule[] };
  settings: CoordinationSettings;
}

const subjectRef = (s: Subject, nameOf: (id: string) => string) => (s.kind === "role" ? `role:${s.id}` : `agent:${nameOf(s.id)}`);

export function toTeamDocument(state: TeamState): TeamDocument {
  const names = new Map(state.members.map((m) => [m.id, m.name]));
  // An edge naming an agent that is not a member still exports (by id) so nothing is lost silently.
  const nameOf = (id: string) => names.get(id) ?? id;
  const edges = state.allowlist.edges
    .map((e) => ({ from: subjectRef(e.from, nameOf), to: subjectRef(e.to, nameOf) }))
    .sort((a, b) => `${a.from}>${a.to}`.localeCompare(`${b.from}>${b.to}`));
  const topics = state.allowlist.topics
    .map((t) => ({ topic: t.topic, subject: subjectRef(t.subject, nameOf), action: t.action }))
    .sort((a, b) => `${a.action}|${a.topic}|${a.subject}`.localeCompare(`${b.action}|${b.topic}|${b.subject}`));
  return {
    apiVersion: TEAM_API_VERSION,
    kind: "Team",
    metadata: { name: state.name, description: state.description },
    spec: {
      agents: [...state.members]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((m) => ({ name: m.name, template: m.template, trustLevel: m.trustLevel, description: m.description })),
      allowlist: { edges, topics },
      coordination: state.settings,
    },
  };
}

export function stringifyTeam(doc: TeamDocument): string {
  return `# Switchboard team — apply with POST /v1/tenants/{tenantId}/teams/{teamId}/apply (dryRun first). docs/coordination.md\n${stringify(doc, { lineWidth: 0 })}`;
}

export type ParseResult = { ok: true; doc: TeamDocument } | { ok: false; issues: Array<{ path: string; message: string }> };

export function parseTeamYaml(text: string): ParseResult {
  if (new TextEncoder().encode(text).length > MAX_YAML_BYTES)
    return { ok: false, issues: [{ path: "yaml", message: `larger than ${MAX_YAML_BYTES} bytes` }] };
  let raw: unknown;
  try {
    // `maxAliasCount` bounds alias expansion (billion-laughs); the core schema has no custom types.
    raw = parse(text, { schema: "core", maxAliasCount: 100, uniqueKeys: true });
  } catch (err) {
    return { ok: false, issues: [{ path: "yaml", message: `not valid YAML: ${(err as Error).message.split("\n")[0]}` }] };
  }
  const parsed = TeamDocumentSchema.safeParse(raw);
  if (!parsed.success)
    return { ok: false, issues: parsed.error.issues.map((i) => ({ path: ["yaml", ...i.path].join("."), message: i.message })) };
  const names = parsed.data.spec.agents.map((a) => a.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) return { ok: false, issues: [{ path: "yaml.spec.agents", message: `agent name ${dup} appears twice` }] };
  return { ok: true, doc: parsed.data };
}

export type TeamChange =
  | { kind: "team.update"; field: "name" | "description"; from: string; to: string }
  | { kind: "agent.create"; name: string; template: AgentTemplate; trustLevel: number; description: string }
  | {
      kind: "agent.update";
      name: string;
      agentId: string;
      field: "template" | "trustLevel" | "description";
      from: string | number;
      to: string | number;
    }
  | { kind: "member.add"; name: string; agentId: string | null }
  | { kind: "member.remove"; name: string; agentId: string }
  | { kind: "allowlist.edge.add" | "allowlist.edge.remove"; from: string; to: string }
  | { kind: "allowlist.topic.add" | "allowlist.topic.remove"; topic: string; subject: string; action: "publish" | "subscribe" }
  | { kind: "settings.update"; field: keyof CoordinationSettings; from: number; to: number };

/** The tenant's live agents by name (for names that are unique), so a document can adopt existing agents. */
export interface TenantAgents {
  byName: Map<string, { id: string; name: string; template: AgentTemplate; trustLevel: number; description: string }>;
  ambiguous: Set<string>;
}

export type DiffResult = { ok: true; changes: TeamChange[] } | { ok: false; issues: Array<{ path: string; message: string }> };

export function diffTeam(state: TeamState, doc: TeamDocument, tenant: TenantAgents): DiffResult {
  const issues: Array<{ path: string; message: string }> = [];
  const changes: TeamChange[] = [];
  if (state.name !== doc.metadata.name) changes.push({ kind: "team.update", field: "name", from: state.name, to: doc.metadata.name });
  if (state.description !== doc.metadata.description)
    changes.push({ kind: "team.update", field: "description", from: state.description, to: doc.metadata.description });

  const memberIds = new Set(state.members.map((m) => m.id));
  const wanted = new Set(doc.spec.agents.map((a) => a.name));
  for (const [i, a] of doc.spec.agents.entries()) {
    if (tenant.ambiguous.has(a.name)) {
      issues.push({
        path: `yaml.spec.agents.${i}.name`,
        message: `several agents of this tenant are named ${a.name}; rename them so the document can name one`,
      });
      continue;
    }
    const existing = tenant.byName.get(a.name);
    if (!existing) {
      changes.push({ kind: "agent.create", name: a.name, template: a.template, trustLevel: a.trustLevel, description: a.description });
      changes.push({ kind: "member.add", name: a.name, agentId: null });
      continue;
    }
    if (existing.template !== a.template)
      changes.push({
        kind: "agent.update",
        name: a.name,
        agentId: existing.id,
        field: "template",
        from: existing.template,
        to: a.template,
      });
    if (existing.trustLevel !== a.trustLevel)
      changes.push({
        kind: "agent.update",
        name: a.name,
        agentId: existing.id,
        field: "trustLevel",
        from: existing.trustLevel,
        to: a.trustLevel,
      });
    if (existing.description !== a.description)
      changes.push({
        kind: "agent.update",
        name: a.name,
        agentId: existing.id,
        field: "description",
        from: existing.description,
        to: a.description,
      });
    if (!memberIds.has(existing.id)) changes.push({ kind: "member.add", name: a.name, agentId: existing.id });
  }
  for (const m of state.members) if (!wanted.has(m.name)) changes.push({ kind: "member.remove", name: m.name, agentId: m.id });

  // Allowlist: compare as the exporter writes it (by names), so ids never enter the diff.
  const current = toTeamDocument(state).spec.allowlist;
  const refOk = (ref: string, path: string) => {
    const [kind, value] = [ref.slice(0, ref.indexOf(":")), ref.slice(ref.indexOf(":") + 1)];
    if (kind === "role" && !(AGENT_TEMPLATES as readonly string[]).includes(value)) issues.push({ path, message: `unknown role ${value}` });
    if (kind === "agent" && !wanted.has(value)) issues.push({ path, message: `agent ${value} is not in spec.agents` });
  };
  doc.spec.allowlist.edges.forEach(
    (e, i) => (refOk(e.from, `yaml.spec.allowlist.edges.${i}.from`), refOk(e.to, `yaml.spec.allowlist.edges.${i}.to`)),
  );
  doc.spec.allowlist.topics.forEach((t, i) => refOk(t.subject, `yaml.spec.allowlist.topics.${i}.subject`));
  const ek = (e: { from: string; to: string }) => `${e.from}>${e.to}`;
  const tk = (t: { topic: string; subject: string; action: string }) => `${t.action}|${t.topic}|${t.subject}`;
  const haveE = new Set(current.edges.map(ek));
  const wantE = new Set(doc.spec.allowlist.edges.map(ek));
  for (const e of doc.spec.allowlist.edges) if (!haveE.has(ek(e))) changes.push({ kind: "allowlist.edge.add", ...e });
  for (const e of current.edges) if (!wantE.has(ek(e))) changes.push({ kind: "allowlist.edge.remove", ...e });
  const haveT = new Set(current.topics.map(tk));
  const wantT = new Set(doc.spec.allowlist.topics.map(tk));
  for (const t of doc.spec.allowlist.topics) if (!haveT.has(tk(t))) changes.push({ kind: "allowlist.topic.add", ...t });
  for (const t of current.topics) if (!wantT.has(tk(t))) changes.push({ kind: "allowlist.topic.remove", ...t });

  for (const key of Object.keys(doc.spec.coordination) as Array<keyof CoordinationSettings>) {
    if (state.settings[key] !== doc.spec.coordination[key])
      changes.push({ kind: "settings.update", field: key, from: state.settings[key], to: doc.spec.coordination[key] });
  }
  return issues.length ? { ok: false, issues } : { ok: true, changes };
}

/** The document's allowlist with names resolved to agent ids (after agents exist). */
export function resolveAllowlist(doc: TeamDocument, idOf: (name: string) => string): { edges: Edge[]; topics: TopicRule[] } {
  const subject = (ref: string): Subject => {
    const i = ref.indexOf(":");
    return ref.slice(0, i) === "role"
      ? { kind: "role", id: ref.slice(i + 1) as AgentTemplate }
      : { kind: "agent", id: idOf(ref.slice(i + 1)) };
  };
  const edges = new Map<string, Edge>();
  for (const e of doc.spec.allowlist.edges) {
    const edge = { from: subject(e.from), to: subject(e.to) };
    edges.set(edgeKey(edge), edge);
  }
  const topics = new Map<string, TopicRule>();
  for (const t of doc.spec.allowlist.topics) {
    const rule = { topic: t.topic, subject: subject(t.subject), action: t.action };
    topics.set(topicRuleKey(rule), rule);
  }
  return { edges: [...edges.values()], topics: [...topics.values()] };
}

/**
 * The subjects an allowlist talks about — a team's agents and the roles (agent templates) among
 * them — with the words the editor and the live feed show for each. An agent and a role can
 * share a name (the demo's "Engineering" agent has the engineering role), so roles always read
 * "All … agents".
 */
import { TEMPLATE_DEFAULTS } from "@shared/agent-templates";
import { subjectKey, type Subject } from "@shared/relay/allowlist";
import type { Agent } from "@/lib/types";
import type { Rules } from "./allowlist-draft";

export interface SubjectOption {
  key: string;
  subject: Subject;
  label: string;
  /** A second line: the agent's role, or how many team agents a role covers. */
  detail: string;
  /** False for subjects a saved rule names but that are no longer in the team (kept, marked). */
  inTeam: boolean;
}

export const roleLabel = (role: Extract<Subject, { kind: "role" }>["id"]) => `All ${TEMPLATE_DEFAULTS[role].label} agents`;

/** Names of agents by id (the team's agents first, then any other agent of the tenant). */
export function agentNames(...lists: Array<Agent[] | undefined>): Map<string, string> {
  const names = new Map<string, string>();
  for (const list of lists) for (const a of list ?? []) if (!names.has(a.id)) names.set(a.id, a.name);
  return names;
}

export function subjectLabel(subject: Subject, names: Map<string, string>): string {
  return subject.kind === "role" ? roleLabel(subject.id) : (names.get(subject.id) ?? subject.id);
}

/** Agents of the team, then the roles present in it, then anything else the rules still name. */
export function teamSubjects(teamAgents: Agent[], rules: Rules, names: Map<string, string>): SubjectOption[] {
  const out = new Map<string, SubjectOption>();
  for (const a of teamAgents) {
    const subject: Subject = { kind: "agent", id: a.id };
    out.set(subjectKey(subject), {
      key: subjectKey(subject),
      subject,
      label: a.name,
      detail: `Agent · ${TEMPLATE_DEFAULTS[a.template].label} role`,
      inTeam: true,
    });
  }
  const roles = [...new Set(teamAgents.map((a) => a.template))];
  for (const role of roles) {
    const subject: Subject = { kind: "role", id: role };
    const n = teamAgents.filter((a) => a.template === role).length;
    out.set(subjectKey(subject), {
      key: subjectKey(subject),
      subject,
      label: roleLabel(role),
      detail: `Role · ${n} ${n === 1 ? "agent" : "agents"} in this team`,
      inTeam: true,
    });
  }
  const named = [...rules.edges.flatMap((e) => [e.from, e.to]), ...rules.topics.map((r) => r.subject)];
  for (const subject of named) {
    const key = subjectKey(subject);
    if (out.has(key)) continue;
    out.set(key, {
      key,
      subject,
      label: subjectLabel(subject, names),
      detail: subject.kind === "agent" ? "Agent · not in this team" : "Role · no agent in this team has it",
      inTeam: false,
    });
  }
  return [...out.values()];
}

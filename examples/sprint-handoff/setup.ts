/**
 * The admin half of the example, done as the demo owner over the HTTP API (what a person does in
 * the dashboard): find the seeded agents and team, rotate the agents' secrets (secrets are shown
 * only once, at creation or rotation), give PM the trust level a broadcast needs, and add the
 * allowlist edges and topic rules the hand-off uses — keeping whatever rules are already there.
 */

export interface DemoAgent {
  id: string;
  name: string;
  secret: string;
}

export interface DemoSetup {
  tenantId: string;
  teamId: string;
  pm: DemoAgent;
  engineering: DemoAgent;
  ops: DemoAgent;
  notes: string[];
}

type Subject = { kind: "agent" | "role"; id: string };
type Edge = { from: Subject; to: Subject };
type TopicRule = { topic: string; action: "publish" | "subscribe"; subject: Subject };
type Allowlist = { version: number; edges: Edge[]; topics: TopicRule[] };

class Api {
  private cookie = "";
  constructor(private readonly base: string) {}

  async call<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.cookie) headers.cookie = this.cookie;
    let res: Response;
    try {
      res = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      throw new Error(`Cannot reach the Switchboard API at ${this.base} (${(err as Error).message}). Is \`npm start\` running? Set SWITCHBOARD_URL otherwise.`);
    }
    const session = res.headers.getSetCookie?.().find((c) => c.startsWith("sb_session="));
    if (session) this.cookie = session.split(";")[0]!;
    const text = await res.text();
    const json = text ? JSON.parse(text) : null;
    if (!res.ok) throw Object.assign(new Error(`${method} ${path} → ${res.status} ${json?.error?.code ?? ""}: ${json?.error?.message ?? text}`), { status: res.status, code: json?.error?.code });
    return json as T;
  }

  async listAll<T>(path: string): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | null = null;
    do {
      const page: { data: T[]; nextCursor?: string | null } = await this.call("GET", cursor ? `${path}&cursor=${encodeURIComponent(cursor)}` : path);
      items.push(...page.data);
      cursor = page.nextCursor ?? null;
    } while (cursor);
    return items;
  }
}

const agent = (id: string): Subject => ({ kind: "agent", id });

export async function setUpDemo(options: { url: string; email: string; password: string; tenantName?: string; teamName?: string }): Promise<DemoSetup> {
  const { tenantName = "Acme", teamName = "Sprint team" } = options;
  const api = new Api(options.url.replace(/\/$/, ""));
  const notes: string[] = [];
  await api.call("POST", "/v1/auth/login", { email: options.email, password: options.password });

  const me = await api.call<{ memberships: { tenantId: string; tenantName: string; role: string }[] }>("GET", "/v1/me");
  const tenantId = me.memberships.find((m) => m.tenantName === tenantName && (m.role === "owner" || m.role === "admin"))?.tenantId;
  if (!tenantId) throw new Error(`${options.email} is not an owner or admin of a tenant named "${tenantName}". Run \`npm start\` (it seeds the demo).`);
  const base = `/v1/tenants/${tenantId}`;

  const agents = await api.listAll<{ id: string; name: string; trustLevel: number }>(`${base}/agents?limit=100`);
  const find = (name: string) => {
    const found = agents.find((a) => a.name === name);
    if (!found) throw new Error(`No agent named "${name}" in ${tenantName}. Run \`npm run seed\`.`);
    return found;
  };
  const [pm, engineering, ops] = [find("PM"), find("Engineering"), find("Ops")];
  const teams = await api.listAll<{ id: string; name: string; agentIds: string[] }>(`${base}/teams?limit=100`);
  const team = teams.find((t) => t.name === teamName);
  if (!team) throw new Error(`No team named "${teamName}" in ${tenantName}. Run \`npm run seed\`.`);
  for (const a of [pm, engineering, ops]) {
    if (!team.agentIds.includes(a.id)) {
      await api.call("PUT", `${base}/teams/${team.id}/agents/${a.id}`);
      notes.push(`added ${a.name} to ${teamName}`);
    }
  }

  // Broadcasting needs trust level 2 ("Standard") or above (workers/shared/trust-levels.ts).
  if (pm.trustLevel < 2) {
    await api.call("PATCH", `${base}/agents/${pm.id}`, { trustLevel: 2 });
    notes.push(`raised PM's trust level ${pm.trustLevel} → 2 so it may broadcast`);
  }

  const secrets = new Map<string, string>();
  for (const a of [pm, engineering, ops]) {
    const rotated = await api.call<{ secret: string }>("POST", `${base}/agents/${a.id}/rotate-secret`);
    secrets.set(a.id, rotated.secret);
  }
  notes.push("rotated the three agents' secrets (the ones `npm start` printed no longer work)");

  const wantedEdges: Edge[] = [
    { from: agent(pm.id), to: agent(engineering.id) }, // PM asks Engineering for estimates; the broadcast reaches it
    { from: agent(pm.id), to: agent(ops.id) }, // the broadcast reaches Ops
    { from: agent(ops.id), to: agent(pm.id) }, // Ops acknowledges the deploy to PM
  ];
  const wantedTopics: TopicRule[] = [
    { topic: "deploys", action: "publish", subject: agent(pm.id) },
    { topic: "deploys", action: "subscribe", subject: agent(ops.id) },
  ];
  // Compared by meaning, not by JSON text: the relay stores rules with its own key order.
  const subjectKey = (s: Subject) => `${s.kind}:${s.id}`;
  const edgeKey = (e: Edge) => `${subjectKey(e.from)}>${subjectKey(e.to)}`;
  const topicKey = (t: TopicRule) => `${t.action}|${t.topic}|${subjectKey(t.subject)}`;
  for (let attempt = 0; ; attempt++) {
    const { allowlist } = await api.call<{ allowlist: Allowlist }>("GET", `${base}/teams/${team.id}/allowlist`);
    const edges = [...allowlist.edges, ...wantedEdges.filter((e) => !allowlist.edges.some((have) => edgeKey(have) === edgeKey(e)))];
    const topics = [...allowlist.topics, ...wantedTopics.filter((t) => !allowlist.topics.some((have) => topicKey(have) === topicKey(t)))];
    const added = edges.length - allowlist.edges.length + topics.length - allowlist.topics.length;
    if (added === 0) break;
    try {
      await api.call("PUT", `${base}/teams/${team.id}/allowlist`, { expectedVersion: allowlist.version, edges, topics });
      notes.push(`added ${added} allowlist rule(s) to ${teamName}`);
      break;
    } catch (err) {
      // Someone changed the allowlist between our read and write: read again and re-apply.
      if ((err as { code?: string }).code !== "version_conflict" || attempt >= 2) throw err;
    }
  }

  const withSecret = (a: { id: string; name: string }): DemoAgent => ({ id: a.id, name: a.name, secret: secrets.get(a.id)! });
  return { tenantId, teamId: team.id, pm: withSecret(pm), engineering: withSecret(engineering), ops: withSecret(ops), notes };
}

/**
 * The admin half of the example, done over the HTTP API (what a person does in the dashboard):
 * find the seeded agents and team, rotate the agents' secrets (secrets are shown only once, at
 * creation or rotation), give PM the trust level a broadcast needs, and add the allowlist edges
 * and topic rules the hand-off uses — keeping whatever rules are already there.
 *
 * It authenticates like any automation should: with an API key (the local scripts' key that
 * `npm start` made, or one you pass). The demo owner's password is only a fallback, and then the
 * session is signed out at the end; with MFA on it cannot work, and the error says what to do.
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
  constructor(
    private readonly base: string,
    private readonly apiKey: string | null,
  ) {}

  async call<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    else if (this.cookie) headers.cookie = this.cookie;
    let res: Response;
    try {
      res = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      throw new Error(
        `Cannot reach the Switchboard API at ${this.base} (${(err as Error).message}). Is \`npm start\` running? Set SWITCHBOARD_URL otherwise.`,
      );
    }
    const session = res.headers.getSetCookie?.().find((c) => c.startsWith("sb_session="));
    if (session) this.cookie = session.split(";")[0]!;
    const text = await res.text();
    const json = text ? JSON.parse(text) : null;
    if (!res.ok)
      throw Object.assign(new Error(`${method} ${path} → ${res.status} ${json?.error?.code ?? ""}: ${json?.error?.message ?? text}`), {
        status: res.status,
        code: json?.error?.code,
      });
    return json as T;
  }

  async listAll<T>(path: string): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | null = null;
    do {
      const page: { data: T[]; nextCursor?: string | null } = await this.call(
        "GET",
        cursor ? `${path}&cursor=${encodeURIComponent(cursor)}` : path,
      );
      items.push(...page.data);
      cursor = page.nextCursor ?? null;
    } while (cursor);
    return items;
  }
}

const agent = (id: string): Subject => ({ kind: "agent", id });

export interface SetUpOptions {
  url: string;
  /** An API key of the demo tenant (`sbk_…`) with agents and teams permissions; preferred. */
  apiKey?: string | null;
  /** Without a key: sign in as this person (no MFA), then sign out at the end. */
  email?: string;
  password?: string;
  /** Without a key: the tenant to use (else the one named `tenantName`). */
  tenantId?: string | null;
  tenantName?: string;
  teamName?: string;
}

export async function setUpDemo(options: SetUpOptions): Promise<DemoSetup> {
  const { tenantName = "Acme", teamName = "Sprint team" } = options;
  const api = new Api(options.url.replace(/\/$/, ""), options.apiKey ?? null);
  const notes: string[] = [];
  const tenantId = options.apiKey ? await tenantOfKey(api) : await signIn(api, options, tenantName);
  try {
    return await setUpTenant(api, tenantId, teamName, notes);
  } finally {
    // A password sign-in made a session: end it, so runs do not pile sessions up.
    if (!options.apiKey) await api.call("POST", "/v1/auth/logout").catch(() => undefined);
  }
}

async function tenantOfKey(api: Api): Promise<string> {
  try {
    const me = await api.call<{ apiKey: { tenantId: string } }>("GET", "/v1/me");
    return me.apiKey.tenantId;
  } catch (err) {
    if ((err as { status?: number }).status !== 401) throw err;
    throw new Error(
      `The API key was refused (${(err as Error).message}). Run \`npm run seed\` (it makes the local scripts' key again), or pass a working key in SWITCHBOARD_API_KEY.`,
    );
  }
}

async function signIn(api: Api, options: SetUpOptions, tenantName: string): Promise<string> {
  const { email = "", password = "" } = options;
  const answer = await api.call<{ mfaRequired?: boolean }>("POST", "/v1/auth/login", { email, password });
  if (answer.mfaRequired) {
    throw new Error(
      `${email} has MFA turned on, so this example cannot sign in with a password. Give it an API key instead: ` +
        "`npm run seed` keeps one for the local scripts in .dev.vars (SWITCHBOARD_API_KEY), or create one in the dashboard (API keys) and set SWITCHBOARD_API_KEY.",
    );
  }
  const me = await api.call<{ memberships: { tenantId: string; tenantName: string; role: string }[] }>("GET", "/v1/me");
  const managed = me.memberships.filter((m) => m.role === "owner" || m.role === "admin");
  const tenantId = (
    options.tenantId ? managed.find((m) => m.tenantId === options.tenantId) : managed.find((m) => m.tenantName === tenantName)
  )?.tenantId;
  if (!tenantId)
    throw new Error(
      `${email} is not an owner or admin of ${options.tenantId ?? `a tenant named "${tenantName}"`}. Run \`npm start\` (it seeds the demo).`,
    );
  return tenantId;
}

async function setUpTenant(api: Api, tenantId: string, teamName: string, notes: string[]): Promise<DemoSetup> {
  const base = `/v1/tenants/${tenantId}`;
  const tenantName = (await api.call<{ tenant: { name: string } }>("GET", base)).tenant.name;

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

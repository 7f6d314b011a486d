/**
 * Coordination test support: a team of agents (PM, Engineering, Ops by default) with team tokens,
 * and `as(agent)` — a caller of the agent API (`/v1/agent/*`) with that agent's token.
 */
import { call, type CallResult } from "./harness";
import { relayFixture, setAllowlist, tokenFor, type RelayAgent, type RelayFixture } from "./relay-harness";

export interface CoordFixture extends RelayFixture {
  tokens: Map<string, string>;
}

export async function coordFixture(
  specs: Array<{ template?: string; trustLevel?: number }> = [{ template: "pm" }, { template: "engineering" }, { template: "ops" }],
): Promise<CoordFixture> {
  const f = await relayFixture(specs);
  const tokens = new Map<string, string>();
  for (const a of f.agents) tokens.set(a.id, await tokenFor(a, f.teamId));
  return { ...f, tokens };
}

export function as(f: CoordFixture, agent: RelayAgent) {
  const token = f.tokens.get(agent.id)!;
  return {
    get: <T = any>(path: string): Promise<CallResult<T>> => call<T>(path, { headers: { authorization: `Bearer ${token}` } }),
    post: <T = any>(path: string, body: unknown = {}): Promise<CallResult<T>> =>
      call<T>(path, { body, headers: { authorization: `Bearer ${token}` } }),
    del: <T = any>(path: string): Promise<CallResult<T>> =>
      call<T>(path, { method: "DELETE", headers: { authorization: `Bearer ${token}` } }),
  };
}

/** Every agent may send to every other (role-free, agent edges). */
export async function openAllowlist(f: CoordFixture): Promise<void> {
  const edges = f.agents.flatMap((a) =>
    f.agents.filter((b) => b.id !== a.id).map((b) => ({ from: { kind: "agent", id: a.id }, to: { kind: "agent", id: b.id } })),
  );
  await setAllowlist(f, { edges });
}

export const coordPath = (f: RelayFixture, rest: string) => `/v1/tenants/${f.tenantId}/teams/${f.teamId}/coordination${rest}`;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

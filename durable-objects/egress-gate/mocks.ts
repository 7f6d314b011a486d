/** Mock mode: the first declared response whose method and URL prefix match answers; nothing leaves. */
import type { GateState } from "./state";

export interface MockAnswer {
  skill: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function findMock(state: GateState, call: { method: string; url: URL; skill: string | null }): MockAnswer | null {
  const target = call.url.href;
  for (const skill of state.skills.values()) {
    if (call.skill !== null && skill.name !== call.skill) continue;
    for (const mock of skill.manifest.mocks) {
      if (mock.method && mock.method !== call.method.toUpperCase()) continue;
      if (!target.startsWith(new URL(mock.url).href)) continue;
      const json = mock.body !== undefined && typeof mock.body !== "string";
      return {
        skill: skill.name,
        status: mock.status,
        headers: { ...(json ? { "content-type": "application/json" } : {}), ...mock.headers },
        body: mock.body === undefined ? "" : json ? JSON.stringify(mock.body) : (mock.body as string),
      };
    }
  }
  return null;
}

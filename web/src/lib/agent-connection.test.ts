import { describe, expect, it } from "vitest";
import { AGENT_ENV, envFile, program } from "./agent-connection";

const parseEnv = (text: string) =>
  Object.fromEntries(
    text
      .split("\n")
      .filter((l) => l && !l.startsWith("#"))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );

describe("the agent's connection snippets", () => {
  it("puts every value in the env file, and the program reads exactly those variables", () => {
    const env = parseEnv(envFile({ apiOrigin: "http://localhost:8787", agentId: "agt_1", secret: "sba_x", teamId: "team_1" }));
    expect(env).toEqual({
      SWITCHBOARD_URL: "http://localhost:8787",
      SWITCHBOARD_AGENT_ID: "agt_1",
      SWITCHBOARD_AGENT_SECRET: "sba_x",
      SWITCHBOARD_TEAM_ID: "team_1",
    });
    const read = [...program.matchAll(/process\.env\.(\w+)/g)].map((m) => m[1]);
    expect(read.sort()).toEqual(Object.values(AGENT_ENV).sort());
    expect(Object.keys(env).sort()).toEqual(Object.values(AGENT_ENV).sort());
  });

  it("says what is missing instead of inventing it: a secret shown only once, a team not chosen yet", () => {
    const text = envFile({ apiOrigin: "https://api.example.com", agentId: "agt_1" });
    expect(parseEnv(text)).toMatchObject({ SWITCHBOARD_AGENT_SECRET: "", SWITCHBOARD_TEAM_ID: "" });
    expect(text).toMatch(/^# The agent's secret: shown once/m);
    expect(text).toMatch(/^# Add the agent to a team first/m);
  });

  it("is an ES module program using the SDK's public API only", () => {
    expect(program).toContain('import { SwitchboardAgent } from "@switchboard/sdk";');
    expect(program).toContain("await agent.connect();");
    expect(program).not.toMatch(/require\(|sdk\/src|workers\/shared/);
  });
});

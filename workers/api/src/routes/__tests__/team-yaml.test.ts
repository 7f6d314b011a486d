/**
 * Declarative teams: export → apply round trip (no changes), a dry run that changes nothing, an
 * apply that creates, updates, adds and removes agents, rewrites the allowlist and the settings —
 * idempotent on a second apply — and bad documents refused with the offending paths.
 */
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { coordFixture, coordPath } from "../../../../../test/workers/coordination-harness";
import { call, expectError } from "../../../../../test/workers/harness";
import { setAllowlist } from "../../../../../test/workers/relay-harness";

const teamPath = (f: { tenantId: string; teamId: string }, rest: string) => `/v1/tenants/${f.tenantId}/teams/${f.teamId}${rest}`;

describe("team YAML", () => {
  it("round trip, dry run, apply, idempotent re-apply", async () => {
    const f = await coordFixture([{ template: "pm" }, { template: "engineering" }, { template: "ops" }]);
    await setAllowlist(f, {
      edges: [{ from: { kind: "role", id: "pm" }, to: { kind: "agent", id: f.agents[1]!.id } }],
      topics: [{ topic: "deploys.*", subject: { kind: "role", id: "ops" }, action: "publish" }],
    });
    const exported = await call(teamPath(f, "/export"), { cookie: f.viewer.cookie });
    expect(exported.status).toBe(200);
    const doc = parse(exported.body.yaml);
    expect(doc.spec.agents.map((a: { name: string }) => a.name)).toEqual(["Agent 0", "Agent 1", "Agent 2"]);
    expect(doc.spec.allowlist.edges).toEqual([{ from: "role:pm", to: "agent:Agent 1" }]);

    // The exported document applied as is: nothing to do.
    const same = await call(teamPath(f, "/apply"), { body: { yaml: exported.body.yaml, dryRun: false }, cookie: f.owner.cookie });
    expect(same.body).toMatchObject({ changes: [], applied: false });

    // Change it: drop Agent 2, add a new Reviewer, raise Agent 1's trust, rewrite an edge, tune the queue.
    doc.metadata.description = "Ships weekly";
    doc.spec.agents = doc.spec.agents.filter((a: { name: string }) => a.name !== "Agent 2");
    doc.spec.agents.find((a: { name: string }) => a.name === "Agent 1").trustLevel = 3;
    doc.spec.agents.push({ name: "Reviewer", template: "engineering", trustLevel: 1, description: "reviews PRs" });
    doc.spec.allowlist.edges = [{ from: "agent:Agent 1", to: "agent:Reviewer" }];
    doc.spec.coordination.taskMaxAttempts = 5;
    const yaml = stringify(doc);

    const dry = await call(teamPath(f, "/apply"), { body: { yaml }, cookie: f.owner.cookie });
    expect(dry.body.dryRun).toBe(true);
    expect(dry.body.applied).toBe(false);
    expect(dry.body.changes.map((ch: { kind: string }) => ch.kind).sort()).toEqual(
      [
        "agent.create",
        "agent.update",
        "allowlist.edge.add",
        "allowlist.edge.remove",
        "member.add",
        "member.remove",
        "settings.update",
        "team.update",
      ].sort(),
    );
    // The dry run changed nothing.
    expect((await call(teamPath(f, "/export"), { cookie: f.viewer.cookie })).body.yaml).toBe(exported.body.yaml);

    // Members may not apply (coordination:admin).
    expectError(await call(teamPath(f, "/apply"), { body: { yaml, dryRun: false }, cookie: f.viewer.cookie }), 403, "forbidden");

    const applied = await call(teamPath(f, "/apply"), { body: { yaml, dryRun: false }, cookie: f.owner.cookie });
    expect(applied.status).toBe(200);
    expect(applied.body.applied).toBe(true);
    expect(applied.body.createdAgents).toEqual([
      { id: expect.stringMatching(/^agt_/), name: "Reviewer", secret: expect.stringMatching(/^sba_/) },
    ]);
    const after = parse(applied.body.yaml);
    expect(after.spec.agents.map((a: { name: string }) => a.name)).toEqual(["Agent 0", "Agent 1", "Reviewer"]);
    expect(after.spec.allowlist.edges).toEqual([{ from: "agent:Agent 1", to: "agent:Reviewer" }]);
    expect(after.spec.coordination.taskMaxAttempts).toBe(5);
    expect((await call(coordPath(f, "/settings"), { cookie: f.viewer.cookie })).body.settings.taskMaxAttempts).toBe(5);
    const team = await call(teamPath(f, ""), { cookie: f.viewer.cookie });
    expect(team.body.team.description).toBe("Ships weekly");
    expect(team.body.team.agentIds).not.toContain(f.agents[2]!.id);

    // Idempotent: the same document again changes nothing, and export is stable.
    const again = await call(teamPath(f, "/apply"), { body: { yaml, dryRun: false }, cookie: f.owner.cookie });
    expect(again.body).toMatchObject({ changes: [], applied: false, createdAgents: [] });
    expect((await call(teamPath(f, "/export"), { cookie: f.viewer.cookie })).body.yaml).toBe(applied.body.yaml);
  });

  it("refuses bad documents with the offending paths", async () => {
    const f = await coordFixture([{ template: "pm" }]);
    const apply = (yaml: string) => call(teamPath(f, "/apply"), { body: { yaml }, cookie: f.owner.cookie });
    expectError(await apply("{ not: [yaml"), 400, "validation_failed");
    const wrongKind = await apply("apiVersion: switchboard.dev/v1\nkind: Tenant\nmetadata: { name: x }\nspec: {}\n");
    expectError(wrongKind, 400, "validation_failed");
    expect(JSON.stringify(wrongKind.body.error.details)).toContain("yaml.kind");
    const unknownAgent = await apply(
      "apiVersion: switchboard.dev/v1\nkind: Team\nmetadata: { name: x }\nspec:\n  agents: []\n  allowlist:\n    edges: [{ from: 'agent:Ghost', to: 'role:pm' }]\n",
    );
    expectError(unknownAgent, 400, "validation_failed");
    expect(JSON.stringify(unknownAgent.body.error.details)).toContain("Ghost");
    const bomb = `a: &a [x, x, x, x, x, x, x, x, x]\n${Array.from({ length: 120 }, (_, i) => `k${i}: [*a, *a]`).join("\n")}\n`;
    expectError(await apply(bomb), 400, "validation_failed");
  });
});

/**
 * Cedar in the policy Worker, reached as the API reaches it: the POLICY service binding.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { egressPolicyRequest } from "../../shared/policy/request";
import { STARTER_POLICY } from "../../shared/policy/schema";
import { policyBinding } from "../../shared/policy/tenant-policy";

const POLICY = policyBinding(env)!;

const principal = { agentId: "agt_one", trustLevel: 2, teams: ["team_a"] };
const call = (host: string, method = "GET") => egressPolicyRequest(principal, method, new URL(`https://${host}/x`), null);

describe("policy worker", () => {
  it("loads Cedar and validates the starter policy against the schema", async () => {
    const res = await POLICY.validate(STARTER_POLICY);
    expect(res).toEqual({ ok: true, policies: 1 });
  });

  it("refuses a policy naming an unknown entity type or attribute, with Cedar's messages", async () => {
    const res = await POLICY.validate("forbid (principal, action, resource is Switchboard::Bucket);");
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.errors[0]!.message).toMatch(/Bucket/);
    const syntax = await POLICY.validate("permit (principal, action resource);");
    expect(syntax.ok).toBe(false);
  });

  it("asks for the text once per version, then decides with the pre-parsed set", async () => {
    const tenant = `ten_${crypto.randomUUID()}`;
    const text = `${STARTER_POLICY}\nforbid (principal, action == Switchboard::Action::"egress.call", resource == Switchboard::Domain::"evil.example");`;
    expect(await POLICY.authorize(tenant, { version: 1 }, call("evil.example"))).toEqual({ decision: "unknown_policy" });
    const denied = await POLICY.authorize(tenant, { version: 1, text }, call("evil.example"));
    expect(denied).toMatchObject({ decision: "deny", reasons: ["policy1"] });
    expect(await POLICY.authorize(tenant, { version: 1 }, call("good.example"))).toMatchObject({ decision: "allow" });
    // A newer version is asked for again; an older tenant's slot is untouched by another tenant.
    expect(await POLICY.authorize(tenant, { version: 2 }, call("good.example"))).toEqual({ decision: "unknown_policy" });
    expect(await POLICY.authorize(`ten_${crypto.randomUUID()}`, { version: 1 }, call("evil.example"))).toEqual({
      decision: "unknown_policy",
    });
  });

  it("matches teams and attributes (principal in Team, resource.name like)", async () => {
    const text = `permit (principal, action, resource);
forbid (principal in Switchboard::Team::"team_a", action == Switchboard::Action::"egress.call", resource)
  when { resource.name like "*.internal.example" && context.method != "GET" };`;
    const res = await POLICY.dryRun(text, [
      call("db.internal.example", "POST"),
      call("db.internal.example", "GET"),
      call("x.example", "POST"),
    ]);
    expect(res.ok && res.decisions.map((d) => d.decision)).toEqual(["deny", "allow", "allow"]);
  });
});

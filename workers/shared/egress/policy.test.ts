/** The decision function: rule matching at label boundaries, method/path/scheme constraints, tenant deny, trust levels. */
import { describe, expect, it } from "vitest";
import { parseHostPattern, pathMatches } from "./host-pattern";
import { compilePolicy, decideEgress, type EgressRule } from "./policy";

const allow = (id: string, host: string, extra: Partial<EgressRule> = {}): EgressRule => ({
  id,
  effect: "allow",
  host,
  methods: null,
  pathPrefix: null,
  schemes: ["https"],
  source: { type: "agent" },
  ...extra,
});
const deny = (id: string, host: string, extra: Partial<EgressRule> = {}): EgressRule => ({
  ...allow(id, host, extra),
  effect: "deny",
  schemes: ["https", "http"],
  source: { type: "tenant" },
  ...extra,
});

const policy = compilePolicy([
  allow("r-gh", "api.github.com", { methods: ["GET", "POST"], pathPrefix: "/repos" }),
  allow("r-ex", "*.example.com"),
  allow("r-http", "legacy.example.org", { schemes: ["http"] }),
  allow("r-ip", "8.8.8.8"),
  allow("r-skill", "hooks.slack.com", { source: { type: "skill", skill: "slack", version: "1.0.0" } }),
  deny("d-admin", "admin.example.com"),
  deny("d-post", "*.example.com", { methods: ["DELETE"] }),
]);

const decide = (method: string, url: string, trustLevel: 0 | 1 | 2 | 3 | 4 = 2) => decideEgress(policy, { method, url, trustLevel });

describe("decideEgress", () => {
  it.each([
    ["GET", "https://api.github.com/repos/acme/app", "allow", "agent_rule"],
    ["GET", "https://api.github.com/repos", "allow", "agent_rule"],
    ["GET", "https://api.github.com/repository", "deny", "method_not_allowed"],
    ["GET", "https://api.github.com/user", "deny", "method_not_allowed"],
    ["GET", "https://api.github.com/repos%2F..%2Fuser", "deny", "method_not_allowed"],
    ["PUT", "https://api.github.com/repos/acme/app", "deny", "method_not_allowed"],
    ["GET", "https://github.com/", "deny", "no_matching_rule"],
    ["GET", "https://evilapi.github.com/repos", "deny", "no_matching_rule"],
    ["GET", "https://a.example.com/", "allow", "agent_rule"],
    ["GET", "https://a.b.example.com/x", "allow", "agent_rule"],
    ["GET", "https://example.com/", "deny", "no_matching_rule"],
    ["GET", "https://badexample.com/", "deny", "no_matching_rule"],
    ["GET", "https://example.com.evil.net/", "deny", "no_matching_rule"],
    ["GET", "https://admin.example.com/", "deny", "denied_by_tenant_rule"],
    ["DELETE", "https://a.example.com/x", "deny", "denied_by_tenant_rule"],
    ["GET", "http://a.example.com/", "deny", "scheme_not_allowed"],
    ["GET", "http://legacy.example.org/", "allow", "agent_rule"],
    ["GET", "https://legacy.example.org/", "deny", "scheme_not_allowed"],
    ["GET", "https://8.8.8.8/", "allow", "agent_rule"],
    ["GET", "https://1.1.1.1/", "deny", "ip_literal_not_allowed"],
    ["GET", "https://127.0.0.1/", "deny", "private_address"],
    ["POST", "https://hooks.slack.com/services/x", "allow", "skill_rule"],
  ])("%s %s → %s (%s)", (method, url, decision, reason) => {
    expect(decide(method, url)).toMatchObject({ decision, reason });
  });

  it("applies the trust level's methods after the rules", () => {
    expect(decide("POST", "https://api.github.com/repos/x", 1)).toMatchObject({
      decision: "deny",
      reason: "method_not_allowed_by_trust",
      ruleId: "r-gh",
    });
    expect(decide("GET", "https://api.github.com/repos/x", 1)).toMatchObject({ decision: "allow" });
    expect(decide("GET", "https://api.github.com/repos/x", 0)).toMatchObject({ decision: "deny", reason: "method_not_allowed_by_trust" });
  });

  it("default deny: an empty policy refuses everything", () => {
    expect(decideEgress(compilePolicy([]), { method: "GET", url: "https://api.github.com/", trustLevel: 4 })).toMatchObject({
      decision: "deny",
      reason: "no_matching_rule",
    });
  });

  it("decides in O(labels) over 1,000 rules (sanity; speed is measured in bench/)", () => {
    const many = compilePolicy(Array.from({ length: 1000 }, (_, i) => allow(`r${i}`, i % 2 ? `api${i}.vendor${i}.com` : `*.zone${i}.net`)));
    expect(many.ruleCount).toBe(1000);
    expect(decideEgress(many, { method: "GET", url: "https://x.zone500.net/", trustLevel: 2 })).toMatchObject({
      decision: "allow",
      ruleId: "r500",
    });
    expect(decideEgress(many, { method: "GET", url: "https://api501.vendor501.com/", trustLevel: 2 })).toMatchObject({
      decision: "allow",
      ruleId: "r501",
    });
  });
});

describe("host patterns", () => {
  it.each([
    ["api.github.com", "api.github.com"],
    ["API.GitHub.com", "api.github.com"],
    ["*.example.com", "*.example.com"],
    ["8.8.8.8", "8.8.8.8"],
    ["[2606:4700::1111]", "2606:4700::1111"],
  ])("accepts %s as %s", (input, canonical) => {
    expect(parseHostPattern(input)).toMatchObject({ ok: true, canonical });
  });
  it.each([
    "*.com",
    "*",
    "*.*.example.com",
    "api.*.com",
    "localhost",
    "*.local",
    "10.0.0.1",
    "https://api.github.com",
    "api.github.com/repos",
    "api.github.com:443",
    "[::1]",
    "*.8.8.8.8",
    "user@host.com",
    "",
  ])("refuses %s", (input) => {
    expect(parseHostPattern(input).ok).toBe(false);
  });
  it("matches path prefixes at segment boundaries", () => {
    expect(pathMatches("/repos", "/repos/x")).toBe(true);
    expect(pathMatches("/repos", "/repos")).toBe(true);
    expect(pathMatches("/repos", "/repository")).toBe(false);
    expect(pathMatches("/repos/", "/repos/x")).toBe(true);
    expect(pathMatches(null, "/anything")).toBe(true);
  });
});

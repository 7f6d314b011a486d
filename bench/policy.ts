/**
 * `npm run bench:policy`: decision latency of the native egress check (`decideEgress`, the
 * function the EgressGate runs) against Cedar on a pre-parsed policy set (`preparsePolicySet` +
 * `statefulIsAuthorized`, what the policy Worker runs), and Cedar parsing the set on every call
 * (`isAuthorized`) for scale. In Node (V8, the engine workerd runs): workerd's clock does not
 * advance while a Worker computes, so µs timings are only possible outside it. The service-binding
 * hop to the policy Worker is not in these figures (an RPC to a Worker on the same machine).
 * Targets (issue 13): native ≤ 20 µs, Cedar pre-parsed ≤ 0.3 ms p50.
 * Writes bench/results/policy-bench-<time>.json. `--iterations N` (default 20000).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isAuthorized, preparsePolicySet, preparseSchema, statefulIsAuthorized } from "@cedar-policy/cedar-wasm/nodejs";
import { compilePolicy, decideEgress, type EgressRule } from "../workers/shared/egress/policy";
import { egressPolicyRequest, toCedarRequest } from "../workers/shared/policy/request";
import { CEDAR_SCHEMA } from "../workers/shared/policy/schema";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const iterations = args.includes("--iterations") ? Number(args[args.indexOf("--iterations") + 1]) : 20_000;

// Native: 50 agent rules and 10 tenant deny rules (a busy agent's policy).
const rules: EgressRule[] = [];
for (let i = 0; i < 50; i++)
  rules.push({
    id: `r${i}`,
    effect: "allow",
    host: i % 2 ? `api${i}.vendor${i}.com` : `*.zone${i}.net`,
    methods: i % 3 ? ["GET", "POST"] : null,
    pathPrefix: i % 5 ? null : "/v1",
    schemes: ["https"],
    source: { type: "agent" },
  });
for (let i = 0; i < 10; i++)
  rules.push({
    id: `d${i}`,
    effect: "deny",
    host: `blocked${i}.example.org`,
    methods: null,
    pathPrefix: null,
    schemes: ["https"],
    source: { type: "tenant" },
  });
const native = compilePolicy(rules);

// Cedar: the starter permit plus 20 forbids of the kinds the docs show (domain, method, team, pattern, trust).
const forbids = Array.from({ length: 20 }, (_, i) => {
  switch (i % 4) {
    case 0:
      return `forbid (principal, action == Switchboard::Action::"egress.call", resource == Switchboard::Domain::"blocked${i}.example.org");`;
    case 1:
      return `forbid (principal, action == Switchboard::Action::"egress.call", resource) when { resource.name like "*.zone${i}.net" && context.method == "DELETE" };`;
    case 2:
      return `forbid (principal in Switchboard::Team::"team_${i}", action == Switchboard::Action::"egress.call", resource) when { context.method != "GET" };`;
    default:
      return `forbid (principal, action == Switchboard::Action::"skill.invoke", resource == Switchboard::Skill::"skill${i}") when { principal.trustLevel < 3 };`;
  }
});
const policyText = `permit (principal, action, resource);\n${forbids.join("\n")}\n`;
const principal = { agentId: "agt_bench", trustLevel: 2, teams: ["team_2", "team_x"] };
const calls: Array<[string, string]> = [
  ["GET", "https://api1.vendor1.com/v1/items?page=2"],
  ["DELETE", "https://eu.api.zone4.net/v1/x"],
  ["POST", "https://api3.vendor3.com/v2/y"],
  ["GET", "https://blocked4.example.org/"],
];
const cedarRequests = calls.map(([m, u]) => toCedarRequest(egressPolicyRequest(principal, m, new URL(u), null)));

const schema = preparseSchema("switchboard", CEDAR_SCHEMA);
const parsed = preparsePolicySet("bench", { staticPolicies: policyText });
if (schema.type !== "success" || parsed.type !== "success") throw new Error("the bench's Cedar set does not parse");

function measure(fn: (i: number) => void) {
  for (let i = 0; i < Math.min(iterations, 5_000); i++) fn(i);
  const samples = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    fn(i);
    samples[i] = (performance.now() - t) * 1000;
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const pct = (p: number) => +sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(2);
  return { iterations, p50Us: pct(50), p90Us: pct(90), p99Us: pct(99) };
}

const decisions = { allow: 0, deny: 0 };
const results = {
  at: new Date().toISOString(),
  loadavg: loadavg().map((l) => +l.toFixed(2)),
  node: process.version,
  nativeRules: native.ruleCount,
  cedarPolicies: forbids.length + 1,
  native: measure((i) => {
    const [method, url] = calls[i % calls.length]!;
    decideEgress(native, { method, url, trustLevel: 2 });
  }),
  cedarPreparsed: measure((i) => {
    // The request is built per call, as the policy Worker does.
    const [method, url] = calls[i % calls.length]!;
    const answer = statefulIsAuthorized({
      ...toCedarRequest(egressPolicyRequest(principal, method, new URL(url), null)),
      preparsedPolicySetId: "bench",
    });
    if (answer.type === "success") decisions[answer.response.decision] += 1;
  }),
  cedarParsedEachCall: measure((i) => {
    isAuthorized({ ...cedarRequests[i % cedarRequests.length]!, policies: { staticPolicies: policyText } });
  }),
  decisions,
  targets: { nativeP50Us: 20, cedarPreparsedP50Us: 300 },
};

const out = join(root, "bench", "results");
mkdirSync(out, { recursive: true });
const file = join(out, `policy-bench-${results.at.replace(/[:.]/g, "-")}.json`);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
const row = (name: string, r: { p50Us: number; p90Us: number; p99Us: number }) =>
  `${name.padEnd(26)} p50 ${String(r.p50Us).padStart(8)} µs   p90 ${String(r.p90Us).padStart(8)} µs   p99 ${String(r.p99Us).padStart(8)} µs`;
console.log(`policy decision latency (Node ${process.version}, load ${results.loadavg.join(" ")}, ${iterations} calls each)`);
console.log(row(`native (${native.ruleCount} rules)`, results.native));
console.log(row(`cedar pre-parsed (${results.cedarPolicies})`, results.cedarPreparsed));
console.log(row("cedar parsed each call", results.cedarParsedEachCall));
console.log(
  `targets: native p50 ≤ 20 µs ${results.native.p50Us <= 20 ? "met" : "MISSED"}; cedar pre-parsed p50 ≤ 300 µs ${results.cedarPreparsed.p50Us <= 300 ? "met" : "MISSED"}`,
);
console.log(`wrote ${file}`);

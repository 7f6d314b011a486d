/**
 * Policy decision time, in Node (V8, the engine workerd runs): `decideEgress` against a compiled
 * policy of 1,000 rules (half exact hosts, half zone wildcards, plus 20 tenant deny rules), for a
 * mix of allowed and denied URLs. Measured here rather than in workerd because workerd's clock does
 * not advance while a Worker computes (a Spectre mitigation), so µs timings are only possible
 * outside it. Imported by bench/egress.mjs from an esbuild bundle of workers/shared/egress/policy.ts.
 */
export function decisionBench({ compilePolicy, decideEgress }, { rules = 1000, iterations = 200_000 } = {}) {
  const list = [];
  for (let i = 0; i < rules; i++) {
    list.push({
      id: `r${i}`,
      effect: "allow",
      host: i % 2 ? `api${i}.vendor${i}.com` : `*.zone${i}.net`,
      methods: i % 3 ? ["GET", "POST"] : null,
      pathPrefix: i % 5 ? null : "/v1",
      schemes: ["https"],
      source: { type: "agent" },
    });
  }
  for (let i = 0; i < 20; i++)
    list.push({
      id: `d${i}`,
      effect: "deny",
      host: `blocked${i}.example.org`,
      methods: null,
      pathPrefix: null,
      schemes: ["https", "http"],
      source: { type: "tenant" },
    });
  const compileStart = performance.now();
  const policy = compilePolicy(list);
  const compileMs = performance.now() - compileStart;
  const urls = [
    ["GET", "https://api501.vendor501.com/v1/items?page=2"],
    ["GET", "https://eu.api.zone500.net/v1/x"],
    ["POST", "https://api3.vendor3.com/v2/y"],
    ["GET", "https://unknown.example.com/"],
    ["GET", "http://169.254.169.254/latest/meta-data/"],
    ["GET", "https://blocked7.example.org/"],
  ];
  for (let i = 0; i < 20_000; i++) decideEgress(policy, { method: urls[i % urls.length][0], url: urls[i % urls.length][1], trustLevel: 4 });
  const samples = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const [method, url] = urls[i % urls.length];
    const t = performance.now();
    decideEgress(policy, { method, url, trustLevel: 4 });
    samples[i] = (performance.now() - t) * 1000;
  }
  // Batches too: per-call timing includes the timer's own cost (~0.05 µs); a batch mean does not.
  const batch = 10_000;
  const t0 = performance.now();
  for (let i = 0; i < batch; i++) decideEgress(policy, { method: urls[i % urls.length][0], url: urls[i % urls.length][1], trustLevel: 4 });
  const meanUs = ((performance.now() - t0) * 1000) / batch;
  const sorted = [...samples].sort((a, b) => a - b);
  const pct = (p) => +sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))].toFixed(2);
  return {
    rules: policy.ruleCount,
    compileMs: +compileMs.toFixed(2),
    iterations,
    p50Us: pct(50),
    p90Us: pct(90),
    p99Us: pct(99),
    batchMeanUs: +meanUs.toFixed(2),
  };
}

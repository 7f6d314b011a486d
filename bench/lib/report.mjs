/**
 * Medians across repetitions, the comparison table, and the targets of issue 5:
 *   1. relay throughput ≥ 60 % of the DO echo's (c) — the ceiling for any DO relay
 *   2. relay throughput ≥ 5× the naive D1-per-message relay's (d)
 *   3. relay request/reply p50 ≤ 2 ms
 *   4. ≤ 1.1 rows written per direct message, its audit event included
 * A target is "met" only if it holds in every measured configuration; the per-configuration
 * ratios are in the JSON.
 */
import { median } from "./scenarios.mjs";

const KEYS = ["a", "b", "c", "d", "e"];
const pick = (samples, test, filter = () => true) => samples.filter((s) => s.test === test && filter(s));
const med = (list, field) => median(list.map((s) => s[field]));

export function summarise(samples, config) {
  const throughput = [];
  const requestReply = [];
  for (const agents of config.agentCounts) {
    for (const bodyBytes of config.bodySizes) {
      const at = (key, test) => pick(samples, test, (s) => s.variant === key && s.agents === agents && s.bodyBytes === bodyBytes);
      const tp = Object.fromEntries(KEYS.map((k) => [k, med(at(k, "throughput"), "messagesPerSec")]));
      const relayRuns = at("e", "throughput");
      const relayAudit = { backlog: med(relayRuns, "auditBacklog"), drainMs: med(relayRuns, "auditDrainMs"), allDrained: relayRuns.every((r) => r.auditDrained !== false) };
      const relaySustained = med(relayRuns, "sustainedPerSec");
      throughput.push({
        agents,
        bodyBytes,
        messagesPerSec: tp,
        relaySustainedPerSec: relaySustained,
        relayVsDoEcho: ratio(tp.e, tp.c),
        relayVsNaive: ratio(tp.e, tp.d),
        relaySustainedVsDoEcho: ratio(relaySustained, tp.c),
        relaySustainedVsNaive: ratio(relaySustained, tp.d),
        relayAudit,
      });
      requestReply.push({
        agents,
        bodyBytes,
        ...Object.fromEntries(["p50", "p95", "p99"].map((p) => [p, Object.fromEntries(KEYS.map((k) => [k, med(at(k, "requestReply"), p)]))])),
        missing: Object.fromEntries(KEYS.map((k) => [k, at(k, "requestReply").reduce((n, s) => n + (s.missing ?? 0), 0)])),
      });
    }
  }
  const broadcast = config.broadcastRecipients.map((recipients) => ({
    recipients,
    deliveriesPerSec: Object.fromEntries(KEYS.map((k) => [k, med(pick(samples, "broadcast", (s) => s.variant === k && s.recipients === recipients), "deliveriesPerSec")])),
  }));
  const wake = Object.fromEntries(
    ["c", "d", "e"].map((k) => {
      const list = pick(samples, "wake", (s) => s.variant === k);
      return [k, { wakeMs: med(list, "wakeMs"), evicted: `${list.filter((s) => s.evicted).length}/${list.length}`, samplesMs: list.map((s) => s.wakeMs) }];
    }),
  );
  const rows = Object.fromEntries(
    ["d", "e"].map((k) => {
      const list = pick(samples, "rows", (s) => s.variant === k);
      const trickle = pick(samples, "rowsTrickle", (s) => s.variant === k);
      return [
        k,
        {
          rowsWrittenPerMessage: med(list, "rowsWrittenPerMessage"),
          rowsReadPerMessage: med(list, "rowsReadPerMessage"),
          lowTrafficRowsWrittenPerMessage: med(trickle, "rowsWrittenPerMessage"),
          lowTrafficRowsReadPerMessage: med(trickle, "rowsReadPerMessage"),
          note: list.find((s) => s.note)?.note,
        },
      ];
    }),
  );
  const problems = samples.filter((s) => s.problems).map((s) => ({ variant: s.variant, test: s.test, agents: s.agents, bodyBytes: s.bodyBytes, recipients: s.recipients, problems: s.problems, last: s.lastProblem }));

  const targets = [
    target("relay burst throughput ≥ 60% of the DO echo (c)", throughput.map((t) => t.relayVsDoEcho), (r) => r !== null && r >= 0.6, (r) => `${pct(r)}`),
    target("relay sustained throughput (audit flushed) ≥ 60% of (c)", throughput.map((t) => t.relaySustainedVsDoEcho), (r) => r !== null && r >= 0.6, (r) => `${pct(r)}`),
    target("relay burst throughput ≥ 5× the naive D1 relay (d)", throughput.map((t) => t.relayVsNaive), (r) => r !== null && r >= 5, (r) => `${fix(r, 1)}×`),
    target("relay sustained throughput (audit flushed) ≥ 5× (d)", throughput.map((t) => t.relaySustainedVsNaive), (r) => r !== null && r >= 5, (r) => `${fix(r, 1)}×`),
    target("relay request/reply p50 ≤ 2 ms", requestReply.map((t) => t.p50.e), (v) => v !== null && v <= 2, (v) => `${fix(v, 2)} ms`),
    target("≤ 1.1 rows written per direct message, audit included (burst)", [rows.e.rowsWrittenPerMessage], (v) => v !== null && v <= 1.1, (v) => (v === null ? `n/a${rows.e.note ? ` (${rows.e.note})` : ""}` : fix(v, 3))),
    target("≤ 1.1 rows written per direct message, audit included (low traffic)", [rows.e.lowTrafficRowsWrittenPerMessage], (v) => v !== null && v <= 1.1, (v) => (v === null ? "n/a" : fix(v, 3))),
  ];
  return { requestReplyRate: config.requestReplyRate, throughput, requestReply, broadcast, wake, rows, problems, targets };
}

function target(name, values, ok, show) {
  const met = values.length > 0 && values.every(ok);
  return { name, met, values: values.map(show), metIn: `${values.filter(ok).length}/${values.length}` };
}

const ratio = (a, b) => (a === null || b === null || b === 0 ? null : Math.round((a / b) * 1000) / 1000);
const fix = (v, d) => (v === null || v === undefined ? "–" : Number(v).toFixed(d));
const pct = (r) => (r === null ? "–" : `${Math.round(r * 100)}%`);

export function printSummary(summary, log) {
  const cell = (v, d = 0) => fix(v, d).padStart(9);
  const head = (first) => `${first.padEnd(22)}${KEYS.map((k) => k.padStart(9)).join("")}`;
  log("\nVariants: a node-echo · b worker-echo · c do-echo (ceiling) · d naive-d1 · e relay\n");
  log("Throughput, messages/s accepted (saturation burst); e sust. = e including its audit flush");
  log(`${head("agents × body")}  e sust.   e/c  e/d   sust/c sust/d`);
  for (const t of summary.throughput) {
    const ratios = `${pct(t.relayVsDoEcho).padStart(6)}${`${fix(t.relayVsNaive, 1)}×`.padStart(6)}${pct(t.relaySustainedVsDoEcho).padStart(8)}${`${fix(t.relaySustainedVsNaive, 1)}×`.padStart(7)}`;
    log(`${`${t.agents} × ${t.bodyBytes} B`.padEnd(22)}${KEYS.map((k) => cell(t.messagesPerSec[k])).join("")}${cell(t.relaySustainedPerSec)}${ratios}`);
  }
  log("Relay audit events still to flush when a burst ended, and how long the flush took:");
  for (const t of summary.throughput) if (t.relayAudit.backlog !== null) log(`  ${t.agents} × ${t.bodyBytes} B: ${fix(t.relayAudit.backlog)} events, ${fix(t.relayAudit.drainMs / 1000, 1)} s${t.relayAudit.allDrained ? "" : " (NOT fully flushed within 30 s: sustained is an upper bound)"}`);
  log(`\nRequest/reply latency (open loop, ${summary.requestReplyRate} req/s), ms p50 / p99`);
  log(`${"agents × body".padEnd(22)}${KEYS.map((k) => k.padStart(16)).join("")}`);
  for (const t of summary.requestReply) log(`${`${t.agents} × ${t.bodyBytes} B`.padEnd(22)}${KEYS.map((k) => `${fix(t.p50[k], 2)} / ${fix(t.p99[k], 1)}`.padStart(16)).join("")}`);
  log("\nBroadcast, deliveries/s (256 B)");
  log(head("recipients"));
  for (const t of summary.broadcast) log(`${String(t.recipients).padEnd(22)}${KEYS.map((k) => cell(t.deliveriesPerSec[k])).join("")}`);
  log("\nWake-up after hibernation (first frame after ~20 s idle), ms");
  for (const [k, w] of Object.entries(summary.wake)) log(`  ${k}: ${fix(w.wakeMs, 2)} ms (evicted in ${w.evicted} runs)`);
  log("\nRows per relayed direct message (256 B, with acks and the audit flush)");
  for (const [k, r] of Object.entries(summary.rows)) {
    log(`  ${k}: burst ${fix(r.rowsWrittenPerMessage, 3)} written, ${fix(r.rowsReadPerMessage, 2)} read; low traffic (one message per 2.5 s) ${fix(r.lowTrafficRowsWrittenPerMessage, 2)} written, ${fix(r.lowTrafficRowsReadPerMessage, 1)} read${r.note ? ` (${r.note})` : ""}`);
  }
  log("  (SQL rows only: setAlarm() calls, billed as one row written each, are not in stats(); see docs/cost.md)");
  if (summary.problems.length) {
    log("\nError/denied frames seen:");
    for (const p of summary.problems) log(`  ${p.variant} ${p.test} ${p.agents ?? p.recipients ?? ""}: ${p.problems} × ${p.last?.code}: ${p.last?.message ?? p.last?.reason ?? ""}`);
  }
  log("\nTargets (met only if met in every configuration):");
  for (const t of summary.targets) log(`  ${t.met ? "MET    " : "NOT MET"}  ${t.name}  [${t.metIn}]  ${t.values.join(", ")}`);
}

/**
 * Medians across repetitions, the comparison table, and the targets (issue 10):
 *   1. relay burst throughput ≥ 60 % of the DO echo's (c) — the ceiling for any DO relay — and
 *      sustained (audit flushed) ≥ 40 %; both ≥ 5× the naive D1-per-message relay (d)
 *   2. request/reply p50 ≤ 1.3 × (c)'s p50 in the same configuration, and p99 ≤ 10 ms
 *   3. wake-up after eviction p50 ≤ 5 ms with 1,000 and with 100,000 messages in the log
 *   4. ≤ 1.1 SQL rows written per direct message, its audit included, in bursts and at one
 *      message per 2.5 s (setAlarm calls, billed as rows, are reported beside it)
 *   5. an offline recipient's 10,000-message backlog: queue_full at the cap, a paginated replay
 *      (at most two pages before an ack), every message in order once
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
      const relayAudit = {
        backlog: med(relayRuns, "auditBacklog"),
        drainMs: med(relayRuns, "auditDrainMs"),
        allDrained: relayRuns.every((r) => r.auditDrained !== false),
      };
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
        ...Object.fromEntries(
          ["p50", "p95", "p99"].map((p) => [p, Object.fromEntries(KEYS.map((k) => [k, med(at(k, "requestReply"), p)]))]),
        ),
        missing: Object.fromEntries(KEYS.map((k) => [k, at(k, "requestReply").reduce((n, s) => n + (s.missing ?? 0), 0)])),
      });
    }
  }
  const broadcast = config.broadcastRecipients.map((recipients) => ({
    recipients,
    deliveriesPerSec: Object.fromEntries(
      KEYS.map((k) => [
        k,
        med(
          pick(samples, "broadcast", (s) => s.variant === k && s.recipients === recipients),
          "deliveriesPerSec",
        ),
      ]),
    ),
  }));
  const wakeOf = (list) => ({
    wakeMs: med(list, "wakeMs"),
    evicted: `${list.filter((x) => x.evicted).length}/${list.length}`,
    samplesMs: list.map((x) => x.wakeMs),
    rowsReadSinceWake: list.map((x) => x.rowsReadSinceWake).filter((x) => x !== undefined),
  });
  const wake = {
    ...Object.fromEntries(["c", "d"].map((k) => [k, wakeOf(pick(samples, "wake", (x) => x.variant === k))])),
    ...Object.fromEntries(
      (config.wakeLogSizes ?? []).map((size) => [
        `e@${size}`,
        wakeOf(pick(samples, "wake", (x) => x.variant === "e" && x.logMessages === size)),
      ]),
    ),
  };
  const backlogRuns = pick(samples, "backlog");
  const rows = Object.fromEntries(
    ["d", "e"].map((k) => {
      const list = pick(samples, "rows", (s) => s.variant === k);
      const trickle = pick(samples, "rowsTrickle", (s) => s.variant === k);
      return [
        k,
        {
          rowsWrittenPerMessage: med(list, "rowsWrittenPerMessage"),
          rowsReadPerMessage: med(list, "rowsReadPerMessage"),
          alarmsSetPerMessage: med(list, "alarmsSetPerMessage"),
          lowTrafficRowsWrittenPerMessage: med(trickle, "rowsWrittenPerMessage"),
          lowTrafficRowsReadPerMessage: med(trickle, "rowsReadPerMessage"),
          lowTrafficAlarmsSetPerMessage: med(trickle, "alarmsSetPerMessage"),
          note: list.find((s) => s.note)?.note,
        },
      ];
    }),
  );
  const problems = samples
    .filter((s) => s.problems)
    .map((s) => ({
      variant: s.variant,
      test: s.test,
      agents: s.agents,
      bodyBytes: s.bodyBytes,
      recipients: s.recipients,
      problems: s.problems,
      last: s.lastProblem,
    }));

  const rr = (agents) => requestReply.filter((t) => t.agents === agents);
  const targets = [
    target(
      "relay burst throughput ≥ 60% of the DO echo (c)",
      throughput.map((t) => t.relayVsDoEcho),
      (r) => r !== null && r >= 0.6,
      (r) => `${pct(r)}`,
    ),
    target(
      "relay sustained throughput (audit flushed) ≥ 40% of (c)",
      throughput.map((t) => t.relaySustainedVsDoEcho),
      (r) => r !== null && r >= 0.4,
      (r) => `${pct(r)}`,
    ),
    target(
      "relay burst throughput ≥ 5× the naive D1 relay (d)",
      throughput.map((t) => t.relayVsNaive),
      (r) => r !== null && r >= 5,
      (r) => `${fix(r, 1)}×`,
    ),
    target(
      "relay sustained throughput (audit flushed) ≥ 5× (d)",
      throughput.map((t) => t.relaySustainedVsNaive),
      (r) => r !== null && r >= 5,
      (r) => `${fix(r, 1)}×`,
    ),
    ...[...new Set(requestReply.map((t) => t.agents))].flatMap((agents) => [
      target(
        `request/reply p50 ≤ 1.3× (c)'s p50, ${agents} agent${agents > 1 ? "s" : ""}`,
        rr(agents).map((t) => ratio(t.p50.e, t.p50.c)),
        (v) => v !== null && v <= 1.3,
        (v) => `${fix(v, 2)}×`,
      ),
      target(
        `request/reply p99 ≤ 10 ms, ${agents} agent${agents > 1 ? "s" : ""}`,
        rr(agents).map((t) => t.p99.e),
        (v) => v !== null && v <= 10,
        (v) => `${fix(v, 1)} ms`,
      ),
    ]),
    ...(config.wakeLogSizes ?? []).map((size) =>
      target(
        `wake-up after eviction p50 ≤ 5 ms, ${size.toLocaleString("en")} messages in the log`,
        [wake[`e@${size}`].wakeMs],
        (v) => v !== null && v <= 5,
        (v) => `${fix(v, 2)} ms`,
      ),
    ),
    target(
      "≤ 1.1 SQL rows written per direct message, audit included (burst)",
      [rows.e.rowsWrittenPerMessage],
      (v) => v !== null && v <= 1.1,
      (v) => (v === null ? `n/a${rows.e.note ? ` (${rows.e.note})` : ""}` : fix(v, 3)),
    ),
    target(
      "≤ 1.1 SQL rows written per direct message, audit included (one message per 2.5 s)",
      [rows.e.lowTrafficRowsWrittenPerMessage],
      (v) => v !== null && v <= 1.1,
      (v) => (v === null ? "n/a" : fix(v, 3)),
    ),
    target(
      "backlog: queue_full at 10,000, paginated replay (≤ 2 pages before an ack), all in order once",
      backlogRuns,
      (b) =>
        b.accepted === 10_000 &&
        b.refusal?.code === "queue_full" &&
        b.replayed === b.accepted &&
        b.inOrderOnce &&
        b.framesBeforeFirstAck !== null &&
        b.framesBeforeFirstAck <= 1000,
      (b) =>
        `${b.accepted} then ${b.refusal?.code}; ${b.replayed} replayed in ${fix(b.replayMs / 1000, 1)} s, ${b.framesBeforeFirstAck} before the first ack`,
    ),
  ];
  return {
    requestReplyRate: config.requestReplyRate,
    throughput,
    requestReply,
    broadcast,
    wake,
    rows,
    backlog: backlogRuns,
    problems,
    targets,
  };
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
    log(
      `${`${t.agents} × ${t.bodyBytes} B`.padEnd(22)}${KEYS.map((k) => cell(t.messagesPerSec[k])).join("")}${cell(t.relaySustainedPerSec)}${ratios}`,
    );
  }
  log("Relay audit events still to flush when a burst ended, and how long the flush took:");
  for (const t of summary.throughput)
    if (t.relayAudit.backlog !== null)
      log(
        `  ${t.agents} × ${t.bodyBytes} B: ${fix(t.relayAudit.backlog)} events, ${fix(t.relayAudit.drainMs / 1000, 1)} s${t.relayAudit.allDrained ? "" : " (NOT fully flushed within 30 s: sustained is an upper bound)"}`,
      );
  log(`\nRequest/reply latency (open loop, ${summary.requestReplyRate} req/s), ms p50 / p99`);
  log(`${"agents × body".padEnd(22)}${KEYS.map((k) => k.padStart(16)).join("")}`);
  for (const t of summary.requestReply)
    log(
      `${`${t.agents} × ${t.bodyBytes} B`.padEnd(22)}${KEYS.map((k) => `${fix(t.p50[k], 2)} / ${fix(t.p99[k], 1)}`.padStart(16)).join("")}`,
    );
  log("\nBroadcast, deliveries/s (256 B)");
  log(head("recipients"));
  for (const t of summary.broadcast) log(`${String(t.recipients).padEnd(22)}${KEYS.map((k) => cell(t.deliveriesPerSec[k])).join("")}`);
  log("\nWake-up after hibernation (first frame after ~20 s idle), ms — p50 (samples; SQL rows read by the woken relay)");
  for (const [k, w] of Object.entries(summary.wake))
    log(
      `  ${k.padEnd(10)} ${fix(w.wakeMs, 2)} ms (${w.samplesMs.map((x) => fix(x, 1)).join(", ")}; evicted in ${w.evicted})${w.rowsReadSinceWake.length ? `; rows read ${w.rowsReadSinceWake.join(", ")}` : ""}`,
    );
  log("\nRows per relayed direct message (256 B, with acks and the audit flush)");
  for (const [k, r] of Object.entries(summary.rows)) {
    const alarms = (v) => (v === null || v === undefined ? "" : ` + ${fix(v, 3)} setAlarm`);
    log(
      `  ${k}: burst ${fix(r.rowsWrittenPerMessage, 3)} written${alarms(r.alarmsSetPerMessage)}, ${fix(r.rowsReadPerMessage, 2)} read; one message per 2.5 s ${fix(r.lowTrafficRowsWrittenPerMessage, 3)} written${alarms(r.lowTrafficAlarmsSetPerMessage)}, ${fix(r.lowTrafficRowsReadPerMessage, 1)} read${r.note ? ` (${r.note})` : ""}`,
    );
  }
  log("  (setAlarm() calls are not SQL, but each is billed as one row written; see docs/cost.md)");
  if (summary.backlog.length) {
    log("\nBacklog (an offline recipient at the queue cap)");
    for (const b of summary.backlog)
      log(
        `  ${b.accepted} accepted, then ${b.refusal?.code}: ${b.refusal?.reason}; replay ${b.replayed} in ${fix(b.replayMs / 1000, 2)} s, in order once: ${b.inOrderOnce}; ${b.framesBeforeFirstAck} frames before the first ack, ≤ ${b.maxUnackedFrames} unacked after`,
      );
  }
  if (summary.problems.length) {
    log("\nError/denied frames seen:");
    for (const p of summary.problems)
      log(
        `  ${p.variant} ${p.test} ${p.agents ?? p.recipients ?? ""}: ${p.problems} × ${p.last?.code}: ${p.last?.message ?? p.last?.reason ?? ""}`,
      );
  }
  log("\nTargets (met only if met in every configuration):");
  for (const t of summary.targets) log(`  ${t.met ? "MET    " : "NOT MET"}  ${t.name}  [${t.metIn}]  ${t.values.join(", ")}`);
}

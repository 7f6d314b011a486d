/**
 * The live inbox's pure part: how a pushed alert lands in the cached
 * lists (a real TanStack QueryClient; the socket itself is exercised by test/browser/audit.test.ts).
 */
import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import type { Alert } from "@shared/schemas/alerts";
import { alertKeys } from "./alerts-api";
import { upsertAlert } from "./alerts-live";

const T = "ten_1";
const alert = (id: string, status: Alert["status"]): Alert => ({
  id,
  tenantId: T,
  ruleId: "alr_1",
  ruleName: "Agent suspended",
  severity: "warning",
  status,
  summary: "agent.suspended matched",
  count: 1,
  firstSeq: 7,
  lastSeq: 7,
  firstEventAt: "2026-12-01T10:00:00.000Z",
  lastEventAt: "2026-12-01T10:00:00.000Z",
  sampleEventIds: ["aud_1"],
  firedAt: "2026-12-01T10:00:00.000Z",
  acknowledgedAt: null,
  acknowledgedBy: null,
  resolvedAt: status === "resolved" ? "2026-12-01T10:05:00.000Z" : null,
  resolvedBy: null,
  resolutionNote: null,
});

describe("upsertAlert", () => {
  it("prepends a new alert to the cached list of its status and leaves lists not loaded alone", () => {
    const qc = new QueryClient();
    qc.setQueryData(alertKeys.list(T, "open"), [alert("alt_old", "open")]);
    upsertAlert(qc, T, alert("alt_new", "open"));
    expect(qc.getQueryData<Alert[]>(alertKeys.list(T, "open"))!.map((a) => a.id)).toEqual(["alt_new", "alt_old"]);
    expect(qc.getQueryData(alertKeys.list(T, "resolved"))).toBeUndefined();
  });

  it("moves a changed alert between status lists instead of duplicating it", () => {
    const qc = new QueryClient();
    qc.setQueryData(alertKeys.list(T, "open"), [alert("alt_a", "open"), alert("alt_b", "open")]);
    qc.setQueryData(alertKeys.list(T, "resolved"), []);
    upsertAlert(qc, T, alert("alt_a", "resolved"));
    expect(qc.getQueryData<Alert[]>(alertKeys.list(T, "open"))!.map((a) => a.id)).toEqual(["alt_b"]);
    expect(qc.getQueryData<Alert[]>(alertKeys.list(T, "resolved"))!.map((a) => a.id)).toEqual(["alt_a"]);
    // The same frame twice (a retry, or our own resolve echoed live) changes nothing.
    upsertAlert(qc, T, alert("alt_a", "resolved"));
    expect(qc.getQueryData<Alert[]>(alertKeys.list(T, "resolved"))!.map((a) => a.id)).toEqual(["alt_a"]);
  });

  it("touches only the tenant's own lists", () => {
    const qc = new QueryClient();
    qc.setQueryData(alertKeys.list("ten_other", "open"), []);
    upsertAlert(qc, T, alert("alt_a", "open"));
    expect(qc.getQueryData(alertKeys.list("ten_other", "open"))).toEqual([]);
  });
});

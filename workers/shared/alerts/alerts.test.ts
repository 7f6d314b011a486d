/** The pure parts of alerts: rule matching, webhook URL policy, signature format and checks. */
import { describe, expect, it } from "vitest";
import { actionMatches, eventMatches } from "./match";
import { signatureHeader, verifySignature } from "./signature";
import { checkWebhookUrl } from "./webhook-url";

describe("actionMatches", () => {
  it("matches exact names, and `x.*` as a prefix on a label boundary only", () => {
    expect(actionMatches("agent.suspended", "agent.suspended")).toBe(true);
    expect(actionMatches("agent.suspended", "agent.suspended_x")).toBe(false);
    expect(actionMatches("relay.*", "relay.message_denied")).toBe(true);
    expect(actionMatches("relay.*", "relay")).toBe(false);
    expect(actionMatches("relay.*", "relayx.denied")).toBe(false);
  });

  it("applies outcome, severity and actor filters only when given", () => {
    const e = { action: "a.b", outcome: "denied", severity: "warning", actor: { type: "agent", id: "agt_1" } };
    expect(eventMatches({ action: "a.b" }, e)).toBe(true);
    expect(eventMatches({ action: "a.b", outcome: "failure" }, e)).toBe(false);
    expect(eventMatches({ action: "a.b", severity: "warning", actor: { type: "agent" } }, e)).toBe(true);
    expect(eventMatches({ action: "a.b", actor: { id: "agt_2" } }, e)).toBe(false);
  });
});

describe("checkWebhookUrl", () => {
  it("allows http only for localhost in development", () => {
    expect(checkWebhookUrl("http://localhost:8000/x", "development").ok).toBe(true);
    expect(checkWebhookUrl("http://localhost:8000/x", "production").ok).toBe(false);
    expect(checkWebhookUrl("https://localhost/x", "production").ok).toBe(false);
    expect(checkWebhookUrl("https://hooks.example.com/x?y=1", "production")).toEqual({ ok: true, url: "https://hooks.example.com/x?y=1" });
    // WHATWG normalisation turns odd IPv4 spellings into literals, which are refused.
    expect(checkWebhookUrl("https://0x7f.1/x", "production").ok).toBe(false);
    expect(checkWebhookUrl("https://2130706433/x", "production").ok).toBe(false);
    expect(checkWebhookUrl("https://hooks.example.com/x#frag", "production").ok).toBe(false);
  });
});

describe("signatures", () => {
  const secret = "whsec_test";
  const body = '{"a":1}';

  it("is t=<unix>,v1=<hex HMAC-SHA256 of '<t>.<body>'>", async () => {
    const header = await signatureHeader(secret, body, 1_700_000_000);
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(await verifySignature(secret, body, header, 1_700_000_000)).toEqual({ ok: true });
  });

  it("refuses malformed headers, stale timestamps (both directions), wrong bodies; accepts any matching v1 of several", async () => {
    const header = await signatureHeader(secret, body, 1_700_000_000);
    expect(await verifySignature(secret, body, null, 1_700_000_000)).toEqual({ ok: false, reason: "malformed" });
    expect(await verifySignature(secret, body, "v1=abc", 1_700_000_000)).toEqual({ ok: false, reason: "malformed" });
    expect(await verifySignature(secret, body, header, 1_700_000_301)).toEqual({ ok: false, reason: "stale" });
    expect(await verifySignature(secret, body, header, 1_699_999_699)).toEqual({ ok: false, reason: "stale" });
    expect(await verifySignature(secret, body, header, 1_700_000_300)).toEqual({ ok: true });
    expect(await verifySignature(secret, '{"a":2}', header, 1_700_000_000)).toEqual({ ok: false, reason: "mismatch" });
    expect(await verifySignature(secret, body, `t=1700000000,v1=${"0".repeat(64)},${header.split(",")[1]}`, 1_700_000_000)).toEqual({
      ok: true,
    });
  });
});

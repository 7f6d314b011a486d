/**
 * The Approvals inbox end to end in a real Chromium against the real local stack: an agent's
 * egress write above its trust level opens an approval that appears in the inbox live (no reload),
 * the owner approves it with a reason, the agent's retry with X-Switchboard-Approval goes out; a
 * second one is denied and the "All" tab shows both decisions.
 *
 * Screenshots: test-results/screenshots/ (prefix `approvals-`), each checked with axe-core.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject } from "vitest";
import { checkScreen, fillLogin, launchChromium, newPerson, settled, story, type Person } from "./harness";

const dashboard = inject("dashboardUrl");
const apiUrl = inject("apiUrl");
const egressUrl = inject("egressUrl");
const OWNER = { email: "owner@acme.test", password: "switchboard-demo" };

let browser: Browser;
let owner: Person;
let setup: { tenantId: string; agentId: string; secret: string };
let token: string;
const step = story("approvals ", () => ({ owner }));

beforeAll(async () => {
  browser = await launchChromium();
  owner = await newPerson(browser, dashboard);
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

/** The agent's call through the egress proxy (forward form). */
async function agentPost(path: string, approval?: string) {
  const res = await fetch(`${egressUrl}/proxy/https/stub.switchboard.test/${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      ...(approval ? { "x-switchboard-approval": approval } : {}),
    },
    body: JSON.stringify({ title: "deploy notes", token: "s3cr3t-value" }),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}

describe("approvals inbox, as the demo owner", () => {
  step("an empty inbox, reached from the nav", async () => {
    const { page } = owner;
    await page.goto("/login");
    await fillLogin(page, OWNER);
    await page.waitForURL(/\/t\/ten_[^/]+\/agents/);
    // Its own tenant and agent (trust level 1: reads only), so no other browser test's data is touched.
    setup = await page.evaluate(async () => {
      const json = (r: Response) => r.json() as Promise<any>;
      const post = (path: string, body: unknown, method = "POST") =>
        fetch(path, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then(json);
      const tenant = await post("/v1/tenants", { name: "Approvals browser tenant" });
      const base = `/v1/tenants/${tenant.tenant.id}`;
      const agent = await post(`${base}/agents`, { name: "Release bot", template: "engineering", trustLevel: 1 });
      await post(`${base}/agents/${agent.agent.id}/egress/rules`, { host: "stub.switchboard.test" });
      await post(`${base}/agents/${agent.agent.id}/egress/mode`, { mode: "live" }, "PUT");
      return { tenantId: tenant.tenant.id as string, agentId: agent.agent.id as string, secret: agent.secret as string };
    });
    const exchange = await fetch(`${apiUrl}/v1/agent-tokens`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ agentId: setup.agentId, secret: setup.secret, audience: "egress" }),
    });
    token = ((await exchange.json()) as { access_token: string }).access_token;
    await page.goto(`/t/${setup.tenantId}/agents`);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Approvals" }).click();
    await page.waitForURL(/\/approvals$/);
    await page.getByText("Nothing waiting").waitFor();
    await page.getByTestId("live-indicator").and(page.locator('[data-state="live"]')).waitFor();
    await checkScreen(page, "approvals-empty", { heading: "Approvals" });
  });

  step("an agent's write waits for a person: it appears in the inbox live; approved, the retry goes out", async () => {
    const { page } = owner;
    const first = await agentPost("release-notes");
    expect(first.status).toBe(403);
    expect(first.body.error.code).toBe("approval_pending");
    const approvalId = first.body.error.details.approvalId as string;
    const list = page.getByRole("list", { name: "Waiting for a decision" });
    const card = list.getByRole("listitem").filter({ hasText: "POST https://stub.switchboard.test/release-notes" });
    await card.waitFor();
    await card.getByText(/Trust level: trust level 1 allows GET, HEAD, OPTIONS/).waitFor();
    // The preview masks what looks like a credential.
    await card.getByText(/"token":\s*"?\*\*\*/).waitFor();
    expect(await page.content()).not.toContain("s3cr3t-value");
    await checkScreen(page, "approvals-pending", { heading: "Approvals" });

    await card.getByRole("button", { name: /^Approve:/ }).click();
    const dialog = page.getByRole("dialog", { name: "Approve this operation?" });
    await dialog.getByLabel("Reason (optional)").fill("Release notes for 2.4, checked");
    await checkScreen(page, "approvals-approve-dialog", { dialog: "Approve this operation?" });
    await dialog.getByRole("button", { name: "Approve", exact: true }).click();
    await dialog.waitFor({ state: "detached" });
    await card.waitFor({ state: "detached" });

    const retried = await agentPost("release-notes", approvalId);
    expect(retried.status).toBe(200);
    expect((await agentPost("release-notes", approvalId)).body.error.code).toBe("approval_not_usable");
  });

  step("a second request is denied with a reason; the All tab shows both decisions", async () => {
    const { page } = owner;
    const second = await agentPost("delete-branch");
    expect(second.body.error.code).toBe("approval_pending");
    const card = page.getByRole("list", { name: "Waiting for a decision" }).getByRole("listitem").filter({ hasText: "delete-branch" });
    await card.getByRole("button", { name: /^Deny:/ }).click();
    const dialog = page.getByRole("dialog", { name: "Deny this operation?" });
    await dialog.getByLabel("Reason (optional)").fill("Not during the freeze");
    await dialog.getByRole("button", { name: "Deny", exact: true }).click();
    await dialog.waitFor({ state: "detached" });
    await page.getByText("Nothing waiting").waitFor();
    expect((await agentPost("delete-branch", second.body.error.details.approvalId)).body.error.code).toBe("approval_denied");

    await page.getByRole("tab", { name: "All" }).click();
    const all = page.getByRole("list", { name: "All" });
    await all.getByText(/“Not during the freeze”/).waitFor();
    await all.getByText(/“Release notes for 2.4, checked”/).waitFor();
    await all.getByText("executed").waitFor();
    await settled(page);
    await checkScreen(page, "approvals-all", { heading: "Approvals" });
    const deleted = await page.evaluate(async (id) => (await fetch(`/v1/tenants/${id}`, { method: "DELETE" })).status, setup.tenantId);
    expect(deleted).toBe(204);
  });
});

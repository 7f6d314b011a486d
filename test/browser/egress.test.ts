/**
 * The egress, secrets and skills screens end to end in a real Chromium against the real local
 * stack (global-setup.ts), as the seeded demo owner: the skill marketplace → the install dialog
 * shows the manifest (network, secrets, files) and installs GitHub on Engineering → a custom skill
 * uploaded, dry-run (allow/deny with reasons), published → the secrets page stores a token that is
 * never shown again → Engineering's egress page: live mode (seeded), its rules, "test a URL"
 * allowing a skill host with the credential named and denying cloud metadata, a rule added and
 * removed → the activity list shows a real call made through the proxy.
 *
 * Screenshots: test-results/screenshots/ (prefix `egress-`), each checked with axe-core.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject } from "vitest";
import { checkScreen, fillLogin, launchChromium, newPerson, settled, story, type Person } from "./harness";

const dashboard = inject("dashboardUrl");
const apiUrl = inject("apiUrl");
const egressUrl = inject("egressUrl");
const OWNER = { email: "owner@acme.test", password: "switchboard-demo" };
const TOKEN_VALUE = `ghp_browser_${crypto.randomUUID().replaceAll("-", "")}`;
const CUSTOM = `browser-status-${Date.now().toString(36)}`;

let browser: Browser;
let owner: Person;
let tenantId: string;
const step = story("egress ", () => ({ owner }));
const nav = (page: Page) => page.getByRole("navigation", { name: "Main" });

beforeAll(async () => {
  browser = await launchChromium();
  owner = await newPerson(browser, dashboard);
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe("egress, secrets and skills, as the demo owner", () => {
  step("opens the skill marketplace from the nav: the core bundle is there", async () => {
    const { page } = owner;
    await page.goto("/login");
    await fillLogin(page, OWNER);
    await page.waitForURL(/\/t\/ten_[^/]+\/agents/);
    tenantId = page.url().match(/\/t\/(ten_[^/?]+)/)![1]!;
    await nav(page).getByRole("link", { name: "Skills" }).click();
    await page.waitForURL(/\/skills$/);
    const catalog = page.getByRole("list", { name: "Skill catalog" });
    await catalog.getByRole("heading", { name: "GitHub" }).waitFor();
    for (const title of ["Slack", "Linear"]) await catalog.getByRole("heading", { name: title }).waitFor();
    await checkScreen(page, "egress-skills", { heading: "Skills" });
  });

  step("the install dialog shows the manifest before installing GitHub on Engineering (mock mode)", async () => {
    const { page } = owner;
    await page.getByRole("button", { name: "Install GitHub" }).click();
    const dialog = page.getByRole("dialog", { name: "Install GitHub" });
    await dialog.getByText("https://api.github.com/repos").waitFor();
    await dialog.getByText("GITHUB_TOKEN").waitFor();
    await dialog.getByLabel("Agent").selectOption({ label: "Engineering" });
    await checkScreen(page, "egress-install-dialog", { dialog: "Install GitHub" });
    await dialog.getByRole("button", { name: "Install", exact: true }).click();
    await dialog.getByText(/Installed github@\d+\.\d+\.\d+ on Engineering in mock mode/).waitFor();
    await dialog.getByRole("button", { name: "Done" }).click();
  });

  step("uploads a custom skill: the dry run reports each call with its reason, then it is published", async () => {
    const { page } = owner;
    await page.getByRole("button", { name: "Upload a custom skill" }).click();
    const dialog = page.getByRole("dialog", { name: "Upload a custom skill" });
    const manifest = {
      name: CUSTOM,
      version: "1.0.0",
      title: "Browser status",
      network: [{ host: "status.acme.example", methods: ["GET", "POST"], pathPrefix: "/api" }],
      env: [{ name: "ACME_STATUS_TOKEN" }],
      files: [],
    };
    await dialog.getByLabel("Manifest (JSON)").fill(JSON.stringify(manifest, null, 2));
    await dialog.getByRole("button", { name: "Dry run" }).click();
    const report = dialog.getByRole("region", { name: "Dry-run report" });
    await report.getByText("GET https://status.acme.example/api").waitFor();
    // The tenant's default trust level (1) reads only: POST is refused, with the reason.
    await report.getByText("method_not_allowed_by_trust").waitFor();
    await report.getByText(/missing secrets: ACME_STATUS_TOKEN/).waitFor();
    await checkScreen(page, "egress-dry-run", { dialog: "Upload a custom skill" });
    await dialog.getByRole("button", { name: "Publish" }).click();
    await dialog.getByText(`Published ${CUSTOM}@1.0.0`).waitFor();
    await dialog.getByRole("button", { name: "Close" }).first().click();
    await page.getByRole("list", { name: "Skill catalog" }).getByRole("heading", { name: "Browser status" }).waitFor();
  });

  step("stores a secret for Engineering on api.github.com; the value is never shown again", async () => {
    const { page } = owner;
    await nav(page).getByRole("link", { name: "Secrets" }).click();
    await page.waitForURL(/\/secrets$/);
    await page.getByRole("button", { name: "New secret" }).first().click();
    const dialog = page.getByRole("dialog", { name: "New secret" });
    await dialog.getByLabel("Name").fill("GITHUB_TOKEN");
    await dialog.getByLabel("Value").fill(TOKEN_VALUE);
    await dialog.getByLabel("Host").fill("api.github.com");
    await dialog.getByLabel("Agent").selectOption({ label: "Engineering" });
    await dialog.getByRole("button", { name: "Store secret" }).click();
    await dialog.waitFor({ state: "detached" });
    const table = page.getByRole("table", { name: "Secrets" });
    await table.getByText("GITHUB_TOKEN").waitFor();
    await table.getByText("authorization: Bearer {value}").waitFor();
    expect(await page.content()).not.toContain(TOKEN_VALUE);
    await checkScreen(page, "egress-secrets", { heading: "Secrets" });
  });

  step("Engineering's egress page: live, its rule, and test a URL explains allow and deny", async () => {
    const { page } = owner;
    await nav(page).getByRole("link", { name: "Agents" }).click();
    await page.getByRole("link", { name: "Engineering" }).first().click();
    await page.getByRole("link", { name: /Egress: rules, mode and activity/ }).click();
    await page.getByRole("heading", { level: 1, name: "Engineering: egress" }).waitFor();
    await page.getByRole("table", { name: "Egress rules" }).getByText("stub.switchboard.test").waitFor();
    await page.getByText("From installed skills:").waitFor();

    const test = page.getByRole("form", { name: "Test a URL" });
    await test.getByLabel("URL").fill("https://api.github.com/repos/acme/app");
    await test.getByRole("button", { name: "Test" }).click();
    const status = page.getByRole("status", { name: "Decision" });
    await status.getByText("Allowed", { exact: true }).waitFor();
    await status.getByText("skill_rule").waitFor();
    // GitHub was installed in mock mode: its hosts are never reached for real until the install is live.
    await status.getByText(/Mock mode: nothing leaves/).waitFor();
    await status.getByText(/When live, the credential injected would be GITHUB_TOKEN\./).waitFor();
    await checkScreen(page, "egress-agent-allowed", { heading: "Engineering: egress" });

    await test.getByLabel("URL").fill("http://169.254.169.254/latest/meta-data/");
    await test.getByRole("button", { name: "Test" }).click();
    await status.getByText("Denied", { exact: true }).waitFor();
    await status.getByText("private_address").waitFor();
    expect(await page.content()).not.toContain(TOKEN_VALUE);
  });

  step("adds a rule and removes it again", async () => {
    const { page } = owner;
    const form = page.getByRole("form", { name: "Add an egress rule" });
    await form.getByLabel("Host").fill("*.example.org");
    await form.getByRole("button", { name: "Add rule" }).click();
    const rules = page.getByRole("table", { name: "Egress rules" });
    await rules.getByText("*.example.org").waitFor();
    // A host the guard refuses is explained, not saved.
    await form.getByLabel("Host").fill("localhost");
    await form.getByRole("button", { name: "Add rule" }).click();
    await form.getByText(/can never be reached through the proxy/).waitFor();
    await rules.getByRole("button", { name: "Remove rule *.example.org" }).click();
    await page.getByRole("dialog", { name: "Remove *.example.org?" }).getByRole("button", { name: "Remove rule" }).click();
    await rules.getByText("*.example.org").waitFor({ state: "detached" });
    await settled(page);
  });

  step("an agent's real calls through the proxy appear in its egress activity, allowed and denied", async () => {
    const { page } = owner;
    // Its own tenant and agent, so no other browser test's seeded agents are touched.
    const setup = await page.evaluate(async () => {
      const json = (r: Response) => r.json() as Promise<any>;
      const post = (path: string, body: unknown, method = "POST") =>
        fetch(path, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then(json);
      const tenant = await post("/v1/tenants", { name: "Egress browser tenant" });
      const base = `/v1/tenants/${tenant.tenant.id}`;
      const agent = await post(`${base}/agents`, { name: "Egress browser agent", template: "engineering" });
      await post(`${base}/agents/${agent.agent.id}/egress/rules`, { host: "stub.switchboard.test", methods: ["GET"] });
      await post(`${base}/agents/${agent.agent.id}/egress/mode`, { mode: "live" }, "PUT");
      return { tenantId: tenant.tenant.id as string, agentId: agent.agent.id as string, secret: agent.secret as string };
    });
    const exchange = await fetch(`${apiUrl}/v1/agent-tokens`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ agentId: setup.agentId, secret: setup.secret, audience: "egress" }),
    });
    const token = ((await exchange.json()) as { access_token: string }).access_token;
    const allowed = await fetch(`${egressUrl}/proxy/https/stub.switchboard.test/from-browser-test`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(allowed.status).toBe(200);
    const denied = await fetch(`${egressUrl}/proxy/https/api.github.com/user`, { headers: { authorization: `Bearer ${token}` } });
    expect(denied.status).toBe(403);

    await page.goto(`/t/${setup.tenantId}/agents/${setup.agentId}/egress`);
    await page.getByRole("heading", { level: 1, name: "Egress browser agent: egress" }).waitFor();
    const activity = page.getByRole("table", { name: "Egress activity" });
    // Audit events are flushed by the agent's gate about a second after the call; the list refreshes every 5 s.
    await activity.getByText("/from-browser-test").waitFor({ timeout: 30_000 });
    await activity.getByText("no_matching_rule").waitFor({ timeout: 30_000 });
    await settled(page);
    await checkScreen(page, "egress-agent-activity", { heading: "Egress browser agent: egress" });
    // The browser test files share one stack and the demo owner: leave them with one tenant again.
    const deleted = await page.evaluate(async (id) => (await fetch(`/v1/tenants/${id}`, { method: "DELETE" })).status, setup.tenantId);
    expect(deleted).toBe(204);
  });
});

/**
 * The coordination screen end to end in a real Chromium against the real local stack: a new
 * owner builds a PM/Engineering/Ops team through the API, starts a sprint hand-off from the
 * Workflows tab, and watches it progress while the agents — driven from here over the agent API
 * with real team tokens — claim and complete their steps, take a lock and write memory. Every tab
 * is looked at (task board, locks with fencing tokens, hand-offs with read receipts, memory search,
 * who is online, workflow run view) and the team's YAML is previewed as a diff and applied.
 *
 * Screens are screenshotted (test-results/screenshots/NN-coordination-*.png) and checked with axe-core.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject } from "vitest";
import { checkScreen, launchChromium, newPerson, settled, story, type Person } from "./harness";

const dashboard = inject("dashboardUrl");
const apiUrl = inject("apiUrl");
const OWNER = { name: "Cora Coordinator", email: `cora-${Date.now()}@example.test`, password: "coordination password 123" };

let browser: Browser;
let owner: Person;
let tenantId = "";
let teamId = "";
const agents: Record<"PM" | "Engineering" | "Ops", { id: string; secret: string; token: string }> = {
  PM: { id: "", secret: "", token: "" },
  Engineering: { id: "", secret: "", token: "" },
  Ops: { id: "", secret: "", token: "" },
};
const step = story("coordination ", () => ({ owner }));

async function asPerson<T = any>(page: Page, method: string, path: string, data?: unknown): Promise<T> {
  const res = await page.request.fetch(path, { method, headers: { origin: dashboard }, data });
  const body = await res.json().catch(() => null);
  if (res.status() >= 300) throw new Error(`${method} ${path} → ${res.status()} ${JSON.stringify(body)}`);
  return body as T;
}

async function asAgent<T = any>(who: keyof typeof agents, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${agents[who].token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${who} ${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json as T;
}

const tab = (page: Page, name: string) => page.getByRole("tab", { name });

beforeAll(async () => {
  browser = await launchChromium();
  owner = await newPerson(browser, dashboard);
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe("the coordination screen", () => {
  step("a new owner sets up a PM → Engineering → Ops team", async () => {
    const { page } = owner;
    await page.goto("/login");
    expect((await page.request.post(`${dashboard}/v1/auth/signup`, { data: OWNER })).status()).toBe(201);
    tenantId = (await asPerson(page, "POST", "/v1/tenants", { name: "Coordination Co" })).tenant.id;
    teamId = (await asPerson(page, "POST", `/v1/tenants/${tenantId}/teams`, { name: "Launch team", description: "Ships the launch" })).team
      .id;
    for (const [name, template] of [
      ["PM", "pm"],
      ["Engineering", "engineering"],
      ["Ops", "ops"],
    ] as const) {
      const res = await asPerson(page, "POST", `/v1/tenants/${tenantId}/agents`, { name, template, trustLevel: 2, teamIds: [teamId] });
      agents[name].id = res.agent.id;
      agents[name].secret = res.secret;
    }
    for (const [from, to] of [
      ["pm", "engineering"],
      ["engineering", "ops"],
    ]) {
      await asPerson(page, "POST", `/v1/tenants/${tenantId}/teams/${teamId}/allowlist/edges`, {
        from: { kind: "role", id: from },
        to: { kind: "role", id: to },
      });
    }
    for (const name of Object.keys(agents) as Array<keyof typeof agents>) {
      const res = await fetch(`${apiUrl}/v1/agent-tokens`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ agentId: agents[name].id, secret: agents[name].secret, teamId }),
      });
      agents[name].token = ((await res.json()) as { access_token: string }).access_token;
    }
    await page.goto(`/t/${tenantId}/teams/${teamId}`);
    await page.getByRole("navigation", { name: "Team sections" }).getByRole("link", { name: "Coordination" }).click();
    await page.waitForURL(/\/coordination$/);
    await page.getByRole("heading", { name: "Task board" }).waitFor();
    await checkScreen(page, "coordination-tasks-empty", { heading: "Launch team" });
  });

  step("starts a sprint hand-off from the Workflows tab and sees its three steps", async () => {
    const { page } = owner;
    await tab(page, "Workflows").click();
    await page.getByLabel("Template").selectOption("sprint-handoff");
    await page.getByLabel("Run title").fill("Sprint 12");
    await page.getByRole("button", { name: "Start run" }).click();
    const run = page.getByRole("list", { name: "Steps of Sprint 12" });
    await run.waitFor();
    await expect.poll(async () => run.getByText("queued", { exact: true }).count()).toBe(1);
    expect(await run.getByText("blocked", { exact: true }).count()).toBe(2);
    await checkScreen(page, "coordination-workflow-started", { heading: "Launch team" });
  });

  step("the agents work their steps; the run, hand-offs, locks, memory and presence show it", async () => {
    const { page } = owner;
    await asAgent("PM", "POST", "/v1/agent/heartbeat", { capabilities: ["planning"], status: "planning Sprint 12" });
    const plan = (await asAgent("PM", "POST", "/v1/agent/tasks/claim", {})).task;
    expect(plan.title).toContain("Plan the sprint");
    await asAgent("PM", "POST", "/v1/agent/tasks/complete", {
      taskId: plan.id,
      claimToken: plan.claimToken,
      result: { goal: "Launch SSO", tickets: 3 },
    });
    await asAgent("PM", "POST", "/v1/agent/memory", {
      content: "Sprint 12 goal: launch SSO to every tenant",
      scope: "team",
      kind: "episodic",
      tags: ["sprint-12"],
    });
    const read = (await asAgent("Engineering", "POST", "/v1/agent/handoffs/read", {})).handoffs;
    expect(read[0].context.result).toEqual({ goal: "Launch SSO", tickets: 3 });
    const build = (await asAgent("Engineering", "POST", "/v1/agent/tasks/claim", {})).task;
    expect(build.title).toContain("Build the sprint");
    const lock = (await asAgent("Engineering", "POST", "/v1/agent/locks/acquire", { name: "repo:main", ttlMs: 600_000 })).lock;

    const run = page.getByRole("list", { name: "Steps of Sprint 12" });
    await expect.poll(async () => run.getByText("completed", { exact: true }).count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(async () => run.getByText("claimed", { exact: true }).count(), { timeout: 15_000 }).toBe(1);
    await run.getByText("handed off").first().waitFor();
    await checkScreen(page, "coordination-workflow-progress", { heading: "Launch team" });

    await tab(page, "Tasks").click();
    await page.getByText("claimed: 1").waitFor();
    await checkScreen(page, "coordination-task-board", { heading: "Launch team" });

    await tab(page, "Locks").click();
    const locks = page.getByRole("table", { name: "Held locks" });
    await locks.getByRole("cell", { name: "repo:main" }).waitFor();
    await locks.getByRole("cell", { name: String(lock.fencingToken), exact: true }).waitFor();
    await checkScreen(page, "coordination-locks", { heading: "Launch team" });

    await tab(page, "Hand-offs").click();
    const handoffs = page.getByRole("table", { name: "Hand-offs" });
    await handoffs.getByText(/Build the sprint: Sprint 12/).waitFor();
    await handoffs
      .getByText(/^read /)
      .first()
      .waitFor();
    await checkScreen(page, "coordination-handoffs", { heading: "Launch team" });

    await tab(page, "Memory").click();
    await page.getByLabel("Search memory").fill("SSO");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("table", { name: "Memory entries" }).getByText("Sprint 12 goal: launch SSO to every tenant").waitFor();
    await checkScreen(page, "coordination-memory-search", { heading: "Launch team" });

    await tab(page, "Online").click();
    const online = page.getByRole("table", { name: "Agents and presence" });
    await online.getByRole("row").filter({ hasText: "planning Sprint 12" }).getByText("online").waitFor();
    await checkScreen(page, "coordination-online", { heading: "Launch team" });
  });

  step("force-releases the engineer's lock as the owner", async () => {
    const { page } = owner;
    await tab(page, "Locks").click();
    await page.getByRole("button", { name: "Force release" }).click();
    await page.getByText("No locks held").waitFor();
  });

  step("exports the team as YAML, previews a change as a diff, applies it, and the re-preview is empty", async () => {
    const { page } = owner;
    await tab(page, "YAML").click();
    const editor = page.getByLabel("Team document");
    await expect.poll(async () => (await editor.inputValue()).includes("kind: Team")).toBe(true);
    const yaml = await editor.inputValue();
    expect(yaml).toContain("from: role:pm");
    await editor.fill(
      yaml
        .replace("description: Ships the launch", "description: Ships the launch, weekly")
        .replace("taskMaxAttempts: 3", "taskMaxAttempts: 4"),
    );
    await page.getByRole("button", { name: "Preview changes" }).click();
    const changes = page.getByRole("region", { name: "Changes" });
    await changes.getByText("2 changes (dry run)").waitFor();
    await changes.getByText("team.update").waitFor();
    await changes.getByText("settings.update").waitFor();
    await settled(page);
    await checkScreen(page, "coordination-yaml-diff", { heading: "Launch team" });
    await page.getByRole("button", { name: "Apply", exact: true }).click();
    await changes.getByText("Applied 2 changes").waitFor();
    await page.getByRole("button", { name: "Preview changes" }).click();
    await changes.getByText("No changes: the team already matches").waitFor();
    const settings = await asPerson(page, "GET", `/v1/tenants/${tenantId}/teams/${teamId}/coordination/settings`);
    expect(settings.settings.taskMaxAttempts).toBe(4);
  });
});

/**
 * The runs screens end to end in a real Chromium against the real local stack (docs/runs.md): an
 * owner's Planner agent invokes a Researcher agent — a real relay WebSocket client that answers the
 * run's request — once successfully, once past the deadline, and a third agent without an
 * allowlist edge is denied. The owner filters the runs list (filters in the URL: a deep link),
 * opens a run with its timeline and provenance, and sees the callee's reputation on its page.
 *
 * Screenshots: test-results/screenshots/NN-runs-*.png (checked with axe-core).
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject } from "vitest";
import WebSocket from "ws";
import { checkScreen, launchChromium, newPerson, story, type Person } from "./harness";

const dashboard = inject("dashboardUrl");
const apiUrl = inject("apiUrl");
const OWNER = { name: "Rita Runs", email: `rita-${Date.now()}@example.test`, password: "runs password 12345" };

let browser: Browser;
let owner: Person;
let tenantId = "";
let teamId = "";
let okRunId = "";
const agents: Record<"Planner" | "Researcher" | "Outsider", { id: string; secret: string; token: string }> = {
  Planner: { id: "", secret: "", token: "" },
  Researcher: { id: "", secret: "", token: "" },
  Outsider: { id: "", secret: "", token: "" },
};
let callee: WebSocket | null = null;
const step = story("runs ", () => ({ owner }));

async function asPerson<T = any>(page: Page, method: string, path: string, data?: unknown): Promise<T> {
  const res = await page.request.fetch(path, { method, headers: { origin: dashboard }, data });
  const body = await res.json().catch(() => null);
  if (res.status() >= 300) throw new Error(`${method} ${path} → ${res.status()} ${JSON.stringify(body)}`);
  return body as T;
}

async function invoke(who: keyof typeof agents, body: unknown): Promise<any> {
  const res = await fetch(`${apiUrl}/v1/agent/runs`, {
    method: "POST",
    headers: { authorization: `Bearer ${agents[who].token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as any;
  if (res.status !== 201) throw new Error(`invoke → ${res.status} ${JSON.stringify(json)}`);
  return json.run;
}

beforeAll(async () => {
  browser = await launchChromium();
  owner = await newPerson(browser, dashboard);
}, 60_000);

afterAll(async () => {
  callee?.close();
  await browser?.close();
});

describe("the runs screens", () => {
  step("agents invoke one another: succeeded, timed out, denied", async () => {
    const { page } = owner;
    await page.goto("/login");
    expect((await page.request.post(`${dashboard}/v1/auth/signup`, { data: OWNER })).status()).toBe(201);
    tenantId = (await asPerson(page, "POST", "/v1/tenants", { name: "Runs Co" })).tenant.id;
    teamId = (await asPerson(page, "POST", `/v1/tenants/${tenantId}/teams`, { name: "Research team" })).team.id;
    for (const name of Object.keys(agents) as Array<keyof typeof agents>) {
      const res = await asPerson(page, "POST", `/v1/tenants/${tenantId}/agents`, {
        name,
        template: "custom",
        trustLevel: 2,
        teamIds: [teamId],
      });
      agents[name].id = res.agent.id;
      agents[name].secret = res.secret;
    }
    await asPerson(page, "POST", `/v1/tenants/${tenantId}/teams/${teamId}/allowlist/edges`, {
      from: { kind: "agent", id: agents.Planner.id },
      to: { kind: "agent", id: agents.Researcher.id },
    });
    for (const name of Object.keys(agents) as Array<keyof typeof agents>) {
      const res = await fetch(`${apiUrl}/v1/agent-tokens`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ agentId: agents[name].id, secret: agents[name].secret, teamId }),
      });
      agents[name].token = ((await res.json()) as { access_token: string }).access_token;
    }
    // The Researcher: a relay client that answers run requests whose input asks for an answer.
    const ws = new WebSocket(`${apiUrl.replace(/^http/, "ws")}/v1/teams/${teamId}/relay`, ["switchboard.v1"], {
      headers: { authorization: `Bearer ${agents.Researcher.token}` },
    });
    callee = ws;
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    ws.on("message", (data) => {
      const text = data.toString();
      if (text === "pong") return;
      const f = JSON.parse(text);
      if (f.type === "deliver" && f.kind === "request" && f.body?.input?.topic === "edge caching")
        ws.send(
          JSON.stringify({ type: "reply", id: `r-${f.seq}`, inReplyTo: f.id, body: { summary: "Cache at the edge; invalidate by tag." } }),
        );
    });
    ws.send(JSON.stringify({ type: "hello", v: 1 }));

    const ok = await invoke("Planner", {
      to: agents.Researcher.id,
      input: { topic: "edge caching" },
      budget: { maxCalls: 10, deadlineMs: 10_000 },
    });
    expect(ok.status).toBe("succeeded");
    okRunId = ok.id;
    expect((await invoke("Planner", { to: agents.Researcher.id, input: { topic: "silence" }, budget: { deadlineMs: 300 } })).status).toBe(
      "timed_out",
    );
    expect((await invoke("Outsider", { to: agents.Planner.id, input: "hello?" })).status).toBe("denied");
  });

  step("the runs list, filtered by status through the URL", async () => {
    const { page } = owner;
    await page.goto(`/t/${tenantId}/agents`);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Runs" }).click();
    await page.waitForURL(/\/runs$/);
    const table = page.getByRole("table", { name: "Runs" });
    await expect.poll(async () => table.getByRole("row").count(), { timeout: 15_000 }).toBe(4);
    await checkScreen(page, "runs-list", { heading: "Runs" });
    await page.getByLabel("Status").selectOption("timed_out");
    await page.waitForURL(/status=timed_out/);
    await expect.poll(async () => table.getByRole("row").count(), { timeout: 15_000 }).toBe(2);
    // A deep link with filters opens filtered.
    await page.goto(`/t/${tenantId}/runs?status=denied&agentId=${agents.Outsider.id}`);
    await expect.poll(async () => page.getByRole("table", { name: "Runs" }).getByRole("row").count(), { timeout: 15_000 }).toBe(2);
    expect(await page.getByLabel("Agent").inputValue()).toBe(agents.Outsider.id);
  });

  step("a run's page: summary, output, timeline in both agents' trails, provenance", async () => {
    const { page } = owner;
    await page.goto(`/t/${tenantId}/runs?status=succeeded`);
    await page.getByRole("link", { name: okRunId }).click();
    await page.waitForURL(new RegExp(`/runs/${okRunId}$`));
    await page.getByText("Cache at the edge; invalidate by tag.", { exact: false }).waitFor();
    const timeline = page.getByRole("list", { name: "Timeline" });
    await expect.poll(async () => timeline.getByRole("listitem").count(), { timeout: 15_000 }).toBe(4);
    expect(await timeline.getByText("caller: Planner").count()).toBe(2);
    expect(await timeline.getByText("callee: Researcher").count()).toBe(2);
    await page.getByRole("link", { name: "Download the bundle" }).waitFor();
    await checkScreen(page, "run-detail", { heading: `Run ${okRunId}` });
  });

  step("the callee's reputation on its page", async () => {
    const { page } = owner;
    await page.goto(`/t/${tenantId}/agents/${agents.Researcher.id}`);
    await page.getByRole("heading", { name: "Reputation" }).waitFor();
    await page.getByText("1 succeeded · 0 failed · 1 timed out").waitFor();
    await checkScreen(page, "runs-agent-reputation", { heading: /Researcher/ });
  });
});

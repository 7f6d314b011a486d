/**
 * The relay screens end to end in a real Chromium against the real local stack (issue 5): the
 * seeded demo owner opens the Sprint team's allowlist, adds one rule with the keyboard form and
 * one by dragging in the graph, saves, and finds both after a reload; a concurrent change (made
 * through the API meanwhile) makes the next save answer 409, which the editor explains and
 * recovers from. Then the live feed: two seeded agents, driven from here over real relay
 * WebSockets (`ws`, agent tokens from rotated secrets), send one allowed and one refused message,
 * and both appear in the feed as they happen; the filters and pause/resume work, a cut
 * connection is re-established by itself, repeated failures back off further each time, and
 * "Reconnect now" cuts the wait short. A viewer sees the
 * allowlist read-only and can still watch the feed.
 *
 * Screens are screenshotted (test-results/screenshots/NN-relay-*.png) and checked with axe-core.
 */
import type { Browser, Page, WebSocketRoute } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject } from "vitest";
import WebSocket from "ws";
import { checkScreen, fillLogin, launchChromium, newPerson, settled, story, type Person } from "./harness";

const dashboard = inject("dashboardUrl");
const apiUrl = inject("apiUrl");

/** scripts/lib/demo.mjs: what `npm start` seeds. */
const DEMO = { email: "owner@acme.test", password: "switchboard-demo", team: "Sprint team" };
const VIEWER = { name: "Val Viewer", email: "val.viewer@example.test", password: "viewer password 12345" };

let browser: Browser;
let owner: Person;
let viewer: Person | undefined;
let tenantId: string;
let teamId: string;
const agentIds: Record<"PM" | "Engineering" | "Ops", string> = { PM: "", Engineering: "", Ops: "" };
const sockets: AgentSocket[] = [];

const step = story("relay ", () => ({ owner, viewer }));

/** The API as the signed-in person in `page` (their cookie, the dashboard's origin: what the page itself sends). */
async function asPerson<T>(page: Page, method: string, path: string, data?: unknown): Promise<{ status: number; body: T }> {
  const res = await page.request.fetch(path, { method, headers: { origin: dashboard }, data });
  return { status: res.status(), body: (await res.json().catch(() => null)) as T };
}

/** An agent's relay connection, driven the way the SDK would: hello, then frames. */
class AgentSocket {
  readonly frames: Array<Record<string, unknown>> = [];
  private waiters: Array<() => void> = [];
  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const text = data.toString();
      if (text === "pong") return;
      this.frames.push(JSON.parse(text) as Record<string, unknown>);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async connect(token: string): Promise<AgentSocket> {
    const url = `${apiUrl.replace(/^http/, "ws")}/v1/teams/${teamId}/relay`;
    const ws = new WebSocket(url, ["switchboard.v1"], { headers: { authorization: `Bearer ${token}` } });
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("unexpected-response", (_req, res) => reject(new Error(`relay upgrade refused: ${res.statusCode}`)));
      ws.once("error", reject);
    });
    const socket = new AgentSocket(ws);
    sockets.push(socket);
    ws.send(JSON.stringify({ type: "hello", v: 1 }));
    await socket.next((f) => f.type === "welcome");
    return socket;
  }

  async next(match: (f: Record<string, unknown>) => boolean, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Sends a direct message and waits for the relay's answer to it (accepted or denied). */
  async send(to: string, body: unknown): Promise<Record<string, unknown>> {
    const id = crypto.randomUUID();
    this.ws.send(JSON.stringify({ type: "send", id, to, body }));
    return this.next((f) => f.id === id && (f.type === "accepted" || f.type === "denied" || f.type === "error"));
  }
}

/** A fresh secret for a seeded agent (its seeded one was shown once, at `npm start`), exchanged for a relay token. */
async function agentToken(agentId: string): Promise<string> {
  const rotated = await asPerson<{ secret: string }>(owner.page, "POST", `/v1/tenants/${tenantId}/agents/${agentId}/rotate-secret`);
  expect(rotated.status).toBe(200);
  const res = await fetch(`${apiUrl}/v1/agent-tokens`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ agentId, secret: rotated.body.secret, teamId }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

const main = (page: Page) => page.getByRole("main");
const h1 = (page: Page) => page.getByRole("heading", { level: 1 });
/** The editor's status line ("Version 2 · 1 message rule · …"), not a sentence that mentions a version. */
const versionLine = (page: Page, version: number) => page.getByText(new RegExp(`^Version ${version} ·`));
const sectionNav = (page: Page) => page.getByRole("navigation", { name: "Team sections" });
const messageRules = (page: Page) => page.getByRole("list", { name: "Message rules" });
const feedRows = (page: Page) => page.getByRole("table", { name: `Live feed of ${DEMO.team}` }).locator("tbody tr");

beforeAll(async () => {
  browser = await launchChromium();
  owner = await newPerson(browser, dashboard);
}, 60_000);

afterAll(async () => {
  for (const s of sockets) s.ws.close();
  await browser?.close();
});

describe("the team relay screens: allowlist graph editor and live feed", () => {
  step("the demo owner logs in and opens the Sprint team's allowlist", async () => {
    const { page } = owner;
    await page.goto("/login");
    await fillLogin(page, DEMO);
    await page.waitForURL(/\/t\/ten_[^/]+\//);
    tenantId = page.url().match(/\/t\/(ten_[^/]+)\//)![1]!;
    const agents = await asPerson<{ data: Array<{ id: string; name: keyof typeof agentIds }> }>(
      page,
      "GET",
      `/v1/tenants/${tenantId}/agents`,
    );
    for (const a of agents.body.data) if (a.name in agentIds) agentIds[a.name] = a.id;
    expect(Object.values(agentIds).every(Boolean), "the three demo agents are seeded").toBe(true);

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Teams" }).click();
    await page.getByRole("table", { name: "Teams" }).getByRole("link", { name: DEMO.team }).click();
    await h1(page).filter({ hasText: DEMO.team }).waitFor();
    teamId = page.url().match(/\/teams\/(team_[^/?#]+)/)![1]!;
    await checkScreen(page, "relay-team-members", { heading: DEMO.team });
    await sectionNav(page).getByRole("link", { name: "Allowlist" }).click();
    await page.waitForURL(/\/allowlist$/);
    await versionLine(page, 0).waitFor();
    // Default deny, said in words, and every agent and role of the team is a box in the graph.
    await page.getByText(/No message rules: every message between these agents is refused/).waitFor();
    for (const label of ["PM", "Engineering", "Ops", "All Product manager agents", "All Engineering agents", "All Operations agents"]) {
      await page
        .locator(".react-flow__node")
        .filter({ has: page.getByText(label, { exact: true }) })
        .waitFor();
    }
    await checkScreen(page, "relay-allowlist-empty", { heading: DEMO.team });
  });

  step("adds a rule with the keyboard form and another by dragging in the graph, saves, and finds both after a reload", async () => {
    const { page } = owner;
    const form = page.getByRole("form", { name: "Add a message rule" });
    await form.getByLabel("From (sender)").selectOption({ label: "PM" });
    await form.getByLabel("To (recipient)").selectOption({ label: "Engineering" });
    await form.getByRole("button", { name: "Add message rule" }).click();
    await messageRules(page).getByRole("listitem").filter({ hasText: "PM" }).filter({ hasText: "Unsaved" }).waitFor();
    // Adding the same rule again is refused on the field, not silently duplicated.
    await form.getByLabel("From (sender)").selectOption({ label: "PM" });
    await form.getByLabel("To (recipient)").selectOption({ label: "Engineering" });
    await form.getByRole("button", { name: "Add message rule" }).click();
    await form.getByText("This rule already exists.").waitFor();
    await expect.poll(() => page.locator(".react-flow__edge").count()).toBe(1);

    // Drag from the Ops agent's handle onto the Engineering role's box.
    const ops = page.locator(".react-flow__node").filter({ has: page.getByText("Ops", { exact: true }) });
    const engineers = page.locator(".react-flow__node").filter({ has: page.getByText("All Engineering agents", { exact: true }) });
    const handle = (await ops.locator(".react-flow__handle.source").boundingBox())!;
    const target = (await engineers.boundingBox())!;
    await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
    await page.mouse.down();
    await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2, { steps: 12 });
    await page.mouse.up();
    await page.locator(".react-flow__edge").nth(1).waitFor();
    await messageRules(page).getByRole("listitem").filter({ hasText: "Ops" }).filter({ hasText: "All Engineering agents" }).waitFor();
    await page.getByText("2 unsaved changes").waitFor();
    await checkScreen(page, "relay-allowlist-unsaved", { heading: DEMO.team });

    // Leaving with unsaved changes asks first; staying keeps them.
    await sectionNav(page).getByRole("link", { name: "Live feed" }).click();
    await checkScreen(page, "relay-allowlist-leave-dialog", { dialog: "Leave without saving?" });
    await page.getByRole("button", { name: "Stay on this page" }).click();
    await page.getByText("2 unsaved changes").waitFor();
    expect(page.url()).toMatch(/\/allowlist$/);

    await page.getByRole("button", { name: "Save allowlist" }).click();
    await page.getByText("Saved as version 1").waitFor();
    expect(await messageRules(page).getByText("Unsaved").count()).toBe(0);

    await page.reload();
    await versionLine(page, 1).waitFor();
    const items = messageRules(page).getByRole("listitem");
    await items.first().waitFor();
    expect((await items.allTextContents()).map((t) => t.replace(/\s+/g, " ").trim()).sort()).toEqual([
      "Ops → may message All Engineering agents",
      "PM → may message Engineering",
    ]);
    await expect.poll(() => page.locator(".react-flow__edge").count()).toBe(2);
    // And the API agrees.
    const saved = await asPerson<{ allowlist: { version: number; edges: unknown[] } }>(
      page,
      "GET",
      `/v1/tenants/${tenantId}/teams/${teamId}/allowlist`,
    );
    expect(saved.body.allowlist.version).toBe(1);
    expect(saved.body.allowlist.edges).toHaveLength(2);

    // In the graph, from the keyboard: focus an arrow, select it, Delete removes it; Discard brings it back.
    await page.locator(".react-flow__edge").first().focus();
    await page.keyboard.press("Enter");
    await page.getByRole("button", { name: "Remove 1 selected arrow" }).waitFor();
    await page.keyboard.press("Delete");
    await page.getByText("1 unsaved change").waitFor();
    await expect.poll(() => page.locator(".react-flow__edge").count()).toBe(1);
    await page.getByRole("button", { name: "Discard changes" }).click();
    await versionLine(page, 1).filter({ hasNotText: "unsaved" }).waitFor();
    await expect.poll(() => page.locator(".react-flow__edge").count()).toBe(2);
  });

  step("a save that lost a race says so, reloads the other change and keeps the person's own", async () => {
    const { page } = owner;
    // Someone else (here: the API directly) adds a topic rule: version 2.
    const got = await asPerson<{ allowlist: { edges: unknown[]; topics: unknown[]; version: number } }>(
      page,
      "GET",
      `/v1/tenants/${tenantId}/teams/${teamId}/allowlist`,
    );
    expect(got.status, JSON.stringify(got.body)).toBe(200);
    const current = got.body.allowlist;
    const theirs = { topic: "deploys.*", subject: { kind: "role", id: "ops" }, action: "publish" };
    const put = await asPerson(page, "PUT", `/v1/tenants/${tenantId}/teams/${teamId}/allowlist`, {
      expectedVersion: current.version,
      edges: current.edges,
      topics: [theirs],
    });
    expect(put.status).toBe(200);

    // This page still has version 1: remove the Ops rule and save.
    await page.getByRole("button", { name: "Remove rule: Ops may message All Engineering agents" }).click();
    await page.getByRole("button", { name: "Save allowlist" }).click();
    await page.getByText("Someone else saved this allowlist while you were editing").waitFor();
    await page.getByText(/We loaded their version 2 and re-applied your 1 change/).waitFor();
    await versionLine(page, 2).waitFor();
    // Their topic rule is there; the removal is still pending.
    await page.getByRole("list", { name: "Topic rules" }).getByText("deploys.*").waitFor();
    await messageRules(page).getByRole("listitem").filter({ hasText: "Ops" }).filter({ hasText: "Removed, unsaved" }).waitFor();
    await expect.poll(() => page.locator(".react-flow__edge").count()).toBe(1);
    await checkScreen(page, "relay-allowlist-conflict", { heading: DEMO.team });

    await page.getByRole("button", { name: "Save allowlist" }).click();
    await page.getByText("Saved as version 3").waitFor();
    const saved = (
      await asPerson<{ allowlist: { edges: unknown[]; topics: unknown[] } }>(
        page,
        "GET",
        `/v1/tenants/${tenantId}/teams/${teamId}/allowlist`,
      )
    ).body.allowlist;
    expect(saved.edges).toEqual([{ from: { kind: "agent", id: agentIds.PM }, to: { kind: "agent", id: agentIds.Engineering } }]);
    expect(saved.topics).toEqual([theirs]);
  });

  step("the live feed shows an allowed and a refused message as they happen", async () => {
    const { page } = owner;
    const feedSockets: string[] = [];
    page.on("websocket", (ws) => feedSockets.push(ws.url()));
    await sectionNav(page).getByRole("link", { name: "Live feed" }).click();
    await page.waitForURL(/\/feed$/);
    // The observer WebSocket came through the dashboard's own origin (the Pages Function).
    await page.getByText("Live", { exact: true }).waitFor();
    await page.getByText("Waiting for messages").waitFor();
    expect(feedSockets[0]).toBe(`${dashboard.replace(/^http/, "ws")}/v1/tenants/${tenantId}/teams/${teamId}/relay/observe`);

    const pm = await AgentSocket.connect(await agentToken(agentIds.PM));
    const engineering = await AgentSocket.connect(await agentToken(agentIds.Engineering));
    await page.getByText("Online now:").filter({ hasText: "Engineering" }).filter({ hasText: "PM" }).waitFor();

    const accepted = await pm.send(agentIds.Engineering, { text: "spec ready for review" });
    expect(accepted.type).toBe("accepted");
    const denied = await engineering.send(agentIds.PM, { text: "can I skip the review?" });
    expect(denied).toMatchObject({ type: "denied", code: "not_allowed" });

    const delivered = feedRows(page).filter({ hasText: "Delivered" });
    await delivered.filter({ hasText: "spec ready for review" }).waitFor();
    const deliveredText = (await delivered.first().textContent())!;
    expect(deliveredText).toContain(String(accepted.seq));
    expect(deliveredText).toMatch(/PM\s*→\s*Engineering/);
    expect(deliveredText).toContain("Direct");
    const refused = feedRows(page).filter({ hasText: "Refused · not_allowed" });
    await refused.waitFor();
    // The reason names the agents by name, not by id.
    expect(await refused.textContent()).toMatch(/no edge from Engineering \(engineering\) to PM \(pm\)/);
    // The row says what was refused and to whom, like a delivered one.
    expect(await refused.textContent()).toMatch(/Direct\s*Engineering\s*→\s*PM/);
    // Observers never see refused bodies (the relay does not send them): only the reason.
    expect(await page.getByText("can I skip the review?").count()).toBe(0);
    await checkScreen(page, "relay-feed", { heading: DEMO.team });
  });

  step("the feed's filters narrow the rows, and pause holds new ones until resumed", async () => {
    const { page } = owner;
    const filters = page.getByRole("search", { name: "Filter the feed" });
    const rowCount = () => feedRows(page).count();

    await filters.getByLabel("Outcome").selectOption({ label: "Refused" });
    await expect.poll(async () => (await feedRows(page).allTextContents()).every((t) => t.includes("Refused"))).toBe(true);
    expect(await rowCount()).toBe(1);
    await filters.getByLabel("Outcome").selectOption({ label: "Delivered" });
    await expect.poll(rowCount).toBe(1);
    expect(await feedRows(page).first().textContent()).toContain("spec ready for review");

    await filters.getByLabel("Outcome").selectOption({ label: "All outcomes" });
    await filters.getByLabel("Kind").selectOption({ label: "Online / offline" });
    await expect.poll(async () => (await feedRows(page).allTextContents()).every((t) => t.includes("came online"))).toBe(true);
    expect(await rowCount()).toBeGreaterThanOrEqual(2);
    await filters.getByLabel("Kind").selectOption({ label: "All kinds" });

    // Ops sent nothing and did not connect: nothing is about Ops.
    await filters.getByLabel("Agent").selectOption({ label: "Ops" });
    await page.getByText("Nothing matches these filters").waitFor();
    await filters.getByLabel("Agent").selectOption({ label: "All agents" });

    await filters.getByLabel("Search").fill("SPEC READY");
    await expect.poll(rowCount).toBe(1);
    await page.getByText(/Showing 1 of \d+ rows/).waitFor();
    await filters.getByRole("button", { name: "Clear filters" }).click();
    await expect.poll(rowCount).toBeGreaterThanOrEqual(4);

    // Pause: a new message is held, not shown, until resume.
    const before = await rowCount();
    await page.getByRole("button", { name: "Pause" }).click();
    const pm = sockets[0]!;
    const held = await pm.send(agentIds.Engineering, { text: "second message, sent while paused" });
    expect(held.type).toBe("accepted");
    await page.getByRole("button", { name: "Resume (1 new)" }).waitFor();
    expect(await page.getByText("second message, sent while paused").count()).toBe(0);
    expect(await rowCount()).toBe(before);
    await page.getByRole("button", { name: "Resume (1 new)" }).click();
    await feedRows(page).first().filter({ hasText: "second message, sent while paused" }).waitFor();
  });

  step("the feed reconnects by itself after its connection drops, and says messages may be missing", async () => {
    const { page } = owner;
    // Route the page's observer sockets through Playwright, so the test can cut one.
    const routes: WebSocketRoute[] = [];
    await page.routeWebSocket(/\/relay\/observe$/, (ws) => {
      ws.connectToServer();
      routes.push(ws);
    });
    await page.reload();
    await page.getByText("Live", { exact: true }).waitFor();
    expect(routes).toHaveLength(1);

    await routes[0]!.close({ code: 4000, reason: "cut by the test" });
    await page.getByText(/Disconnected · retrying in \d+ s/).waitFor();
    await page.getByText("Live", { exact: true }).waitFor();
    // One new connection, after the backoff — not a burst of them.
    expect(routes).toHaveLength(2);
    await feedRows(page)
      .filter({ hasText: /Reconnected after \d+ s\. Messages relayed while the feed was disconnected are not shown here/ })
      .waitFor();
    await sockets[0]!.send(agentIds.Engineering, { text: "after the reconnect" });
    await feedRows(page).first().filter({ hasText: "after the reconnect" }).waitFor();
    await page.unrouteAll();
  });

  step("while the relay keeps dropping it, the feed waits longer each time; Reconnect now tries again at once", async () => {
    const { page } = owner;
    // Every connection is answered by Playwright itself and dropped at once, until `reachable`.
    let reachable = false;
    const attempts: number[] = [];
    await page.routeWebSocket(/\/relay\/observe$/, (ws) => {
      attempts.push(Date.now());
      if (reachable) ws.connectToServer();
      else void ws.close({ code: 1011, reason: "test: relay unreachable" });
    });
    const badge = page.getByText(/^Disconnected · retrying in \d+ s$/);
    // The feed tries at once, then again after ~1 s, ~2 s, ~4 s (this page's curve is scaled by 0.8–1.2).
    await page.reload();
    await badge.waitFor();
    await expect.poll(() => attempts.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(3);
    const gaps = attempts.map((t, i, all) => (i === 0 ? 0 : t - all[i - 1]!)).slice(1);
    // Each wait longer than the one before (doubling, give or take the per-page jitter and load).
    expect(gaps[1]!, `waits between attempts: ${gaps.join(", ")} ms`).toBeGreaterThan(gaps[0]! * 1.4);
    await expect.poll(async () => Number((await badge.textContent())!.match(/(\d+) s/)![1]), { timeout: 15_000 }).toBeGreaterThanOrEqual(3);

    await checkScreen(page, "relay-feed-reconnecting", { heading: DEMO.team });
    // Presence comes over the connection: while it is down the feed does not pretend to know.
    await page.getByText("Online now: not known while disconnected").waitFor();

    reachable = true;
    const clickedAt = Date.now();
    const tried = attempts.length;
    await page.getByRole("button", { name: "Reconnect now" }).click();
    await page.getByText("Live", { exact: true }).waitFor();
    expect(attempts.length).toBe(tried + 1);
    // Not after the wait it was in (3 s or more): at once.
    expect(attempts.at(-1)! - clickedAt).toBeLessThan(2_000);
    await page.getByText("Online now:").filter({ hasText: "PM" }).waitFor();
    await page.unrouteAll();
  });

  step("a viewer sees the allowlist read-only and can watch the feed", async () => {
    const invite = await asPerson<{ token: string }>(owner.page, "POST", `/v1/tenants/${tenantId}/invites`, {
      email: VIEWER.email,
      role: "viewer",
    });
    expect(invite.status).toBe(201);
    viewer = await newPerson(browser, dashboard);
    const { page } = viewer;
    expect((await asPerson(page, "POST", "/v1/auth/signup", VIEWER)).status).toBe(201);
    expect((await asPerson(page, "POST", "/v1/invites/accept", { token: invite.body.token })).status).toBeLessThan(300);

    await page.goto(`/t/${tenantId}/teams/${teamId}/allowlist`);
    await versionLine(page, 3).waitFor();
    await page.getByText("Your role can see this allowlist but not change it.").waitFor();
    await settled(page);
    expect(
      await main(page)
        .getByRole("button", { name: /Save allowlist|Remove rule|Add message rule|Add topic rule/ })
        .count(),
    ).toBe(0);
    expect(await page.locator(".react-flow__handle.source.connectable").count()).toBe(0);
    // The rules are drawn for the viewer too.
    await expect.poll(() => page.locator(".react-flow__edge").count()).toBe(1);
    await messageRules(page).getByRole("listitem").filter({ hasText: "PM" }).waitFor();
    await checkScreen(page, "relay-allowlist-viewer", { heading: DEMO.team });
    // The API refuses the change the UI did not offer.
    const put = await asPerson<{ error: { code: string } }>(page, "PUT", `/v1/tenants/${tenantId}/teams/${teamId}/allowlist`, {
      expectedVersion: 3,
      edges: [],
      topics: [],
    });
    expect(put.status).toBe(403);

    await sectionNav(page).getByRole("link", { name: "Live feed" }).click();
    await page.getByText("Live", { exact: true }).waitFor();
    // Presence of who is online now comes with the connection.
    await page.getByText("Online now:").filter({ hasText: "PM" }).waitFor();
    await sockets[0]!.send(agentIds.Engineering, { text: "seen by the viewer too" });
    await feedRows(page).filter({ hasText: "seen by the viewer too" }).waitFor();
  });
});

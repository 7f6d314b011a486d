/**
 * The audit screens end to end in a real Chromium against the real local stack (`npm start`,
 * started once by global-setup.ts), as the seeded demo owner: the audit log with the seeded
 * events → a filter set through the form lands in the URL → relay events (agents talking over a
 * real relay connection) read as names, and every column fits a 1366 px screen → the detail
 * drawer, opened with the keyboard, walks the hash chain → verify says "intact" → the JSONL
 * export downloads and verifies offline with the documented command (`switchboard-verify
 * <file> --expect-head <head>`) → an alert rule from a template, and a webhook
 * whose secret is shown once → an agent suspended through the API → the alert appears live in the
 * open inbox (no reload) and in the nav badge → resolving it moves it to Resolved → a viewer
 * reads the same screens without being offered export, rule changes or resolving, and keeps getting
 * alerts after its socket is dropped → an event edited in the ledger's storage behind the API's
 * back makes verify report the broken link.
 *
 * Every screen is screenshotted into test-results/screenshots/ (prefix `audit-`) and checked with
 * axe-core (serious and critical violations fail the step softly). Steps share one story: when
 * one fails, the later ones stop at once and say which one broke.
 */
import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { promisify } from "node:util";
import { gunzipSync, gzipSync } from "node:zlib";
import WebSocket from "ws";
import type { Browser, Page, WebSocketRoute } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject } from "vitest";
import { GENESIS_HASH, ledgerEntrySchema, linkHashAfter, verifyChain, type LedgerEntry } from "../../workers/shared/audit/chain";
import { ROOT } from "../support/local-stack";
import { checkScreen, fillLogin, launchChromium, newPerson, settled, story, type Person } from "./harness";

const dashboard = inject("dashboardUrl");
const apiUrl = inject("apiUrl");
const stateDir = inject("stateDir");

/** The demo data `npm start` seeds (scripts/lib/demo.mjs). */
const OWNER = { email: "owner@acme.test", password: "switchboard-demo", name: "Ada Owner" };
/**
 * The agent this file suspends: its own, created here, never a seeded one — the browser test
 * files share one stack and the relay test needs the seeded agents active.
 */
const SUSPENDED_AGENT = "Alert drill agent";

const VIEWER = { email: "victor.viewer@acme.test", password: "viewer password 12345", name: "Victor Viewer" };

let browser: Browser;
let owner: Person;
let viewer: Person | undefined;
const viewerSockets: Array<{ page: WebSocketRoute; server: WebSocketRoute }> = [];
let tenantId: string;
/** The head hash the Verify panel showed, checked against the export offline. */
let verifiedHead: string;

const step = story("audit ", () => ({ owner, viewer }));

const nav = (page: Page) => page.getByRole("navigation", { name: "Main" });
const eventsTable = (page: Page) => page.getByRole("table", { name: "Audit events, newest first" });
/** The action buttons of the table's rows ("agent.created, event #7: open details"). */
const actionButtons = (page: Page) => eventsTable(page).getByRole("button", { name: /, event #\d+: open details$/ });
const api = (path: string) => `${dashboard}/v1/tenants/${tenantId}${path}`;

beforeAll(async () => {
  browser = await launchChromium();
  owner = await newPerson(browser, dashboard);
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe("the audit log, verify, export and live alerts, as the demo owner", () => {
  step("logs in and opens the audit log from the nav: the seeded events are there, newest first", async () => {
    const { page } = owner;
    await page.goto("/login");
    await fillLogin(page, OWNER);
    await page.waitForURL(/\/t\/ten_[^/]+\/agents/);
    tenantId = page.url().match(/\/t\/(ten_[^/?]+)/)![1]!;

    await nav(page).getByRole("link", { name: "Audit log" }).click();
    await page.waitForURL(/\/t\/ten_[^/]+\/audit/);
    await eventsTable(page).waitFor();
    await checkScreen(page, "audit-log", { heading: "Audit log" });

    const actions = await actionButtons(page).allTextContents();
    // What the seed did in the tenant through the API: the tenant, three agents, a team.
    for (const seeded of ["tenant.created", "agent.created", "team.created"]) expect(actions).toContain(seeded);
    expect(actions.filter((a) => a === "agent.created").length).toBeGreaterThanOrEqual(3);
    // Newest first: the seq column counts down.
    const seqs = (await eventsTable(page).getByRole("row").allTextContents()).flatMap((t) => t.match(/^#(\d+)/)?.[1] ?? []).map(Number);
    expect(seqs.length).toBeGreaterThan(3);
    expect([...seqs].sort((a, b) => b - a)).toEqual(seqs);
  });

  step("filters by action through the form: the URL carries the filter, and a reload keeps it", async () => {
    const { page } = owner;
    await page.getByLabel("Exact action").fill("agent.created");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.waitForURL(/[?&]action=agent\.created/);
    await expect.poll(async () => [...new Set(await actionButtons(page).allTextContents())]).toEqual(["agent.created"]);
    await expect.poll(() => actionButtons(page).count()).toBe(3);
    await page
      .getByRole("group", { name: "Active filters" })
      .getByRole("button", { name: "Remove filter Action: agent.created" })
      .waitFor();
    await checkScreen(page, "audit-log-filtered", { heading: "Audit log" });

    await page.reload();
    await eventsTable(page).waitFor();
    expect(await page.getByLabel("Exact action").inputValue()).toBe("agent.created");
    expect([...new Set(await actionButtons(page).allTextContents())]).toEqual(["agent.created"]);

    // A severity nobody used: the empty state says why, and offers the way out.
    await page.getByLabel("Severity").selectOption({ label: "Critical" });
    await page.waitForURL(/[?&]severity=critical/);
    await page.getByText("No events match these filters").waitFor();
    await page.getByRole("button", { name: "Clear all filters" }).click();
    await page.waitForURL((url) => !url.search.includes("action=") && !url.search.includes("severity="));
    await eventsTable(page).waitFor();
  });

  step(
    "relay events read as names: two agents talk over a real relay connection, and the log names them; every column fits 1366 px",
    async () => {
      const { page } = owner;
      const asOwner = async <T>(method: string, path: string, data?: unknown) => {
        const res = await page.request.fetch(api(path), { method, headers: { origin: dashboard }, data });
        expect(res.status(), await res.text()).toBeLessThan(300);
        return (await res.json().catch(() => null)) as T;
      };
      // One agent of this file's own (the Free plan allows 5; the relay story needs the seeded ones as they are), writing to the seeded Ops, offline.
      const sender = (await asOwner<{ agent: { id: string } }>("POST", "/agents", { name: "Audit relay sender", template: "engineering" }))
        .agent;
      const seeded = await asOwner<{ data: Array<{ id: string; name: string }> }>("GET", "/agents");
      const recipient = seeded.data.find((a) => a.name === "Ops")!;
      const team = (
        await asOwner<{ team: { id: string } }>("POST", "/teams", { name: "Audit drill team", agentIds: [sender.id, recipient.id] })
      ).team;
      await asOwner("POST", `/teams/${team.id}/allowlist/edges`, {
        from: { kind: "agent", id: sender.id },
        to: { kind: "agent", id: recipient.id },
      });
      const tokenOf = async (agentId: string) => {
        const { secret } = await asOwner<{ secret: string }>("POST", `/agents/${agentId}/rotate-secret`);
        const res = await fetch(`${apiUrl}/v1/agent-tokens`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ agentId, secret, teamId: team.id }),
        });
        return ((await res.json()) as { access_token: string }).access_token;
      };
      const ws = new WebSocket(`${apiUrl.replace(/^http/, "ws")}/v1/teams/${team.id}/relay`, ["switchboard.v1"], {
        headers: { authorization: `Bearer ${await tokenOf(sender.id)}` },
      });
      const frames: Array<Record<string, unknown>> = [];
      ws.on("message", (data) => data.toString() !== "pong" && frames.push(JSON.parse(data.toString()) as Record<string, unknown>));
      await new Promise<void>((resolve, reject) => (ws.once("open", () => resolve()), ws.once("error", reject)));
      ws.send(JSON.stringify({ type: "hello", v: 1 }));
      ws.send(JSON.stringify({ type: "send", id: "audit-drill-1", to: recipient.id, body: { text: "hello from the audit drill" } }));
      await expect.poll(() => frames.some((f) => f.type === "accepted" && f.id === "audit-drill-1"), { timeout: 10_000 }).toBe(true);
      ws.close();

      // The relay flushes its audit events in batches (0.5 s): they appear with the agents' ids only…
      await expect
        .poll(
          async () =>
            (
              (await (await page.request.get(api(`/audit?action=relay.message_accepted&actorId=${sender.id}`))).json()) as {
                data: LedgerEntry[];
              }
            ).data.length,
          { timeout: 15_000 },
        )
        .toBe(1);
      const [recorded] = (
        (await (await page.request.get(api(`/audit?action=relay.message_accepted&actorId=${sender.id}`))).json()) as { data: LedgerEntry[] }
      ).data;
      expect(recorded!.actor).toEqual({ type: "agent", id: sender.id, name: null });
      // …and the log shows them as names.
      await page.setViewportSize({ width: 1366, height: 768 });
      await page.goto(`/t/${tenantId}/audit?action=relay.message_accepted`);
      const row = eventsTable(page).getByRole("row").filter({ hasText: "relay.message_accepted" }).first();
      await row.getByText("Audit relay sender").waitFor();
      await row.getByText("Ops", { exact: true }).waitFor();
      expect(await row.textContent()).not.toContain(`${sender.id}Agent`);
      // Every column, Result included, fits at 1366 px: no horizontal scrolling, the last header on screen.
      const fits = await page.getByTestId("audit-table").evaluate((table) => {
        const wrapper = table.parentElement!;
        const last = table.querySelector("thead th:last-child")!.getBoundingClientRect();
        return {
          scrolls: wrapper.scrollWidth > wrapper.clientWidth,
          lastRight: last.right,
          viewport: table.ownerDocument.documentElement.clientWidth,
        };
      });
      expect(fits.scrolls).toBe(false);
      expect(fits.lastRight).toBeLessThanOrEqual(fits.viewport);
      await checkScreen(page, "audit-log-relay-names-1366", { heading: "Audit log" });
      await page.setViewportSize({ width: 1280, height: 860 });
      await page.goto(`/t/${tenantId}/audit`);
      await eventsTable(page).waitFor();
    },
  );

  step("opens an event's detail drawer with the keyboard and follows its hash link to the previous event", async () => {
    const { page } = owner;
    const first = actionButtons(page).filter({ hasText: "team.created" }).first();
    const label = (await first.getAttribute("aria-label"))!;
    const seq = Number(label.match(/event #(\d+)/)![1]);
    await first.focus();
    await page.keyboard.press("Enter");

    const drawer = page.getByRole("dialog", { name: `Audit event #${seq}` });
    await drawer.waitFor();
    await page.waitForURL(new RegExp(`[?&]event=${seq}(&|$)`));
    const json = JSON.parse((await drawer.getByLabel("Event JSON").textContent())!) as LedgerEntry;
    expect(json.seq).toBe(seq);
    expect(json.action).toBe("team.created");
    expect(json.hash).toMatch(/^[0-9a-f]{64}$/);
    await drawer.getByText(`Matches the hash of #${seq - 1}`).waitFor();
    await drawer.getByText("Recomputed in your browser: matches this event's content").waitFor();
    await checkScreen(page, "audit-event-drawer", { dialog: `Audit event #${seq}` });

    await drawer.getByRole("button", { name: `Open previous event #${seq - 1}` }).click();
    const previous = page.getByRole("dialog", { name: `Audit event #${seq - 1}` });
    await previous.waitFor();
    const prevJson = JSON.parse((await previous.getByLabel("Event JSON").textContent())!) as LedgerEntry;
    // Each API request's event is its own block, linked to the block before.
    expect(json.v === 2 && linkHashAfter(prevJson)).toBe(json.v === 2 && json.block.prevHash);
    await page.waitForURL(new RegExp(`[?&]event=${seq - 1}(&|$)`));

    // Escape closes it and the URL forgets it; focus is back on the page.
    await page.keyboard.press("Escape");
    await previous.waitFor({ state: "hidden" });
    await page.waitForURL((url) => !url.search.includes("event="));
  });

  step("verifies the chain: intact, with the count and the head", async () => {
    const { page } = owner;
    await page.getByRole("button", { name: "Verify chain" }).click();
    const result = page.getByRole("status").filter({ hasText: /^Intact — / });
    await result.waitFor();
    const text = (await result.textContent())!;
    const [, count, head] = text.match(/Intact — ([\d,]+) events?, head #(\d+)/)!;
    // The seed wrote 5 events in the tenant (tenant, three agents, team); the test added more.
    expect(Number(count!.replace(/,/g, ""))).toBeGreaterThanOrEqual(5);
    expect(Number(head)).toBeGreaterThanOrEqual(Number(count!.replace(/,/g, "")));
    verifiedHead = (await page.getByTestId("verify-head-hash").textContent())!.trim();
    expect(verifiedHead).toMatch(/^[0-9a-f]{64}$/);
    await checkScreen(page, "audit-verify-intact", { heading: "Audit log" });
  });

  step("exports JSONL: the download parses, holds the events and verifies offline; CSV has a header and rows", async () => {
    const { page } = owner;
    const [jsonl] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export JSONL" }).click()]);
    expect(jsonl.suggestedFilename()).toMatch(/\.jsonl$/);
    const lines = (await readFile((await jsonl.path())!, "utf8")).split("\n").filter((l) => l.trim() !== "");
    expect(lines.length).toBeGreaterThanOrEqual(5);
    const entries = lines.map((l) => ledgerEntrySchema.parse(JSON.parse(l)));
    expect(entries.map((e) => e.action)).toContain("tenant.created");
    // Oldest first and contiguous from the first event: the chain's own verifier accepts it.
    expect(entries[0]!.seq).toBe(1);
    const verdict = await verifyChain(entries, { prevHash: GENESIS_HASH, prevSeq: 0 });
    expect(verdict).toMatchObject({ ok: true, count: entries.length });
    // The documented path from this download to an offline verification (the panel's own words):
    // the verifier on the file, tied to the head the Verify panel showed.
    await page.getByText(/npx switchboard-verify audit-….jsonl/).waitFor();
    // Saved under the name the browser offers, as a person's download would be.
    const file = join(tmpdir(), jsonl.suggestedFilename());
    await jsonl.saveAs(file);
    expect(file).toMatch(/audit-ten_[^/]+-1-\d+\.jsonl$/);
    const cli = await promisify(execFile)("npx", ["switchboard-verify", file, "--expect-head", verifiedHead], { cwd: ROOT });
    expect(cli.stdout).toMatch(/INTACT/);
    expect(cli.stdout).toContain(`head ${verifiedHead}`);
    const copied = await promisify(execFile)(
      process.execPath,
      [join(ROOT, "tools/switchboard-verify/bin.mjs"), file, "--expect-head", "0".repeat(64)],
      { cwd: ROOT },
    ).catch((e: { code: number; stdout: string }) => e);
    expect((copied as { code: number }).code).toBe(1); // a head it does not end at is reported

    const [csv] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export CSV" }).click()]);
    expect(csv.suggestedFilename()).toMatch(/\.csv$/);
    const rows = (await readFile((await csv.path())!, "utf8")).trim().split(/\r?\n/);
    expect(rows[0]).toMatch(/seq/);
    expect(rows.length).toBeGreaterThanOrEqual(entries.length + 1);

    // With filters set, the export takes the time range and only it (a verifiable slice), and says so.
    const from = new Date(entries[0]!.at).toISOString();
    await page.goto(`/t/${tenantId}/audit?action=agent.created&from=${encodeURIComponent(from)}`);
    await eventsTable(page).waitFor();
    const href = new URL((await page.getByRole("link", { name: "Export JSONL" }).getAttribute("href"))!, dashboard);
    expect(Object.fromEntries(href.searchParams)).toEqual({ format: "jsonl", from });
    await page.getByText(/^Every event since .+ Other filters do not apply/).waitFor();
    await page.goto(`/t/${tenantId}/audit`);
    await eventsTable(page).waitFor();
  });

  step("creates an alert rule from the “Agent suspended” template, and a webhook whose secret is shown once", async () => {
    const { page } = owner;
    await nav(page)
      .getByRole("link", { name: /^Alerts/ })
      .click();
    await page.getByText("No open alerts").waitFor();
    await checkScreen(page, "alerts-inbox-empty", { heading: "Alerts" });

    await page.getByRole("navigation", { name: "Alerts sections" }).getByRole("link", { name: "Rules and webhooks" }).click();
    await page.getByText("No alert rules yet").waitFor();
    await checkScreen(page, "alert-rules-empty", { heading: "Alert rules" });

    // Webhook first, so the rule dialog can offer it.
    await page.getByRole("button", { name: "Add webhook" }).click();
    const hookDialog = page.getByRole("dialog", { name: "Add a webhook" });
    await hookDialog.getByLabel("URL").fill("http://not-https.example.test/hook");
    await hookDialog.getByRole("button", { name: "Add webhook" }).click();
    await hookDialog
      .getByText(/Use https/)
      .first()
      .waitFor();
    await hookDialog.getByLabel("URL").fill("https://hooks.example.test/switchboard");
    await hookDialog.getByLabel("Description (optional)").fill("Security channel");
    await hookDialog.getByRole("button", { name: "Add webhook" }).click();
    await page.getByRole("dialog", { name: "Webhook added" }).waitFor();
    const secret = (await page.getByTestId("secret-value").textContent())!.trim();
    expect(secret.length).toBeGreaterThanOrEqual(20);
    await checkScreen(page, "alert-webhook-secret", { dialog: "Webhook added" });
    await page.getByRole("button", { name: "I have stored the secret" }).click();
    await page.getByRole("table", { name: "Webhooks" }).getByText("https://hooks.example.test/switchboard").waitFor();
    expect(await page.content()).not.toContain(secret);

    await page.getByRole("button", { name: "Use template: Agent suspended" }).click();
    const ruleDialog = page.getByRole("dialog", { name: "New rule from template: Agent suspended" });
    await ruleDialog.waitFor();
    expect(await ruleDialog.getByLabel("Action").inputValue()).toBe("agent.suspended");
    expect(await ruleDialog.getByLabel("Threshold (events)").inputValue()).toBe("1");
    await ruleDialog.getByLabel("Alert severity").selectOption("warning");
    await checkScreen(page, "alert-rule-dialog", { dialog: "New rule from template: Agent suspended" });
    await ruleDialog.getByRole("button", { name: "Create rule" }).click();
    await ruleDialog.waitFor({ state: "hidden" });

    const row = page.getByRole("table", { name: "Alert rules" }).getByRole("row").filter({ hasText: "Agent suspended" });
    await row.waitFor();
    expect(await row.textContent()).toContain("Every matching event");
    expect(await row.getByRole("switch", { name: "Rule Agent suspended enabled" }).getAttribute("aria-checked")).toBe("true");
    await page.evaluate("window.scrollTo(0, 0)"); // a full-page capture of a scrolled page draws the sticky header mid-page
    await checkScreen(page, "alert-rules", { heading: "Alert rules" });
  });

  step("suspending an agent fires the rule: the alert appears live in the open inbox and in the nav badge", async () => {
    const { page } = owner;
    await page.getByRole("navigation", { name: "Alerts sections" }).getByRole("link", { name: "Inbox" }).click();
    await page.getByText("No open alerts").waitFor();
    await page.locator('[data-testid="live-indicator"][data-state="live"]').waitFor();
    // A marker on the window: if the page reloaded to show the alert, it would be gone.
    await page.evaluate("window.__noReload = true");

    const created = await page.request.post(api("/agents"), { data: { name: SUSPENDED_AGENT, template: "ops" } });
    expect(created.status(), await created.text()).toBe(201);
    const { agent } = (await created.json()) as { agent: { id: string } };
    const suspended = await page.request.post(api(`/agents/${agent.id}/suspend`));
    expect(suspended.status(), await suspended.text()).toBe(200);

    const openList = page.getByRole("list", { name: "Open alerts" });
    await openList.getByRole("heading", { name: "Agent suspended" }).waitFor();
    expect(await page.evaluate("window.__noReload === true")).toBe(true);
    await expect.poll(() => nav(page).getByTestId("open-alerts-count").textContent()).toBe("1 open");
    await checkScreen(page, "alerts-inbox-live-alert", { heading: "Alerts" });
  });

  step("resolves the alert with a note: it leaves Open, shows under Resolved, and the badge goes", async () => {
    const { page } = owner;
    await page.getByRole("button", { name: "Resolve alert: Agent suspended" }).click();
    const dialog = page.getByRole("dialog", { name: "Resolve this alert?" });
    await dialog.getByLabel("Note (optional)").fill("Suspended on purpose by the browser test.");
    await checkScreen(page, "alert-resolve-dialog", { dialog: "Resolve this alert?" });
    await dialog.getByRole("button", { name: "Resolve alert" }).click();
    await dialog.waitFor({ state: "hidden" });

    await page.getByText("No open alerts").waitFor();
    await expect.poll(() => nav(page).getByTestId("open-alerts-count").count()).toBe(0);
    await page.getByRole("tab", { name: "Resolved" }).click();
    await page.waitForURL(/[?&]status=resolved/);
    const resolved = page.getByRole("list", { name: "Resolved alerts" });
    await resolved.getByRole("heading", { name: "Agent suspended" }).waitFor();
    await resolved.getByText("Suspended on purpose by the browser test.").waitFor();
    await settled(page);
    await checkScreen(page, "alerts-inbox-resolved", { heading: "Alerts" });

    // The resolution is itself in the audit trail.
    const trail = (await (await page.request.get(api("/audit?action=alert.resolved"))).json()) as { data: LedgerEntry[] };
    expect(trail.data.length).toBe(1);
  });

  step("a viewer reads the same log and inbox, but is offered no export, rule changes or resolving; the API refuses export", async () => {
    const invite = await owner.page.request.post(api("/invites"), { data: { email: VIEWER.email, role: "viewer" } });
    expect(invite.status(), await invite.text()).toBe(201);
    const { token } = (await invite.json()) as { token: string };
    viewer = await newPerson(browser, dashboard);
    const { page } = viewer;
    // The viewer's live alerts socket passes through Playwright, so a later step can drop it.
    await page.routeWebSocket(/\/alerts\/live$/, (ws) => {
      viewerSockets.push({ page: ws, server: ws.connectToServer() });
    });
    expect((await page.request.post(`${dashboard}/v1/auth/signup`, { data: VIEWER })).status()).toBe(201);
    const accepted = await page.request.post(`${dashboard}/v1/invites/accept`, { data: { token } });
    expect(accepted.ok(), await accepted.text()).toBe(true);

    await page.goto(`/t/${tenantId}/audit`);
    await eventsTable(page).waitFor();
    expect(await page.getByRole("button", { name: "Verify chain" }).isVisible()).toBe(true);
    expect(await page.getByRole("link", { name: /^Export/ }).count()).toBe(0);
    await checkScreen(page, "audit-log-viewer", { heading: "Audit log" });
    const refused = await page.request.get(api("/audit/export?format=jsonl"));
    expect(refused.status(), await refused.text()).toBe(403);

    await page.goto(`/t/${tenantId}/alerts?status=resolved`);
    await page.getByRole("list", { name: "Resolved alerts" }).getByRole("heading", { name: "Agent suspended" }).waitFor();
    await page.getByRole("tab", { name: "Open" }).click();
    await page.getByText("No open alerts").waitFor();

    await page.getByRole("navigation", { name: "Alerts sections" }).getByRole("link", { name: "Rules and webhooks" }).click();
    await page.getByText("Only owners and admins create and change alert rules and webhooks.").waitFor();
    const row = page.getByRole("table", { name: "Alert rules" }).getByRole("row").filter({ hasText: "Agent suspended" });
    await row.getByText("Enabled").waitFor();
    expect(await page.getByRole("button", { name: /New rule|Use template|Edit rule|Delete rule|Add webhook/ }).count()).toBe(0);
    expect(await page.getByRole("switch").count()).toBe(0);
    await checkScreen(page, "alert-rules-viewer", { heading: "Alert rules" });
  });

  step("the viewer's inbox survives a dropped connection: it says so, reconnects, and still gets alerts live", async () => {
    const { page } = viewer!;
    await page.getByRole("navigation", { name: "Alerts sections" }).getByRole("link", { name: "Inbox" }).click();
    const indicator = page.getByTestId("live-indicator");
    await page.locator('[data-testid="live-indicator"][data-state="live"]').waitFor();
    const before = viewerSockets.length;
    expect(before).toBeGreaterThanOrEqual(1);

    const dropped = viewerSockets.at(-1)!;
    await dropped.server.close({ code: 1001, reason: "test: server going away" });
    await dropped.page.close({ code: 1001, reason: "test: server going away" });
    await expect.poll(() => indicator.getAttribute("data-state")).toBe("reconnecting");
    expect(await indicator.textContent()).toMatch(/reconnecting/i);
    // First retry after 0.5–1 s (backoff with jitter): a new socket, live again.
    await expect.poll(() => indicator.getAttribute("data-state"), { timeout: 10_000 }).toBe("live");
    expect(viewerSockets.length).toBe(before + 1);

    // An alert fired after the reconnect arrives over the new socket, with no reload.
    await page.evaluate("window.__noReload = true");
    // This file's own agent again (resumed, then suspended): the seeded ones must stay active for the relay test.
    const agents = (await (await owner.page.request.get(api("/agents?limit=100"))).json()) as {
      data: Array<{ id: string; name: string; status: string }>;
    };
    const drill = agents.data.find((a) => a.name === SUSPENDED_AGENT)!;
    expect((await owner.page.request.post(api(`/agents/${drill.id}/resume`))).status()).toBe(200);
    expect((await owner.page.request.post(api(`/agents/${drill.id}/suspend`))).status()).toBe(200);
    await page.getByRole("list", { name: "Open alerts" }).getByRole("heading", { name: "Agent suspended" }).waitFor();
    expect(await page.evaluate("window.__noReload === true")).toBe(true);
    // A viewer reads alerts but does not act on them.
    expect(await page.getByRole("button", { name: /Resolve|Acknowledge/ }).count()).toBe(0);
  });

  step("an event edited in the ledger's storage makes verify report the first broken link, in words", async () => {
    const { page } = owner;
    // What an attacker with access to the Durable Object's SQLite would do: rewrite a past event's action in place.
    await editStoredEvent(tenantId, 3, (entry) => ({ ...entry, action: "agent.deleted" }));
    await nav(page).getByRole("link", { name: "Audit log" }).click();
    await eventsTable(page).waitFor();
    await page.getByRole("button", { name: "Verify chain" }).click();
    const report = page.getByRole("alert").filter({ hasText: /^Broken at #3: An event was altered/ });
    await report.waitFor();
    const hashes = (await report.locator("code").allTextContents()).map((t) => t.trim());
    expect(hashes).toHaveLength(2);
    for (const h of hashes) expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(hashes[0]).not.toBe(hashes[1]);
    // The failed verification is itself in the trail, and the list shows it.
    await actionButtons(page).filter({ hasText: "audit.chain_verify_failed" }).waitFor();
    await checkScreen(page, "audit-verify-broken", { heading: "Audit log" });

    // The event itself: the browser recomputes its hash and finds what verify found.
    await report.getByRole("button", { name: "Open event #3" }).click();
    const drawer = page.getByRole("dialog", { name: "Audit event #3" });
    await drawer.getByText(/Recomputed in your browser: does not match/).waitFor();
    await drawer.getByText(hashes[0]!).waitFor();
    await checkScreen(page, "audit-event-altered", { dialog: "Audit event #3" });
  });

  step("acknowledges the open alert; then edits, turns off and deletes the rule, and deletes the webhook, each confirmed", async () => {
    const { page } = owner;
    await page.keyboard.press("Escape");
    await nav(page)
      .getByRole("link", { name: /^Alerts/ })
      .click();
    await page.getByRole("button", { name: "Acknowledge alert: Agent suspended" }).click();
    await page.getByText("No open alerts").waitFor();
    await expect.poll(() => nav(page).getByTestId("open-alerts-count").count()).toBe(0);
    await page.getByRole("tab", { name: "Acknowledged" }).click();
    await page
      .getByRole("list", { name: "Acknowledged alerts" })
      .getByText(/someone is on it/)
      .waitFor();

    await page.getByRole("navigation", { name: "Alerts sections" }).getByRole("link", { name: "Rules and webhooks" }).click();
    const rules = page.getByRole("table", { name: "Alert rules" });
    const toggle = rules.getByRole("switch", { name: "Rule Agent suspended enabled" });
    await toggle.click();
    await expect.poll(() => toggle.getAttribute("aria-checked")).toBe("false");
    const stored = (await (await page.request.get(api("/alert-rules"))).json()) as {
      data: Array<{ enabled: boolean; threshold: number; windowSeconds: number }>;
    };
    expect(stored.data[0]!.enabled).toBe(false);

    await page.getByRole("button", { name: "Edit rule Agent suspended" }).click();
    const dialog = page.getByRole("dialog", { name: "Edit rule: Agent suspended" });
    await dialog.getByLabel("Threshold (events)").fill("3");
    await dialog.getByLabel("Window (minutes)").fill("5");
    await dialog.getByRole("button", { name: "Save rule" }).click();
    await dialog.waitFor({ state: "hidden" });
    await rules.getByRole("row").filter({ hasText: "3 events within 5 min" }).waitFor();
    const edited = (await (await page.request.get(api("/alert-rules"))).json()) as typeof stored;
    expect(edited.data[0]).toMatchObject({ enabled: false, threshold: 3, windowSeconds: 300 });

    await page.getByRole("button", { name: "Delete rule Agent suspended" }).click();
    await page.getByRole("dialog", { name: "Delete the rule “Agent suspended”?" }).getByRole("button", { name: "Delete rule" }).click();
    await page.getByText("No alert rules yet").waitFor();

    await page.getByRole("button", { name: "Delete webhook https://hooks.example.test/switchboard" }).click();
    await page.getByRole("dialog", { name: "Delete this webhook?" }).getByRole("button", { name: "Delete webhook" }).click();
    await page.getByText("No webhooks", { exact: true }).waitFor();
    expect(((await (await page.request.get(api("/webhooks"))).json()) as { data: unknown[] }).data).toEqual([]);
  });
});

/** The tenant's ledger database in the local stack's state (`<state>/v3/do/switchboard-api-AuditLedger/<id>.sqlite`). */
async function ledgerDatabase(chainId: string): Promise<string> {
  const dir = join(stateDir, "v3", "do");
  const files = (await readdir(dir, { recursive: true }))
    .map(String)
    .filter((f) => f.includes("AuditLedger") && f.endsWith(".sqlite") && !f.endsWith("metadata.sqlite"));
  for (const f of files) {
    const db = new DatabaseSync(join(dir, f), { readOnly: true });
    try {
      const row = db.prepare("SELECT value FROM ledger_meta WHERE key = 'chain_id'").get() as { value: string } | undefined;
      if (row?.value === chainId) return join(dir, f);
    } catch {
      // not a ledger (a store, or another class)
    } finally {
      db.close();
    }
  }
  throw new Error(`no ledger database for ${chainId} under ${dir}`);
}

/** Rewrites one stored entry (its block's gzip JSONL payload) without touching any hash. */
async function editStoredEvent(chainId: string, seq: number, edit: (entry: LedgerEntry) => LedgerEntry): Promise<void> {
  const db = new DatabaseSync(await ledgerDatabase(chainId));
  try {
    const segments = db
      .prepare("SELECT k FROM ledger_segments WHERE dropped_at IS NULL AND store IS NULL AND from_seq <= ? ORDER BY k DESC LIMIT 1")
      .get(seq) as { k: number };
    const row = db.prepare(`SELECT to_seq, payload FROM s${segments.k}_payloads WHERE to_seq >= ? ORDER BY to_seq LIMIT 1`).get(seq) as {
      to_seq: number;
      payload: Uint8Array;
    };
    const lines = gunzipSync(row.payload).toString("utf8").split("\n").filter(Boolean);
    const edited = lines.map((l) => {
      const entry = JSON.parse(l) as LedgerEntry;
      return JSON.stringify(entry.seq === seq ? edit(entry) : entry);
    });
    db.prepare(`UPDATE s${segments.k}_payloads SET payload = ? WHERE to_seq = ?`).run(
      gzipSync(edited.map((l) => `${l}\n`).join("")),
      row.to_seq,
    );
  } finally {
    db.close();
  }
}

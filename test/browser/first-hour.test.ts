/**
 * A new person's first hour in the dashboard (issue 11, item 7), in a real Chromium against the
 * real local stack: forms say what is wrong in plain words (the dashboard's zod error map) on
 * sign-up, the new tenant, the agent wizard, the new team and the alert rule; after creating an
 * agent in a team, the "Connect this agent" panel gives its ids, env file and SDK program with
 * copy buttons — and the values copied from it really connect an agent to the team's relay;
 * ids have copy buttons on the agent's, the team's and the settings page; deleting the tenant
 * takes typing its name.
 *
 * Screens are checked with axe-core and screenshotted at 1366×768 (`NN-first-hour-*.png`) and at
 * a phone's width (`first-hour-*-390w.png`) in test-results/screenshots/.
 */
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject } from "vitest";
import WebSocket from "ws";
import { PASSWORD_MIN_LENGTH } from "../../workers/shared/auth/password-policy";
import { SCREENSHOT_DIR } from "./config";
import { checkScreen, launchChromium, newPerson, settled, story, type Person } from "./harness";

const dashboard = inject("dashboardUrl");
const apiUrl = inject("apiUrl");

const PERSON = { name: "Nia Newcomer", email: "nia@first-hour.test", password: "a long first-hour password" };
const TENANT = "Quickstart Co";
const TEAM = "Builders";
const AGENT = "Quick Bot";
const LAPTOP = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };

let browser: Browser;
let person: Person;
let tenantId: string;
let teamId: string;
let agentId: string;
let secret: string;

const step = story("first-hour ", () => ({ person }));
const main = (page: Page) => page.getByRole("main");
const nav = (page: Page) => page.getByRole("navigation", { name: "Main" });
const h1 = (page: Page) => page.getByRole("heading", { level: 1 });
/** zod's own English, which must never reach a person. */
const ZOD_ENGLISH = /Too small|Too big|expected (string|number|array)|Invalid input|>=|<=|\d(st|nd|rd|th) match/;

/** The message shown under a field (Field wires it with aria-describedby). */
async function fieldError(page: Page, label: string | RegExp, within = main(page)): Promise<string> {
  const control = within.getByLabel(label, { exact: typeof label === "string" });
  await expect.poll(() => control.getAttribute("aria-invalid")).toBe("true");
  const ids = ((await control.getAttribute("aria-describedby")) ?? "").split(" ").filter((id) => id.endsWith("-error"));
  expect(ids, `${String(label)} has an error message`).toHaveLength(1);
  return (await page.locator(`[id="${ids[0]}"]`).textContent())!.trim();
}

async function clipboardAfterClicking(page: Page, button: ReturnType<Page["getByRole"]>): Promise<string> {
  await page.evaluate("navigator.clipboard.writeText('')");
  await button.click();
  await expect.poll(() => page.evaluate<string>("navigator.clipboard.readText()")).not.toBe("");
  return page.evaluate<string>("navigator.clipboard.readText()");
}

/** Also at a phone's width: the same page, full length, then back to the laptop. */
async function narrowShot(page: Page, name: string) {
  await page.setViewportSize(PHONE);
  await settled(page);
  // A dialog is what the person sees in the viewport; a full-page capture would scroll under it.
  const dialogOpen = (await page.getByRole("dialog").count()) > 0;
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `first-hour-${name}-390w.png`), fullPage: !dialogOpen });
  // Nothing may stick out sideways at this width (a table may scroll inside its own box).
  const wide = await page.evaluate<string[]>(`[...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > innerWidth + 1)
    .filter((el) => !el.parentElement || el.parentElement.getBoundingClientRect().right <= innerWidth + 1)
    .slice(0, 5)
    .map((el) => el.tagName.toLowerCase() + "." + String(el.className).slice(0, 80) + " → " + Math.round(el.getBoundingClientRect().right))`);
  expect(
    await page.evaluate<number>("document.documentElement.scrollWidth"),
    `wider than the screen: ${wide.join(" | ")}`,
  ).toBeLessThanOrEqual(PHONE.width);
  await page.setViewportSize(LAPTOP);
}

beforeAll(async () => {
  browser = await launchChromium();
  person = await newPerson(browser, dashboard);
  await person.page.setViewportSize(LAPTOP);
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe("a new person's first hour", () => {
  step("sign-up and the first tenant say what is wrong in plain words", async () => {
    const { page } = person;
    await page.goto("/signup");
    await h1(page).filter({ hasText: "Create your account" }).waitFor();
    await page.getByRole("button", { name: "Create account" }).click();
    expect(await fieldError(page, "Your name")).toBe("This field is required.");
    expect(await fieldError(page, "Email")).toBe("Enter a valid email address.");
    await page.getByLabel("Password").fill("short");
    await page.getByRole("button", { name: "Create account" }).click();
    expect(await fieldError(page, "Password")).toBe(`Use at least ${PASSWORD_MIN_LENGTH} characters.`);
    expect(await page.locator("body").textContent()).not.toMatch(ZOD_ENGLISH);
    await checkScreen(page, "first-hour-signup-errors", { heading: "Create your account" });
    await narrowShot(page, "signup-errors");

    await page.getByLabel("Your name").fill(PERSON.name);
    await page.getByLabel("Email").fill(PERSON.email);
    await page.getByLabel("Password").fill(PERSON.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await h1(page)
      .filter({ hasText: `Welcome, ${PERSON.name}` })
      .waitFor();

    await page.getByRole("button", { name: "Create tenant" }).click();
    expect(await fieldError(page, "Tenant name")).toBe("This field is required.");
    await page.getByLabel("Tenant name").fill(TENANT);
    await page.getByRole("button", { name: "Create tenant" }).click();
    await page.waitForURL(/\/t\/ten_[^/]+\/agents/);
    tenantId = page.url().match(/\/t\/(ten_[^/]+)\//)![1]!;
  });

  step("a team, then an agent in it: the wizard's errors are plain too", async () => {
    const { page } = person;
    await nav(page).getByRole("link", { name: "Teams" }).click();
    await main(page).getByRole("button", { name: "New team" }).first().click();
    const dialog = page.getByRole("dialog", { name: "New team" });
    await dialog.getByRole("button", { name: "Create team" }).click();
    expect(await fieldError(page, "Team name", dialog)).toBe("This field is required.");
    await dialog.getByLabel("Team name").fill(TEAM);
    await dialog.getByRole("button", { name: "Create team" }).click();
    await h1(page).filter({ hasText: TEAM }).waitFor();
    teamId = page.url().match(/\/teams\/(team_[^/?#]+)/)![1]!;

    await page.goto(`/t/${tenantId}/agents/new`);
    await page.getByRole("button", { name: "Next: Tools" }).click();
    expect(await fieldError(page, "Agent name")).toBe("This field is required.");
    await page.getByLabel("Agent name").fill("x".repeat(81));
    await page.getByRole("button", { name: "Next: Tools" }).click();
    await expect.poll(() => fieldError(page, "Agent name")).toBe("Use at most 80 characters.");
    await checkScreen(page, "first-hour-agent-wizard-errors", { heading: "New agent" });
    await page.getByLabel("Agent name").fill(AGENT);
    await page.getByRole("button", { name: "Next: Tools" }).click();
    await page.getByRole("button", { name: "Next: Teams" }).click();
    await page.getByRole("checkbox", { name: TEAM }).check();
    await page.getByRole("button", { name: "Next: Review" }).click();
    await page.getByRole("button", { name: "Create agent" }).click();
    await h1(page).filter({ hasText: "Agent created" }).waitFor();
    secret = (await page.getByTestId("secret-value").textContent())!.trim();
  });

  step("the Connect this agent panel: ids, env file, install and program, each with a copy button", async () => {
    const { page } = person;
    const panel = page.getByRole("region", { name: "Connect this agent" });
    await panel.getByRole("heading", { name: "Connect this agent", level: 2 }).waitFor();
    await checkScreen(page, "first-hour-connect-panel", { heading: "Agent created" });
    await narrowShot(page, "connect-panel");

    const agents = await page.request
      .get(`/v1/tenants/${tenantId}/agents`)
      .then((r) => r.json() as Promise<{ data: Array<{ id: string; name: string; teamIds: string[] }> }>);
    const created = agents.data.find((a) => a.name === AGENT)!;
    agentId = created.id;
    expect(created.teamIds).toEqual([teamId]);

    expect(await clipboardAfterClicking(page, panel.getByRole("button", { name: "Copy agent ID" }))).toBe(agentId);
    expect(await clipboardAfterClicking(page, panel.getByRole("button", { name: "Copy team ID" }))).toBe(teamId);
    const apiOrigin = await clipboardAfterClicking(page, panel.getByRole("button", { name: "Copy API URL" }));
    // Built without VITE_API_ORIGIN, the dashboard names itself (it forwards /v1); with it, the API.
    expect([dashboard, apiUrl]).toContain(apiOrigin);
    expect(await panel.getByText(TEAM, { exact: true }).count()).toBeGreaterThan(0);

    const envText = await clipboardAfterClicking(page, panel.getByRole("button", { name: "Copy environment variables" }));
    const env = Object.fromEntries(
      envText
        .split("\n")
        .filter((l) => l && !l.startsWith("#"))
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    expect(env).toEqual({
      SWITCHBOARD_URL: apiOrigin,
      SWITCHBOARD_AGENT_ID: agentId,
      SWITCHBOARD_AGENT_SECRET: secret,
      SWITCHBOARD_TEAM_ID: teamId,
    });
    expect(await clipboardAfterClicking(page, panel.getByRole("button", { name: "Copy install command" }))).toBe(
      "npm install @switchboard/sdk",
    );
    const code = await clipboardAfterClicking(page, panel.getByRole("button", { name: "Copy code" }));
    expect(code).toContain('import { SwitchboardAgent } from "@switchboard/sdk";');
    for (const name of Object.keys(env)) expect(code).toContain(`process.env.${name}`);
    // The button says it copied (for two seconds), to the eye and to screen readers.
    await panel.getByRole("button", { name: "Copied" }).first().waitFor();

    // What was copied connects an agent: the token exchange and the relay, at the URL the panel gave.
    const exchange = await fetch(`${env.SWITCHBOARD_URL}/v1/agent-tokens`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ agentId: env.SWITCHBOARD_AGENT_ID, secret: env.SWITCHBOARD_AGENT_SECRET, teamId: env.SWITCHBOARD_TEAM_ID }),
    });
    expect(exchange.status, await exchange.clone().text()).toBe(200);
    const { access_token: token } = (await exchange.json()) as { access_token: string };
    const ws = new WebSocket(
      `${env.SWITCHBOARD_URL!.replace(/^http/, "ws")}/v1/teams/${env.SWITCHBOARD_TEAM_ID}/relay`,
      ["switchboard.v1"],
      { headers: { authorization: `Bearer ${token}` } },
    );
    try {
      const welcome = await new Promise<Record<string, unknown>>((resolve, reject) => {
        ws.once("unexpected-response", (_req, res) => reject(new Error(`relay upgrade refused: ${res.statusCode}`)));
        ws.once("error", reject);
        ws.once("open", () => ws.send(JSON.stringify({ type: "hello", v: 1 })));
        ws.on("message", (data) => {
          const frame = JSON.parse(data.toString()) as Record<string, unknown>;
          if (frame.type === "welcome") resolve(frame);
        });
      });
      expect(welcome).toMatchObject({ type: "welcome", agentId, teamId });
    } finally {
      ws.close();
    }
  });

  step(
    "ids have copy buttons on the agent's, the team's and the settings page; the agent's page has the panel without the secret",
    async () => {
      const { page } = person;
      await page.getByRole("link", { name: /I have stored the secret/ }).click();
      await h1(page).filter({ hasText: AGENT }).waitFor();
      expect(await clipboardAfterClicking(page, main(page).getByRole("button", { name: "Copy agent ID" }))).toBe(agentId);
      await page.getByRole("heading", { name: "Connect this agent" }).waitFor();
      const envText = await clipboardAfterClicking(page, main(page).getByRole("button", { name: "Copy environment variables" }));
      expect(envText).toMatch(/^SWITCHBOARD_AGENT_SECRET=$/m);
      expect(envText).toContain(`SWITCHBOARD_TEAM_ID=${teamId}`);
      expect(await page.content()).not.toContain(secret);
      await checkScreen(page, "first-hour-agent-detail", { heading: new RegExp(AGENT) });

      await page.goto(`/t/${tenantId}/teams/${teamId}`);
      await h1(page).filter({ hasText: TEAM }).waitFor();
      expect(await clipboardAfterClicking(page, main(page).getByRole("button", { name: "Copy team ID" }))).toBe(teamId);

      await nav(page).getByRole("link", { name: "Settings" }).click();
      await h1(page).filter({ hasText: "Settings" }).waitFor();
      expect(await clipboardAfterClicking(page, main(page).getByRole("button", { name: "Copy tenant ID" }))).toBe(tenantId);
    },
  );

  step("the alert rule form: threshold and window errors in words, the threshold hint as an ordinal", async () => {
    const { page } = person;
    await page.goto(`/t/${tenantId}/alerts/rules`);
    await main(page).getByRole("button", { name: "New rule" }).click();
    const dialog = page.getByRole("dialog", { name: "New alert rule" });
    const threshold = dialog.getByLabel("Threshold (events)");
    await threshold.fill("0");
    await expect.poll(() => dialog.textContent()).not.toMatch(/0th/);
    await dialog.getByLabel("Window (minutes)").fill("");
    await dialog.getByRole("button", { name: "Create rule" }).click();
    expect(await fieldError(page, "Name", dialog)).toBe("This field is required.");
    expect(await fieldError(page, "Threshold (events)", dialog)).toBe("Enter 1 or more.");
    expect(await fieldError(page, "Window (minutes)", dialog)).toBe("Enter a number of minutes.");
    expect(await dialog.textContent()).not.toMatch(ZOD_ENGLISH);
    await checkScreen(page, "first-hour-alert-rule-errors", { dialog: "New alert rule" });

    for (const [n, said] of [
      ["2", "2nd"],
      ["3", "3rd"],
      ["11", "11th"],
      ["21", "21st"],
    ] as const) {
      await threshold.fill(n);
      await dialog.getByText(`Fires at the ${said} match in the window.`).waitFor();
    }
    await dialog.getByLabel("Window (minutes)").fill("100000");
    await dialog.getByRole("button", { name: "Create rule" }).click();
    await expect
      .poll(() => fieldError(page, "Window (minutes)", dialog))
      .toMatch(/^Enter between [\d.]+ and [\d,]+ minutes \(\d+ seconds to \d+ hours\)\.$/);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
  });

  step("deleting the tenant takes typing its name", async () => {
    const { page } = person;
    await page.goto(`/t/${tenantId}/settings`);
    await main(page).getByRole("button", { name: "Delete tenant" }).click();
    const dialog = page.getByRole("dialog", { name: `Delete ${TENANT}?` });
    const confirm = dialog.getByRole("button", { name: "Delete tenant" });
    const typed = dialog.getByLabel(`Type ${TENANT} to confirm`);
    expect(await confirm.isDisabled()).toBe(true);
    await typed.fill(TENANT.toLowerCase());
    expect(await confirm.isDisabled()).toBe(true);
    // Enter does not get round it either.
    await typed.press("Enter");
    expect((await page.request.get(`/v1/tenants/${tenantId}`)).status()).toBe(200);
    await typed.fill(TENANT);
    await checkScreen(page, "first-hour-delete-tenant", { dialog: `Delete ${TENANT}?` });
    await narrowShot(page, "delete-tenant");
    expect(await confirm.isEnabled()).toBe(true);
    await confirm.click();
    await h1(page)
      .filter({ hasText: `Welcome, ${PERSON.name}` })
      .waitFor();
    expect((await page.request.get(`/v1/tenants/${tenantId}`)).status()).toBe(404);
  });
});

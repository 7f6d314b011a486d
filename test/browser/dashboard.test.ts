/**
 * The dashboard end to end in a real Chromium against the real local stack (`npm start`, started
 * once by global-setup.ts): the story of issue 4 — sign up → turn on MFA → log out → log in with
 * the second step → create a tenant and an agent through the wizard (secret shown once) → create
 * a team and add the agent → invite a viewer who accepts in their own browser → the viewer is not
 * offered changes and the API refuses them — plus the remaining main screens (API keys, settings
 * with version history, password reset through the dev outbox, the operator console).
 *
 * Every main screen is screenshotted into test-results/screenshots/ and checked with axe-core
 * (serious and critical violations fail the step, softly, so later screens are still checked).
 * Steps share one story: when a step fails, the later ones stop at once and say which one broke.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject } from "vitest";
import { ROOT } from "../support/local-stack";
import { Authenticator, checkScreen, fillLogin, launchChromium, newPerson, settled, story, type Person } from "./harness";

const dashboard = inject("dashboardUrl");
const stateDir = inject("stateDir");

const OWNER = { name: "Grace Owner", email: "grace@example.test", password: "correct horse battery staple" };
const VIEWER = { name: "Vera Viewer", email: "vera@example.test", password: "viewer password 12345" };
const AGENT = "Build Bot";
const TEAM = "Launch crew";

let browser: Browser;
let owner: Person;
let viewer: Person;
let authenticator: Authenticator;
let tenantId: string;
let agentSecret: string;
let inviteLink: string;

/** A `sideTrip` (the other screens) needs the story's tenant and people, but its failure does not stop the other side trips. */
const step = story("", () => ({ owner, viewer }));

const nav = (page: Page) => page.getByRole("navigation", { name: "Main" });
const h1 = (page: Page) => page.getByRole("heading", { level: 1 });

async function openUserMenu(page: Page, name: string) {
  await page.getByRole("button", { name: `Account menu: ${name}` }).click();
}

beforeAll(async () => {
  browser = await launchChromium();
  owner = await newPerson(browser, dashboard);
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe("a new person, from sign-up to a team of agents", () => {
  step("a signed-out visitor who opens the dashboard is sent to log in", async () => {
    const { page } = owner;
    await page.goto("/");
    await page.waitForURL(/\/login\?next=/);
    await checkScreen(page, "login", { heading: "Log in to Switchboard" });
  });

  step("signs up and lands on the welcome page, which offers to create a tenant", async () => {
    const { page } = owner;
    await page.getByRole("link", { name: "Create an account" }).click();
    await checkScreen(page, "signup", { heading: "Create your account" });

    // The API's own validation shows on the field (same zod schema in the form).
    await page.getByLabel("Your name").fill(OWNER.name);
    await page.getByLabel("Email").fill(OWNER.email);
    await page.getByLabel("Password").fill("short");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect.poll(() => page.getByLabel("Password").getAttribute("aria-invalid")).toBe("true");

    await page.getByLabel("Password").fill(OWNER.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await checkScreen(page, "welcome-no-tenant", { heading: `Welcome, ${OWNER.name}` });
    expect(await page.getByLabel("Tenant name").isVisible()).toBe(true);
  });

  step("turns on MFA with a code from the key the page shows, and sees the recovery codes once", async () => {
    const { page } = owner;
    await openUserMenu(page, OWNER.name);
    await page.getByRole("menuitem", { name: "Account security" }).click();
    await checkScreen(page, "account-security", { heading: "Account security" });

    await page.getByRole("button", { name: "Turn on MFA" }).click();
    const secret = (await page.getByTestId("totp-secret").textContent())!.trim();
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    await page.getByRole("img", { name: "QR code to scan with your authenticator app" }).waitFor();
    await checkScreen(page, "mfa-enrol", { heading: "Account security" });

    authenticator = new Authenticator(secret);
    await page.getByLabel("Authentication code").fill(authenticator.nextCode());
    await page.getByRole("button", { name: "Verify and turn on" }).click();

    const codes = page.getByRole("list", { name: "Recovery codes" });
    await codes.waitFor();
    expect(await codes.getByRole("listitem").count()).toBeGreaterThanOrEqual(8);
    await checkScreen(page, "mfa-recovery-codes", { heading: "Account security" });
    await page.getByRole("button", { name: "I have saved my recovery codes" }).click();
    await page.getByText(/^On since/).waitFor();
    expect(await page.getByRole("list", { name: "Recovery codes" }).count()).toBe(0);
  });

  step("logs out, and logging in again asks for the second step; a used code is refused", async () => {
    const { page } = owner;
    await openUserMenu(page, OWNER.name);
    await page.getByRole("menuitem", { name: "Log out" }).click();
    await h1(page).filter({ hasText: "Log in to Switchboard" }).waitFor();

    await fillLogin(page, OWNER);
    await page.waitForURL(/\/login\/mfa/);
    await checkScreen(page, "login-mfa-step", { heading: "Two-step verification" });

    // Replay: the code that turned MFA on was accepted once already.
    await page.getByLabel("Authentication code").fill(authenticator.lastCode());
    await page.getByRole("button", { name: "Verify and log in" }).click();
    await expect.poll(() => page.getByLabel("Authentication code").getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByText(/tries? left/).isVisible()).toBe(true);

    await page.getByLabel("Authentication code").fill(authenticator.nextCode());
    await page.getByRole("button", { name: "Verify and log in" }).click();
    await h1(page)
      .filter({ hasText: `Welcome, ${OWNER.name}` })
      .waitFor();
  });

  step("creates a tenant and sees its empty agent list", async () => {
    const { page } = owner;
    await page.getByLabel("Tenant name").fill("Hopper Labs");
    await page.getByRole("button", { name: "Create tenant" }).click();
    await page.waitForURL(/\/t\/ten_[^/]+\/agents/);
    tenantId = page.url().match(/\/t\/(ten_[^/]+)\//)![1]!;
    await page.getByText("No agents yet").waitFor();
    await checkScreen(page, "agents-empty", { heading: "Agents" });
    expect(await page.getByRole("button", { name: /Switch tenant, current: Hopper Labs/ }).isVisible()).toBe(true);
  });

  step("creates an agent through the wizard: template → tools → teams → review → secret shown once", async () => {
    const { page } = owner;
    await page.getByRole("main").getByRole("link", { name: "New agent" }).first().click();
    await checkScreen(page, "agent-wizard-1-template", { heading: "New agent" });

    // Step 1 refuses to go on without a name (the API's schema, in the browser).
    await page.getByRole("button", { name: "Next: Tools" }).click();
    await expect.poll(() => page.getByLabel("Agent name").getAttribute("aria-invalid")).toBe("true");
    await page.getByRole("radio", { name: /Engineering/ }).check();
    await page.getByLabel("Agent name").fill(AGENT);
    await page.getByRole("button", { name: "Next: Tools" }).click();

    await page.getByRole("heading", { name: "Step 2 of 4: Tools" }).waitFor();
    // The template prefilled its tools.
    expect(await page.getByRole("checkbox", { checked: true }).count()).toBeGreaterThanOrEqual(3);
    await checkScreen(page, "agent-wizard-2-tools", { heading: "New agent" });
    await page.getByRole("button", { name: "Next: Teams" }).click();

    await page.getByRole("heading", { name: "Step 3 of 4: Teams" }).waitFor();
    await page.getByText("No teams yet").waitFor();
    await page.getByRole("button", { name: "Next: Review" }).click();

    await page.getByRole("heading", { name: "Step 4 of 4: Review" }).waitFor();
    await page.getByRole("definition").filter({ hasText: AGENT }).waitFor();
    await checkScreen(page, "agent-wizard-4-review", { heading: "New agent" });
    await page.getByRole("button", { name: "Create agent" }).click();

    await checkScreen(page, "agent-created-secret", { heading: "Agent created" });
    agentSecret = (await page.getByTestId("secret-value").textContent())!.trim();
    expect(agentSecret).toMatch(/^sba_[\w-]{20,}$/);
    // How to connect it comes with the secret; with no team yet, the panel says to add one first.
    await page.getByRole("region", { name: "Connect this agent" }).getByRole("status").getByText("Add the agent to a team first").waitFor();
    await page.getByRole("button", { name: "Copy agent secret" }).click();
    await page.getByRole("button", { name: "Copied" }).waitFor();
    expect(await page.evaluate<string>("navigator.clipboard.readText()")).toBe(agentSecret);

    await page.getByRole("link", { name: /I have stored the secret/ }).click();
    await checkScreen(page, "agent-detail", { heading: new RegExp(AGENT) });
    expect(await page.content()).not.toContain(agentSecret);

    // Back in the list: the agent, active; the secret is nowhere.
    await nav(page).getByRole("link", { name: "Agents" }).click();
    const row = page.getByRole("row").filter({ hasText: AGENT });
    await row.waitFor();
    expect(await row.textContent()).toContain("Active");
    await checkScreen(page, "agents", { heading: "Agents" });
    expect(await page.content()).not.toContain(agentSecret);
  });

  step("creates a team and adds the agent to it", async () => {
    const { page } = owner;
    await nav(page).getByRole("link", { name: "Teams" }).click();
    await page.getByText("No teams yet").waitFor();
    await checkScreen(page, "teams-empty", { heading: "Teams" });

    await page.getByRole("main").getByRole("button", { name: "New team" }).first().click();
    await checkScreen(page, "team-new-dialog", { dialog: "New team" });
    await page.getByRole("dialog").getByLabel("Team name").fill(TEAM);
    await page.getByRole("dialog").getByRole("button", { name: "Create team" }).click();

    await h1(page).filter({ hasText: TEAM }).waitFor();
    await page.getByText("No agents in this team").waitFor();
    await page.getByLabel("Add an agent").selectOption({ label: AGENT });
    await page.getByRole("button", { name: "Add to team" }).click();
    const members = page.getByRole("table", { name: `Agents in ${TEAM}` });
    await members.getByRole("link", { name: AGENT }).waitFor();
    await checkScreen(page, "team-detail", { heading: TEAM });

    await nav(page).getByRole("link", { name: "Agents" }).click();
    await page.getByRole("row").filter({ hasText: AGENT }).filter({ hasText: TEAM }).waitFor();
  });

  step("invites a viewer by email; the link is shown once", async () => {
    const { page } = owner;
    await nav(page).getByRole("link", { name: "Members" }).click();
    await page.getByRole("table", { name: "Members" }).getByText(OWNER.email).waitFor();
    await checkScreen(page, "members", { heading: "Members" });

    await page.getByRole("button", { name: "Invite someone" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Email").fill(VIEWER.email);
    await dialog.getByLabel("Role").selectOption({ label: "Viewer" });
    await checkScreen(page, "invite-dialog", { dialog: "Invite someone" });
    await dialog.getByRole("button", { name: "Create invite" }).click();

    await page.getByRole("dialog", { name: "Invite created" }).waitFor();
    inviteLink = (await page.getByTestId("secret-value").textContent())!.trim();
    expect(inviteLink.startsWith(`${dashboard}/invites/accept?token=`)).toBe(true);
    await checkScreen(page, "invite-created-link", { dialog: "Invite created" });
    await page.getByRole("button", { name: "Done" }).click();

    const invites = page.getByRole("table", { name: "Invites" });
    await invites
      .getByRole("row")
      .filter({ hasText: VIEWER.email })
      .filter({ hasText: /pending/i })
      .waitFor();
    expect(await page.content()).not.toContain(new URL(inviteLink).searchParams.get("token")!);
  });

  step("the invitee opens the link in their own browser, signs up with that email and joins as a viewer", async () => {
    viewer = await newPerson(browser, dashboard);
    const { page } = viewer;
    await page.goto(inviteLink);
    // Not signed in: the log-in page, which keeps the invite as the place to return to.
    await page.waitForURL(/\/login\?next=/);
    await page.getByRole("link", { name: "Create an account" }).click();
    await h1(page).filter({ hasText: "Create your account" }).waitFor();
    await page.getByLabel("Your name").fill(VIEWER.name);
    await page.getByLabel("Email").fill(VIEWER.email);
    await page.getByLabel("Password").fill(VIEWER.password);
    await page.getByRole("button", { name: "Create account" }).click();

    await page.waitForURL(/\/invites\/accept\?token=/);
    await checkScreen(page, "invite-accept", { heading: "Accept invite" });
    await page.getByRole("button", { name: "Accept and join" }).click();
    await page.waitForURL(new RegExp(`/t/${tenantId}/agents`));
    await page.getByRole("row").filter({ hasText: AGENT }).waitFor();
    await checkScreen(page, "viewer-agents", { heading: "Agents" });

    // The owner sees the new member with the Viewer role.
    await owner.page.reload();
    await owner.page
      .getByRole("table", { name: "Members" })
      .getByRole("row")
      .filter({ hasText: VIEWER.email })
      .filter({ hasText: /viewer/i })
      .waitFor();
  });

  step("as a viewer, no change is offered anywhere", async () => {
    const { page } = viewer;
    const main = page.getByRole("main");
    // Agents: no "New agent"; the agent's page has no edit/suspend/rotate/delete.
    expect(await main.getByRole("link", { name: "New agent" }).count()).toBe(0);
    await main.getByRole("link", { name: AGENT }).click();
    await h1(page).filter({ hasText: AGENT }).waitFor();
    await settled(page);
    for (const name of ["Edit", "Suspend", "Rotate secret", "Delete"])
      expect(await main.getByRole("button", { name: new RegExp(name) }).count(), name).toBe(0);
    // Typing the wizard's URL says the role cannot, instead of showing a form.
    await page.goto(`/t/${tenantId}/agents/new`);
    await page.getByText("Your role in this tenant cannot create agents.").waitFor();
    expect(await main.getByRole("button", { name: "Create agent" }).count()).toBe(0);

    // Teams: no "New team"; the team page has no add/edit/delete/remove.
    await nav(page).getByRole("link", { name: "Teams" }).click();
    await page.getByRole("table", { name: "Teams" }).getByRole("link", { name: TEAM }).click();
    await h1(page).filter({ hasText: TEAM }).waitFor();
    await page.getByRole("table", { name: `Agents in ${TEAM}` }).waitFor();
    await settled(page);
    expect(await page.getByLabel("Add an agent").count()).toBe(0);
    for (const name of ["Edit", "Delete team", "Remove", "Add to team"])
      expect(await main.getByRole("button", { name: new RegExp(name) }).count(), name).toBe(0);
    await checkScreen(page, "viewer-team-detail", { heading: TEAM });
    await nav(page).getByRole("link", { name: "Teams" }).click();
    await page.getByRole("table", { name: "Teams" }).waitFor();
    expect(await main.getByRole("button", { name: "New team" }).count()).toBe(0);

    // Members: read-only roles, no invite, no remove.
    await nav(page).getByRole("link", { name: "Members" }).click();
    await page.getByRole("table", { name: "Members" }).getByText(OWNER.email).waitFor();
    await settled(page);
    expect(await main.getByRole("button", { name: "Invite someone" }).count()).toBe(0);
    expect(await main.getByRole("combobox").count()).toBe(0);
    expect(await main.getByRole("button", { name: /Remove|Revoke/ }).count()).toBe(0);
    await checkScreen(page, "viewer-members", { heading: "Members" });

    // API keys are not even in the menu; settings are read-only.
    expect(await nav(page).getByRole("link", { name: "API keys" }).count()).toBe(0);
    await nav(page).getByRole("link", { name: "Settings" }).click();
    await page.getByText("Only owners and admins can change settings.").waitFor();
    expect(await page.getByLabel("Tenant name").isDisabled()).toBe(true);
    expect(await main.getByRole("button", { name: /Save|Delete tenant/ }).count()).toBe(0);
    await checkScreen(page, "viewer-settings", { heading: "Settings" });
  });

  step("as a viewer, the API refuses every change the UI did not offer (403, naming the permission)", async () => {
    const base = `/v1/tenants/${tenantId}`;
    const agentId = (await viewer.page.request.get(`${base}/agents`).then((r) => r.json())).data[0].id as string;
    const teamId = (await viewer.page.request.get(`${base}/teams`).then((r) => r.json())).data[0].id as string;
    const attempts: Array<{ method: string; path: string; body?: unknown; permission: string }> = [
      { method: "POST", path: `${base}/agents`, body: { name: "Sneaky", template: "custom" }, permission: "agents:write" },
      { method: "POST", path: `${base}/agents/${agentId}/suspend`, permission: "agents:write" },
      { method: "POST", path: `${base}/agents/${agentId}/rotate-secret`, permission: "agents:credentials" },
      { method: "POST", path: `${base}/teams`, body: { name: "Shadow team" }, permission: "teams:write" },
      { method: "DELETE", path: `${base}/teams/${teamId}/agents/${agentId}`, permission: "teams:write" },
      { method: "POST", path: `${base}/invites`, body: { email: "friend@example.test", role: "owner" }, permission: "members:write" },
      { method: "PATCH", path: base, body: { name: "Mine now" }, permission: "tenant:update" },
      { method: "POST", path: `${base}/api-keys`, body: { name: "exfil", scopes: ["agents:read"] }, permission: "api_keys:write" },
    ];
    const results = [];
    for (const a of attempts) {
      // The viewer's own session cookie, from the dashboard's origin — as the page itself would send it.
      const res = await viewer.page.request.fetch(a.path, { method: a.method, headers: { origin: dashboard }, data: a.body });
      const body = await res.json().catch(() => null);
      results.push({
        request: `${a.method} ${a.path.replace(base, "…")}`,
        status: res.status(),
        code: body?.error?.code,
        permission: body?.error?.details?.permission,
      });
    }
    expect(results).toEqual(
      attempts.map((a) => ({
        request: `${a.method} ${a.path.replace(base, "…")}`,
        status: 403,
        code: "forbidden",
        permission: a.permission,
      })),
    );

    // Not a broken request: the owner's session sends the same change and it lands.
    const renamed = await owner.page.request.fetch(base, {
      method: "PATCH",
      headers: { origin: dashboard },
      data: { name: "Hopper Labs" },
    });
    expect(renamed.status()).toBe(200);
    // And nothing the viewer tried happened.
    const agents = await owner.page.request.get(`${base}/agents`).then((r) => r.json());
    expect(agents.data.map((a: { name: string; status: string }) => `${a.name}:${a.status}`)).toEqual([`${AGENT}:active`]);
  });
});

describe("the other main screens", () => {
  step(
    "API keys: the owner creates one and sees it once",
    async () => {
      const { page } = owner;
      await page.goto(`/t/${tenantId}/api-keys`);
      await page.getByText("No API keys").waitFor();
      await checkScreen(page, "api-keys-empty", { heading: "API keys" });
      await page.getByRole("main").getByRole("button", { name: "New API key" }).first().click();
      const dialog = page.getByRole("dialog");
      await dialog.getByLabel("Key name").fill("CI deploys");
      await dialog.getByRole("checkbox", { name: "agents:read" }).check();
      await checkScreen(page, "api-key-new-dialog", { dialog: "New API key" });
      await dialog.getByRole("button", { name: "Create key" }).click();
      await page.getByRole("dialog", { name: "API key created" }).waitFor();
      const key = (await page.getByTestId("secret-value").textContent())!.trim();
      expect(key.length).toBeGreaterThan(20);
      await checkScreen(page, "api-key-created", { dialog: "API key created" });
      await page.getByRole("button", { name: "I have stored the key" }).click();
      await page.getByRole("table", { name: "API keys" }).getByText("CI deploys").waitFor();
      expect(await page.content()).not.toContain(key);
      await checkScreen(page, "api-keys", { heading: "API keys" });
    },
    { sideTrip: true },
  );

  step(
    "settings: a change is saved as a new config version, listed in the history",
    async () => {
      const { page } = owner;
      await nav(page).getByRole("link", { name: "Settings" }).click();
      await h1(page).filter({ hasText: "Settings" }).waitFor();
      await settled(page);
      await page.getByLabel("Default trust level for new agents").selectOption({ index: 2 });
      await page.getByRole("button", { name: /Save/ }).click();
      // Version 1 at creation; the owner's rename in the step before made version 2 (every change is a version).
      await page.getByText(/Settings saved as version \d+\./).waitFor();
      await page.getByRole("button", { name: "Compare version 1 with current" }).waitFor();
      await checkScreen(page, "settings", { heading: "Settings" });
      await page.getByRole("button", { name: "Compare version 1 with current" }).click();
      await checkScreen(page, "settings-compare", { dialog: /Version 1 compared with current/ });
      await page.keyboard.press("Escape");
    },
    { sideTrip: true },
  );

  step(
    "password reset: the mail in the dev outbox links to the dashboard, and the new password works",
    async () => {
      const visitor = await newPerson(browser, dashboard);
      const { page } = visitor;
      try {
        await page.goto("/login");
        await page.getByRole("link", { name: "Forgot your password?" }).click();
        await checkScreen(page, "forgot-password", { heading: "Reset your password" });
        await page.getByLabel("Email").fill(VIEWER.email);
        await page.getByRole("button", { name: "Send reset link" }).click();
        await h1(page).filter({ hasText: "Check your email" }).waitFor();
        await page.getByRole("link", { name: "open the dev mail outbox" }).click();

        // Mail goes out after the response; refresh like a person would until it is there.
        const mail = page.getByRole("article").filter({ hasText: VIEWER.email });
        await expect
          .poll(
            async () => {
              if ((await mail.count()) > 0) return true;
              await page.getByRole("button", { name: "Refresh" }).click();
              return false;
            },
            { timeout: 20_000, interval: 500 },
          )
          .toBe(true);
        await checkScreen(page, "dev-outbox", { heading: "Dev mail outbox" });
        const link = mail.getByRole("link", { name: /reset-password/ });
        // Built on the origin the API saw: the dashboard's, because /v1 is forwarded with its URL.
        expect(await link.getAttribute("href")).toMatch(new RegExp(`^${dashboard}/reset-password\\?token=`));
        await link.click();

        await checkScreen(page, "reset-password", { heading: "Choose a new password" });
        const newPassword = "a brand new viewer password";
        await page.getByLabel("New password").fill(newPassword);
        await page.getByRole("button", { name: "Set new password" }).click();
        await h1(page).filter({ hasText: "Password changed" }).waitFor();
        await page.getByRole("link", { name: "Log in" }).click();
        await fillLogin(page, { email: VIEWER.email, password: newPassword });
        await page.waitForURL(new RegExp(`/t/${tenantId}/agents`));
        expect(visitor.pageErrors).toEqual([]);
      } finally {
        await visitor.context.close();
      }
    },
    { sideTrip: true },
  );

  step(
    "keyboard: skip link, account menu and a confirmation dialog work without a mouse",
    async () => {
      const { page } = owner;
      await page.goto(`/t/${tenantId}/agents`);
      await page.getByRole("row").filter({ hasText: AGENT }).waitFor();
      const focused = () =>
        page.evaluate<string>("(document.activeElement?.id || '') + '|' + (document.activeElement?.textContent || '').trim()");

      await page.keyboard.press("Tab");
      expect(await focused()).toBe("|Skip to content");
      await page.keyboard.press("Enter");
      expect((await focused()).startsWith("main|")).toBe(true);

      const menuButton = page.getByRole("button", { name: `Account menu: ${OWNER.name}` });
      await menuButton.focus();
      await page.keyboard.press("Enter");
      await page.getByRole("menuitem", { name: "Account security" }).waitFor();
      await page.keyboard.press("Escape");
      await page.getByRole("menu").waitFor({ state: "detached" });
      await expect
        .poll(() => menuButton.evaluate((el) => el === (el.ownerDocument as { activeElement: unknown }).activeElement))
        .toBe(true);

      // A destructive action asks first; Escape cancels it and gives focus back.
      await page.getByRole("main").getByRole("link", { name: AGENT }).click();
      const suspend = page.getByRole("button", { name: "Suspend" });
      await suspend.focus();
      await page.keyboard.press("Enter");
      await checkScreen(page, "agent-suspend-confirm", { dialog: `Suspend ${AGENT}?` });
      await page.keyboard.press("Escape");
      await page.getByRole("dialog").waitFor({ state: "detached" });
      // Radix gives focus back to the trigger just after the dialog unmounts, not with it.
      await expect.poll(() => suspend.evaluate((el) => el === (el.ownerDocument as { activeElement: unknown }).activeElement)).toBe(true);
      expect(await page.getByText("Active", { exact: true }).first().isVisible()).toBe(true);
    },
    { sideTrip: true },
  );

  step(
    "operator console: all tenants, a tenant's detail, platform health",
    async () => {
      // No API route makes an operator (by design): docs/deploy.md grants it with SQL, as here.
      await promisify(execFile)(
        process.execPath,
        [
          "node_modules/wrangler/bin/wrangler.js",
          "d1",
          "execute",
          "switchboard",
          "--local",
          "--persist-to",
          stateDir,
          "--command",
          `UPDATE users SET is_operator = 1 WHERE email = '${OWNER.email}'`,
        ],
        { cwd: ROOT, env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" } },
      );
      const { page } = owner;
      await page.goto("/operator");
      await page.getByRole("link", { name: "Hopper Labs" }).waitFor();
      await checkScreen(page, "operator-tenants", { heading: "All tenants" });
      await page.getByRole("link", { name: "Hopper Labs" }).click();
      await h1(page).filter({ hasText: "Hopper Labs" }).waitFor();
      await checkScreen(page, "operator-tenant-detail", { heading: /Hopper Labs/ });
      await nav(page).getByRole("link", { name: "Platform health" }).click();
      await checkScreen(page, "operator-health", { heading: "Platform health" });
      // Health covers more than D1: every queue and dead-letter queue, each cron job, the archives.
      for (const section of ["Queues", "Cron jobs", "Audit archives"])
        await page.getByRole("heading", { level: 2, name: section }).waitFor();
      await page.getByRole("cell", { name: "switchboard-audit-retention-dlq" }).waitFor();
      await page.getByRole("cell", { name: /Signing key rotation/ }).waitFor();
      await page.getByText("R2 bucket").waitFor();
    },
    { sideTrip: true },
  );
});

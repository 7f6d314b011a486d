/**
 * Single sign-on from the login page through a REAL local OpenID provider (oidc-provider, run by
 * the stack with SWITCHBOARD_OIDC=1): an owner connects a new tenant to it on the Settings screen (its own
 * tenant and email domain, so the demo tenant's members stay as other stories expect), then a person
 * types their work email, chooses "Sign in with SSO", signs in at the provider's page and lands in
 * the tenant with the role their groups map to. Screenshots: test-results/screenshots/sso-*.png.
 */
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject } from "vitest";
// @ts-expect-error: a plain .mjs module shared with scripts/ (no types)
import { DEMO_SSO } from "../../scripts/lib/demo.mjs";
import { SCREENSHOT_DIR } from "./config";
import { checkScreen, launchChromium, newPerson, pageFetch, type Person, settled, story } from "./harness";

const dashboard = inject("dashboardUrl");
const issuer = inject("oidcIssuer");

let browser: Browser;
let admin: Person;
let person: Person;
let tenantId: string;
const step = story("sso ", () => ({ admin, person }));
const domain = `browser-${Date.now().toString(36)}.test`;
const grace = { email: `grace@${domain}`, name: "Grace Engineer" };

describe("single sign-on through the local OpenID provider", () => {
  beforeAll(async () => {
    browser = await launchChromium();
    admin = await newPerson(browser, dashboard);
    person = await newPerson(browser, dashboard);
  });
  afterAll(async () => {
    await browser?.close();
  });

  step("an owner connects a new tenant to the provider on the Settings screen", async () => {
    const { page } = admin;
    await page.goto("/login");
    expect(
      (
        await pageFetch(page, "POST", "/v1/auth/signup", {
          email: `owner@${domain}`,
          password: "a long sso owner password",
          name: "Olga Owner",
        })
      ).user,
    ).toBeDefined();
    tenantId = (await pageFetch(page, "POST", "/v1/tenants", { name: "SSO Co" })).tenant.id;
    await page.goto(`/t/${tenantId}/settings`);
    await checkScreen(page, "sso-settings-empty", { heading: "Settings" });
    const form = page.getByRole("form", { name: "Single sign-on" });
    await form.getByText("No single sign-on is configured").waitFor();
    await form.getByLabel("Issuer URL").fill(issuer);
    await form.getByLabel("Client ID").fill(DEMO_SSO.client.clientId);
    await form.getByLabel("Client secret").fill(DEMO_SSO.client.clientSecret);
    await form
      .getByLabel("Group → role mapping")
      .fill(DEMO_SSO.groupRoles.map((g: { group: string; role: string }) => `${g.group} = ${g.role}`).join("\n"));
    await form.getByLabel("Role when no group matches").selectOption("viewer");
    // A typo in a domain is named on its field, and nothing is saved.
    await form.getByLabel("Email domains").fill(`${domain}, not a domain`);
    await form.getByRole("button", { name: "Connect provider" }).click();
    await form.getByText(/Entry 2: .*domain/).waitFor();
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "sso-00-settings-field-error.png"), fullPage: true });
    expect((await pageFetch(page, "GET", `/v1/tenants/${tenantId}/sso`, undefined)).error?.code).toBe("not_found");
    await form.getByLabel("Email domains").fill(domain);
    await form.getByRole("button", { name: "Connect provider" }).click();
    await form.getByText("Single sign-on saved.").waitFor();
    await form.getByText(`${dashboard}/v1/auth/sso/callback`).waitFor();
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "sso-00-settings-connected.png"), fullPage: true });
    const saved = await pageFetch(page, "GET", `/v1/tenants/${tenantId}/sso`, undefined);
    expect(saved.connection).toMatchObject({
      issuer,
      clientId: DEMO_SSO.client.clientId,
      clientSecretSet: true,
      emailDomains: [domain],
      groupRoles: DEMO_SSO.groupRoles,
      defaultRole: "viewer",
      redirectUri: `${dashboard}/v1/auth/sso/callback`,
    });
    const res = await fetch(`${issuer}/__accounts/${encodeURIComponent(grace.email)}`, {
      method: "PUT",
      body: JSON.stringify({ name: grace.name, groups: ["engineering"] }),
    });
    expect(res.status).toBe(204);
  });

  step("an email without SSO is told so on the login page", async () => {
    const { page } = person;
    await page.goto("/login");
    await page.getByLabel("Email").fill("someone@no-sso.test");
    await page.getByRole("button", { name: "Sign in with SSO" }).click();
    await expect.poll(() => page.getByText("No single sign-on is set up for that email's domain").isVisible()).toBe(true);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "sso-01-no-sso-for-domain.png") });
  });

  step("a work email goes to the organisation's provider, and back signed in with the mapped role", async () => {
    const { page } = person;
    await page.getByLabel("Email").fill(grace.email);
    await page.getByRole("button", { name: "Sign in with SSO" }).click();
    await page.waitForURL((url) => url.href.startsWith(issuer));
    // oidc-provider's own sign-in page, the login hint already filled in.
    await expect.poll(() => page.locator('input[name="login"]').inputValue()).toBe(grace.email);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "sso-02-provider-sign-in.png") });
    await page.locator('input[name="password"]').fill("any password");
    await page.getByRole("button", { name: "Sign-in" }).click();
    await page.waitForURL((url) => url.href.startsWith(dashboard) && url.pathname.startsWith(`/t/${tenantId}`));
    await settled(page);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).first().textContent()).toMatch(/Agents/);
    // The tenant's screens have loaded (the project selector appears once projects are read).
    await expect.poll(() => page.getByLabel("Project").isVisible()).toBe(true);
    await expect.poll(() => page.getByText("Loading agents").count()).toBe(0);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "sso-03-signed-in.png") });
    const me = (await page.evaluate(async () => (await fetch("/v1/me")).json())) as { user: { email: string }; memberships: unknown[] };
    expect(me.user.email).toBe(grace.email);
    expect(me.memberships).toEqual([expect.objectContaining({ tenantId, tenantName: "SSO Co", role: "member" })]);
  });
});

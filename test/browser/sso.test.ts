/**
 * Single sign-on from the login page through a REAL local OpenID provider (oidc-provider, run by
 * the stack with SWITCHBOARD_OIDC=1 and connected to the demo tenant by the seed): a person types
 * their work email, chooses "Sign in with SSO", signs in at the provider's page and lands in the
 * tenant with the role their groups map to. Screenshots: test-results/screenshots/sso-*.png.
 */
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject } from "vitest";
// @ts-expect-error: a plain .mjs module shared with scripts/ (no types)
import { DEMO_SSO } from "../../scripts/lib/demo.mjs";
import { SCREENSHOT_DIR } from "./config";
import { launchChromium, newPerson, settled, story, type Person } from "./harness";

const dashboard = inject("dashboardUrl");
const issuer = inject("oidcIssuer");

let browser: Browser;
let person: Person;
const step = story("sso ", () => ({ person }));
const grace = DEMO_SSO.people[0] as { email: string; name: string };

describe("single sign-on through the local OpenID provider", () => {
  beforeAll(async () => {
    browser = await launchChromium();
    person = await newPerson(browser, dashboard);
  });
  afterAll(async () => {
    await browser?.close();
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
    await page.waitForURL((url) => url.href.startsWith(dashboard) && url.pathname.startsWith("/t/"));
    await settled(page);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).first().textContent()).toMatch(/Agents/);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "sso-03-signed-in.png") });
    const me = (await page.evaluate(async () => (await fetch("/v1/me")).json())) as { user: { email: string }; memberships: unknown[] };
    expect(me.user.email).toBe(grace.email);
    expect(me.memberships).toEqual([expect.objectContaining({ tenantName: "Acme", role: "member" })]);
  });
});

/**
 * The agent page's A2A card panel in a real Chromium against the local stack, as the seeded demo
 * owner: the signed card's version, its URLs and its JSON (with the signature) on the Engineering
 * agent's page; the JWKS link serves the tenant's public card keys.
 *
 * Screenshots: test-results/screenshots/ (prefix `a2a-`), each checked with axe-core.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject } from "vitest";
import { checkScreen, fillLogin, launchChromium, newPerson, pageFetch, story, type Person } from "./harness";

const dashboard = inject("dashboardUrl");
const OWNER = { email: "owner@acme.test", password: "switchboard-demo" };

let browser: Browser;
let owner: Person;
const step = story("a2a ", () => ({ owner }));

beforeAll(async () => {
  browser = await launchChromium();
  owner = await newPerson(browser, dashboard);
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe("the agent's A2A card, as the demo owner", () => {
  step("the Engineering agent's page shows its signed card: version, URLs, JSON", async () => {
    const { page } = owner;
    await page.goto("/login");
    await fillLogin(page, OWNER);
    await page.waitForURL(/\/t\/ten_[^/]+\/agents/);
    await page.getByRole("link", { name: "Engineering" }).first().click();
    await page.waitForURL(/\/agents\/agt_[^/]+$/);
    const agentId = page.url().match(/\/agents\/(agt_[^/?]+)/)![1]!;
    await page.getByRole("heading", { name: "A2A Agent Card" }).waitFor();
    await expect.poll(() => page.getByTestId("agent-card-version").textContent()).toMatch(/^1\.0\.\d+$/);
    await page.getByText(`/v1/a2a/agents/${agentId}/.well-known/agent-card.json`).waitFor();
    await page.getByText("Show the card's JSON").click();
    const json = JSON.parse((await page.getByTestId("agent-card-json").textContent()) ?? "{}");
    expect(json).toMatchObject({ name: "Engineering", signatures: [expect.objectContaining({ protected: expect.any(String) })] });
    await checkScreen(page, "a2a-agent-card", { heading: /Engineering/ });

    const jwksUrl = await page.getByRole("link", { name: "JWKS" }).getAttribute("href");
    expect(jwksUrl).toMatch(/\/v1\/a2a\/tenants\/ten_[^/]+\/jwks\.json$/);
    const jwks = await pageFetch(page, "GET", new URL(jwksUrl!).pathname);
    expect(jwks.keys.length).toBeGreaterThan(0);
    expect(jwks.keys[0]).toMatchObject({ alg: "ES256", use: "sig" });
  });
});

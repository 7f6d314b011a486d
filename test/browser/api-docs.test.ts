/**
 * `/docs` works offline (issue 11): in a real Chromium whose network is cut to loopback — every
 * request to another host is aborted, as on a laptop without internet — the API reference renders
 * the API's operations from the project's own assets. Its Content-Security-Policy refuses any
 * third-party script (checked by trying to add one), and the page's own assets load without a
 * single CSP violation.
 *
 * Screenshot: test-results/screenshots/api-docs.png.
 */
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { mkdirSync } from "node:fs";
import { SCREENSHOT_DIR } from "./config";
import { launchChromium } from "./harness";

const apiUrl = inject("apiUrl");
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

interface CspViolation {
  blockedURI: string;
  violatedDirective: string;
}

let browser: Browser;
let context: BrowserContext;
let page: Page;
const offNetwork: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  context = await browser.newContext({ baseURL: apiUrl, viewport: { width: 1366, height: 900 } });
  // The network, cut to loopback: anything else fails the way it does without internet.
  await context.route("**/*", async (route) => {
    const { hostname } = new URL(route.request().url());
    if (LOOPBACK.has(hostname)) return route.continue();
    offNetwork.push(route.request().url());
    return route.abort("internetdisconnected");
  });
  // Every CSP violation the page reports, from the first byte on.
  await context.addInitScript(`
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__csp.push({ blockedURI: e.blockedURI, violatedDirective: e.violatedDirective }));
  `);
  page = await context.newPage();
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe("/docs with the network cut to loopback", () => {
  it("renders the API's operations from the project's own assets", async () => {
    const doc = (await (await fetch(`${apiUrl}/openapi.json`)).json()) as {
      tags: { name: string }[];
      paths: Record<string, Record<string, { summary: string }>>;
    };
    const operationCount = Object.values(doc.paths).reduce((n, methods) => n + Object.keys(methods).length, 0);
    expect(operationCount).toBeGreaterThan(50);

    const res = await page.goto("/docs");
    expect(res?.status()).toBe(200);
    const csp = res?.headers()["content-security-policy"] ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/https?:|\*/); // no other origin is allowed anywhere

    await page.getByRole("heading", { level: 1, name: /Switchboard API/ }).waitFor({ timeout: 60_000 });
    // Every tag in the navigation; opened, they list every operation of the document (Redoc links
    // each one by its operationId: #/<tag>/<operationid>).
    // The navigation opens one tag at a time: open each, collect its operations.
    const navigation = page.locator(".menu-content");
    const operationLinks = new Set<string>();
    for (const tag of doc.tags) {
      const tagLink = navigation.getByRole("link", { name: tag.name, exact: true });
      const prefix = `${await tagLink.getAttribute("href")}/`;
      await tagLink.click();
      await navigation.locator(`a[href^="${prefix}"]`).first().waitFor();
      const links = await navigation.locator(`a[href^="${prefix}"]`).evaluateAll((as) => as.map((a) => a.getAttribute("href") ?? ""));
      for (const link of links) operationLinks.add(link);
    }
    expect(operationLinks.size).toBe(operationCount);

    // An operation's deep link (its operationId, lower-cased) opens it with its summary and security.
    await page.goto("/docs#/auth/login");
    await page.getByRole("heading", { name: /Sign in with email and password$/ }).waitFor(); // Redoc prefixes a "link to …" anchor
    await page.goto("/docs#/relay/connectrelay");
    await page.getByRole("heading", { name: /Connect an agent to its team's relay \(WebSocket\)$/ }).waitFor();
    await page.getByText("agentToken").first().waitFor();
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "api-docs.png") });

    // Nothing the page needed came from elsewhere, and none of its own assets or inline code broke
    // the policy. (Redoc probes `Function()` once to decide where to build its search index; the
    // refusal, blockedURI "eval", makes it index in the page — search works — so it is not counted.)
    const violations = await page.evaluate<CspViolation[]>("window.__csp");
    const ownOrigin = new URL(apiUrl).origin;
    expect(violations.filter((v) => v.blockedURI.startsWith(ownOrigin) || v.blockedURI === "inline")).toEqual([]);
    await page.getByText("Search").first().click();
    await page.keyboard.type("rotate");
    await page.getByText("Replace an agent's secret; the old one stops working at once").first().waitFor();
    await page.keyboard.press("Escape");
    expect(offNetwork.filter((u) => /\.(m?js|css)(\?|$)/.test(u))).toEqual([]);
  }, 120_000);

  it("refuses a third-party script by policy, before any network is involved", async () => {
    await page.evaluate(`new Promise((resolve) => {
      const s = document.createElement("script");
      s.src = "https://cdn.jsdelivr.net/npm/some-package/dist/evil.js";
      s.onerror = resolve;
      document.head.appendChild(s);
      setTimeout(resolve, 2000);
    })`);
    const violations = await page.evaluate<CspViolation[]>("window.__csp");
    expect(violations).toContainEqual({
      blockedURI: "https://cdn.jsdelivr.net/npm/some-package/dist/evil.js",
      violatedDirective: "script-src-elem",
    });
    // The policy stopped it: it never reached the (cut) network.
    expect(offNetwork.some((u) => u.includes("evil.js"))).toBe(false);
  });
});

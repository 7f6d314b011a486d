/**
 * What the browser tests share: a real Chromium (playwright-core driving Debian's binary), one
 * context per person, a per-screen check (accessibility with axe-core + a screenshot), and the
 * authenticator app (TOTP computed from the key the page shows, as a person would type it in).
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { Secret, TOTP } from "otpauth";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { expect, it } from "vitest";
import { AXE_SCRIPT, CHROMIUM_PATH, SCREENSHOT_DIR } from "./config";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
  "--no-first-run",
];
const LAUNCH_TIMEOUT_MS = 30_000;
/** Per action / wait. Generous: two cores, shared with the stack's workerd processes. */
export const ACTION_TIMEOUT_MS = 20_000;

/**
 * Launches Chromium. playwright-core gives every launch a fresh temporary profile
 * (`--user-data-dir`) and removes it on close, so no state leaks between runs.
 */
export async function launchChromium(): Promise<Browser> {
  try {
    return await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true, timeout: LAUNCH_TIMEOUT_MS });
  } catch (err) {
    throw new Error(`Chromium (${CHROMIUM_PATH}) did not start within ${LAUNCH_TIMEOUT_MS / 1000} s: ${(err as Error).message}`);
  }
}

export interface Person {
  context: BrowserContext;
  page: Page;
  /** Uncaught exceptions in the page: a test step fails if any appeared. */
  pageErrors: string[];
}

/** A person with their own browser context (cookies, storage) on the dashboard. */
export async function newPerson(browser: Browser, baseURL: string): Promise<Person> {
  const context = await browser.newContext({
    baseURL,
    viewport: { width: 1280, height: 860 },
    locale: "en-US",
    reducedMotion: "reduce",
    // The copy buttons use the async clipboard API.
    permissions: ["clipboard-read", "clipboard-write"],
  });
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on("pageerror", (err) => pageErrors.push(`${page.url()}: ${err.message}`));
  return { context, page, pageErrors };
}

interface AxeNode {
  target: unknown[];
  failureSummary?: string;
}
interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: AxeNode[];
}

/** axe-core on the page as it is now; the serious and critical violations, one readable line each. */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  // Page-side code as strings: this file is compiled without the DOM library (the repo's tsconfig is for Workers).
  if (!(await page.evaluate<boolean>("'axe' in window"))) await page.addScriptTag({ path: AXE_SCRIPT });
  const violations = await page.evaluate<AxeViolation[]>("axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)");
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => {
      const where = v.nodes
        .slice(0, 5)
        .map((n) => `      at ${n.target.join(" ")}: ${(n.failureSummary ?? "").replace(/\s+/g, " ").trim()}`)
        .join("\n");
      const more = v.nodes.length > 5 ? `\n      … and ${v.nodes.length - 5} more` : "";
      return `[${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n${where}${more}`;
    });
}

let shot = 0;

/** Waits until nothing on the page says it is loading (QueryState's aria-busy spinners). */
export async function settled(page: Page) {
  await page.waitForFunction(`document.querySelectorAll('[aria-busy="true"]').length === 0`, undefined, { timeout: ACTION_TIMEOUT_MS });
}

/**
 * One main screen: waits for its h1 (or dialog) and for loading to finish, saves a screenshot
 * (`test-results/screenshots/NN-<name>.png`) and runs axe. An accessibility violation fails the
 * step softly (expect.soft), so the rest of the flow still runs and every screen gets checked.
 */
export async function checkScreen(page: Page, name: string, expectation: { heading: string | RegExp } | { dialog: string | RegExp }) {
  if ("heading" in expectation) await page.getByRole("heading", { level: 1, name: expectation.heading }).waitFor();
  else await page.getByRole("dialog", { name: expectation.dialog }).waitFor();
  await settled(page);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  shot += 1;
  const file = path.join(SCREENSHOT_DIR, `${String(shot).padStart(2, "0")}-${name}.png`);
  // A dialog is what the person sees in the viewport; a full-page capture would scroll under it.
  await page.screenshot({ path: file, fullPage: "heading" in expectation });
  const violations = await accessibilityViolations(page);
  expect
    .soft(violations, `axe: serious/critical accessibility violations on "${name}" (${page.url()}):\n${violations.join("\n")}\n`)
    .toEqual([]);
}

/** What the page looked like when a step failed: `test-results/screenshots/FAILED-<step>.png`. */
export async function screenshotOnFailure(page: Page, label: string) {
  const file = path.join(SCREENSHOT_DIR, `FAILED-${label.replace(/[^\w-]+/g, "-").slice(0, 80)}.png`);
  await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
}

/** The authenticator app: RFC 6238 defaults (SHA-1, 6 digits, 30 s), like the API. */
export class Authenticator {
  private readonly totp: TOTP;
  private lastStep = -1;

  constructor(base32Secret: string) {
    this.totp = new TOTP({ algorithm: "SHA1", digits: 6, period: 30, secret: Secret.fromBase32(base32Secret.replace(/\s+/g, "")) });
  }

  /**
   * A code for a time step later than any code handed out before: the API refuses a step at or
   * below the last one it accepted (replay), and accepts the next step (±1 window), so no test
   * has to wait for the clock.
   */
  nextCode(): string {
    const now = TOTP.counter({ period: 30, timestamp: Date.now() });
    const step = Math.max(now, this.lastStep + 1);
    this.lastStep = step;
    return this.totp.generate({ timestamp: step * 30_000 });
  }

  /** The code of the step already used (to show a replay is refused). */
  lastCode(): string {
    return this.totp.generate({ timestamp: this.lastStep * 30_000 });
  }
}

/**
 * A browser test file is one story told in steps that build on each other. `story(label, people)`
 * returns its `step`: after a failed step the later ones fail at once naming it (instead of timing
 * out one by one), every step also fails on an uncaught exception in any person's page, and a
 * failure screenshots every open page. A `sideTrip` step may fail without stopping the story.
 */
export function story(label: string, people: () => Record<string, Person | undefined>) {
  let broken: string | null = null;
  return function step(name: string, fn: () => Promise<void>, { sideTrip = false } = {}) {
    it(name, async () => {
      if (broken) throw new Error(`not run: the earlier step "${broken}" failed`);
      try {
        await fn();
        for (const person of Object.values(people())) if (person) expect(person.pageErrors, "uncaught exceptions in the page").toEqual([]);
      } catch (err) {
        if (!sideTrip) broken = name;
        for (const [who, person] of Object.entries(people())) {
          if (person && !person.page.isClosed()) await screenshotOnFailure(person.page, `${label}${name} (${who})`);
        }
        throw err;
      }
    }, 90_000);
  };
}

/** Fills and submits the log-in form on the current page, as a person would. */
export async function fillLogin(page: Page, who: { email: string; password: string }) {
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Log in" }).click();
}

/**
 * The API from inside the page (its cookie and origin, exactly what the dashboard sends), for a
 * story's setup steps; answers the parsed JSON body whatever the status (tests assert on it).
 */
export async function pageFetch(page: Page, method: string, url: string, body?: unknown): Promise<any> {
  return page.evaluate(
    async ([m, u, b]) => {
      const res = await fetch(u as string, {
        method: m as string,
        headers: b === undefined ? {} : { "content-type": "application/json" },
        body: b === undefined ? undefined : JSON.stringify(b),
      });
      return res.json();
    },
    [method, url, body] as const,
  );
}

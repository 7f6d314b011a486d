/** /docs as the Worker serves it: a page that loads only this origin's assets, under a strict CSP. */
import { describe, expect, it } from "vitest";
import { call } from "../../../../test/workers/harness";
import { REFERENCE_SCRIPT } from "./reference-page";

describe("/docs", () => {
  it("is an HTML page whose only script is the project's own, under a policy that allows no other origin", async () => {
    const res = await call("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = res.body as string;
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map((m) => /src="([^"]+)"/.exec(m[1]!)?.[1])).toEqual([REFERENCE_SCRIPT]);
    expect(scripts.every((m) => m[2]!.trim() === "")).toBe(true); // no inline code
    expect(html).not.toMatch(/https?:\/\//); // nothing from anywhere else, not even a stylesheet or font

    const csp: Record<string, string[]> = Object.fromEntries(
      (res.headers.get("content-security-policy") ?? "")
        .split(";")
        .map((d) => d.trim().split(/\s+/))
        .map(([name, ...values]) => [name, values]),
    );
    expect(csp["default-src"]).toEqual(["'none'"]);
    expect(csp["script-src"]).toEqual(["'self'"]);
    expect(csp["connect-src"]).toEqual(["'self'"]);
    for (const values of Object.values(csp)) for (const v of values) expect(v).not.toMatch(/^(https?:|\*|'unsafe-eval')/);
    expect(csp["frame-ancestors"]).toEqual(["'none'"]);
  });
});

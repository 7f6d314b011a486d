/**
 * The SDK's egress client against a scripted fetch (no network): URL mapping to the forward form,
 * the egress token exchange (audience "egress", no team), one retry with a fresh token after a 401,
 * and telling the proxy's refusals from the upstream's answers. End to end through `npm start`:
 * test/node/stack.test.ts.
 */
import { describe, expect, it } from "vitest";
import { createEgressClient, createEgressFetch, egressOutcome, EgressRefusedError } from "../../sdk/src/index";
import { forwardUrl } from "../../sdk/src/egress";

function scripted(handlers: Array<(url: string, init: RequestInit) => Response>) {
  const seen: Array<{ url: string; init: RequestInit }> = [];
  const fetchImpl = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input);
    seen.push({ url, init });
    const handler = handlers.shift();
    if (!handler) throw new Error(`unexpected fetch ${url}`);
    return handler(url, init);
  }) as typeof fetch;
  return { fetchImpl, seen };
}
const token = (n: number) => () => Response.json({ access_token: `tok${n}`, token_type: "Bearer", expires_in: 900, kid: "k" });
const refusal = (status: number, code: string, reason: string) => () =>
  Response.json(
    { error: { code, message: "no", details: { reason } } },
    { status, headers: { "x-switchboard-egress": status === 403 ? "denied" : "error" } },
  );

describe("sdk egress", () => {
  it("maps URLs to the forward form and refuses non-http schemes", () => {
    expect(forwardUrl("http://localhost:8789/", "https://api.github.com/repos/a?x=1")).toBe(
      "http://localhost:8789/proxy/https/api.github.com/repos/a?x=1",
    );
    expect(forwardUrl("http://e", "http://legacy.example.org/")).toBe("http://e/proxy/http/legacy.example.org/");
    expect(() => forwardUrl("http://e", "ftp://x/")).toThrow(TypeError);
  });

  it("exchanges an egress token, sends it, retries once after a 401 with a fresh one", async () => {
    const { fetchImpl, seen } = scripted([
      token(1),
      () => new Response("expired", { status: 401 }),
      token(2),
      () => new Response("ok", { headers: { "x-switchboard-egress": "allowed" } }),
    ]);
    const egressFetch = createEgressFetch({
      url: "http://api",
      egressUrl: "http://egress",
      agentId: "agt_1",
      secret: "sba_x",
      skill: "github",
      run: "r1",
      fetch: fetchImpl,
    });
    const res = await egressFetch("https://api.github.com/user", {
      method: "POST",
      body: "payload",
      headers: { accept: "application/json" },
    });
    expect(await res.text()).toBe("ok");
    expect(JSON.parse(String(seen[0]!.init.body))).toEqual({ agentId: "agt_1", secret: "sba_x", audience: "egress" });
    const [first, retry] = [seen[1]!, seen[3]!];
    expect(first.url).toBe("http://egress/proxy/https/api.github.com/user");
    expect(new Headers(first.init.headers).get("authorization")).toBe("Bearer tok1");
    expect(new Headers(retry.init.headers).get("authorization")).toBe("Bearer tok2");
    expect(new Headers(retry.init.headers).get("x-switchboard-skill")).toBe("github");
    expect(new Headers(retry.init.headers).get("x-switchboard-run")).toBe("r1");
    expect(new TextDecoder().decode(retry.init.body as ArrayBuffer)).toBe("payload");
  });

  it("tells the proxy's refusals from upstream answers, and throws them when asked", async () => {
    const { fetchImpl } = scripted([
      token(1),
      refusal(403, "egress_denied", "no_matching_rule"),
      () => new Response("upstream 404", { status: 404, headers: { "x-switchboard-egress": "allowed" } }),
      token(2),
      refusal(403, "egress_denied", "private_address"),
    ]);
    const egressFetch = createEgressFetch({
      url: "http://api",
      egressUrl: "http://egress",
      agentId: "agt_1",
      secret: "s",
      fetch: fetchImpl,
    });
    expect(await egressOutcome(await egressFetch("https://x.example/"))).toEqual({
      by: "proxy",
      status: 403,
      code: "egress_denied",
      reason: "no_matching_rule",
      message: "no",
    });
    expect(await egressOutcome(await egressFetch("https://x.example/missing"))).toEqual({ by: "upstream" });
    const throwing = createEgressFetch({
      url: "http://api",
      egressUrl: "http://egress",
      agentId: "agt_1",
      secret: "s",
      fetch: fetchImpl,
      throwOnRefusal: true,
    });
    await expect(throwing("http://169.254.169.254/")).rejects.toMatchObject({
      code: "egress_denied",
      reason: "private_address",
      status: 403,
    });
  });

  it("the envelope client returns the parsed answer and throws EgressRefusedError on refusals", async () => {
    const answer = {
      status: 200,
      headers: {},
      body: "hi",
      bodyEncoding: "utf8",
      url: "https://x.example/",
      redirects: [],
      callId: "egc_1",
      mode: "live",
    };
    const { fetchImpl, seen } = scripted([
      token(1),
      () => Response.json(answer, { headers: { "x-switchboard-egress": "allowed" } }),
      refusal(429, "rate_limited", "rate_limited"),
    ]);
    const client = createEgressClient({ url: "http://api", egressUrl: "http://egress/", agentId: "agt_1", secret: "s", fetch: fetchImpl });
    expect(await client.fetch({ url: "https://x.example/" })).toEqual(answer);
    expect(seen[1]!.url).toBe("http://egress/v1/fetch");
    await expect(client.fetch({ url: "https://x.example/" })).rejects.toBeInstanceOf(EgressRefusedError);
  });
});

import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectError, uniqueEmail } from "../../../../../test/workers/harness";
import { createApp } from "../../app";
import { sendMail } from "../../services/mail";

/** The real app, served with a different ENVIRONMENT than the test Worker's ("development"). */
async function fetchAs(environment: string, path: string): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await createApp().fetch(new Request(`http://localhost:8787${path}`), { ...env, ENVIRONMENT: environment }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe("dev outbox", () => {
  it("in development, keeps sent mail and lists the newest 50, newest first", async () => {
    expect(env.ENVIRONMENT).toBe("development");
    const to = uniqueEmail("outbox");
    for (let i = 0; i < 52; i++) {
      // a clear gap after the two oldest, which must fall off the page
      if (i === 2) await new Promise((r) => setTimeout(r, 10));
      await sendMail(env, { to, subject: `Mail ${i}`, text: `Body ${i}` });
    }
    const res = await call("/v1/dev/outbox");
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(50);
    const mails: Array<{ id: string; to: string; subject: string; text: string; createdAt: string }> = res.body.data;
    // ids are time-ordered to the millisecond, so compare sets and times rather than exact order
    expect(new Set(mails.map((m) => m.subject))).toEqual(new Set(Array.from({ length: 50 }, (_, i) => `Mail ${i + 2}`)));
    const times = mails.map((m) => Date.parse(m.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(mails.find((m) => m.subject === "Mail 51")).toMatchObject({ to, text: "Body 51", id: expect.stringMatching(/^mail_/) });
    expect(times[0]).toBeGreaterThan(Date.now() - 60_000);
  });

  it("anywhere else answers 404 exactly like a route that does not exist, and mail is not stored", async () => {
    const outbox = await fetchAs("production", "/v1/dev/outbox");
    const missing = await fetchAs("production", "/v1/dev/nothing-here");
    expect(outbox.status).toBe(404);
    const [outboxBody, missingBody] = [await outbox.json<any>(), await missing.json<any>()];
    expectError({ status: 404, body: outboxBody, headers: outbox.headers }, 404, "not_found");
    expect(outboxBody.error.message).toBe(missingBody.error.message.replace("/v1/dev/nothing-here", "/v1/dev/outbox"));
    // the same app in development serves it: the branch is the environment, nothing else
    expect((await fetchAs("development", "/v1/dev/outbox")).status).toBe(200);

    const to = uniqueEmail("prod");
    await sendMail({ ...env, ENVIRONMENT: "production" }, { to, subject: "Not kept", text: "secret link" });
    expect((await env.DB.prepare("select count(*) as n from dev_outbox where `to` = ?").bind(to).first<{ n: number }>())!.n).toBe(0);
  });
});

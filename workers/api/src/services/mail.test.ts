/**
 * The one mail module against a fake of Resend at the network boundary (the Worker's real fetch,
 * intercepted by Miniflare's outboundService: test/workers/fake-mail-provider.ts).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { FAKE_RESEND_KEY, type RecordedMail } from "../../../../test/workers/fake-mail-provider";
import { uniqueEmail } from "../../../../test/workers/harness";
import { mailDelivery, sendMail } from "./mail";

const FROM = "Switchboard <no-reply@mail.switchboard.test>";
const production = { ...env, ENVIRONMENT: "production" };
const withProvider = { ...production, RESEND_API_KEY: FAKE_RESEND_KEY, MAIL_FROM: FROM };

async function recorded(to: string): Promise<{ accepted: RecordedMail[]; attempts: number }> {
  return (await fetch(`https://api.resend.com/__recorded?to=${encodeURIComponent(to)}`)).json();
}
const outboxCount = async (to: string) =>
  (await env.DB.prepare("select count(*) as n from dev_outbox where `to` = ?").bind(to).first<{ n: number }>())!.n;

describe("sendMail with a provider (Resend)", () => {
  it("sends the mail through the provider's API and says so", async () => {
    const to = uniqueEmail("resend");
    const outcome = await sendMail(withProvider, {
      to,
      subject: "Hello",
      text: "A link: https://x.test/a",
      idempotencyKey: "test/1-" + to,
    });
    expect(outcome).toEqual({ status: "sent", providerId: expect.stringMatching(/^fake-resend-/) });
    const { accepted } = await recorded(to);
    expect(accepted).toEqual([
      {
        id: (outcome as { providerId: string }).providerId,
        from: FROM,
        to: [to],
        subject: "Hello",
        text: "A link: https://x.test/a",
        idempotencyKey: "test/1-" + to,
      },
    ]);
    expect(await outboxCount(to)).toBe(0);
  });

  it("also in development: a configured provider is used instead of the dev outbox", async () => {
    const to = uniqueEmail("resend-dev");
    expect(mailDelivery({ ...withProvider, ENVIRONMENT: "development" })).toBe("email");
    expect((await sendMail({ ...withProvider, ENVIRONMENT: "development" }, { to, subject: "s", text: "t" })).status).toBe("sent");
    expect(await outboxCount(to)).toBe(0);
  });

  it("the same idempotency key sends one mail, however often it is asked", async () => {
    const to = uniqueEmail("once");
    const mail = { to, subject: "Once", text: "t", idempotencyKey: `invite/once-${to}` };
    const [a, b] = [await sendMail(withProvider, mail), await sendMail(withProvider, mail)];
    expect(a).toEqual(b);
    expect((await recorded(to)).accepted).toHaveLength(1);
  });

  it("retries once after a 5xx (same idempotency key), and reports failure honestly when it persists", async () => {
    const flaky = `flaky-${uniqueEmail()}`;
    expect((await sendMail(withProvider, { to: flaky, subject: "s", text: "t", idempotencyKey: `k-${flaky}` })).status).toBe("sent");
    expect(await recorded(flaky)).toMatchObject({ attempts: 2, accepted: [expect.objectContaining({ idempotencyKey: `k-${flaky}` })] });

    const down = `fail-500-${uniqueEmail()}`;
    expect(await sendMail(withProvider, { to: down, subject: "s", text: "t" })).toEqual({ status: "failed" });
    expect(await recorded(down)).toEqual({ attempts: 2, accepted: [] });

    const limited = `rate-limited-${uniqueEmail()}`;
    expect((await sendMail(withProvider, { to: limited, subject: "s", text: "t" })).status).toBe("failed");
    expect((await recorded(limited)).attempts).toBe(2);
  });

  it("does not retry what a retry cannot fix: a refused address, a wrong key", async () => {
    const refused = `refused-${uniqueEmail()}`;
    expect((await sendMail(withProvider, { to: refused, subject: "s", text: "t" })).status).toBe("failed");
    expect((await recorded(refused)).attempts).toBe(1);

    const to = uniqueEmail("badkey");
    expect((await sendMail({ ...withProvider, RESEND_API_KEY: "re_wrong" }, { to, subject: "s", text: "t" })).status).toBe("failed");
    expect(await recorded(to)).toEqual({ attempts: 0, accepted: [] });
  });
});

describe("sendMail without a provider", () => {
  it("in production: nothing is sent or kept, and the outcome says not_configured", async () => {
    const to = uniqueEmail("nowhere");
    expect(mailDelivery(production)).toBe("not_configured");
    expect(await sendMail(production, { to, subject: "s", text: "secret link" })).toEqual({ status: "not_configured" });
    // half a configuration is no configuration
    expect(mailDelivery({ ...production, RESEND_API_KEY: FAKE_RESEND_KEY, MAIL_FROM: "" })).toBe("not_configured");
    expect(mailDelivery({ ...production, MAIL_FROM: FROM })).toBe("not_configured");
    expect(await recorded(to)).toEqual({ attempts: 0, accepted: [] });
    expect(await outboxCount(to)).toBe(0);
  });

  it("in development: kept in the dev outbox", async () => {
    const to = uniqueEmail("dev");
    expect(mailDelivery(env)).toBe("dev_outbox");
    expect(await sendMail(env, { to, subject: "s", text: "t" })).toEqual({ status: "dev_outbox", id: expect.stringMatching(/^mail_/) });
    expect(await outboxCount(to)).toBe(1);
  });
});

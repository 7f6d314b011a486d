/** The API Worker's entry point: the Hono app, plus the Durable Object classes it hosts. */
import { createApp } from "./app";

export { RateLimiter } from "../../../durable-objects/rate-limiter";

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;

/**
 * The one logger of the Workers and Durable Objects: one JSON object per line on the console,
 * which is what Workers Logs (`[observability]` in wrangler.toml) ingests and indexes field by
 * field, and what `wrangler tail` / `wrangler dev` print.
 *
 * Hand-written rather than a library on purpose: the runtime already does the transport
 * (console → Workers Logs), so a logging library would only wrap `console.log(JSON.stringify())`
 * and bring Node-only streams or transports that workerd does not have. What this adds is the
 * shape (`level`, `msg`, then fields), Error serialisation, and *context fields*: code running
 * inside `withLogContext({ requestId })` — the API's request middleware does this — gets those
 * fields on every line it logs, however deep it is and whatever it awaits (AsyncLocalStorage,
 * available with `nodejs_compat`), so a request id reaches the logs of the services it calls
 * without being passed down by hand.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

const context = new AsyncLocalStorage<LogFields>();

/** Runs `fn` with `fields` added to every line logged inside it (nested contexts add up). */
export function withLogContext<T>(fields: LogFields, fn: () => T): T {
  return context.run({ ...context.getStore(), ...fields }, fn);
}

/** The context fields in force here (e.g. `requestId` inside an API request). */
export function logContext(): LogFields {
  return context.getStore() ?? {};
}

/** Errors become `{ name, message, stack }` (JSON.stringify would write `{}`); bigints become strings. */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, ...(value.stack ? { stack: value.stack } : {}) };
  if (typeof value === "bigint") return value.toString();
  return value;
}

/** The JSON line for one entry: level and message first, then context fields, then the entry's own. */
export function formatLogLine(level: LogLevel, msg: string, fields: LogFields = {}): string {
  return JSON.stringify({ level, msg, ...context.getStore(), ...fields }, replacer);
}

function write(level: LogLevel, msg: string, fields?: LogFields): void {
  let line: string;
  try {
    line = formatLogLine(level, msg, fields);
  } catch (err) {
    // A circular or otherwise unserialisable field must not turn a log call into a crash.
    line = formatLogLine(level, msg, { unserialisableFields: String(err) });
  }
  // Workers Logs keeps console.error/warn as their level; one console method per level.
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else if (level === "debug") console.debug(line);
  else console.log(line);
}

export const log = {
  debug: (msg: string, fields?: LogFields) => write("debug", msg, fields),
  info: (msg: string, fields?: LogFields) => write("info", msg, fields),
  warn: (msg: string, fields?: LogFields) => write("warn", msg, fields),
  error: (msg: string, fields?: LogFields) => write("error", msg, fields),
};

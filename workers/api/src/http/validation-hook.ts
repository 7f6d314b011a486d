import type { Hook } from "@hono/zod-openapi";
import type { z } from "zod";
import { ApiError } from "./api-error";

/** Where the failed value came from, to say so in the message. */
const TARGET_NAMES: Record<string, string> = { json: "body", query: "query string", param: "path", header: "headers", cookie: "cookies" };

export function validationError(error: z.ZodError, target: string): ApiError {
  const issues = error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    code: issue.code,
    message: issue.message,
    ...("keys" in issue ? { keys: issue.keys } : {}),
  }));
  return validationFailed(issues, target);
}

/**
 * A validation failure found after parsing (a URL that is not allowed, an id that does not
 * exist): the same shape and dotted issue paths as a schema failure, so forms mark the field.
 */
export function invalidFields(fields: { path: string; message: string }[], extra: Record<string, unknown> = {}): ApiError {
  return validationFailed(
    fields.map((f) => ({ ...f, code: "custom" })),
    "json",
    extra,
  );
}

function validationFailed(
  issues: { path: string; code: string; message: string }[],
  target: string,
  extra: Record<string, unknown> = {},
): ApiError {
  const first = issues[0];
  const where = TARGET_NAMES[target] ?? target;
  const summary = first ? `${first.path ? `${first.path}: ` : ""}${first.message}` : "invalid input";
  return new ApiError("validation_failed", `Invalid ${where}: ${summary}`, { location: where, issues, ...extra });
}

/** zod-openapi's default hook: every validation failure becomes our error shape. */
export const validationHook: Hook<unknown, any, any, unknown> = (result, _c) => {
  if (!result.success) throw validationError(result.error as z.ZodError, result.target);
};

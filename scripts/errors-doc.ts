/**
 * Renders docs/errors.md from the error catalogue. Pure (no file access) so the docs test can
 * compare its output with the committed file; scripts/gen-errors-doc.ts writes it.
 */
import { ERROR_CATALOGUE } from "../workers/shared/errors/catalogue";

const escapeCell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

export function renderErrorsDoc(catalogue: Record<string, { status: number; description: string }> = ERROR_CATALOGUE): string {
  const rows = Object.entries(catalogue).map(
    ([code, { status, description }]) => `| \`${code}\` | ${status} | ${escapeCell(description)} |`,
  );
  return `<!-- Generated from workers/shared/errors/catalogue.ts by \`npm run docs:errors\`. Do not edit by hand: a test fails when this file and the catalogue differ. -->

# Errors

Every error the API returns has the same shape and a status code that matches it:

\`\`\`json
{
  "error": {
    "code": "validation_failed",
    "message": "Invalid body: name: Too small: expected string to have >=1 characters",
    "details": { "location": "body", "issues": [{ "path": "name", "code": "too_small", "message": "Too small: expected string to have >=1 characters" }] },
    "requestId": "req_01JD4ZQ5T2D8K9X3M7B1C6F0GH"
  }
}
\`\`\`

- \`code\` is stable and machine-readable: branch on it. It is one of the codes below.
- \`message\` is for people; its wording may change, so do not parse it.
- \`details\` is optional and code-specific (the failing fields, the permission you lack, the plan
  limit you hit, …); the table says what it holds for the codes that carry it.
- \`requestId\` is this request's id, also in the \`X-Request-Id\` response header (every response
  has one) and in the API's logs and the audit events the request caused: quote it when
  reporting a problem. A caller may send its own \`X-Request-Id\` (up to 128 characters of
  letters, digits, \`_\`, \`-\`, \`=\`) to trace a call end to end; anything else is replaced.
- \`429 rate_limited\` also sets a \`Retry-After\` header; \`405 method_not_allowed\` sets \`Allow\`.

WebSocket connections use the same codes: a problem with one frame is answered with an error
frame carrying \`code\` and \`message\` and naming the offending frame, and the connection stays
open. The frame format is documented with the relay protocol.

| code | HTTP status | meaning |
|---|---|---|
${rows.join("\n")}
`;
}

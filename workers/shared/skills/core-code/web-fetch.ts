/**
 * The core `web-fetch` skill's code (1.1.0): an HTTP fetcher for JSON and text, restricted to the
 * hosts its manifest declares — by the egress proxy, which refuses every other host whatever the
 * code asks; the code only turns a refusal into a readable answer.
 */
import type { ToolDefinition } from "../code/tools";

export const WEB_FETCH_MODULES: Record<string, string> = {
  "index.js": `async function get(url, accept) {
  const res = await fetch(url, { headers: { accept } });
  const refused = res.headers.get("x-switchboard-egress") === "denied" || res.headers.get("x-switchboard-egress") === "error";
  const contentType = res.headers.get("content-type") ?? "";
  const text = await res.text();
  if (refused) {
    let error = null;
    try { error = JSON.parse(text).error; } catch {}
    return { url, status: res.status, refused: { code: error?.code ?? "egress_denied", reason: error?.details?.reason ?? null, message: error?.message ?? "Refused by the egress proxy." } };
  }
  return { url: res.url || url, status: res.status, contentType, text };
}

export async function fetch_json(input) {
  const r = await get(input.url, "application/json");
  if (r.refused) return { url: r.url, status: r.status, ok: false, refused: r.refused, data: null };
  let data = null;
  let parseError = null;
  try { data = JSON.parse(r.text); } catch (err) { parseError = String(err.message ?? err); }
  return { url: r.url, status: r.status, ok: r.status >= 200 && r.status < 300 && parseError === null, contentType: r.contentType, data, ...(parseError ? { parseError } : {}) };
}

export async function fetch_text(input) {
  const r = await get(input.url, "text/html, text/plain;q=0.9, */*;q=0.1");
  if (r.refused) return { url: r.url, status: r.status, ok: false, refused: r.refused, text: "", truncated: false };
  const max = input.maxChars ?? 20000;
  return { url: r.url, status: r.status, ok: r.status >= 200 && r.status < 300, contentType: r.contentType, text: r.text.slice(0, max), truncated: r.text.length > max };
}
`,
};

const refused = {
  type: "object",
  required: ["code", "message"],
  properties: { code: { type: "string" }, reason: { type: ["string", "null"] }, message: { type: "string" } },
};
const url = { type: "string", format: "uri", maxLength: 2048, pattern: "^https://" };

export const WEB_FETCH_TOOLS: ToolDefinition[] = [
  {
    name: "fetch_json",
    description:
      "GET a JSON document from one of the skill's declared hosts and parse it. Any other host is refused by the egress proxy (the answer says why).",
    inputSchema: { type: "object", required: ["url"], additionalProperties: false, properties: { url } },
    outputSchema: {
      type: "object",
      required: ["url", "status", "ok"],
      properties: {
        url: { type: "string" },
        status: { type: "integer" },
        ok: { type: "boolean" },
        contentType: { type: "string" },
        data: {},
        parseError: { type: "string" },
        refused,
      },
    },
  },
  {
    name: "fetch_text",
    description: "GET a page (HTML or text) from one of the skill's declared hosts, cut to maxChars.",
    inputSchema: {
      type: "object",
      required: ["url"],
      additionalProperties: false,
      properties: { url, maxChars: { type: "integer", minimum: 1, maximum: 200000 } },
    },
    outputSchema: {
      type: "object",
      required: ["url", "status", "ok", "text", "truncated"],
      properties: {
        url: { type: "string" },
        status: { type: "integer" },
        ok: { type: "boolean" },
        contentType: { type: "string" },
        text: { type: "string" },
        truncated: { type: "boolean" },
        refused,
      },
    },
  },
];

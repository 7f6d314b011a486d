/**
 * The core `github` skill's code (1.1.0): issues through GitHub's REST API. The token is never in
 * the code's reach: the egress proxy injects the tenant's `GITHUB_TOKEN` secret (scoped to the
 * skill) into calls to api.github.com and redacts it from answers.
 */
import type { ToolDefinition } from "../code/tools";

export const GITHUB_MODULES: Record<string, string> = {
  "index.js": `import { gh, repoPath } from "./github.js";

function summary(issue) {
  return {
    number: issue.number,
    title: issue.title,
    state: issue.state,
    url: issue.html_url ?? null,
    author: issue.user?.login ?? null,
    labels: (issue.labels ?? []).map((l) => (typeof l === "string" ? l : l.name)),
    comments: issue.comments ?? 0,
  };
}

export async function list_issues(input) {
  const state = input.state ?? "open";
  const limit = Math.min(input.limit ?? 30, 100);
  const items = await gh("GET", repoPath(input) + "/issues?state=" + state + "&per_page=" + limit);
  const issues = (Array.isArray(items) ? items : []).filter((i) => !i.pull_request).map(summary);
  return { repository: input.owner + "/" + input.repo, issues };
}

export async function get_issue(input) {
  const issue = await gh("GET", repoPath(input) + "/issues/" + input.number);
  return { ...summary(issue), body: issue.body ?? "" };
}

export async function create_issue(input) {
  const created = await gh("POST", repoPath(input) + "/issues", { title: input.title, body: input.body ?? "", labels: input.labels ?? [] });
  return { number: created.number, url: created.html_url ?? null, state: created.state ?? "open" };
}
`,
  "github.js": `const API = "https://api.github.com";

export function repoPath({ owner, repo }) {
  return "/repos/" + encodeURIComponent(owner) + "/" + encodeURIComponent(repo);
}

/** One call to GitHub (through the egress proxy, which adds the token); a refusal or an error status throws with GitHub's message. */
export async function gh(method, path, body) {
  const headers = { accept: "application/vnd.github+json", "x-github-api-version": "2022-11-28", "user-agent": "switchboard-skill-github" };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let data;
  try { data = JSON.parse(text); } catch { data = text; }
  if (!res.ok) {
    const why = data?.error?.message ?? data?.message ?? String(text).slice(0, 200);
    throw new Error("GitHub " + method + " " + path + " answered " + res.status + ": " + why);
  }
  return data;
}
`,
};

const repo = {
  owner: { type: "string", minLength: 1, maxLength: 100, pattern: "^[A-Za-z0-9_.-]+$" },
  repo: { type: "string", minLength: 1, maxLength: 100, pattern: "^[A-Za-z0-9_.-]+$" },
};
const issueSummary = {
  type: "object",
  required: ["number", "title", "state"],
  properties: {
    number: { type: "integer" },
    title: { type: "string" },
    state: { type: "string" },
    url: { type: ["string", "null"] },
    author: { type: ["string", "null"] },
    labels: { type: "array", items: { type: "string" } },
    comments: { type: "integer" },
  },
};

export const GITHUB_TOOLS: ToolDefinition[] = [
  {
    name: "list_issues",
    description: "List a repository's issues (pull requests left out), newest first.",
    inputSchema: {
      type: "object",
      required: ["owner", "repo"],
      additionalProperties: false,
      properties: { ...repo, state: { enum: ["open", "closed", "all"] }, limit: { type: "integer", minimum: 1, maximum: 100 } },
    },
    outputSchema: {
      type: "object",
      required: ["repository", "issues"],
      properties: { repository: { type: "string" }, issues: { type: "array", items: issueSummary } },
    },
  },
  {
    name: "get_issue",
    description: "Read one issue with its body.",
    inputSchema: {
      type: "object",
      required: ["owner", "repo", "number"],
      additionalProperties: false,
      properties: { ...repo, number: { type: "integer", minimum: 1 } },
    },
    outputSchema: {
      ...issueSummary,
      required: [...issueSummary.required, "body"],
      properties: { ...issueSummary.properties, body: { type: "string" } },
    },
  },
  {
    name: "create_issue",
    description: "Open an issue (needs an agent at trust level 2 or more: it is a POST).",
    inputSchema: {
      type: "object",
      required: ["owner", "repo", "title"],
      additionalProperties: false,
      properties: {
        ...repo,
        title: { type: "string", minLength: 1, maxLength: 256 },
        body: { type: "string", maxLength: 65536 },
        labels: { type: "array", maxItems: 20, items: { type: "string", maxLength: 50 } },
      },
    },
    outputSchema: {
      type: "object",
      required: ["number", "state"],
      properties: { number: { type: "integer" }, url: { type: ["string", "null"] }, state: { type: "string" } },
    },
  },
];

/**
 * The core bundle: skills every tenant's catalog starts with (copied in when the tenant is
 * created, and topped up when a tenant's catalog is read, so tenants created before a skill
 * joined the bundle get it too). Published by `switchboard`; tenants install them on agents but
 * cannot deprecate or yank them. Each declares mocks, so an agent in mock mode gets plausible
 * answers without anything leaving.
 */
import type { SkillManifestInput } from "./manifest";

export const CORE_BUNDLE: SkillManifestInput[] = [
  {
    name: "github",
    version: "1.0.0",
    title: "GitHub",
    description:
      "Read repositories, issues and pull requests; comment and open issues. Needs a GitHub token (fine-grained, repository-scoped).",
    network: [
      { host: "api.github.com", methods: ["GET", "POST", "PATCH"], pathPrefix: "/repos" },
      { host: "api.github.com", methods: ["GET"], pathPrefix: "/user" },
    ],
    env: [{ name: "GITHUB_TOKEN", description: "Injected as Authorization: Bearer … for api.github.com.", required: true }],
    files: [],
    mocks: [
      { method: "GET", url: "https://api.github.com/user", status: 200, body: { login: "mock-user", id: 1 } },
      {
        method: "GET",
        url: "https://api.github.com/repos/",
        status: 200,
        body: { id: 1, full_name: "acme/app", private: true, open_issues_count: 3 },
      },
      { method: "POST", url: "https://api.github.com/repos/", status: 201, body: { id: 2, number: 42, state: "open" } },
    ],
  },
  {
    name: "slack",
    version: "1.0.0",
    title: "Slack",
    description: "Post messages to channels the bot is in.",
    network: [
      { host: "slack.com", methods: ["POST"], pathPrefix: "/api/chat.postMessage" },
      { host: "slack.com", methods: ["GET"], pathPrefix: "/api/conversations.list" },
    ],
    env: [{ name: "SLACK_BOT_TOKEN", description: "A bot token (xoxb-…), injected as Authorization: Bearer ….", required: true }],
    files: [],
    mocks: [
      {
        method: "POST",
        url: "https://slack.com/api/chat.postMessage",
        status: 200,
        body: { ok: true, channel: "C0MOCK", ts: "1700000000.000100" },
      },
      {
        method: "GET",
        url: "https://slack.com/api/conversations.list",
        status: 200,
        body: { ok: true, channels: [{ id: "C0MOCK", name: "general" }] },
      },
    ],
  },
  {
    name: "linear",
    version: "1.0.0",
    title: "Linear",
    description: "Query and create Linear issues through its GraphQL API.",
    network: [{ host: "api.linear.app", methods: ["POST"], pathPrefix: "/graphql" }],
    env: [{ name: "LINEAR_API_KEY", description: "A personal or OAuth API key, injected as the Authorization header.", required: true }],
    files: [],
    mocks: [
      {
        method: "POST",
        url: "https://api.linear.app/graphql",
        status: 200,
        body: { data: { issues: { nodes: [{ id: "mock-1", title: "Mock issue" }] } } },
      },
    ],
  },
  {
    name: "web-fetch",
    version: "1.0.0",
    title: "Web fetch (documentation sites)",
    description: "Read public documentation pages. No credentials.",
    network: [
      { host: "developer.mozilla.org", methods: ["GET", "HEAD"] },
      { host: "docs.python.org", methods: ["GET", "HEAD"] },
      { host: "*.readthedocs.io", methods: ["GET", "HEAD"] },
    ],
    env: [],
    files: [{ path: "cache/pages", access: "write" }],
    mocks: [
      {
        method: "GET",
        url: "https://developer.mozilla.org/",
        status: 200,
        headers: { "content-type": "text/html" },
        body: "<!doctype html><title>Mock MDN</title>",
      },
    ],
  },
  // Versions with code (the skill runtime, docs/skills.md#code): their modules and tools are in
  // ./core-code/, and the same manifests gain a handler. Installs of 1.0.0 keep working unchanged.
  {
    name: "github",
    version: "1.1.0",
    title: "GitHub",
    description:
      "Issues through GitHub's REST API, as tools: list_issues, get_issue, create_issue. Needs a GitHub token (fine-grained, repository-scoped), injected by the egress proxy — the code never sees it.",
    network: [
      { host: "api.github.com", methods: ["GET", "POST", "PATCH"], pathPrefix: "/repos" },
      { host: "api.github.com", methods: ["GET"], pathPrefix: "/user" },
    ],
    env: [{ name: "GITHUB_TOKEN", description: "Injected as Authorization: Bearer … for api.github.com.", required: true }],
    files: [],
    handler: { entry: "index.js", runtime: "workers" },
    mocks: [
      {
        method: "GET",
        url: "https://api.github.com/repos/acme/app/issues/",
        status: 200,
        body: {
          number: 7,
          title: "Mock issue",
          state: "open",
          html_url: "https://github.com/acme/app/issues/7",
          user: { login: "mock-user" },
          labels: [{ name: "bug" }],
          comments: 2,
          body: "Steps to reproduce…",
        },
      },
      {
        method: "GET",
        url: "https://api.github.com/repos/acme/app/issues",
        status: 200,
        body: [
          {
            number: 7,
            title: "Mock issue",
            state: "open",
            html_url: "https://github.com/acme/app/issues/7",
            user: { login: "mock-user" },
            labels: [{ name: "bug" }],
            comments: 2,
          },
          { number: 8, title: "A mock pull request", state: "open", pull_request: {}, user: { login: "mock-user" }, labels: [] },
        ],
      },
      { method: "GET", url: "https://api.github.com/user", status: 200, body: { login: "mock-user", id: 1 } },
      { method: "GET", url: "https://api.github.com/repos/", status: 200, body: [] },
      {
        method: "POST",
        url: "https://api.github.com/repos/",
        status: 201,
        body: { id: 2, number: 42, state: "open", html_url: "https://github.com/acme/app/issues/42" },
      },
    ],
  },
  {
    name: "web-fetch",
    version: "1.1.0",
    title: "Web fetch (documentation sites)",
    description:
      "Fetch JSON and pages from documentation sites, as tools: fetch_json, fetch_text. Only the declared hosts: the egress proxy refuses every other. No credentials.",
    network: [
      { host: "developer.mozilla.org", methods: ["GET", "HEAD"] },
      { host: "docs.python.org", methods: ["GET", "HEAD"] },
      { host: "*.readthedocs.io", methods: ["GET", "HEAD"] },
    ],
    env: [],
    files: [],
    handler: { entry: "index.js", runtime: "workers" },
    mocks: [
      {
        method: "GET",
        url: "https://developer.mozilla.org/en-US/docs/Web/API/fetch/index.json",
        status: 200,
        body: { doc: { title: "Window: fetch() method", mdn_url: "/en-US/docs/Web/API/Window/fetch" } },
      },
      {
        method: "GET",
        url: "https://developer.mozilla.org/",
        status: 200,
        headers: { "content-type": "text/html" },
        body: "<!doctype html><title>Mock MDN</title>",
      },
    ],
  },
];

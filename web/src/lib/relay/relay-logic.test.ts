/**
 * The dashboard's relay logic that needs no browser (run by vitest's `node` project): the allowlist editor's working-copy
 * operations (duplicates, self-edges, the rebase after a lost save) and the live feed's rows,
 * filters and bound (the reconnect curve is in lib/live-socket.test.ts). The screens themselves are covered end to end by
 * test/browser/relay.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { Edge, TopicRule } from "@shared/relay/allowlist";
import type { ServerFrame } from "@shared/relay/protocol";
import {
  addEdge,
  changeCount,
  edgeKey,
  edgeProblem,
  parseSubjectKey,
  rebaseRules,
  removeEdges,
  removeTopicRule,
  topicRuleKey,
  type Rules,
} from "./allowlist-draft";
import { entryOf, gapEntry, matches, MAX_FEED_ENTRIES, NO_FILTERS, parseServerFrame, prepend, type FeedEntry } from "./feed-entries";

const agent = (id: string) => ({ kind: "agent" as const, id });
const role = (id: "pm" | "engineering" | "ops") => ({ kind: "role" as const, id });
const edge = (from: Edge["from"], to: Edge["to"]): Edge => ({ from, to });
const PM = agent("agt_pm");
const ENG = agent("agt_eng");
const OPS = agent("agt_ops");
const topic: TopicRule = { topic: "deploys.*", subject: role("ops"), action: "publish" };

describe("allowlist working copy", () => {
  it("reads subject keys back, and refuses anything that is not a subject", () => {
    expect(parseSubjectKey("agent:agt_pm")).toEqual(PM);
    expect(parseSubjectKey("role:engineering")).toEqual(role("engineering"));
    expect(parseSubjectKey("role:janitor")).toBeNull();
    expect(parseSubjectKey("agent:not-an-agent-id")).toBeNull();
    expect(parseSubjectKey("agt_pm")).toBeNull();
  });

  it("adds an edge once, refuses an agent messaging itself, but allows a role to its own role", () => {
    let rules: Rules = { edges: [], topics: [] };
    rules = addEdge(rules, edge(PM, ENG));
    expect(edgeProblem(rules, edge(PM, ENG))).toBe("This rule already exists.");
    expect(addEdge(rules, edge(PM, ENG))).toBe(rules);
    expect(edgeProblem(rules, edge(PM, PM))).toMatch(/does not message itself/);
    expect(edgeProblem(rules, edge(role("engineering"), role("engineering")))).toBeNull();
    // Direction matters: ENG → PM is another rule.
    expect(edgeProblem(rules, edge(ENG, PM))).toBeNull();
  });

  it("counts added and removed rules as changes, and nothing when back where it started", () => {
    const base: Rules = { edges: [edge(PM, ENG)], topics: [topic] };
    let mine = addEdge(base, edge(ENG, OPS));
    mine = removeTopicRule(mine, topicRuleKey(topic));
    expect(changeCount(base, mine)).toBe(2);
    mine = removeEdges(mine, [edgeKey(edge(ENG, OPS))]);
    mine = { ...mine, topics: [topic] };
    expect(changeCount(base, mine)).toBe(0);
  });

  it("rebases a lost save: keeps the other person's changes and re-applies only mine", () => {
    const base: Rules = { edges: [edge(PM, ENG), edge(ENG, OPS)], topics: [] };
    // Mine: removed ENG → OPS, added OPS → PM.
    const mine: Rules = { edges: [edge(PM, ENG), edge(OPS, PM)], topics: [] };
    // Theirs (saved meanwhile): removed PM → ENG, added a topic rule and OPS → PM too.
    const latest: Rules = { edges: [edge(ENG, OPS), edge(OPS, PM)], topics: [topic] };
    const rebased = rebaseRules(base, mine, latest);
    expect(rebased.edges.map(edgeKey).sort()).toEqual([edgeKey(edge(OPS, PM))]);
    expect(rebased.topics).toEqual([topic]);
    // Their removal of PM → ENG is not undone by my copy still containing it.
    expect(rebased.edges.map(edgeKey)).not.toContain(edgeKey(edge(PM, ENG)));
  });
});

describe("live feed rows", () => {
  const names = new Map([
    ["agt_pm", "PM"],
    ["agt_eng", "Engineering"],
    ["agt_ops", "Ops"],
  ]);
  const deliver = (seq: number, body: unknown, extra: Partial<Extract<ServerFrame, { type: "deliver" }>> = {}): FeedEntry =>
    entryOf({ type: "deliver", seq, from: "agt_pm", kind: "direct", body, id: `c${seq}`, to: ["agt_eng"], ...extra })!;
  const refused = entryOf({
    type: "denied",
    id: "x",
    code: "not_allowed",
    reason: "The allowlist has no edge from agt_eng (engineering) to agt_pm (pm).",
    from: "agt_eng",
    kind: "direct",
    to: ["agt_pm"],
    at: 1_700_000_000_000,
  })!;
  const online = entryOf({ type: "presence", agentId: "agt_ops", status: "joined" })!;

  it("parses only frames the protocol defines; welcome is not a row", () => {
    expect(parseServerFrame("not json")).toBeNull();
    expect(parseServerFrame(JSON.stringify({ type: "mystery" }))).toBeNull();
    const welcome = parseServerFrame(
      JSON.stringify({ type: "welcome", v: 1, agentId: "observer:u", teamId: "team_1", resumeFrom: 0, head: 0 }),
    );
    expect(welcome?.type).toBe("welcome");
    expect(entryOf(welcome!)).toBeNull();
  });

  it("gives a delivered message its body size in UTF-8 bytes and a bounded preview", () => {
    const e = deliver(7, { text: "héllo" });
    expect(e).toMatchObject({
      type: "message",
      seq: 7,
      bodyBytes: new TextEncoder().encode('{"text":"héllo"}').byteLength,
      preview: '{"text":"héllo"}',
    });
    const long = deliver(8, { text: "x".repeat(1000) });
    expect(long.type === "message" && long.preview.length).toBe(161);
    expect(long.type === "message" && long.preview.endsWith("…")).toBe(true);
  });

  it("filters by agent (sender or recipient), kind, outcome and text (names included)", () => {
    const rows = [
      deliver(1, { text: "spec ready" }),
      refused,
      online,
      deliver(2, { v: 1 }, { kind: "topic", topic: "deploys.prod", to: [] }),
    ];
    const keep = (f: Partial<typeof NO_FILTERS>) => rows.filter((r) => matches(r, { ...NO_FILTERS, ...f }, names)).map((r) => r.key);
    expect(keep({})).toHaveLength(4);
    expect(keep({ outcome: "denied" })).toEqual([refused.key]);
    expect(keep({ outcome: "allowed" })).toEqual([rows[0]!.key, rows[3]!.key]);
    expect(keep({ agentId: "agt_eng" })).toEqual([rows[0]!.key, refused.key]);
    expect(keep({ agentId: "agt_ops" })).toEqual([online.key]);
    expect(keep({ kind: "topic" })).toEqual([rows[3]!.key]);
    // A refusal carries its kind and target: the kind filter and the recipient's agent filter find it.
    expect(keep({ kind: "direct" })).toEqual([rows[0]!.key, refused.key]);
    expect(keep({ agentId: "agt_pm" })).toEqual([rows[0]!.key, refused.key, rows[3]!.key]);
    expect(refused.receivedAt).toBe(1_700_000_000_000);
    expect(keep({ kind: "presence" })).toEqual([online.key]);
    expect(keep({ text: "SPEC" })).toEqual([rows[0]!.key]);
    // A name finds the rows of that agent even though frames carry ids.
    expect(keep({ text: "engineering", outcome: "denied" })).toEqual([refused.key]);
    expect(keep({ text: "deploys.prod" })).toEqual([rows[3]!.key]);
  });

  it("shows a reconnect gap only when nothing narrows the list", () => {
    const gap = gapEntry("Reconnected after 3 s.");
    expect(matches(gap, NO_FILTERS, names)).toBe(true);
    expect(matches(gap, { ...NO_FILTERS, outcome: "denied" }, names)).toBe(false);
  });

  it("keeps the newest rows first and at most MAX_FEED_ENTRIES", () => {
    let rows: FeedEntry[] = [];
    for (let i = 1; i <= MAX_FEED_ENTRIES + 20; i++) rows = prepend(rows, [deliver(i, i)]);
    expect(rows).toHaveLength(MAX_FEED_ENTRIES);
    expect(rows[0]).toMatchObject({ seq: MAX_FEED_ENTRIES + 20 });
    expect(rows.at(-1)).toMatchObject({ seq: 21 });
    // Rows held during a pause arrive oldest first and end up newest first.
    const resumed = prepend(rows, [deliver(1001, 0), deliver(1002, 0)]);
    expect(resumed.slice(0, 2).map((r) => r.type === "message" && r.seq)).toEqual([1002, 1001]);
  });
});

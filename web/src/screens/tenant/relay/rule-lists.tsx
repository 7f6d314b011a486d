/**
 * The keyboard (and screen-reader) way to edit an allowlist: a "from → to" form and the list of
 * message rules with remove buttons, and the same for topic rules. Everything the graph does can
 * be done here.
 */
import { ArrowRight, Trash2, Undo2 } from "lucide-react";
import { useState, type FormEvent, type ReactNode } from "react";
import { TopicPatternSchema, type Edge, type Subject, type TopicRule } from "@shared/relay/allowlist";
import { Badge, Button, Field, Input, Select } from "@/components/ui";
import { cn } from "@/lib/cn";
import { edgeKey, edgeProblem, parseSubjectKey, topicRuleKey, type Rules } from "@/lib/relay/allowlist-draft";
import { subjectLabel, type SubjectOption } from "@/lib/relay/subjects";

function SubjectOptions({ subjects }: { subjects: SubjectOption[] }) {
  const agents = subjects.filter((s) => s.subject.kind === "agent");
  const roles = subjects.filter((s) => s.subject.kind === "role");
  return (
    <>
      <option value="">Choose…</option>
      <optgroup label="Agents">
        {agents.map((s) => (
          <option key={s.key} value={s.key}>
            {s.label}
            {s.inTeam ? "" : " (not in team)"}
          </option>
        ))}
      </optgroup>
      <optgroup label="Roles (every agent with that role)">
        {roles.map((s) => (
          <option key={s.key} value={s.key}>
            {s.label}
          </option>
        ))}
      </optgroup>
    </>
  );
}

export function AddEdgeForm({ subjects, rules, onAdd }: { subjects: SubjectOption[]; rules: Rules; onAdd: (edge: Edge) => void }) {
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [error, setError] = useState<string | undefined>();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const f = parseSubjectKey(from);
    const t = parseSubjectKey(to);
    if (!f || !t) return setError("Choose who sends and who receives.");
    const edge = { from: f, to: t };
    const problem = edgeProblem(rules, edge);
    if (problem) return setError(problem);
    onAdd(edge);
    setError(undefined);
    setFrom("");
    setTo("");
  };
  return (
    <form onSubmit={submit} noValidate aria-label="Add a message rule" className="space-y-3">
      <div className="grid grid-cols-[1fr_auto_1fr] items-end gap-2">
        <Field label="From (sender)">
          <Select
            value={from}
            onChange={(e) => {
              setFrom(e.target.value);
              setError(undefined);
            }}
          >
            <SubjectOptions subjects={subjects} />
          </Select>
        </Field>
        <ArrowRight className="mb-3 size-4 text-zinc-500" aria-hidden="true" />
        <Field label="To (recipient)">
          <Select
            value={to}
            onChange={(e) => {
              setTo(e.target.value);
              setError(undefined);
            }}
          >
            <SubjectOptions subjects={subjects} />
          </Select>
        </Field>
      </div>
      {error && (
        <p role="alert" className="text-sm text-red-700">
          {error}
        </p>
      )}
      <Button type="submit" variant="secondary" size="sm">
        Add message rule
      </Button>
    </form>
  );
}

/** One rule in a list: saved, added (unsaved) or removed (unsaved, with undo). */
function RuleItem({
  state,
  sentence,
  children,
  editable,
  onRemove,
  onRestore,
}: {
  state: "saved" | "added" | "removed";
  sentence: string;
  children: ReactNode;
  editable: boolean;
  onRemove: () => void;
  onRestore: () => void;
}) {
  return (
    <li className={cn("flex items-center gap-2 px-3 py-2 text-sm", state === "removed" && "bg-zinc-50")}>
      <span className={cn("min-w-0 flex-1", state === "removed" && "text-zinc-600 line-through")}>{children}</span>
      {state === "added" && <Badge tone="accent">Unsaved</Badge>}
      {state === "removed" && <Badge tone="warning">Removed, unsaved</Badge>}
      {editable &&
        (state === "removed" ? (
          <Button variant="ghost" size="sm" aria-label={`Undo removing: ${sentence}`} onClick={onRestore}>
            <Undo2 className="size-4" aria-hidden="true" />
          </Button>
        ) : (
          <Button variant="ghost" size="sm" aria-label={`Remove rule: ${sentence}`} onClick={onRemove}>
            <Trash2 className="size-4" aria-hidden="true" />
          </Button>
        ))}
    </li>
  );
}

interface ListProps {
  rules: Rules;
  /** The saved version: rules in it but not in `rules` show as removed until saved. */
  base: Rules;
  names: Map<string, string>;
  editable: boolean;
}

export function EdgeList({
  rules,
  base,
  names,
  editable,
  onRemove,
  onRestore,
}: ListProps & { onRemove: (key: string) => void; onRestore: (edge: Edge) => void }) {
  const current = new Set(rules.edges.map(edgeKey));
  const saved = new Set(base.edges.map(edgeKey));
  const removed = base.edges.filter((e) => !current.has(edgeKey(e)));
  if (rules.edges.length === 0 && removed.length === 0) {
    return (
      <p className="rounded-md bg-zinc-50 px-3 py-2 text-sm text-zinc-600">
        No message rules: every message between these agents is refused (default deny).
      </p>
    );
  }
  const item = (e: Edge, state: "saved" | "added" | "removed") => {
    const key = edgeKey(e);
    const from = subjectLabel(e.from, names);
    const to = subjectLabel(e.to, names);
    return (
      <RuleItem
        key={`${state}:${key}`}
        state={state}
        sentence={`${from} may message ${to}`}
        editable={editable}
        onRemove={() => onRemove(key)}
        onRestore={() => onRestore(e)}
      >
        <span className="font-medium">{from}</span>
        <span aria-hidden="true"> → </span>
        <span className="sr-only"> may message </span>
        <span className="font-medium">{to}</span>
      </RuleItem>
    );
  };
  return (
    <ul aria-label="Message rules" className="divide-y divide-zinc-200 rounded-md ring-1 ring-zinc-200">
      {rules.edges.map((e) => item(e, saved.has(edgeKey(e)) ? "saved" : "added"))}
      {removed.map((e) => item(e, "removed"))}
    </ul>
  );
}

const ACTION_WORDS: Record<TopicRule["action"], string> = { publish: "may publish to", subscribe: "may subscribe to" };

export function AddTopicRuleForm({
  subjects,
  rules,
  onAdd,
}: {
  subjects: SubjectOption[];
  rules: Rules;
  onAdd: (rule: TopicRule) => void;
}) {
  const [topic, setTopic] = useState("");
  const [who, setWho] = useState("");
  const [action, setAction] = useState<TopicRule["action"]>("publish");
  const [errors, setErrors] = useState<{ topic?: string; who?: string }>({});
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const parsedTopic = TopicPatternSchema.safeParse(topic.trim());
    const subject: Subject | null = parseSubjectKey(who);
    const next = {
      topic: parsedTopic.success ? undefined : (parsedTopic.error.issues[0]?.message ?? "Invalid topic"),
      who: subject ? undefined : "Choose an agent or role.",
    };
    if (next.topic || next.who || !parsedTopic.success || !subject) return setErrors(next);
    const rule: TopicRule = { topic: parsedTopic.data, subject, action };
    if (rules.topics.some((r) => topicRuleKey(r) === topicRuleKey(rule))) return setErrors({ topic: "This topic rule already exists." });
    onAdd(rule);
    setErrors({});
    setTopic("");
  };
  return (
    <form onSubmit={submit} noValidate aria-label="Add a topic rule" className="space-y-3">
      <Field label="Who" error={errors.who}>
        <Select value={who} onChange={(e) => setWho(e.target.value)}>
          <SubjectOptions subjects={subjects} />
        </Select>
      </Field>
      <div className="grid grid-cols-2 gap-2">
        <Field label="May">
          <Select value={action} onChange={(e) => setAction(e.target.value as TopicRule["action"])}>
            <option value="publish">publish to</option>
            <option value="subscribe">subscribe to</option>
          </Select>
        </Field>
        <Field label="Topic" error={errors.topic} hint="Exact name, or a prefix ending in * (deploys.*).">
          <Input value={topic} onChange={(e) => setTopic(e.target.value)} placeholder="deploys.*" autoComplete="off" />
        </Field>
      </div>
      <Button type="submit" variant="secondary" size="sm">
        Add topic rule
      </Button>
    </form>
  );
}

export function TopicRuleList({
  rules,
  base,
  names,
  editable,
  onRemove,
  onRestore,
}: ListProps & { onRemove: (key: string) => void; onRestore: (rule: TopicRule) => void }) {
  const current = new Set(rules.topics.map(topicRuleKey));
  const saved = new Set(base.topics.map(topicRuleKey));
  const removed = base.topics.filter((r) => !current.has(topicRuleKey(r)));
  if (rules.topics.length === 0 && removed.length === 0)
    return (
      <p className="rounded-md bg-zinc-50 px-3 py-2 text-sm text-zinc-600">No topic rules: nobody may publish or subscribe to any topic.</p>
    );
  const item = (r: TopicRule, state: "saved" | "added" | "removed") => {
    const key = topicRuleKey(r);
    const who = subjectLabel(r.subject, names);
    return (
      <RuleItem
        key={`${state}:${key}`}
        state={state}
        sentence={`${who} ${ACTION_WORDS[r.action]} ${r.topic}`}
        editable={editable}
        onRemove={() => onRemove(key)}
        onRestore={() => onRestore(r)}
      >
        <span className="font-medium">{who}</span> {ACTION_WORDS[r.action]}{" "}
        <code className="rounded bg-zinc-100 px-1 font-mono text-xs">{r.topic}</code>
      </RuleItem>
    );
  };
  return (
    <ul aria-label="Topic rules" className="divide-y divide-zinc-200 rounded-md ring-1 ring-zinc-200">
      {rules.topics.map((r) => item(r, saved.has(topicRuleKey(r)) ? "saved" : "added"))}
      {removed.map((r) => item(r, "removed"))}
    </ul>
  );
}

/**
 * One skill's page (docs/skills.md#the-skill-page), deep-linkable as
 * `/t/<tenant>/skills/<name>?version=<v>&tool=<tool>`: its versions (yanked ones with the reason),
 * the chosen version's manifest, its tools with their input and output JSON Schemas, its source
 * (read-only, as published), "Try it" — the dry run with `tool`: the code runs for real in mock
 * mode and the page shows the output and every call it made, allowed or denied with the reason —
 * and the skill's recent invocations (its `skill.invoked` audit events).
 */
import { useQuery } from "@tanstack/react-query";
import { Link, useNavigate, useParams, useSearch } from "@tanstack/react-router";
import { Play } from "lucide-react";
import { useState, type FormEvent } from "react";
import { useTenant } from "@/components/layout/tenant-context";
import { QueryState } from "@/components/query-state";
import {
  Alert,
  Badge,
  Button,
  CardSection,
  CodeBlock,
  Field,
  PageHeader,
  Select,
  Table,
  TBody,
  Td,
  Textarea,
  Th,
  THead,
  Tr,
} from "@/components/ui";
import { isApiError } from "@/lib/api";
import { formatDateTime } from "@/lib/format";
import { agentsQuery } from "@/lib/queries";
import { egressApi, skillInvocationsQuery, skillQuery, skillSourceQuery, type DryRunReport, type Skill } from "./egress-api";
import { sampleInputText } from "./sample-input";
import { ManifestSummary } from "./skills";

const ROUTE = "/app/t/$tenantId/skills/$skillName" as const;
type Version = Skill["versions"][number];
type Tool = NonNullable<Version["code"]>["tools"][number];

const json = (v: unknown) => JSON.stringify(v, null, 2);
const STATUS_TONE = { published: "success", deprecated: "warning", yanked: "danger" } as const;

export function SkillPageScreen() {
  const { tenantId } = useTenant();
  const { skillName } = useParams({ from: ROUTE });
  const skill = useQuery(skillQuery(tenantId, skillName));
  return (
    <QueryState query={skill} loadingLabel="Loading skill…">
      {(s) => <SkillPage skill={s} />}
    </QueryState>
  );
}

function SkillPage({ skill }: { skill: Skill }) {
  const { tenantId } = useTenant();
  const search = useSearch({ from: ROUTE });
  const navigate = useNavigate({ from: "/t/$tenantId/skills/$skillName" });
  const version =
    skill.versions.find((v) => v.version === search.version) ??
    skill.versions.find((v) => v.version === skill.latestVersion) ??
    skill.versions[0];
  if (!version) return <Alert tone="warning">This skill has no versions.</Alert>;
  const choose = (next: { version?: string; tool?: string }) =>
    void navigate({ search: (s) => ({ ...s, ...next }), replace: true, resetScroll: false });
  const tools = version.code?.tools ?? [];

  return (
    <>
      <PageHeader
        eyebrow={
          <Link to="/t/$tenantId/skills" params={{ tenantId }} search={(s) => s} className="text-indigo-700 hover:underline">
            Skills
          </Link>
        }
        title={skill.title}
        description={skill.description}
        actions={
          <>
            <Badge tone={skill.publisher === "switchboard" ? "info" : "neutral"}>
              {skill.publisher === "switchboard" ? "core" : "custom"}
            </Badge>
            <Field label="Version" className="flex items-center gap-2">
              <Select value={version.version} onChange={(e) => choose({ version: e.target.value, tool: undefined })} className="w-48">
                {skill.versions.map((v) => (
                  <option key={v.version} value={v.version}>
                    {v.version}
                    {v.status === "published" ? "" : ` (${v.status})`}
                  </option>
                ))}
              </Select>
            </Field>
          </>
        }
      />
      <div className="space-y-6">
        <VersionsSection skill={skill} selected={version.version} />
        {version.status === "yanked" && (
          <Alert tone="danger">
            {skill.name}@{version.version} was yanked{version.statusMessage ? `: ${version.statusMessage}` : ""}. Its code never runs again;
            installs keep it until an admin installs another version.
          </Alert>
        )}
        <div className="grid gap-6 lg:grid-cols-2">
          <CardSection title="Manifest" description={`${skill.name}@${version.version}: what an install grants, enforced at run time.`}>
            <ManifestSummary manifest={version.manifest as Parameters<typeof ManifestSummary>[0]["manifest"]} />
            <details className="mt-4">
              <summary className="cursor-pointer text-sm font-medium text-indigo-700">Manifest JSON</summary>
              <pre
                tabIndex={0}
                aria-label="Manifest JSON"
                className="mt-2 max-h-96 overflow-auto rounded-md bg-zinc-50 p-3 font-mono text-xs text-zinc-800 ring-1 ring-zinc-200"
              >
                {json(version.manifest)}
              </pre>
            </details>
          </CardSection>
          <ToolsSection tools={tools} hasCode={version.code !== null} />
        </div>
        {version.code && <SourceSection skill={skill.name} version={version.version} />}
        {version.code && (
          <TryIt
            key={`${version.version}:${search.tool ?? ""}`}
            skill={skill.name}
            version={version}
            tools={tools}
            tool={tools.find((t) => t.name === search.tool)?.name ?? tools[0]?.name ?? ""}
            versions={skill.versions.filter((v) => v.code !== null)}
            onTool={(tool) => choose({ tool })}
            onVersion={(v) => choose({ version: v, tool: undefined })}
          />
        )}
        <InvocationsSection skill={skill.name} />
      </div>
    </>
  );
}

function VersionsSection({ skill, selected }: { skill: Skill; selected: string }) {
  const { tenantId } = useTenant();
  return (
    <section aria-labelledby="versions-heading" className="space-y-2">
      <h2 id="versions-heading" className="text-base font-semibold text-zinc-900">
        Versions
      </h2>
      <Table caption="Versions">
        <THead>
          <Tr>
            <Th>Version</Th>
            <Th>Status</Th>
            <Th>Published</Th>
            <Th>Code</Th>
          </Tr>
        </THead>
        <TBody>
          {skill.versions.map((v) => (
            <Tr key={v.version} className={v.version === selected ? "bg-indigo-50/60" : undefined}>
              <Td>
                <Link
                  to="/t/$tenantId/skills/$skillName"
                  params={{ tenantId, skillName: skill.name }}
                  search={(s) => ({ ...s, version: v.version, tool: undefined })}
                  aria-current={v.version === selected ? "page" : undefined}
                  className="font-mono text-indigo-700 hover:underline"
                >
                  {v.version}
                </Link>
                {v.version === skill.latestVersion && (
                  <Badge tone="accent" className="ml-2">
                    latest
                  </Badge>
                )}
              </Td>
              <Td>
                <Badge tone={STATUS_TONE[v.status]}>{v.status}</Badge>
                {v.statusMessage && <span className="ml-2 text-xs text-zinc-700">{v.statusMessage}</span>}
              </Td>
              <Td className="whitespace-nowrap">{formatDateTime(v.publishedAt)}</Td>
              <Td className="text-xs">
                {v.code ? (
                  <>
                    <code className="font-mono" title={v.code.contentHash}>
                      {v.code.contentHash.slice(0, 12)}
                    </code>{" "}
                    · {v.code.tools.length} tool{v.code.tools.length === 1 ? "" : "s"} · {(v.code.bytes / 1024).toFixed(1)} KiB
                  </>
                ) : (
                  <span className="text-zinc-700">manifest only</span>
                )}
              </Td>
            </Tr>
          ))}
        </TBody>
      </Table>
    </section>
  );
}

function SchemaView({ label, schema }: { label: string; schema: unknown }) {
  return (
    <div>
      <h4 className="text-xs font-semibold tracking-wide text-zinc-700 uppercase">{label}</h4>
      <pre
        tabIndex={0}
        aria-label={label}
        className="mt-1 max-h-64 overflow-auto rounded-md bg-zinc-50 p-2 font-mono text-xs text-zinc-800 ring-1 ring-zinc-200"
      >
        {json(schema)}
      </pre>
    </div>
  );
}

function ToolsSection({ tools, hasCode }: { tools: Tool[]; hasCode: boolean }) {
  return (
    <CardSection title="Tools" description="What agents call (HTTP, SDK, MCP). Inputs and outputs are validated against these schemas.">
      {!hasCode ? (
        <p className="text-sm text-zinc-700">
          This version has no code: its manifest governs the agent's own calls through the egress proxy.
        </p>
      ) : (
        <ul className="space-y-5" aria-label="Tools">
          {tools.map((t) => (
            <li key={t.name} aria-label={t.name}>
              <h3 className="font-mono text-sm font-semibold text-zinc-900">{t.name}</h3>
              <p className="mb-2 text-sm text-zinc-700">{t.description}</p>
              <div className="space-y-3">
                <SchemaView label={`${t.name} input schema`} schema={t.inputSchema} />
                <SchemaView label={`${t.name} output schema`} schema={t.outputSchema} />
              </div>
            </li>
          ))}
        </ul>
      )}
    </CardSection>
  );
}

function SourceSection({ skill, version }: { skill: string; version: string }) {
  const { tenantId } = useTenant();
  const source = useQuery(skillSourceQuery(tenantId, skill, version, true));
  return (
    <CardSection title="Source" description="The modules as published: read-only and immutable (a change is a new version).">
      <QueryState query={source} loadingLabel="Loading source…">
        {(s) => (
          <div className="space-y-4" role="region" aria-label="Source">
            <p className="text-xs text-zinc-700">
              Content hash <code className="font-mono break-all">{s.contentHash}</code>
            </p>
            {Object.entries(s.modules)
              .sort(([a], [b]) => (a === s.entry ? -1 : b === s.entry ? 1 : a.localeCompare(b)))
              .map(([name, code]) => (
                <CodeBlock key={name} code={code} label={name} caption={name === s.entry ? `${name} (entry)` : name} />
              ))}
          </div>
        )}
      </QueryState>
    </CardSection>
  );
}

function TryIt({
  skill,
  version,
  tools,
  tool,
  versions,
  onTool,
  onVersion,
}: {
  skill: string;
  version: Version;
  tools: Tool[];
  tool: string;
  versions: Version[];
  onTool: (tool: string) => void;
  onVersion: (version: string) => void;
}) {
  const { tenantId } = useTenant();
  const chosen = tools.find((t) => t.name === tool);
  const [text, setText] = useState(() => sampleInputText(chosen?.inputSchema));
  const [report, setReport] = useState<DryRunReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const yanked = version.status === "yanked";

  const run = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setReport(null);
    let input: unknown;
    try {
      input = JSON.parse(text);
    } catch {
      setError("The input is not valid JSON.");
      return;
    }
    setRunning(true);
    try {
      setReport(await egressApi.dryRun(tenantId, { skill, version: version.version, tool, input }));
    } catch (err) {
      setError(
        isApiError(err)
          ? [err.message, ...err.issues.map((i) => `${i.path}: ${i.message}`)].join(" ")
          : String(err instanceof Error ? err.message : err),
      );
    } finally {
      setRunning(false);
    }
  };

  return (
    <CardSection
      title="Try it"
      description="Runs the tool's code for real in mock mode: a fresh isolate whose calls are judged by the egress policy and answered by the skill's declared mocks. Nothing leaves, nothing is installed, audited or metered."
    >
      <form onSubmit={run} noValidate className="space-y-4" aria-label="Try it">
        <div className="grid gap-3 sm:grid-cols-2">
          <Field label="Tool">
            <Select value={tool} onChange={(e) => onTool(e.target.value)}>
              {tools.map((t) => (
                <option key={t.name} value={t.name}>
                  {t.name}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Version" hint="The page's version: its tools, source and manifest.">
            <Select value={version.version} onChange={(e) => onVersion(e.target.value)}>
              {versions.map((v) => (
                <option key={v.version} value={v.version}>
                  {v.version}
                  {v.status === "published" ? "" : ` (${v.status})`}
                </option>
              ))}
            </Select>
          </Field>
        </div>
        <Field label="Input (JSON)" hint="Pre-filled from the tool's input schema; validated against it before the code runs.">
          <Textarea rows={8} value={text} onChange={(e) => setText(e.target.value)} className="font-mono text-xs" spellCheck={false} />
        </Field>
        {error && <Alert tone="danger">{error}</Alert>}
        <div className="flex items-center gap-3">
          <Button type="submit" disabled={running || yanked || !tool}>
            <Play className="size-4" aria-hidden="true" /> {running ? "Running…" : "Run in mock mode"}
          </Button>
          {yanked && <span className="text-sm text-zinc-700">A yanked version's code does not run.</span>}
        </div>
      </form>
      {report?.run && <RunReport run={report.run} />}
    </CardSection>
  );
}

function RunReport({ run }: { run: NonNullable<DryRunReport["run"]> }) {
  return (
    <div className="mt-5 space-y-3" role="region" aria-label="Run result">
      <p className="flex flex-wrap items-center gap-2 text-sm text-zinc-800">
        <Badge tone={run.ok ? "success" : "danger"}>{run.ok ? "ok" : (run.error?.code ?? "failed")}</Badge>
        {run.tool} ran in {run.durationMs} ms in mock mode; {run.calls.length} outbound call{run.calls.length === 1 ? "" : "s"}.
      </p>
      {run.ok ? (
        <pre
          tabIndex={0}
          aria-label="Output"
          className="max-h-96 overflow-auto rounded-md bg-zinc-50 p-3 font-mono text-xs text-zinc-800 ring-1 ring-zinc-200"
        >
          {json(run.output)}
        </pre>
      ) : (
        <Alert tone="danger">
          <code className="font-mono">{run.error?.code}</code>: {run.error?.message}
        </Alert>
      )}
      <ul className="divide-y divide-zinc-200 rounded-md border border-zinc-200" aria-label="Outbound calls">
        {run.calls.length === 0 && <li className="px-3 py-2 text-xs text-zinc-700">The code made no outbound call.</li>}
        {run.calls.map((c, i) => (
          <li key={i} className="flex flex-wrap items-start gap-x-3 gap-y-1 px-3 py-2 text-xs">
            <Badge tone={c.decision === "allow" ? "success" : "danger"}>{c.decision}</Badge>
            <code className="font-mono break-all">
              {c.method} {c.url}
            </code>
            {c.status !== null && (
              <span className="text-zinc-700">
                → {c.status}
                {c.answeredBy ? ` (${c.answeredBy === "declared" ? "declared mock" : "given response"})` : ""}
              </span>
            )}
            <span className="w-full text-zinc-700">
              <code className="font-mono">{c.reason}</code> — {c.message}
              {c.detail ? ` (${c.detail})` : ""}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}

function InvocationsSection({ skill }: { skill: string }) {
  const { tenantId } = useTenant();
  const invocations = useQuery(skillInvocationsQuery(tenantId, skill));
  const agents = useQuery(agentsQuery(tenantId));
  const agentName = new Map((agents.data ?? []).map((a) => [a.id, a.name]));
  return (
    <section aria-labelledby="invocations-heading" className="space-y-2">
      <h2 id="invocations-heading" className="text-base font-semibold text-zinc-900">
        Recent invocations
      </h2>
      <p className="text-sm text-zinc-700">
        Agents' calls of this skill's tools (HTTP, SDK, MCP), newest first, up to 50 — from the audit trail, about a second after each call.
      </p>
      <QueryState
        query={invocations}
        loadingLabel="Loading invocations…"
        empty={{ title: "No invocations yet", description: "Agents that have this skill installed call its tools with their token." }}
      >
        {(rows) => (
          <Table caption="Recent invocations">
            <THead>
              <Tr>
                <Th>Time</Th>
                <Th>Tool</Th>
                <Th>Version</Th>
                <Th>Agent</Th>
                <Th>Outcome</Th>
                <Th>Duration</Th>
              </Tr>
            </THead>
            <TBody>
              {rows.map((r) => (
                <Tr key={r.id}>
                  <Td className="whitespace-nowrap">{formatDateTime(r.at)}</Td>
                  <Td className="font-mono text-xs">{r.tool}</Td>
                  <Td className="font-mono text-xs">{r.version}</Td>
                  <Td>
                    {r.agentId ? (
                      <Link
                        to="/t/$tenantId/agents/$agentId"
                        params={{ tenantId, agentId: r.agentId }}
                        search={(s) => s}
                        className="text-indigo-700 hover:underline"
                      >
                        {agentName.get(r.agentId) ?? r.agentId}
                      </Link>
                    ) : (
                      "—"
                    )}
                    {r.via && <span className="ml-1 text-xs text-zinc-700">via {r.via}</span>}
                  </Td>
                  <Td>
                    <Badge tone={r.outcome === "success" ? "success" : "danger"}>{r.outcome}</Badge>
                    {r.error && <code className="ml-2 font-mono text-xs">{r.error}</code>}
                  </Td>
                  <Td className="whitespace-nowrap">{r.durationMs === null ? "—" : `${r.durationMs} ms`}</Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        )}
      </QueryState>
    </section>
  );
}

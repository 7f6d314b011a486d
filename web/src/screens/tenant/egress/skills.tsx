/**
 * The skill marketplace: the tenant's catalog (core bundle + private registry) as cards; an install
 * dialog that shows exactly what the skill will get — its network permissions, the secrets (env) it
 * declares, the files it touches — before an agent gets it; and custom skill upload: paste a
 * manifest, see the dry-run report (every call allow/deny with the reason under the current
 * policy, and missing secrets), then publish. A card's title opens the skill's page (skill-page.tsx).
 */
import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { Package, Upload } from "lucide-react";
import { useState, type FormEvent } from "react";
import { useTenant } from "@/components/layout/tenant-context";
import { QueryState } from "@/components/query-state";
import {
  Alert,
  Badge,
  Button,
  CardSection,
  Dialog,
  DialogClose,
  DialogContent,
  DialogFooter,
  Field,
  PageHeader,
  Select,
  Textarea,
} from "@/components/ui";
import { isApiError } from "@/lib/api";
import { agentsQuery } from "@/lib/queries";
import { useInvalidateTenant } from "@/lib/use-tenant-invalidate";
import { egressApi, skillsQuery, type DryRunReport, type Skill } from "./egress-api";

interface ManifestView {
  network?: Array<{ host: string; methods?: string[]; pathPrefix?: string }>;
  env?: Array<{ name: string; description?: string; required?: boolean }>;
  files?: Array<{ path: string; access: string }>;
}

export function SkillsScreen() {
  const { tenantId, can } = useTenant();
  const catalog = useQuery(skillsQuery(tenantId));
  const [installing, setInstalling] = useState<Skill | null>(null);
  const [uploading, setUploading] = useState(false);
  const upload = can("skills:publish") ? (
    <Button onClick={() => setUploading(true)}>
      <Upload className="size-4" aria-hidden="true" /> Upload a custom skill
    </Button>
  ) : undefined;
  return (
    <>
      <PageHeader
        title="Skills"
        description="What agents can do outside Switchboard. A skill's manifest declares the hosts it calls, the secrets it needs and the files it uses; the egress proxy and the vault enforce exactly that."
        actions={upload}
      />
      <QueryState query={catalog} loadingLabel="Loading skills…" empty={{ title: "No skills", icon: <Package className="size-8" /> }}>
        {(skills) => (
          <ul className="grid gap-4 md:grid-cols-2" aria-label="Skill catalog">
            {skills.map((s) => {
              const latest = s.versions.find((v) => v.version === s.latestVersion);
              const m = (latest?.manifest ?? {}) as ManifestView;
              return (
                <li key={s.id}>
                  <CardSection
                    className="h-full"
                    title={
                      <Link
                        to="/t/$tenantId/skills/$skillName"
                        params={{ tenantId, skillName: s.name }}
                        search={(prev) => ({ ...prev, version: undefined, tool: undefined })}
                        className="hover:text-indigo-700 hover:underline"
                      >
                        {s.title}
                      </Link>
                    }
                    headingLevel={2}
                    description={s.description}
                    actions={
                      can("skills:install") && s.latestVersion ? (
                        <Button size="sm" onClick={() => setInstalling(s)} aria-label={`Install ${s.title}`}>
                          Install
                        </Button>
                      ) : undefined
                    }
                  >
                    <div className="flex flex-wrap gap-1.5 text-xs">
                      <Badge tone={s.publisher === "switchboard" ? "info" : "neutral"}>
                        {s.publisher === "switchboard" ? "core" : "custom"}
                      </Badge>
                      <Badge>
                        {s.name}@{s.latestVersion ?? "—"}
                      </Badge>
                      {s.versions.some((v) => v.status !== "published") && (
                        <Badge tone="warning">
                          {s.versions
                            .filter((v) => v.status !== "published")
                            .map((v) => `${v.version} ${v.status}`)
                            .join(", ")}
                        </Badge>
                      )}
                    </div>
                    <p className="mt-2 text-xs text-zinc-700">
                      Calls: {[...new Set(m.network?.map((n) => n.host))].join(", ") || "nothing"} · Secrets:{" "}
                      {m.env?.map((e) => e.name).join(", ") || "none"}
                    </p>
                  </CardSection>
                </li>
              );
            })}
          </ul>
        )}
      </QueryState>
      <InstallDialog skill={installing} onClose={() => setInstalling(null)} />
      <UploadDialog open={uploading} onOpenChange={setUploading} />
    </>
  );
}

export function ManifestSummary({ manifest }: { manifest: ManifestView }) {
  return (
    <div className="space-y-3 text-sm" aria-label="Manifest">
      <div>
        <h3 className="font-semibold text-zinc-900">Network</h3>
        {manifest.network?.length ? (
          <ul className="list-disc pl-5">
            {manifest.network.map((n, i) => (
              <li key={i} className="font-mono text-xs">
                {(n.methods ?? ["any method"]).join(", ")} https://{n.host}
                {n.pathPrefix ?? "/"}
              </li>
            ))}
          </ul>
        ) : (
          <p className="text-zinc-700">No outbound calls.</p>
        )}
      </div>
      <div>
        <h3 className="font-semibold text-zinc-900">Secrets (env)</h3>
        {manifest.env?.length ? (
          <ul className="list-disc pl-5">
            {manifest.env.map((e) => (
              <li key={e.name}>
                <code className="font-mono text-xs">{e.name}</code> {e.description ? `— ${e.description}` : ""}
              </li>
            ))}
          </ul>
        ) : (
          <p className="text-zinc-700">None.</p>
        )}
      </div>
      <div>
        <h3 className="font-semibold text-zinc-900">Files</h3>
        {manifest.files?.length ? (
          <ul className="list-disc pl-5">
            {manifest.files.map((f) => (
              <li key={f.path} className="font-mono text-xs">
                {f.access} {f.path}
              </li>
            ))}
          </ul>
        ) : (
          <p className="text-zinc-700">None.</p>
        )}
      </div>
    </div>
  );
}

function InstallDialog({ skill, onClose }: { skill: Skill | null; onClose: () => void }) {
  const { tenantId } = useTenant();
  const agents = useQuery(agentsQuery(tenantId));
  const invalidate = useInvalidateTenant();
  const [agentId, setAgentId] = useState("");
  const [version, setVersion] = useState("");
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const chosenVersion = version || skill?.latestVersion || "";
  const manifest = (skill?.versions.find((v) => v.version === chosenVersion)?.manifest ?? {}) as ManifestView;
  const target = agentId || agents.data?.[0]?.id || "";
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!skill) return;
    setError(null);
    try {
      const res = await egressApi.install(tenantId, target, skill.name, { version: chosenVersion });
      setResult(
        `Installed ${skill.name}@${res.installed.version} on ${agents.data?.find((a) => a.id === target)?.name ?? target} in ${res.installed.mode} mode.${res.warning ? ` ${res.warning}` : ""}`,
      );
      await invalidate();
    } catch (err) {
      setError(isApiError(err) ? err.message : String(err));
    }
  };
  const close = () => {
    setResult(null);
    setError(null);
    setVersion("");
    onClose();
  };
  return (
    <Dialog open={skill !== null} onOpenChange={(o) => !o && close()}>
      <DialogContent title={`Install ${skill?.title ?? ""}`} className="max-w-xl">
        {result ? (
          <>
            <Alert tone="success">{result}</Alert>
            <DialogFooter>
              <Button onClick={close}>Done</Button>
            </DialogFooter>
          </>
        ) : (
          <form onSubmit={submit} noValidate className="space-y-4">
            <p className="text-sm text-zinc-700">
              The agent gets exactly what the manifest declares. It starts in mock mode: nothing leaves until an admin sets it live.
            </p>
            <ManifestSummary manifest={manifest} />
            {error && <Alert tone="danger">{error}</Alert>}
            <div className="grid gap-3 sm:grid-cols-2">
              <Field label="Agent">
                <Select value={target} onChange={(e) => setAgentId(e.target.value)}>
                  {agents.data?.map((a) => (
                    <option key={a.id} value={a.id}>
                      {a.name}
                    </option>
                  ))}
                </Select>
              </Field>
              <Field label="Version">
                <Select value={chosenVersion} onChange={(e) => setVersion(e.target.value)}>
                  {skill?.versions
                    .filter((v) => v.status !== "yanked")
                    .map((v) => (
                      <option key={v.version} value={v.version}>
                        {v.version}
                        {v.status === "deprecated" ? " (deprecated)" : ""}
                      </option>
                    ))}
                </Select>
              </Field>
            </div>
            <DialogFooter>
              <DialogClose asChild>
                <Button variant="secondary">Cancel</Button>
              </DialogClose>
              <Button type="submit" disabled={!target}>
                Install
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}

const EXAMPLE = JSON.stringify(
  {
    name: "acme-status",
    version: "1.0.0",
    title: "Acme status",
    description: "Reads Acme's status API.",
    network: [{ host: "status.acme.example", methods: ["GET"], pathPrefix: "/api" }],
    env: [{ name: "ACME_STATUS_TOKEN" }],
    files: [],
  },
  null,
  2,
);

function UploadDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (o: boolean) => void }) {
  const { tenantId } = useTenant();
  const invalidate = useInvalidateTenant();
  const [text, setText] = useState(EXAMPLE);
  const [report, setReport] = useState<DryRunReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [published, setPublished] = useState<string | null>(null);
  const parse = (): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      setError("The manifest is not valid JSON.");
      return null;
    }
  };
  const explain = (err: unknown) =>
    setError(isApiError(err) ? [err.message, ...err.issues.map((i) => `${i.path}: ${i.message}`)].join(" ") : String(err));
  const dryRun = async () => {
    setError(null);
    setReport(null);
    const manifest = parse();
    if (!manifest) return;
    try {
      setReport(await egressApi.dryRun(tenantId, { manifest }));
    } catch (err) {
      explain(err);
    }
  };
  const publish = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const manifest = parse();
    if (!manifest) return;
    try {
      const res = await egressApi.publish(tenantId, manifest);
      setPublished(`Published ${res.skill.name}@${res.skill.latestVersion ?? ""} to this tenant's registry.`);
      await invalidate();
    } catch (err) {
      explain(err);
    }
  };
  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        onOpenChange(o);
        if (!o) {
          setReport(null);
          setError(null);
          setPublished(null);
        }
      }}
    >
      <DialogContent title="Upload a custom skill" className="max-w-3xl">
        <form onSubmit={publish} noValidate className="space-y-4">
          <Field
            label="Manifest (JSON)"
            hint="Schema: /v1/skills/manifest.schema.json. Versions are immutable; publish a new version to change one."
          >
            <Textarea rows={12} value={text} onChange={(e) => setText(e.target.value)} className="font-mono text-xs" spellCheck={false} />
          </Field>
          {error && <Alert tone="danger">{error}</Alert>}
          {published && <Alert tone="success">{published}</Alert>}
          {report && <DryRunTable report={report} />}
          <DialogFooter>
            <DialogClose asChild>
              <Button variant="secondary">Close</Button>
            </DialogClose>
            <Button variant="secondary" onClick={dryRun}>
              Dry run
            </Button>
            <Button type="submit">Publish</Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

export function DryRunTable({ report }: { report: DryRunReport }) {
  return (
    <div className="space-y-2" role="region" aria-label="Dry-run report">
      <p className="text-sm text-zinc-800">
        Dry run of {report.skill}@{report.version} at trust level {report.trustLevel}: {report.summary.allowed} allowed,{" "}
        {report.summary.denied} denied
        {report.summary.missingSecrets.length ? `; missing secrets: ${report.summary.missingSecrets.join(", ")}` : ""}. Nothing was sent.
      </p>
      {/* A list, not a table: long URLs wrap instead of making a scrollable region inside the dialog. */}
      <ul className="divide-y divide-zinc-200 rounded-md border border-zinc-200" aria-label="Calls the skill would make">
        {report.calls.map((c, i) => (
          <li key={i} className="flex flex-wrap items-start gap-x-3 gap-y-1 px-3 py-2 text-xs">
            <Badge tone={c.decision === "allow" ? "success" : "danger"}>{c.decision}</Badge>
            <code className="font-mono break-all">
              {c.method} {c.url}
            </code>
            <span className="w-full text-zinc-700">
              <code className="font-mono">{c.reason}</code> — {c.message}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}

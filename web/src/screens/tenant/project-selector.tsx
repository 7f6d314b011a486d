import { useQuery } from "@tanstack/react-query";
import { useNavigate, useRouterState, useSearch } from "@tanstack/react-router";
import { Select } from "@/components/ui";
import { projectsQuery } from "@/lib/queries";

/** The screens whose content depends on the project: the agent and team lists and the agent wizard. Tenant-wide screens (members, settings…) show no selector. */
const PROJECT_SCREENS = /^\/t\/[^/]+\/(agents|agents\/new|teams)\/?$/;

/**
 * The project selector (docs/projects.md): its choice is the `?project=` search parameter of every
 * tenant screen, so a link or a reload keeps it (the side navigation carries it along); lists ask
 * the API for `?projectId=` with it.
 */
export function ProjectSelector({ tenantId }: { tenantId: string }) {
  const { project } = useSearch({ from: "/app/t/$tenantId" });
  const navigate = useNavigate();
  const pathname = useRouterState({ select: (state) => state.location.pathname });
  const shown = PROJECT_SCREENS.test(pathname);
  const projects = useQuery({ ...projectsQuery(tenantId), enabled: shown });
  if (!shown || !projects.data || projects.data.length === 0) return null;
  return (
    <div className="mb-4 flex items-center gap-2">
      <label htmlFor="project-selector" className="text-sm font-medium text-zinc-700">
        Project
      </label>
      <Select
        id="project-selector"
        className="w-auto min-w-48"
        value={project ?? ""}
        onChange={(e) => navigate({ to: ".", search: (s: Record<string, unknown>) => ({ ...s, project: e.target.value || undefined }) })}
      >
        <option value="">All projects</option>
        {projects.data.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
            {p.isDefault ? " (default)" : ""}
          </option>
        ))}
      </Select>
    </div>
  );
}

import { Navigate } from "@tanstack/react-router";
import { Building2 } from "lucide-react";
import { Card, PageHeader } from "@/components/ui";
import { lastTenant } from "@/lib/last-tenant";
import { useMe } from "@/lib/session";
import { CreateTenantForm } from "./create-tenant-form";

/** "/": open the last used tenant, else the first; with none, offer to create one. */
export function HomeScreen() {
  const me = useMe();
  const remembered = lastTenant();
  const target = me.memberships.find((m) => m.tenantId === remembered) ?? me.memberships[0];
  if (target) return <Navigate to="/t/$tenantId/agents" params={{ tenantId: target.tenantId }} replace />;
  return (
    <>
      <PageHeader
        title={`Welcome, ${me.user.name}`}
        description="You are not a member of any tenant yet. Create one to start adding agents, or ask an admin to invite you."
      />
      <Card className="max-w-xl p-6">
        <div className="mb-4 flex items-center gap-3">
          <span className="flex size-10 items-center justify-center rounded-full bg-indigo-50 text-indigo-700" aria-hidden="true">
            <Building2 className="size-5" />
          </span>
          <div>
            <h2 className="text-base font-semibold text-zinc-900">Create your first tenant</h2>
            <p className="text-sm text-zinc-600">A tenant holds your agents, teams, people and settings. You will be its owner.</p>
          </div>
        </div>
        <CreateTenantForm />
      </Card>
    </>
  );
}

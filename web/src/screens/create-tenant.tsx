import { Card, PageHeader } from "@/components/ui";
import { CreateTenantForm } from "./create-tenant-form";

export function CreateTenantScreen() {
  return (
    <>
      <PageHeader
        title="Create a tenant"
        description="A separate space with its own agents, teams, people and plan. You will be its owner."
      />
      <Card className="max-w-xl p-6">
        <CreateTenantForm />
      </Card>
    </>
  );
}

import { Outlet } from "@tanstack/react-router";
import { Alert, PageHeader } from "@/components/ui";
import { useMe } from "@/lib/session";

/** /operator: platform operators only (the API refuses everyone else too). */
export function OperatorLayout() {
  const me = useMe();
  if (!me.user.isOperator) {
    return (
      <>
        <PageHeader title="Operator console" />
        <Alert tone="warning">The operator console is for platform operators. Your account is not one.</Alert>
      </>
    );
  }
  return <Outlet />;
}

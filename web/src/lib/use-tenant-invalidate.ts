import { useQueryClient } from "@tanstack/react-query";
import { useTenant } from "@/components/layout/tenant-context";
import { keys } from "./queries";

/** After a change in the tenant: refetch everything of that tenant (lists are small). */
export function useInvalidateTenant(): () => Promise<void> {
  const queryClient = useQueryClient();
  const { tenantId } = useTenant();
  return () => queryClient.invalidateQueries({ queryKey: keys.tenant(tenantId) });
}

import type { DevMail } from "@shared/schemas/mfa";
import { api } from "@/lib/api";
import { identityPaths } from "@/lib/identity-api";

/** The dev mail outbox exists only in local development; elsewhere the API answers 404. */
export const devOutboxQuery = {
  queryKey: ["dev-outbox"] as const,
  queryFn: () => api.get<{ data: DevMail[] }>(identityPaths.devOutbox).then((r) => r.data),
  retry: false,
};

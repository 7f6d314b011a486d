import { useQuery } from "@tanstack/react-query";
import { api, isApiError } from "./api";
import { identityPaths } from "./identity-api";
import { meQuery, queryClient } from "./queries";
import type { Me } from "./types";

/** The signed-in person, or null when nobody is. Cached; other errors propagate. */
export async function loadMe(): Promise<Me | null> {
  try {
    const me = await queryClient.ensureQueryData(meQuery);
    return me.principal === "user" ? me : null;
  } catch (err) {
    if (isApiError(err, "unauthenticated")) return null;
    throw err;
  }
}

/** The signed-in person inside the app shell (the route guard has loaded it). */
export function useMe(): Me & { user: NonNullable<Me["user"]> } {
  const { data } = useQuery(meQuery);
  if (!data?.user) throw new Error("useMe used outside the signed-in app");
  return data as Me & { user: NonNullable<Me["user"]> };
}

/** After sign-in or sign-out: nothing cached for the previous person may survive. */
export async function resetSessionCache(): Promise<void> {
  queryClient.clear();
}

export async function logout(): Promise<void> {
  try {
    await api.post(identityPaths.logout);
  } catch (err) {
    if (!isApiError(err, "unauthenticated")) throw err;
  }
  await resetSessionCache();
}

/** Only a path on this origin may be a post-login destination (`?next=`): never `//host` or a URL. */
export function safeNext(raw: unknown): string | undefined {
  if (typeof raw !== "string" || !raw.startsWith("/") || raw.startsWith("//") || raw.startsWith("/\\")) return undefined;
  try {
    const url = new URL(raw, window.location.origin);
    if (url.origin !== window.location.origin) return undefined;
    return url.pathname + url.search + url.hash;
  } catch {
    return undefined;
  }
}

/** Reads a string search param, for routes' validateSearch. */
export function stringParam(search: Record<string, unknown>, name: string): string | undefined {
  const v = search[name];
  return typeof v === "string" && v !== "" ? v : undefined;
}

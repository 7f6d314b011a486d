/** The tenant the person last opened in this browser, so "/" returns there. */
const KEY = "switchboard.lastTenant";

export function rememberTenant(tenantId: string): void {
  try {
    localStorage.setItem(KEY, tenantId);
  } catch {
    // storage unavailable (private mode): not worth failing over
  }
}

export function lastTenant(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

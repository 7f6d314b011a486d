/**
 * The MFA challenge token between the password step and the code step. Kept in sessionStorage
 * (this tab only, gone when it closes) rather than the URL, so it never lands in history or logs.
 */
const KEY = "switchboard.mfaChallenge";

export function saveChallenge(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function readChallenge(): string | null {
  return sessionStorage.getItem(KEY);
}

export function clearChallenge(): void {
  sessionStorage.removeItem(KEY);
}

/**
 * Sign-in with a provider for an account with MFA lands on `/login/mfa#challenge=<token>`: keep the
 * token (in this tab's storage) and drop it from the address bar. Otherwise, the stored one.
 */
export function takeChallengeFromUrl(): string | null {
  const fromHash = new URLSearchParams(window.location.hash.slice(1)).get("challenge");
  if (fromHash) {
    saveChallenge(fromHash);
    history.replaceState(history.state, "", window.location.pathname + window.location.search);
  }
  return readChallenge();
}

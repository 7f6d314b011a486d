/**
 * SHA-256 through WebCrypto's standard `digest`, nothing runtime-specific: the Workers, the
 * dashboard (which re-checks audit hashes in the browser) and Node all import it from here.
 */
export async function sha256(data: string | Uint8Array): Promise<Uint8Array> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  return [...(await sha256(data))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * What an approval keeps of the operation: a SHA-256 digest of the body (an approval covers exactly
 * that body), its size, and a short preview with anything that looks like a credential masked — a
 * person deciding needs to see what is asked, the store must not become a copy of agents' payloads.
 */
import { APPROVAL_PREVIEW_CHARS, type ApprovalSubject } from "../schemas/approvals";

const SECRET_FIELD =
  /("?(?:authorization|password|passwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|client[_-]?secret)[a-z_-]*"?\s*[:=]\s*)("[^"]*"|[^\s,&;}]+)/gi;
const BEARER = /\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
/** Long opaque strings that look like keys (sk_live_…, ghp_…, AKIA…, JWTs). */
const KEY_LIKE = /\b(?:sk|pk|rk|ghp|gho|ghs|xox[abp]|AKIA)[A-Za-z0-9_-]{12,}|\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*/g;

export function redactPreview(text: string): string {
  const cut = text.length > APPROVAL_PREVIEW_CHARS ? `${text.slice(0, APPROVAL_PREVIEW_CHARS)}…` : text;
  return cut.replace(SECRET_FIELD, "$1***").replace(BEARER, "$1 ***").replace(KEY_LIKE, "***");
}

/** A URL for display: query values of credential-looking parameters masked. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    for (const key of [...u.searchParams.keys()])
      if (/(token|key|secret|password|sig|signature|auth)/i.test(key)) u.searchParams.set(key, "***");
    return u.href;
  } catch {
    return url.slice(0, 500);
  }
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  let hex = "";
  for (const b of digest) hex += b.toString(16).padStart(2, "0");
  return hex;
}

export async function subjectOf(body: Uint8Array | null, fields: { method?: string; url?: string; to?: string }): Promise<ApprovalSubject> {
  const bytes = body ?? new Uint8Array();
  const text = new TextDecoder("utf-8", { fatal: false, ignoreBOM: false }).decode(bytes.subarray(0, APPROVAL_PREVIEW_CHARS * 4));
  return {
    ...(fields.method ? { method: fields.method.toUpperCase() } : {}),
    ...(fields.url ? { url: fields.url } : {}),
    ...(fields.to ? { to: fields.to } : {}),
    digest: await sha256Hex(bytes),
    bytes: bytes.byteLength,
    preview: redactPreview(text),
  };
}

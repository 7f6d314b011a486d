/**
 * Where a version's code comes from: R2 (`SKILL_CODE`, written at publish, never changed) for the
 * tenant's own skills, the Worker's own bundle for core skills (`core:<name>@<version>`). Read only
 * when an isolate is built (the loader's callback), and kept per API isolate by content hash, so
 * warm invocations read nothing.
 */
import type { StoredSkillCode } from "../../../shared/skills/code/package";
import { CORE_CODE } from "../../../shared/skills/core-code";
import { ApiError } from "../http/api-error";

const cache = new Map<string, StoredSkillCode>();
const CACHE_MAX = 64;

export const CORE_CODE_PREFIX = "core:";

export async function loadCode(env: Pick<Env, "SKILL_CODE">, codeKey: string, hash: string): Promise<StoredSkillCode> {
  const hit = cache.get(hash);
  if (hit) return hit;
  let code: StoredSkillCode | undefined;
  if (codeKey.startsWith(CORE_CODE_PREFIX)) code = CORE_CODE[codeKey.slice(CORE_CODE_PREFIX.length)]?.code;
  else {
    const object = await env.SKILL_CODE.get(codeKey);
    if (object) code = (await object.json()) as StoredSkillCode;
  }
  if (!code) throw new ApiError("internal_error", "The skill version's code is missing from storage.", { codeKey });
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(hash, code);
  return code;
}

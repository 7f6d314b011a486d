/** Wire shapes of the audit archives API and the digest key set (docs/audit-archives.md). */
import { z } from "zod";
import { digestSchema } from "../audit/archive/digest";
import { isDay } from "../audit/archive/layout";
import { IsoTimeSchema } from "./common";

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const ArchiveDaySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: "A UTC day, YYYY-MM-DD." })
  .refine(isDay, { message: "Not a calendar day." })
  .meta({ param: { name: "day", in: "path" }, example: "2026-11-30", description: "A UTC day, `YYYY-MM-DD`." });

export const AuditArchiveSchema = z
  .object({
    day: z.string().meta({ description: "The UTC day, `YYYY-MM-DD`." }),
    fromSeq: z.number().int(),
    toSeq: z.number().int().meta({ description: "`fromSeq - 1` on a day without events." }),
    count: z.number().int(),
    archive: z
      .object({ key: z.string(), sha256: hex64, bytes: z.number().int(), url: z.string() })
      .nullable()
      .meta({ description: "The gzip JSONL file; null on a day without events (its digest still proves that)." }),
    digest: z.object({
      key: z.string(),
      sha256: hex64.meta({ description: "SHA-256 of the digest's RFC 8785 form (what the next digest links to)." }),
      url: z.string(),
    }),
    kid: z.string().meta({ description: "The digest signing key, published at /.well-known/audit-digest-keys.json." }),
    archivedAt: IsoTimeSchema,
  })
  .meta({ id: "AuditArchive" });
export type AuditArchive = z.infer<typeof AuditArchiveSchema>;

export const AuditDigestSchema = digestSchema.meta({
  id: "AuditDigest",
  description: "A day's signed digest, byte for byte as stored in R2 (format in docs/audit-archives.md).",
});

export const AuditDigestKeySchema = z
  .object({
    kty: z.literal("OKP"),
    crv: z.literal("Ed25519"),
    x: z.string(),
    kid: z.string(),
    alg: z.literal("EdDSA"),
    use: z.literal("sig"),
    created: IsoTimeSchema.meta({ description: "When the key started signing digests." }),
    retired: IsoTimeSchema.nullable().meta({ description: "When it stopped (null: the current key). Retired keys stay published." }),
  })
  .meta({ id: "AuditDigestKey" });

export const AuditDigestKeySetSchema = z.object({ keys: z.array(AuditDigestKeySchema) }).meta({ id: "AuditDigestKeySet" });

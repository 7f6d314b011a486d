import { z } from "zod";

export const IsoTimeSchema = z.iso.datetime().meta({ description: "RFC 3339 time, UTC." });

export const EmailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ message: "Enter a valid email address." }).max(254));

export const PageQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(25).meta({ description: "Page size, 1–100 (default 25)." }),
    cursor: z.string().max(200).optional().meta({ description: "`nextCursor` from the previous page." }),
  })
  .strict();
export type PageQuery = z.infer<typeof PageQuerySchema>;

export function pageOf<T extends z.ZodType>(item: T, id: string) {
  return z
    .object({
      data: z.array(item),
      nextCursor: z.string().nullable().meta({ description: "Pass as `cursor` to get the next page; null on the last page." }),
    })
    .meta({ id });
}

export function toIso(ms: number): string;
export function toIso(ms: number | null): string | null;
export function toIso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

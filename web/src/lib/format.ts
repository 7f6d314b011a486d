const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

export function formatDateTime(iso: string | null | undefined): string {
  return iso ? dateTime.format(new Date(iso)) : "—";
}

export function formatDate(iso: string | null | undefined): string {
  return iso ? dateOnly.format(new Date(iso)) : "—";
}

/** "3 minutes ago", "in 2 days". */
export function formatRelative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "never";
  const diff = (new Date(iso).getTime() - now) / 1000;
  const units: Array<[Intl.RelativeTimeFormatUnit, number]> = [
    ["year", 31_536_000],
    ["month", 2_592_000],
    ["day", 86_400],
    ["hour", 3_600],
    ["minute", 60],
  ];
  for (const [unit, seconds] of units) if (Math.abs(diff) >= seconds) return relative.format(Math.round(diff / seconds), unit);
  return relative.format(Math.round(diff), "second");
}

/** "knowledge_base" → "Knowledge base". */
export function humanize(value: string): string {
  const s = value.replace(/[_:-]+/g, " ").trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const ordinalRule = new Intl.PluralRules("en-US", { type: "ordinal" });
const ORDINAL_SUFFIX: Record<string, string> = { one: "st", two: "nd", few: "rd", other: "th" };

/** 1 → "1st", 2 → "2nd", 13 → "13th", 22 → "22nd" (the dashboard's sentences are English). */
export function ordinal(n: number): string {
  return `${n.toLocaleString("en-US")}${ORDINAL_SUFFIX[ordinalRule.select(n)] ?? "th"}`;
}

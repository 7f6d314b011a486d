/**
 * The dashboard's one zod error map: every issue a form can raise, said the way a person would
 * say it ("This field is required.", "Use at most 80 characters.") instead of zod's developer
 * English ("Too small: expected string to have >=1 characters").
 *
 * Installed once, for every schema the app parses, as zod 4's global `customError`
 * (`z.config`, called from main.tsx), so every form — they validate with the API's own schemas
 * through `useSchemaForm` — gets it without opting in. zod's precedence keeps what it should:
 * a message a schema sets itself (`{ message: "Use at least 10 characters." }` in
 * workers/shared/schemas) wins over this map, and this map wins over zod's locale.
 * The map returns a message for every issue code zod 4 has, so no raw zod text can slip through.
 */
import { z } from "zod";

type Issue = z.core.$ZodRawIssue;

const count = (n: number | bigint) => (typeof n === "bigint" ? n.toString() : n.toLocaleString("en-US"));
const isEmpty = (input: unknown) => input === undefined || input === null || input === "";

/** Units a size limit counts, by the kind of value that was checked. */
function unitOf(origin: string | undefined, n: number | bigint): string | null {
  const one = Number(n) === 1;
  switch (origin) {
    case "string":
      return one ? "character" : "characters";
    case "array":
    case "set":
      return one ? "item" : "items";
    case "file":
      return one ? "byte" : "bytes";
    default:
      return null;
  }
}

const FORMATS: Record<string, string> = {
  email: "Enter a valid email address.",
  url: "Enter a full web address, like https://example.com.",
  date: "Enter a valid date.",
  datetime: "Enter a valid date and time.",
  time: "Enter a valid time.",
  ipv4: "Enter a valid IPv4 address.",
  ipv6: "Enter a valid IPv6 address.",
  jwt: "Enter a valid token.",
  base64: "Enter valid base64 text.",
  base64url: "Enter valid base64url text.",
  json_string: "Enter valid JSON.",
};

export function humanMessage(issue: Issue): string {
  switch (issue.code) {
    case "invalid_type": {
      if (isEmpty(issue.input) || (typeof issue.input === "number" && Number.isNaN(issue.input) && issue.expected === "number")) {
        return issue.expected === "number" || issue.expected === "int" ? "Enter a number." : "This field is required.";
      }
      if (issue.expected === "int") return "Enter a whole number.";
      if (issue.expected === "number" || issue.expected === "bigint") return "Enter a number.";
      if (issue.expected === "array") return "Choose from the list.";
      return "Enter a valid value.";
    }
    case "too_small": {
      const n = issue.minimum;
      if (issue.origin === "string" && Number(n) === 1 && !issue.exact) return "This field is required.";
      if ((issue.origin === "array" || issue.origin === "set") && Number(n) === 1 && !issue.exact) return "Choose at least one.";
      const unit = unitOf(issue.origin, n);
      if (unit) {
        if (issue.origin === "array" || issue.origin === "set")
          return issue.exact ? `Choose exactly ${count(n)}.` : `Choose at least ${count(n)}.`;
        return issue.exact ? `Use exactly ${count(n)} ${unit}.` : `Use at least ${count(n)} ${unit}.`;
      }
      if (issue.origin === "date") return "Choose a later date.";
      return issue.inclusive === false ? `Enter a number greater than ${count(n)}.` : `Enter ${count(n)} or more.`;
    }
    case "too_big": {
      const n = issue.maximum;
      const unit = unitOf(issue.origin, n);
      if (unit) {
        if (issue.origin === "array" || issue.origin === "set")
          return issue.exact ? `Choose exactly ${count(n)}.` : `Choose at most ${count(n)}.`;
        return issue.exact ? `Use exactly ${count(n)} ${unit}.` : `Use at most ${count(n)} ${unit}.`;
      }
      if (issue.origin === "date") return "Choose an earlier date.";
      return issue.inclusive === false ? `Enter a number less than ${count(n)}.` : `Enter ${count(n)} or less.`;
    }
    case "invalid_format": {
      if (issue.format === "starts_with" && "prefix" in issue) return `Start with “${String(issue.prefix)}”.`;
      if (issue.format === "ends_with" && "suffix" in issue) return `End with “${String(issue.suffix)}”.`;
      if (issue.format === "includes" && "includes" in issue) return `Include “${String(issue.includes)}”.`;
      return FORMATS[issue.format] ?? "This is not in the right format.";
    }
    case "invalid_value":
      return issue.values.length === 1 ? `Enter “${String(issue.values[0])}”.` : "Choose one of the options.";
    case "not_multiple_of":
      return `Enter a multiple of ${count(issue.divisor)}.`;
    case "unrecognized_keys":
      return `Not accepted here: ${issue.keys.join(", ")}.`;
    case "invalid_key":
    case "invalid_element":
    case "invalid_union":
    case "custom":
    default:
      return "Enter a valid value.";
  }
}

/** Makes `humanMessage` zod's global error map for this page (the dashboard entry point calls it once). */
export function installDashboardErrorMap(): void {
  z.config({ customError: humanMessage });
}

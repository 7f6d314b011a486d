/**
 * HTTP calls (an agent's egress call, or `curl -X DELETE …` inside a command): the method, the URL's
 * path and the body decide. A DELETE deletes; a write to an endpoint whose path says it deletes
 * (`/_delete_by_query`, `/doDelete`, `…:purge`) does too; a GraphQL mutation whose fields delete;
 * money moved through a payment API. Bodies are not searched for words: only the fields that a
 * receiver EXECUTES (`command`, `cmd`, `script`, `sql`, `query`…) are read as commands or SQL —
 * a chat message that merely mentions `rm -rf /` is data.
 */
import { finding, type Finding } from "./registry";

export interface HttpCall {
  method: string;
  url: string;
  body?: string | null;
  contentType?: string | null;
}

export type Executable = { kind: "shell" | "sql" | "graphql" | "code"; text: string };

const DESTRUCTIVE_SEGMENT =
  /^(_delete_by_query|dodelete|delete|deletes|destroy|purge|wipe|truncate|drop|erase|terminate|batchdelete|bulk_delete|bulkdelete|_purge|remove_all|deleteall|delete_all|clear_all)$/i;
const GOOGLE_VERB = /:(delete|batchDelete|purge|destroy|erase|wipe)$/i;
const PAYMENT_HOSTS =
  /(^|\.)(stripe\.com|paypal\.com|braintreegateway\.com|adyen\.com|squareup\.com|wise\.com|transferwise\.com|coinbase\.com|plaid\.com|checkout\.com|mollie\.com|gocardless\.com|razorpay\.com|paddle\.com|dwolla\.com|modulrfinance\.com|mercury\.com|brex\.com)$/i;
const PAYMENT_SEGMENTS =
  /^(transfers|payouts|refunds|charges|payment_intents|payments|withdrawals|disbursements|wire_transfers|topups|sends|transactions|batches)$/i;
const MONEY_SEGMENTS = /^(transfers|payouts|withdrawals|disbursements|wire_transfers|wires)$/i;

function parseUrl(raw: string): URL | null {
  try {
    return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw.replace(/^\/+/, "")}`);
  } catch {
    return null;
  }
}

export function analyzeHttp(call: HttpCall, out: Finding[]): Executable[] {
  const method = call.method.toUpperCase();
  const url = parseUrl(call.url);
  const shown = `${method} ${call.url}`;
  if (method === "DELETE") out.push(finding("http.delete", "an HTTP DELETE deletes the remote resource", shown));
  if (url && (method === "POST" || method === "PUT" || method === "PATCH")) {
    const segments = decodeSegments(url.pathname);
    if (segments.some((s) => DESTRUCTIVE_SEGMENT.test(s)) || GOOGLE_VERB.test(url.pathname)) {
      out.push(finding("http.destructive_endpoint", "the endpoint's path says it deletes", shown));
    }
    if (
      method === "POST" &&
      (PAYMENT_HOSTS.test(url.hostname) ? segments.some((s) => PAYMENT_SEGMENTS.test(s)) : segments.some((s) => MONEY_SEGMENTS.test(s)))
    ) {
      out.push(finding("payments.transfer", "the call moves money (a transfer, payout, refund or charge)", shown));
    }
  }
  return call.body ? bodyExecutables(call.body, call.contentType ?? null) : [];
}

function decodeSegments(path: string): string[] {
  return path
    .split("/")
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}

const SHELL_KEYS = new Set([
  "command",
  "commands",
  "cmd",
  "cmdline",
  "command_line",
  "commandline",
  "script",
  "shell",
  "bash",
  "sh",
  "exec",
  "run",
  "entrypoint",
]);
const SQL_KEYS = new Set(["sql", "statement", "statements", "sqlquery", "sql_query", "querystring", "query"]);
const CODE_KEYS = new Set(["code", "source", "eval"]);
const MAX_STRINGS = 64;

/** The parts of a body a receiver would execute, from JSON fields by name, or the whole body by content type. */
export function bodyExecutables(body: string, contentType: string | null): Executable[] {
  const type = (contentType ?? "").toLowerCase();
  if (/sql/.test(type)) return [{ kind: "sql", text: body }];
  if (/x-sh|shellscript|x-shellscript/.test(type)) return [{ kind: "shell", text: body }];
  if (/graphql/.test(type)) return [{ kind: "graphql", text: body }];
  const trimmed = body.trimStart();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return [];
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return [];
  }
  return jsonExecutables(json);
}

/** Executable fields of a parsed JSON value (a relay request body, an egress body). */
export function jsonExecutables(json: unknown): Executable[] {
  const found: Executable[] = [];
  const visit = (value: unknown, key: string | null, depth: number) => {
    if (found.length >= MAX_STRINGS || depth > 8) return;
    if (typeof value === "string") {
      if (key === null) return;
      const k = key.toLowerCase();
      if (SHELL_KEYS.has(k)) found.push({ kind: "shell", text: value });
      else if (k === "query" || k === "mutation")
        found.push({
          kind: /^\s*(mutation|query|subscription)?\s*[{(]/i.test(value) || /^\s*mutation\b/i.test(value) ? "graphql" : "sql",
          text: value,
        });
      else if (SQL_KEYS.has(k)) found.push({ kind: "sql", text: value });
      else if (CODE_KEYS.has(k)) found.push({ kind: "code", text: value });
      return;
    }
    if (Array.isArray(value)) {
      // `{"cmd": ["rm", "-rf", "/"]}`: an argv.
      if (key && SHELL_KEYS.has(key.toLowerCase()) && value.length > 0 && value.every((v) => typeof v === "string")) {
        found.push({ kind: "shell", text: (value as string[]).map(shellQuote).join(" ") });
        return;
      }
      for (const v of value) visit(v, key, depth + 1);
      return;
    }
    if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) visit(v, k, depth + 1);
  };
  visit(json, null, 0);
  return found;
}

function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./=:,@%+-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

const GRAPHQL_DESTRUCTIVE = /^(delete|remove|destroy|purge|drop|wipe|erase|archive|transfer|terminate)/i;

/** A GraphQL document: the top-level fields of its mutations. */
export function analyzeGraphql(text: string, out: Finding[]): void {
  const re = /\bmutation\b[^{]*\{/gi;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    let depth = 1;
    let i = m.index + m[0].length;
    let fieldStart = true;
    while (i < text.length && depth > 0) {
      const c = text[i]!;
      if (c === "{") depth++;
      else if (c === "}") depth--;
      else if (c === '"') {
        i = text.indexOf('"', i + 1);
        if (i === -1) return;
      } else if (depth === 1 && /[A-Za-z_]/.test(c) && fieldStart) {
        const name = /^[A-Za-z_][A-Za-z0-9_]*(\s*:\s*[A-Za-z_][A-Za-z0-9_]*)?/.exec(text.slice(i))![0];
        const field = name.includes(":") ? name.split(":")[1]!.trim() : name;
        if (GRAPHQL_DESTRUCTIVE.test(field))
          out.push(
            finding("http.destructive_mutation", `the GraphQL mutation ${field} deletes or moves something`, `mutation { ${field} … }`),
          );
        i += name.length;
        fieldStart = false;
        continue;
      }
      if (depth === 1 && (c === ")" || c === "}" || /\s/.test(c))) fieldStart = c !== ")" ? fieldStart || /\s/.test(c) : true;
      if (depth === 1 && c === "(") {
        // Skip arguments.
        let d = 1;
        i++;
        while (i < text.length && d > 0) {
          if (text[i] === "(") d++;
          else if (text[i] === ")") d--;
          else if (text[i] === '"') i = text.indexOf('"', i + 1);
          if (i === -1) return;
          i++;
        }
        fieldStart = true;
        continue;
      }
      i++;
    }
  }
}

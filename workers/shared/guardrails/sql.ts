/**
 * Destructive SQL, read statement by statement with strings, quoted identifiers, dollar-quoted
 * bodies and comments skipped — so `SELECT 'DROP TABLE x'` or `-- TRUNCATE` is data, not a
 * statement. Covers the dialects' common ground (PostgreSQL, MySQL, SQLite, SQL Server…): DROP of
 * databases/schemas/tables/users, TRUNCATE, DELETE and UPDATE without a WHERE that restricts them,
 * ALTER TABLE … DROP.
 */
import { finding, type Finding } from "./registry";

/** Statements as keyword lists (upper-cased words and symbols outside literals), split on `;`. */
export function sqlStatements(text: string): string[][] {
  const statements: string[][] = [];
  let current: string[] = [];
  const s = text;
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === ";") {
      if (current.length) statements.push(current);
      current = [];
      i++;
      continue;
    }
    if (c === "-" && s[i + 1] === "-") {
      const end = s.indexOf("\n", i);
      i = end === -1 ? s.length : end + 1;
      continue;
    }
    if (c === "#" && current.length === 0) {
      const end = s.indexOf("\n", i);
      i = end === -1 ? s.length : end + 1;
      continue;
    }
    if (c === "/" && s[i + 1] === "*") {
      const end = s.indexOf("*/", i + 2);
      i = end === -1 ? s.length : end + 2;
      continue;
    }
    if (c === "'" || c === '"' || c === "`" || c === "[") {
      const close = c === "[" ? "]" : c;
      let j = i + 1;
      while (j < s.length) {
        if (s[j] === "\\" && c === "'") j += 2;
        else if (s[j] === close && s[j + 1] === close && close !== "]") j += 2;
        else if (s[j] === close) break;
        else j++;
      }
      current.push(c === "'" ? "'STR'" : "IDENT");
      i = j + 1;
      continue;
    }
    if (c === "$") {
      const tag = /^\$[A-Za-z_0-9]*\$/.exec(s.slice(i, i + 64));
      if (tag) {
        const end = s.indexOf(tag[0], i + tag[0].length);
        current.push("'STR'");
        i = end === -1 ? s.length : end + tag[0].length;
        continue;
      }
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < s.length && /[A-Za-z0-9_$.]/.test(s[j]!)) j++;
      current.push(s.slice(i, j).toUpperCase());
      i = j;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < s.length && /[0-9.]/.test(s[j]!)) j++;
      current.push(s.slice(i, j));
      i = j;
      continue;
    }
    if (!/\s/.test(c)) current.push(c);
    i++;
  }
  if (current.length) statements.push(current);
  return statements;
}

const STATEMENT_START =
  /^(SELECT|INSERT|UPDATE|DELETE|DROP|TRUNCATE|ALTER|CREATE|GRANT|REVOKE|WITH|MERGE|REPLACE|UPSERT|BEGIN|COMMIT|SET|SHOW|EXPLAIN|USE|VACUUM|PRAGMA|ATTACH|DETACH)$/;

/** Text that reads as SQL: its first word is a statement keyword. */
export function looksLikeSql(text: string): boolean {
  const first = /^\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*([A-Za-z]+)/.exec(text)?.[1];
  return !!first && STATEMENT_START.test(first.toUpperCase()) && /\s/.test(text.trim());
}

/** A WHERE that selects every row: `WHERE 1=1`, `WHERE TRUE`, `WHERE 1`, `WHERE 'a'='a'`. */
function trivialWhere(tokens: string[], from: number): boolean {
  const rest = tokens.slice(from + 1, from + 6);
  if (rest[0] === "TRUE" || (rest[0] === "1" && (rest.length === 1 || rest[1] !== "="))) return true;
  if (rest.length >= 3 && rest[1] === "=" && rest[0] === rest[2] && (/^\d+$/.test(rest[0]!) || rest[0] === "'STR'"))
    return rest.length === 3 || !["AND"].includes(rest[3]!);
  return false;
}

export function analyzeSql(text: string, out: Finding[]): void {
  for (const t of sqlStatements(text)) {
    // Skip leading CTEs and EXPLAIN: the verb is the first statement keyword after them.
    let k = 0;
    if (t[0] === "EXPLAIN") continue;
    if (t[0] === "WITH") {
      const verb = t.findIndex((w, i) => i > 0 && (w === "DELETE" || w === "UPDATE" || w === "TRUNCATE"));
      if (verb === -1) continue;
      k = verb;
    }
    const verb = t[k];
    const excerpt = t.slice(k, k + 8).join(" ");
    if (verb === "DROP") {
      let obj = t[k + 1];
      if (obj === "TEMPORARY" || obj === "TEMP") continue;
      if (obj === "MATERIALIZED" || obj === "FOREIGN" || obj === "UNLOGGED") obj = t[k + 2];
      if (obj === "DATABASE" || obj === "SCHEMA" || obj === "KEYSPACE")
        out.push(finding("sql.drop_database", `DROP ${obj} deletes every table in it`, excerpt));
      else if (obj === "TABLE" || obj === "COLLECTION")
        out.push(finding("sql.drop_table", "DROP TABLE deletes the table and its rows", excerpt));
      else if (obj === "USER" || obj === "ROLE" || obj === "LOGIN")
        out.push(finding("sql.drop_user", `DROP ${obj} removes access`, excerpt));
      else if (obj) out.push(finding("sql.drop_other", `DROP ${obj}`, excerpt));
    } else if (verb === "TRUNCATE") {
      out.push(finding("sql.truncate", "TRUNCATE deletes every row", excerpt));
    } else if (verb === "DELETE") {
      const where = t.indexOf("WHERE", k);
      if (where === -1) out.push(finding("sql.delete_all", "DELETE without WHERE deletes every row", excerpt));
      else if (trivialWhere(t, where)) out.push(finding("sql.delete_all", "DELETE with an always-true WHERE deletes every row", excerpt));
    } else if (verb === "UPDATE") {
      const where = t.indexOf("WHERE", k);
      if (where === -1) out.push(finding("sql.update_all", "UPDATE without WHERE changes every row", excerpt));
      else if (trivialWhere(t, where)) out.push(finding("sql.update_all", "UPDATE with an always-true WHERE changes every row", excerpt));
    } else if (verb === "ALTER" && t[k + 1] === "TABLE" && t.includes("DROP")) {
      out.push(finding("sql.alter_drop", "ALTER TABLE … DROP removes a column or constraint and its data", excerpt));
    }
  }
}

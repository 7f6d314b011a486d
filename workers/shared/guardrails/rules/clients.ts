/**
 * Clients that carry another language: HTTP clients (curl, wget, httpie) → the HTTP rules; SQL
 * clients (psql -c, mysql -e, sqlite3 DB "SQL", heredocs and here-strings fed to them) → the SQL
 * rules; key-value and document stores (redis-cli FLUSHALL, mongosh --eval); ssh's remote command
 * → the shell rules again.
 */
import { finding } from "../registry";
import type { Invocation } from "../shell/invocation";
import type { CommandRule, Scanner } from "./types";

const CURL_VALUE = new Set([
  "-H",
  "--header",
  "-o",
  "--output",
  "-u",
  "--user",
  "-A",
  "--user-agent",
  "-e",
  "--referer",
  "-b",
  "--cookie",
  "-c",
  "--cookie-jar",
  "-K",
  "--config",
  "-w",
  "--write-out",
  "-m",
  "--max-time",
  "--connect-timeout",
  "-x",
  "--proxy",
  "--retry",
  "--cacert",
  "--cert",
  "--key",
  "-E",
  "--resolve",
  "--connect-to",
  "-r",
  "--range",
  "-y",
  "-Y",
  "--limit-rate",
  "--interface",
  "--oauth2-bearer",
  "-z",
  "--time-cond",
  "--max-filesize",
  "--retry-delay",
  "--retry-max-time",
  "--unix-socket",
  "--abstract-unix-socket",
  "--aws-sigv4",
  "--variable",
  "--expand-url",
]);
const CURL_DATA = new Set([
  "-d",
  "--data",
  "--data-raw",
  "--data-binary",
  "--data-ascii",
  "--data-urlencode",
  "--json",
  "-F",
  "--form",
  "--form-string",
]);

const curl: CommandRule = (inv, scan) => {
  let method: string | null = null;
  let body: string | null = null;
  let hasData = false;
  let get = false;
  let url: string | null = null;
  const a = inv.args;
  for (let i = 0; i < a.length; i++) {
    const t = a[i]!;
    if (t === "-X" || t === "--request") method = a[++i] ?? null;
    else if (/^-X[A-Za-z]+$/.test(t)) method = t.slice(2);
    else if (t.startsWith("--request=")) method = t.slice(10);
    else if (CURL_DATA.has(t)) {
      hasData = true;
      const v = a[++i] ?? "";
      if (!v.startsWith("@")) body = body === null ? v : `${body}&${v}`;
    } else if (t === "-G" || t === "--get") get = true;
    else if (t === "-I" || t === "--head") method ??= "HEAD";
    else if (t === "-T" || t === "--upload-file") {
      method ??= "PUT";
      i++;
    } else if (t === "--url") url = a[++i] ?? null;
    else if (CURL_VALUE.has(t)) i++;
    else if (!t.startsWith("-") && url === null) url = t;
  }
  if (!url) return;
  const contentType =
    inv.args
      .find((x, i) => (inv.args[i - 1] === "-H" || inv.args[i - 1] === "--header") && /^content-type:/i.test(x))
      ?.split(":")[1]
      ?.trim() ?? (inv.has("--json") ? "application/json" : null);
  scan.http({ method: method ?? (get ? "GET" : hasData ? "POST" : "GET"), url, body, contentType });
};

const wget: CommandRule = (inv, scan) => {
  const url = inv.positionals().find((p) => /^https?:\/\//.test(p));
  if (!url) return;
  const method =
    inv.value("--method") ?? (inv.value("--post-data") !== undefined || inv.value("--post-file") !== undefined ? "POST" : "GET");
  scan.http({ method, url, body: inv.value("--body-data") ?? inv.value("--post-data") ?? null });
};

/** httpie / xh: `http [flags] [METHOD] URL [items]`. */
const httpie: CommandRule = (inv, scan) => {
  const p = inv.positionals();
  const explicit = p[0] && /^[A-Z]+$/.test(p[0]) ? p[0] : null;
  const url = explicit ? p[1] : p[0];
  if (!url) return;
  const items = p.slice(explicit ? 2 : 1);
  scan.http({ method: explicit ?? (items.some((x) => /[^:]=|:=/.test(x)) ? "POST" : "GET"), url });
};

/** Input a client reads from its heredocs, here-strings, or an `echo`/`printf` piped into it. */
function stdinTexts(inv: Invocation): string[] {
  const texts = [...inv.command.heredocs.map((h) => h.body), ...inv.command.hereStrings.map((w) => w.text)];
  const from = inv.command.pipedFrom;
  if (from && from.words.length > 1 && (from.words[0]!.text === "echo" || from.words[0]!.text === "printf"))
    texts.push(
      from.words
        .slice(1)
        .map((w) => w.text)
        .filter((t) => !/^-[neE]+$/.test(t))
        .join(" "),
    );
  return texts;
}

const sqlClient =
  (options: string[]): CommandRule =>
  (inv, scan) => {
    for (const o of options) {
      const v = inv.value(o);
      if (v !== undefined) scan.sql(v, inv.name);
    }
    for (const t of stdinTexts(inv)) scan.sql(t, inv.name);
  };

const sqlite: CommandRule = (inv, scan) => {
  const p = inv.positionals();
  if (p.length > 1) scan.sql(p.slice(1).join(" "), inv.name);
  for (const t of stdinTexts(inv)) scan.sql(t, inv.name);
};

const dropdb: CommandRule = (inv, scan) => {
  if (inv.has("--help", "--version")) return;
  scan.out.push(
    finding(
      inv.name === "dropuser" ? "sql.drop_user" : "sql.drop_database",
      `${inv.name} ${inv.positionals().at(-1) ?? ""}`.trim(),
      inv.text(),
    ),
  );
};

const mysqladmin: CommandRule = (inv, scan) => {
  const p = inv.positionals();
  if (p.includes("drop")) scan.out.push(finding("sql.drop_database", "mysqladmin drop deletes a database", inv.text()));
  if (p.includes("shutdown")) scan.out.push(finding("db.flush", "mysqladmin shutdown stops the server", inv.text()));
};

const redis: CommandRule = (inv, scan) => {
  const words = [...inv.positionals(), ...stdinTexts(inv).flatMap((t) => t.split(/\s+/))].map((w) => w.toUpperCase());
  const hit = words.find((w) => w === "FLUSHALL" || w === "FLUSHDB" || w === "SHUTDOWN");
  if (hit) scan.out.push(finding("db.flush", `redis ${hit}`, inv.text()));
};

const mongo: CommandRule = (inv, scan) => {
  const code = inv.value("--eval");
  if (code) scan.code(code, inv.name);
  for (const t of stdinTexts(inv)) scan.code(t, inv.name);
};

const SSH_VALUE = new Set([
  "-p",
  "-i",
  "-l",
  "-o",
  "-F",
  "-J",
  "-L",
  "-R",
  "-D",
  "-b",
  "-c",
  "-E",
  "-e",
  "-I",
  "-m",
  "-O",
  "-Q",
  "-S",
  "-W",
  "-w",
  "-B",
]);

/** `ssh host cmd…`: the remote command is a shell script on the other side. */
const ssh: CommandRule = (inv, scan) => {
  const w = inv.words;
  let i = 0;
  while (i < w.length && w[i]!.text.startsWith("-")) i += SSH_VALUE.has(w[i]!.text) ? 2 : 1;
  const remote = w.slice(i + 1);
  if (remote.length) scan.shell(remote.map((x) => x.text).join(" "));
  for (const t of stdinTexts(inv)) scan.shell(t);
};

export const CLIENT_RULES: Record<string, CommandRule> = {
  curl,
  wget,
  http: httpie,
  https: httpie,
  xh: httpie,
  psql: sqlClient(["-c", "--command"]),
  mysql: sqlClient(["-e", "--execute"]),
  mariadb: sqlClient(["-e", "--execute"]),
  "clickhouse-client": sqlClient(["--query", "-q"]),
  cockroach: sqlClient(["-e", "--execute"]),
  duckdb: sqlClient(["-c"]),
  cqlsh: sqlClient(["-e", "--execute"]),
  sqlcmd: sqlClient(["-Q", "-q"]),
  snowsql: sqlClient(["-q", "--query"]),
  bq: (inv, scan) => {
    if (inv.positionals()[0] === "query") scan.sql(inv.positionals().slice(1).join(" "), "bq query");
    else if (inv.positionals()[0] === "rm") scan.out.push(finding("db.delete", "bq rm deletes a dataset or table", inv.text()));
  },
  sqlite3: sqlite,
  sqlite: sqlite,
  dropdb,
  dropuser: dropdb,
  mysqladmin,
  "redis-cli": redis,
  "valkey-cli": redis,
  mongosh: mongo,
  mongo: mongo,
  ssh,
};

export type { Scanner };

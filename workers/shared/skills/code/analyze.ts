/**
 * Reads a skill's modules before they may run (at publish, and again when an isolate is built):
 *
 * - **What it may import**: only its own modules, by relative path. No `cloudflare:*`, `node:*`,
 *   bare or URL specifiers, no dynamic `import()` (a computed specifier could name any built-in
 *   module, e.g. `cloudflare:sockets` — checked in workerd), no identifiers in the runtime's
 *   reserved `__sb` namespace. So its only ways out are `fetch`/`connect`, which the isolate's
 *   `globalOutbound` (the egress proxy) receives.
 * - **The meter**: a call to the runtime's `__sb_tick()` at the top of every loop body and every
 *   function body, so an invocation that loops or recurses past its step budget is stopped with a
 *   clear error. The platform's `limits.cpuMs` is the guarantee in production; local workerd
 *   enforces no CPU limit at all (an endless loop there freezes the whole process — checked), so
 *   the meter is what stops it locally and a second line in production. It does not see CPU spent
 *   inside one built-in call (a catastrophic regular expression); only the platform limit does.
 *
 * Parsing is acorn (a small, well-kept ES parser with exact source positions); the instrumented
 * source is the original with insertions only, so line numbers in errors stay the author's.
 */
import { parse, type Node } from "acorn";

export const RUNTIME_DIR = "__switchboard";
export const METER_MODULE = `${RUNTIME_DIR}/meter.js`;
export const MAIN_MODULE = `${RUNTIME_DIR}/main.js`;
const RESERVED = /^__sb/;
export const MODULE_NAME = /^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))(?!__switchboard\/)[A-Za-z0-9_\-./]{1,200}\.(?:js|mjs)$/;

export interface CodeProblem {
  module: string;
  line: number | null;
  message: string;
}

type AnyNode = Node & Record<string, any>;

/** The module a relative specifier names, resolved the way workerd resolves module names (as paths under one root). */
export function resolveSpecifier(importer: string, specifier: string): string | null {
  if (!specifier.startsWith("./") && !specifier.startsWith("../")) return null;
  const url = new URL(specifier, `file:///bundle/${importer}`);
  if (!url.pathname.startsWith("/bundle/") || url.search || url.hash) return null;
  return decodeURIComponent(url.pathname.slice("/bundle/".length));
}

function lineOf(source: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos && i < source.length; i++) if (source.charCodeAt(i) === 10) line++;
  return line;
}

function walk(node: unknown, visit: (n: AnyNode) => void): void {
  if (Array.isArray(node)) {
    for (const child of node) walk(child, visit);
    return;
  }
  if (!node || typeof node !== "object" || typeof (node as AnyNode).type !== "string") return;
  visit(node as AnyNode);
  for (const key of Object.keys(node)) {
    if (key === "type" || key === "start" || key === "end" || key === "loc" || key === "range") continue;
    const value = (node as Record<string, unknown>)[key];
    if (value && typeof value === "object") walk(value, visit);
  }
}

interface Insertion {
  at: number;
  text: string;
  /** Closers go before openers at the same position. */
  closer: boolean;
}

const LOOPS = new Set(["ForStatement", "ForInStatement", "ForOfStatement", "WhileStatement", "DoWhileStatement"]);
const FUNCTIONS = new Set(["FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression"]);

/**
 * Checks one module and returns its instrumented source, or the problems that refuse it.
 * `modules` is the set of module names in the package (what relative imports may reach).
 */
export function analyzeModule(
  name: string,
  source: string,
  modules: ReadonlySet<string>,
): { ok: true; instrumented: string; imports: string[] } | { ok: false; problems: CodeProblem[] } {
  const problems: CodeProblem[] = [];
  let ast: AnyNode;
  try {
    ast = parse(source, { ecmaVersion: "latest", sourceType: "module" }) as AnyNode;
  } catch (err) {
    const pos = (err as { pos?: number }).pos;
    return {
      ok: false,
      problems: [
        {
          module: name,
          line: typeof pos === "number" ? lineOf(source, pos) : null,
          message: `Syntax error: ${String((err as Error).message)}`,
        },
      ],
    };
  }
  const refuse = (node: AnyNode, message: string) => problems.push({ module: name, line: lineOf(source, node.start), message });
  const imports: string[] = [];
  const insertions: Insertion[] = [];
  const tickAtBlockStart = (block: AnyNode) => insertions.push({ at: block.start + 1, text: "__sb_tick();", closer: false });

  walk(ast, (node) => {
    switch (node.type) {
      case "ImportDeclaration":
      case "ExportAllDeclaration":
      case "ExportNamedDeclaration": {
        if (!node.source) break;
        const spec = String(node.source.value);
        const target = resolveSpecifier(name, spec);
        if (target === null)
          refuse(
            node,
            `Imports are limited to the skill's own modules by relative path ("./x.js"); "${spec}" is not one (no cloudflare:, node: or package imports).`,
          );
        else if (!modules.has(target)) refuse(node, `"${spec}" names no module of this skill (resolved to ${target}).`);
        else imports.push(target);
        break;
      }
      case "ImportExpression":
        refuse(node, "Dynamic import() is not allowed: import the skill's own modules statically.");
        break;
      case "Identifier":
      case "PrivateIdentifier":
        if (RESERVED.test(String(node.name))) refuse(node, `The name ${node.name} is reserved for the skill runtime.`);
        break;
    }
    if (LOOPS.has(node.type)) {
      const body = node.body as AnyNode;
      if (body.type === "BlockStatement") tickAtBlockStart(body);
      else {
        insertions.push({ at: body.start, text: "{__sb_tick();", closer: false });
        insertions.push({ at: body.end, text: "}", closer: true });
      }
    } else if (FUNCTIONS.has(node.type)) {
      const body = node.body as AnyNode;
      if (body.type === "BlockStatement") tickAtBlockStart(body);
      else {
        insertions.push({ at: body.start, text: "(__sb_tick(), ", closer: false });
        insertions.push({ at: body.end, text: ")", closer: true });
      }
    }
  });
  if (problems.length) return { ok: false, problems };

  insertions.sort((a, b) => a.at - b.at || (a.closer === b.closer ? 0 : a.closer ? -1 : 1));
  let out = "";
  let last = 0;
  for (const ins of insertions) {
    out += source.slice(last, ins.at) + ins.text;
    last = ins.at;
  }
  out += source.slice(last);
  const depth = name.split("/").length - 1;
  const meter = `${depth === 0 ? "./" : "../".repeat(depth)}${METER_MODULE}`;
  // One line, so the author's line numbers are off by none: the import goes on the first line.
  return { ok: true, instrumented: `import { __sb_tick } from ${JSON.stringify(meter)}; ${out}`, imports };
}

/** Every module checked and instrumented; the entry must be among them. */
export function analyzePackage(
  modules: Record<string, string>,
  entry: string,
): { ok: true; instrumented: Record<string, string> } | { ok: false; problems: CodeProblem[] } {
  const names = new Set(Object.keys(modules));
  const problems: CodeProblem[] = [];
  if (!names.has(entry))
    problems.push({ module: entry, line: null, message: `The manifest's handler.entry (${entry}) is not one of the modules.` });
  const instrumented: Record<string, string> = {};
  for (const [name, source] of Object.entries(modules)) {
    if (!MODULE_NAME.test(name)) {
      problems.push({
        module: name,
        line: null,
        message: "A module name is a relative path ending in .js or .mjs, without . or .. segments, outside __switchboard/.",
      });
      continue;
    }
    const result = analyzeModule(name, source, names);
    if (result.ok) instrumented[name] = result.instrumented;
    else problems.push(...result.problems);
  }
  return problems.length ? { ok: false, problems } : { ok: true, instrumented };
}

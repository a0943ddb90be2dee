// Executes parsed Go text/template trees with the semantics Helm relies on
// (https://pkg.go.dev/text/template): pipelines pass their value as the last argument,
// `$` is the data the template started with, variables live until the `end` of the block
// that declared them, `if`/`with` use Go's truth (false, 0, nil, empty string/list/map are
// false), `range` walks lists in order and maps by sorted key, missing map keys are nil
// (Helm's missingkey=zero) and a field of nil is an error.
import { parseTemplate, type BlockNode, type Operand, type ParsedTemplate, type Pipeline, type TemplateNode } from "./template-parse.ts";

export type TemplateFunction = (...args: any[]) => unknown;

export class TemplateExecError extends Error {}

const NONE = Symbol("no value");
class LoopSignal {
  constructor(readonly kind: "break" | "continue") {}
}

/** Go's truth: the zero value of any type, and empty collections, are false. */
export function isTrue(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value).length > 0;
  return true;
}

export const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** fmt.Sprint of a value as text/template prints it; nil prints "<no value>". */
export function printValue(value: unknown): string {
  if (value === null || value === undefined) return "<no value>";
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return `[${value.map((v) => (v == null ? "<nil>" : printValue(v))).join(" ")}]`;
  if (isMap(value)) return `map[${Object.keys(value).sort().map((k) => `${k}:${value[k] == null ? "<nil>" : printValue(value[k])}`).join(" ")}]`;
  return String(value);
}

/** A set of associated templates (files plus their `define`s) sharing one function map. */
export class TemplateSet {
  readonly templates = new Map<string, ParsedTemplate>();
  readonly functions: Map<string, TemplateFunction>;

  constructor(functions: (set: TemplateSet) => Record<string, TemplateFunction>) {
    this.functions = new Map(Object.entries(functions(this)));
  }

  /** Parses `src` as the template `name`; its defines become callable by `include`. */
  add(name: string, src: string): void {
    const names = new Set([...this.functions.keys(), "and", "or"]);
    const parsed = parseTemplate(name, src, this.templates, names);
    this.templates.set(name, parsed);
  }

  execute(name: string, data: unknown): string {
    const template = this.templates.get(name);
    if (!template) throw new TemplateExecError(`template: no template ${JSON.stringify(name)} associated with template set`);
    return new Execution(this, template).run(data);
  }
}

class Execution {
  private vars: { name: string; value: unknown }[] = [];
  private line = 0;

  constructor(
    private readonly set: TemplateSet,
    private readonly template: ParsedTemplate,
  ) {}

  run(data: unknown): string {
    this.vars = [{ name: "$", value: data }];
    const out: string[] = [];
    try {
      this.walk(this.template.nodes, data, out);
    } catch (error) {
      if (error instanceof LoopSignal) throw new TemplateExecError(`template: ${this.template.file}:${this.line}: {{${error.kind}}} outside {{range}}`);
      if (error instanceof TemplateExecError || !(error instanceof Error)) throw error;
      throw new TemplateExecError(`template: ${this.template.file}:${this.line}: executing ${JSON.stringify(this.template.name)}: ${error.message}`);
    }
    return out.join("");
  }

  private walk(nodes: TemplateNode[], dot: unknown, out: string[]): void {
    for (const node of nodes) {
      if (node.kind === "text") {
        out.push(node.text);
        continue;
      }
      this.line = node.line;
      if (node.kind === "output") {
        const value = this.pipeline(node.pipe, dot);
        if (!node.pipe.vars.length) out.push(printValue(value));
      } else if (node.kind === "template") {
        out.push(this.set.execute(node.name, node.pipe ? this.pipeline(node.pipe, dot) : null));
      } else if (node.kind !== "if" && node.kind !== "with" && node.kind !== "range") {
        throw new LoopSignal(node.kind);
      } else {
        const mark = this.vars.length;
        if (node.kind === "range") this.range(node, dot, out);
        else {
          const value = this.pipeline(node.pipe, dot);
          if (isTrue(value)) this.walk(node.body, node.kind === "with" ? value : dot, out);
          else this.walk(node.otherwise, dot, out);
        }
        this.vars.length = mark;
      }
    }
  }

  private range(node: BlockNode, dot: unknown, out: string[]): void {
    const { vars, commands } = node.pipe;
    const value = this.pipeline({ vars: [], assign: false, commands }, dot);
    let entries: [unknown, unknown][];
    if (value === null || value === undefined) entries = [];
    else if (Array.isArray(value)) entries = value.map((v, i) => [i, v]);
    else if (isMap(value)) entries = Object.keys(value).sort().map((k) => [k, value[k]]);
    else if (typeof value === "number" && Number.isInteger(value)) entries = Array.from({ length: Math.max(0, value) }, (_, i) => [i, i]);
    else throw new Error(`range can't iterate over ${printValue(value)}`);
    if (!entries.length) return this.walk(node.otherwise, dot, out);
    const mark = this.vars.length;
    for (const [key, element] of entries) {
      this.vars.length = mark;
      if (vars.length === 1) this.vars.push({ name: vars[0], value: element });
      if (vars.length === 2) this.vars.push({ name: vars[0], value: key }, { name: vars[1], value: element });
      try {
        this.walk(node.body, element, out);
      } catch (signal) {
        if (!(signal instanceof LoopSignal)) throw signal;
        if (signal.kind === "break") break;
      }
    }
  }

  private pipeline(pipe: Pipeline, dot: unknown): unknown {
    let value: unknown = NONE;
    for (const command of pipe.commands) value = this.command(command, dot, value);
    if (pipe.assign) {
      const target = this.findVar(pipe.vars[0]);
      target.value = value;
    } else {
      for (const name of pipe.vars) this.vars.push({ name, value });
    }
    return value;
  }

  private command(command: Operand[], dot: unknown, previous: unknown): unknown {
    const [head, ...args] = command;
    if (head.kind === "function") {
      if (head.name === "and" || head.name === "or") return this.logical(head.name, args, dot, previous);
      const values = args.map((a) => this.operand(a, dot));
      if (previous !== NONE) values.push(previous);
      return this.call(head.name, values);
    }
    if (args.length || previous !== NONE) throw new Error(`can't give argument to non-function ${describe(head)}`);
    return this.operand(head, dot);
  }

  // `and` and `or` stop at the first argument that decides the result (Go 1.18+).
  private logical(name: "and" | "or", args: Operand[], dot: unknown, previous: unknown): unknown {
    const thunks: (() => unknown)[] = args.map((a) => () => this.operand(a, dot));
    if (previous !== NONE) thunks.push(() => previous);
    if (!thunks.length) throw new Error(`wrong number of args for ${name}: want at least 1 got 0`);
    let value: unknown;
    for (const thunk of thunks) {
      value = thunk();
      if (isTrue(value) === (name === "or")) return value;
    }
    return value;
  }

  private call(name: string, args: unknown[]): unknown {
    try {
      return this.set.functions.get(name)!(...args);
    } catch (error) {
      if (error instanceof TemplateExecError) throw error;
      throw new Error(`error calling ${name}: ${(error as Error).message}`);
    }
  }

  private operand(op: Operand, dot: unknown): unknown {
    switch (op.kind) {
      case "literal":
        return op.value;
      case "function":
        return this.call(op.name, []);
      case "field":
        return fields(dot, op.path, ".");
      case "variable":
        return fields(this.findVar(op.name).value, op.path, op.name);
      case "pipe":
        return fields(this.pipeline(op.pipe, dot), op.path, "(...)");
    }
  }

  private findVar(name: string): { name: string; value: unknown } {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i].name === name) return this.vars[i];
    throw new Error(`undefined variable: ${name}`);
  }
}

function fields(value: unknown, path: string[], start: string): unknown {
  let at = start;
  for (const key of path) {
    if (value === null || value === undefined) throw new Error(`nil pointer evaluating ${at}.${key}`);
    if (!isMap(value)) throw new Error(`can't evaluate field ${key} in ${at} (a ${Array.isArray(value) ? "list" : typeof value})`);
    value = Object.hasOwn(value, key) ? value[key] : undefined;
    at = at === "." ? `.${key}` : `${at}.${key}`;
  }
  return value;
}

function describe(op: Operand): string {
  if (op.kind === "field") return `.${op.path.join(".")}`;
  if (op.kind === "variable") return [op.name, ...op.path].join(".");
  if (op.kind === "literal") return JSON.stringify(op.value);
  return "(...)";
}

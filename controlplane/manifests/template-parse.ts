// Parser for Go text/template (https://pkg.go.dev/text/template#hdr-Actions): turns lexed
// pieces into a tree of text, output actions, if/else if/else, with/else, range/else,
// define, template, break and continue. Every `define` lands in the shared `defines` map,
// as Go associates all templates parsed into one set.
import { lex, TemplateSyntaxError, type Token } from "./template-lex.ts";

export type Operand =
  | { kind: "field"; path: string[] }
  | { kind: "variable"; name: string; path: string[] }
  | { kind: "function"; name: string }
  | { kind: "literal"; value: unknown }
  | { kind: "pipe"; pipe: Pipeline; path: string[] };

export interface Pipeline {
  /** Variables declared (`$x :=`) or assigned (`$x =`) by this pipeline. */
  vars: string[];
  assign: boolean;
  commands: Operand[][];
}

/** `if`, `with` and `range`: a body, and what runs when the pipeline is empty (`else`). */
export interface BlockNode {
  kind: "if" | "with" | "range";
  pipe: Pipeline;
  body: TemplateNode[];
  otherwise: TemplateNode[];
  line: number;
}

export type TemplateNode =
  | { kind: "text"; text: string }
  | { kind: "output"; pipe: Pipeline; line: number }
  | BlockNode
  | { kind: "template"; name: string; pipe?: Pipeline; line: number }
  | { kind: "break" | "continue"; line: number };

export interface ParsedTemplate {
  name: string;
  /** The file the template was written in (for error messages). */
  file: string;
  nodes: TemplateNode[];
}

const KEYWORDS = new Set(["if", "else", "end", "with", "range", "define", "template", "block", "break", "continue"]);

/** Parses one template file; its `define`s are added to `defines` (later ones win, as in Go). */
export function parseTemplate(name: string, src: string, defines: Map<string, ParsedTemplate>, functions: ReadonlySet<string>): ParsedTemplate {
  const pieces = lex(name, src);
  let at = 0;
  let line = 1;
  const fail = (msg: string): never => {
    throw new TemplateSyntaxError(`template: ${name}:${line}: ${msg}`);
  };

  // Parses nodes until an `end` or `else` action; returns the nodes and the stopping action.
  function list(stops: boolean): { nodes: TemplateNode[]; stop?: Token[] } {
    const nodes: TemplateNode[] = [];
    while (at < pieces.length) {
      const piece = pieces[at++];
      line = piece.line;
      if (piece.kind === "text") {
        nodes.push({ kind: "text", text: piece.text });
        continue;
      }
      const [head, ...rest] = piece.tokens;
      if (!head) fail("missing value for command");
      const keyword = head.kind === "ident" && KEYWORDS.has(head.name) ? head.name : undefined;
      if (keyword === "end" || keyword === "else") {
        if (!stops) fail(`unexpected {{${keyword}}}`);
        return { nodes, stop: piece.tokens };
      }
      if (keyword) nodes.push(...control(keyword, rest, piece.line));
      else nodes.push({ kind: "output", pipe: pipeline(piece.tokens, true), line: piece.line });
    }
    if (stops) fail("unexpected EOF");
    return { nodes };
  }

  function control(keyword: string, rest: Token[], actionLine: number): TemplateNode[] {
    if (keyword === "break" || keyword === "continue") return [{ kind: keyword, line: actionLine }];
    if (keyword === "template") {
      const [nameToken, ...args] = rest;
      if (nameToken?.kind !== "string") fail("template: expected a quoted template name");
      return [{ kind: "template", name: (nameToken as { value: string }).value, pipe: args.length ? pipeline(args, false) : undefined, line: actionLine }];
    }
    if (keyword === "define") {
      if (rest.length !== 1 || rest[0].kind !== "string") fail("define: expected a quoted template name");
      const body = list(true);
      if (!isKeyword(body.stop!, "end")) fail("define: unexpected {{else}}");
      const defined = (rest[0] as { value: string }).value;
      defines.set(defined, { name: defined, file: name, nodes: body.nodes });
      return [];
    }
    if (keyword === "block") fail("{{block}} is not supported by attache manifests");
    const kind = keyword as "if" | "with" | "range";
    const pipe = pipeline(rest, true);
    const body = list(true);
    let otherwise: TemplateNode[] = [];
    if (isKeyword(body.stop!, "else")) {
      const after = body.stop!.slice(1);
      if (after.length && after[0].kind === "ident" && (after[0].name === "if" || after[0].name === "with")) {
        // `{{else if x}}` is `{{else}}{{if x}}...{{end}}{{end}}` sharing the outer `end`.
        otherwise = control(after[0].name, after.slice(1), actionLine);
      } else {
        if (after.length) fail(`unexpected tokens after {{else}}`);
        const tail = list(true);
        if (!isKeyword(tail.stop!, "end")) fail("expected {{end}}");
        otherwise = tail.nodes;
      }
    } else if (body.stop!.length > 1) fail("unexpected tokens after {{end}}");
    return [{ kind, pipe, body: body.nodes, otherwise, line: actionLine }];
  }

  function pipeline(tokens: Token[], allowDecl: boolean): Pipeline {
    let vars: string[] = [];
    let assign = false;
    const declEnd = tokens.findIndex((t) => t.kind === "punct" && (t.value === ":=" || t.value === "="));
    if (declEnd > 0 && tokens.slice(0, declEnd).every((t) => t.kind === "variable" || (t.kind === "punct" && t.value === ","))) {
      if (!allowDecl) fail("variable declaration not allowed here");
      vars = tokens.slice(0, declEnd).filter((t) => t.kind === "variable").map((t) => (t as { name: string }).name);
      assign = (tokens[declEnd] as { value: string }).value === "=";
      tokens = tokens.slice(declEnd + 1);
    }
    const commands: Operand[][] = [];
    let i = 0;
    const operand = (): Operand => {
      const t = tokens[i++];
      let node: Operand;
      if (t.kind === "field") node = { kind: "field", path: t.path };
      else if (t.kind === "dot") node = { kind: "field", path: [] };
      else if (t.kind === "variable") node = { kind: "variable", name: t.name, path: t.path };
      else if (t.kind === "string" || t.kind === "number") node = { kind: "literal", value: t.value };
      else if (t.kind === "ident") {
        if (t.name === "true" || t.name === "false") node = { kind: "literal", value: t.name === "true" };
        else if (t.name === "nil") node = { kind: "literal", value: null };
        else if (functions.has(t.name)) node = { kind: "function", name: t.name };
        else return fail(`function "${t.name}" not defined`);
      } else if (t.kind === "punct" && t.value === "(") {
        const start = i;
        for (let depth = 1; depth; i++) {
          if (i >= tokens.length) fail("unclosed left paren");
          const p = tokens[i];
          if (p.kind === "punct" && p.value === "(") depth++;
          if (p.kind === "punct" && p.value === ")") depth--;
        }
        node = { kind: "pipe", pipe: pipeline(tokens.slice(start, i - 1), false), path: [] };
      } else return fail(`unexpected ${JSON.stringify((t as { value?: unknown }).value ?? t.kind)} in operand`);
      // A field chain written right after an operand, e.g. `(include "x" .).Field`.
      const next = tokens[i];
      if (next && next.kind === "field" && !next.spaced) {
        if (node.kind !== "pipe") return fail("unexpected field chain");
        (node as Extract<Operand, { kind: "pipe" }>).path = next.path;
        i++;
      }
      return node;
    };
    let command: Operand[] = [];
    while (i < tokens.length) {
      const t = tokens[i];
      if (t.kind === "punct" && t.value === "|") {
        if (!command.length) fail("missing command before |");
        commands.push(command);
        command = [];
        i++;
        continue;
      }
      command.push(operand());
    }
    if (!command.length) fail("missing value for command");
    commands.push(command);
    return { vars, assign, commands };
  }

  const nodes = list(false).nodes;
  return { name, file: name, nodes };
}

function isKeyword(tokens: Token[], word: string): boolean {
  return tokens[0]?.kind === "ident" && tokens[0].name === word;
}

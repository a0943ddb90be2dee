// Lexer for the Go text/template language (https://pkg.go.dev/text/template), the subset
// Helm charts use: text, `{{ }}` actions with `{{- ` / ` -}}` whitespace trimming, comments,
// strings ("..." and `raw`), numbers, booleans, nil, variables, field chains, `|`, `(`, `)`,
// `:=`, `=` and `,`. Character constants and custom delimiters are not supported.

export type Token =
  | { kind: "field"; path: string[]; spaced: boolean }
  | { kind: "dot"; spaced: boolean }
  | { kind: "variable"; name: string; path: string[]; spaced: boolean }
  | { kind: "ident"; name: string; spaced: boolean }
  | { kind: "string"; value: string; spaced: boolean }
  | { kind: "number"; value: number; spaced: boolean }
  | { kind: "punct"; value: "|" | "(" | ")" | ":=" | "=" | ","; spaced: boolean };

/** One piece of a template: literal text, or the tokens of one `{{ }}` action. */
export type Piece = { kind: "text"; text: string; line: number } | { kind: "action"; tokens: Token[]; line: number };

const SPACE = /[ \t\r\n]/;
const TRIM_LEFT = /[ \t\r\n]+$/;
const TRIM_RIGHT = /^[ \t\r\n]+/;

export class TemplateSyntaxError extends Error {}

/** Splits template text into text and action pieces, applying the trim markers. */
export function lex(name: string, src: string): Piece[] {
  const pieces: Piece[] = [];
  let pos = 0;
  let trimNext = false;
  const lineAt = (at: number) => src.slice(0, at).split("\n").length;
  const fail = (at: number, msg: string): never => {
    throw new TemplateSyntaxError(`template: ${name}:${lineAt(at)}: ${msg}`);
  };
  while (pos < src.length) {
    const open = src.indexOf("{{", pos);
    let text = src.slice(pos, open < 0 ? src.length : open);
    if (trimNext) text = text.replace(TRIM_RIGHT, "");
    trimNext = false;
    if (open < 0) {
      if (text) pieces.push({ kind: "text", text, line: lineAt(pos) });
      break;
    }
    let at = open + 2;
    // "{{- " trims the text before it; the dash must be followed by a space (Go's rule).
    if (src[at] === "-" && SPACE.test(src[at + 1] ?? "")) {
      text = text.replace(TRIM_LEFT, "");
      at += 2;
    }
    if (text) pieces.push({ kind: "text", text, line: lineAt(pos) });
    while (SPACE.test(src[at] ?? "")) at++;
    if (src.startsWith("/*", at)) {
      const close = src.indexOf("*/", at + 2);
      if (close < 0) fail(open, "unclosed comment");
      const end = closeDelimiter(src, close + 2);
      if (!end) fail(open, "comment ends before closing delimiter");
      trimNext = end!.trim;
      pos = end!.next;
      continue;
    }
    const line = lineAt(open);
    const tokens: Token[] = [];
    for (;;) {
      const start = at;
      while (SPACE.test(src[at] ?? "")) at++;
      const spaced = at > start || tokens.length === 0;
      const end = closeDelimiter(src, start);
      if (end) {
        trimNext = end.trim;
        pos = end.next;
        break;
      }
      if (at >= src.length) fail(open, "unclosed action");
      const [token, next] = lexToken(src, at, spaced, (msg) => fail(at, msg));
      tokens.push(token);
      at = next;
    }
    pieces.push({ kind: "action", tokens, line });
  }
  return pieces;
}

/** Matches `}}` or ` -}}` at `at` (after optional spaces); returns where text resumes. */
function closeDelimiter(src: string, at: number): { next: number; trim: boolean } | undefined {
  let i = at;
  while (SPACE.test(src[i] ?? "")) i++;
  if (i > at && src.startsWith("-}}", i)) return { next: i + 3, trim: true };
  if (src.startsWith("}}", i)) return { next: i + 2, trim: false };
  return undefined;
}

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const FIELDS = /(?:\.[A-Za-z_][A-Za-z0-9_]*)+/y;
const NUMBER = /[-+]?(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][-+]?\d+)?)/y;

function sticky(re: RegExp, src: string, at: number): string | undefined {
  re.lastIndex = at;
  return re.exec(src)?.[0];
}

function lexToken(src: string, at: number, spaced: boolean, fail: (msg: string) => never): [Token, number] {
  const c = src[at];
  if (c === "|" || c === "(" || c === ")" || c === ",") return [{ kind: "punct", value: c, spaced }, at + 1];
  if (src.startsWith(":=", at)) return [{ kind: "punct", value: ":=", spaced }, at + 2];
  if (c === "=") return [{ kind: "punct", value: "=", spaced }, at + 1];
  if (c === '"') return lexQuoted(src, at, spaced, fail);
  if (c === "`") {
    const close = src.indexOf("`", at + 1);
    if (close < 0) fail("unterminated raw quoted string");
    return [{ kind: "string", value: src.slice(at + 1, close), spaced }, close + 1];
  }
  if (c === "$") {
    const name = "$" + (sticky(IDENT, src, at + 1) ?? "");
    const fields = sticky(FIELDS, src, at + name.length) ?? "";
    return [{ kind: "variable", name, path: fields.split(".").slice(1), spaced }, at + name.length + fields.length];
  }
  if (c === ".") {
    const fields = sticky(FIELDS, src, at);
    if (fields) return [{ kind: "field", path: fields.split(".").slice(1), spaced }, at + fields.length];
    return [{ kind: "dot", spaced }, at + 1];
  }
  const number = /[-+\d]/.test(c) || (c === "." && /\d/.test(src[at + 1] ?? "")) ? sticky(NUMBER, src, at) : undefined;
  if (number) {
    const value = Number(number.replace(/_/g, "").replace(/^([-+]?)0[oO]/, "$10o"));
    if (Number.isNaN(value)) fail(`bad number syntax: ${number}`);
    return [{ kind: "number", value, spaced }, at + number.length];
  }
  const ident = sticky(IDENT, src, at);
  if (ident) return [{ kind: "ident", name: ident, spaced }, at + ident.length];
  return fail(`unexpected ${JSON.stringify(c)} in action`);
}

const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\", "'": "'", a: "\x07", b: "\b", f: "\f", v: "\v", "0": "\0" };

/** A Go interpreted string literal: backslash escapes incl. \xHH, \uHHHH, \UHHHHHHHH. */
function lexQuoted(src: string, at: number, spaced: boolean, fail: (msg: string) => never): [Token, number] {
  let out = "";
  let i = at + 1;
  for (;;) {
    const c = src[i];
    if (c === undefined || c === "\n") fail("unterminated quoted string");
    if (c === '"') return [{ kind: "string", value: out, spaced }, i + 1];
    if (c !== "\\") {
      out += c;
      i++;
      continue;
    }
    const e = src[i + 1];
    const hexLength = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
    if (hexLength) {
      const hex = src.slice(i + 2, i + 2 + hexLength);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== hexLength) fail(`bad escape \\${e}${hex}`);
      out += String.fromCodePoint(parseInt(hex, 16));
      i += 2 + hexLength;
    } else if (e in ESCAPES) {
      out += ESCAPES[e];
      i += 2;
    } else {
      fail(`unknown escape sequence \\${e}`);
    }
  }
}

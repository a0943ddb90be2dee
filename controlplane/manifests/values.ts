// Chart values the way Helm builds them (https://helm.sh/docs/chart_template_guide/values_files/):
// values.yaml, then each --values file, then each --set, later ones winning; maps merge key
// by key, anything else is replaced, and null deletes a key. --set follows Helm's strvals
// syntax: `a.b=c,d[0]=e`, `{x,y}` lists, `\` escapes, and "true"/"false"/"null"/integers
// typed as such (--set-string keeps everything a string).
// Unlike Helm, a value whose type contradicts the chart's default (a map where values.yaml
// has a number, a word where it has a number or a boolean) is an error naming the key.
import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { isMap } from "./template-exec.ts";

export type Values = Record<string, unknown>;

export class ValuesError extends Error {}

/** Reads a YAML values file whose top level must be a map. */
export function readValuesFile(file: string): Values {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ValuesError(`--values ${file}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`);
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length) throw new ValuesError(`--values ${file}: ${doc.errors[0].message}`);
  const values = doc.toJS() ?? {};
  if (!isMap(values)) throw new ValuesError(`--values ${file}: the top level must be a map of values, not ${describeType(values)}`);
  return values;
}

/** Helm's strvals typing of one --set value. */
function typed(raw: string, asString: boolean): unknown {
  if (asString) return raw;
  if (raw === "true" || raw === "false") return raw === "true";
  if (raw === "null") return null;
  if (raw === "0") return 0;
  if (/^[-+]?[1-9]\d*$/.test(raw) && Number.isSafeInteger(Number(raw))) return Number(raw);
  return raw;
}

/** Splits on `sep` outside `{...}` and not preceded by a backslash. */
function splitUnescaped(text: string, sep: string): string[] {
  const parts: string[] = [];
  let current = "";
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\\" && i + 1 < text.length) {
      current += c + text[++i];
      continue;
    }
    if (c === "{") depth++;
    if (c === "}") depth = Math.max(0, depth - 1);
    if (c === sep && depth === 0) {
      parts.push(current);
      current = "";
    } else current += c;
  }
  parts.push(current);
  return parts;
}

const unescape = (s: string) => s.replace(/\\(.)/g, "$1");

/** Parses one --set argument (`a.b=1,c[0]=x`) into a values tree. */
export function parseSet(arg: string, asString = false): Values {
  const flag = asString ? "--set-string" : "--set";
  const out: Values = {};
  for (const pair of splitUnescaped(arg, ",")) {
    const eq = splitUnescaped(pair, "=");
    if (eq.length < 2 || !eq[0]) throw new ValuesError(`${flag} ${JSON.stringify(pair)}: expected key=value`);
    const key = eq[0];
    const raw = eq.slice(1).join("=");
    const value = /^\{.*\}$/s.test(raw) && !asString
      ? raw.length === 2 ? [] : splitUnescaped(raw.slice(1, -1), ",").map((v) => typed(unescape(v), false))
      : typed(unescape(raw), asString);
    setPath(out, parseKey(key, flag), value);
  }
  return out;
}

type Step = string | number;

function parseKey(key: string, flag: string): Step[] {
  const steps: Step[] = [];
  for (const part of splitUnescaped(key, ".")) {
    const match = /^((?:\\.|[^[\\])*)((?:\[\d+\])*)$/.exec(part);
    if (!match || !match[1]) throw new ValuesError(`${flag} ${key}: bad key segment ${JSON.stringify(part)} (expected name or name[index])`);
    steps.push(unescape(match[1]));
    for (const index of match[2].matchAll(/\[(\d+)\]/g)) {
      if (Number(index[1]) > 65536) throw new ValuesError(`${flag} ${key}: index ${index[1]} is too large`);
      steps.push(Number(index[1]));
    }
  }
  return steps;
}

function setPath(root: Values, steps: Step[], value: unknown): void {
  let node: any = root;
  steps.forEach((step, i) => {
    const last = i === steps.length - 1;
    if (last) {
      node[step] = value;
      return;
    }
    const wantList = typeof steps[i + 1] === "number";
    const existing = node[step];
    if (wantList ? !Array.isArray(existing) : !isMap(existing)) node[step] = wantList ? [] : {};
    node = node[step];
    // Helm pads skipped list positions with null.
    if (Array.isArray(node)) while (node.length < (steps[i + 1] as number)) node.push(null);
  });
}

/** Helm's coalescing: maps merge recursively, null deletes, anything else replaces. */
export function mergeValues(base: Values, overlay: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    if (value === null) delete out[key];
    else if (isMap(value) && isMap(out[key])) out[key] = mergeValues(out[key] as Values, value);
    else out[key] = value;
  }
  return out;
}

function describeType(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (isMap(v)) return "a map";
  if (typeof v === "string") return `the string ${JSON.stringify(v)}`;
  return `${typeof v === "number" ? "the number" : typeof v === "boolean" ? "the boolean" : ""} ${String(v)}`.trim();
}

/**
 * Checks `overlay` against the chart's defaults: where values.yaml has a map, list, number or
 * boolean, the user's value must be of that kind (strings accept any scalar). Keys the chart
 * does not define pass, as in Helm (templates may read free-form maps such as nodeSelector).
 */
export function checkAgainstDefaults(defaults: Values, overlay: Values, source: string, prefix = ""): void {
  for (const [key, value] of Object.entries(overlay)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const expected = defaults[key];
    if (value === null || expected === null || expected === undefined) continue;
    const kind = (v: unknown) => (Array.isArray(v) ? "list" : isMap(v) ? "map" : typeof v);
    const want = kind(expected);
    const got = kind(value);
    const ok = want === got || (want === "string" && (got === "number" || got === "boolean"));
    if (!ok) {
      let like = want === "map" || want === "list" ? "as in the chart's values.yaml" : `like the chart's default ${JSON.stringify(expected)}`;
      if (want === "list" && source.startsWith("--set")) like += ` (write lists as ${path}={a,b})`;
      throw new ValuesError(`${source}: ${path} must be a ${want} ${like}, got ${describeType(value)}`);
    }
    if (want === "map") checkAgainstDefaults(expected as Values, value as Values, source, path);
  }
}

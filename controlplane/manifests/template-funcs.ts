// The functions a Helm template can call, for the subset charts like ours use: Go's
// text/template builtins (https://pkg.go.dev/text/template#hdr-Functions), Sprig's
// (https://masterminds.github.io/sprig/) and Helm's own include/tpl/required/toYaml/toJson/
// fromYaml (https://helm.sh/docs/howto/charts_tips_and_tricks/). A template calling any other
// function fails to parse with `function "x" not defined`, as Go does.
import { createHash } from "node:crypto";
import { parse, stringify } from "yaml";
import { isMap, isTrue, printValue, type TemplateFunction, type TemplateSet } from "./template-exec.ts";

/** Go's encoding/json output: keys sorted, and <, >, & escaped as \u003c etc. (HTML-safe). */
export function goJson(value: unknown): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sorted) : isMap(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])])) : v ?? null;
  return JSON.stringify(sorted(value)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * Helm's toYaml (sigs.k8s.io/yaml): keys sorted, no trailing newline. Emitted as YAML 1.1 so
 * strings such as "on" or "yes" are quoted for Kubernetes' YAML 1.1 parser; no line folding.
 */
export function goYaml(value: unknown): string {
  if (value === undefined || value === null) return "null";
  return stringify(value, { version: "1.1", sortMapEntries: true, lineWidth: 0, aliasDuplicateObjects: false }).replace(/\n$/, "");
}

/** Sprig's toInt64 (via spf13/cast): numbers truncate, numeric strings parse, others are 0. */
function toInt(value: unknown): number {
  if (typeof value === "number") return Math.trunc(value);
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "string" && /^[-+]?\d+$/.test(value.trim())) return Number(value.trim());
  return 0;
}

/** Sprig's strval: strings as is, everything else through fmt.Sprint. */
const str = (value: unknown): string => (typeof value === "string" ? value : value == null ? "" : printValue(value));

/** Go's %q for the strings templates quote: JSON escaping matches for printable text. */
const goQuote = (s: string): string => JSON.stringify(s).replace(/\\u007f/g, "\\x7f");

/** fmt.Sprintf for the verbs templates use: %s %d %v %q %t %%. */
export function sprintf(format: string, ...args: unknown[]): string {
  let next = 0;
  return format.replace(/%([-+# 0]*\d*(?:\.\d+)?)?([sdvqtf%])/g, (whole, _flags, verb: string) => {
    if (verb === "%") return "%";
    if (next >= args.length) return `%!${verb}(MISSING)`;
    const arg = args[next++];
    if (verb === "q") return goQuote(str(arg));
    if (verb === "d") return typeof arg === "number" ? String(Math.trunc(arg)) : `%!d(${printValue(arg)})`;
    return printValue(arg);
  }) + (next < args.length ? `%!(EXTRA ${args.slice(next).map(printValue).join(", ")})` : "");
}

function compare(name: string, a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  throw new Error(`${name}: incompatible types for comparison`);
}

const indentBy = (n: number, text: unknown) => {
  const pad = " ".repeat(toInt(n));
  return pad + str(text).replaceAll("\n", `\n${pad}`);
};

/** The function map for one template set (include and tpl render other templates of it). */
export function helmFunctions(set: TemplateSet): Record<string, TemplateFunction> {
  return {
    // Go builtins (and/or are evaluated lazily by the executor).
    not: (v) => !isTrue(v),
    eq: (a, ...bs) => bs.some((b) => a === b),
    ne: (a, b) => a !== b,
    lt: (a, b) => compare("lt", a, b) < 0,
    le: (a, b) => compare("le", a, b) <= 0,
    gt: (a, b) => compare("gt", a, b) > 0,
    ge: (a, b) => compare("ge", a, b) >= 0,
    len: (v) => (typeof v === "string" ? Buffer.byteLength(v) : Array.isArray(v) ? v.length : isMap(v) ? Object.keys(v).length : fail(`len of ${printValue(v)}`)),
    index: (v, ...keys) => keys.reduce((at, k) => (Array.isArray(at) || isMap(at) ? (at as any)[k as any] : fail(`can't index item of type ${typeof at}`)), v),
    print: (...args) => args.map((a, i) => (i > 0 && typeof a !== "string" && typeof args[i - 1] !== "string" ? " " : "") + printValue(a)).join(""),
    println: (...args) => args.map(printValue).join(" ") + "\n",
    printf: (format, ...args) => sprintf(str(format), ...args),
    // Helm.
    include: (name, data) => set.execute(str(name), data),
    tpl: (text, data) => {
      const name = `tpl-${createHash("sha256").update(str(text)).digest("hex").slice(0, 12)}`;
      set.add(name, str(text));
      return set.execute(name, data);
    },
    required: (message, value) => (value === null || value === undefined || value === "" ? fail(str(message)) : value),
    toYaml: (v) => goYaml(v),
    toJson: (v) => goJson(v),
    fromYaml: (text) => parse(str(text)) ?? {},
    // `helm template` has no cluster to look objects up in: lookup always finds nothing.
    lookup: () => ({}),
    // Sprig: defaults and logic.
    default: (fallback, ...given) => (given.length && isTrue(given[0]) ? given[0] : fallback),
    empty: (v) => !isTrue(v),
    coalesce: (...vs) => vs.find(isTrue) ?? null,
    ternary: (yes, no, condition) => (isTrue(condition) ? yes : no),
    fail: (message) => fail(str(message)),
    // Sprig: strings.
    quote: (...vs) => vs.filter((v) => v != null).map((v) => goQuote(str(v))).join(" "),
    squote: (...vs) => vs.filter((v) => v != null).map((v) => `'${str(v)}'`).join(" "),
    indent: (n, text) => indentBy(n, text),
    nindent: (n, text) => "\n" + indentBy(n, text),
    trunc: (n, s) => {
      const [c, text] = [toInt(n), str(s)];
      return c < 0 ? (text.length + c > 0 ? text.slice(text.length + c) : text) : text.length > c ? text.slice(0, c) : text;
    },
    trim: (s) => str(s).trim(),
    trimSuffix: (suffix, s) => (str(s).endsWith(str(suffix)) ? str(s).slice(0, str(s).length - str(suffix).length) : str(s)),
    trimPrefix: (prefix, s) => (str(s).startsWith(str(prefix)) ? str(s).slice(str(prefix).length) : str(s)),
    upper: (s) => str(s).toUpperCase(),
    lower: (s) => str(s).toLowerCase(),
    replace: (old, replacement, s) => str(s).replaceAll(str(old), str(replacement)),
    contains: (sub, s) => str(s).includes(str(sub)),
    hasPrefix: (prefix, s) => str(s).startsWith(str(prefix)),
    hasSuffix: (suffix, s) => str(s).endsWith(str(suffix)),
    join: (sep, v) => (Array.isArray(v) ? v.filter((x) => x != null).map(str) : [str(v)]).join(str(sep)),
    toString: (v: unknown) => str(v),
    sha256sum: (s) => createHash("sha256").update(str(s)).digest("hex"),
    b64enc: (s) => Buffer.from(str(s)).toString("base64"),
    // Sprig: numbers (int64 arithmetic).
    int: (v) => toInt(v),
    add: (...vs) => vs.reduce<number>((sum, v) => sum + toInt(v), 0),
    sub: (a, b) => toInt(a) - toInt(b),
    mul: (...vs) => vs.reduce<number>((product, v) => product * toInt(v), 1),
    div: (a, b) => Math.trunc(toInt(a) / toInt(b)),
    max: (...vs) => Math.max(...vs.map(toInt)),
    min: (...vs) => Math.min(...vs.map(toInt)),
    // Sprig: collections.
    list: (...vs) => vs,
    dict: (...kv) => Object.fromEntries(Array.from({ length: Math.ceil(kv.length / 2) }, (_, i) => [str(kv[2 * i]), kv[2 * i + 1] ?? ""])),
    hasKey: (m, key) => isMap(m) && Object.hasOwn(m, str(key)),
  };
}

function fail(message: string): never {
  throw new Error(message);
}

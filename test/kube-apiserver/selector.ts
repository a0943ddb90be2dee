// Label selectors as kube-apiserver parses them (apimachinery pkg/labels/selector.go):
// comma-separated requirements, each `key`, `!key`, `key=value`, `key==value`, `key!=value`,
// `key in (a,b)` or `key notin (a,b)`. An object matches when every requirement holds.

export type LabelPredicate = (labels: Record<string, string> | undefined) => boolean;

export class SelectorError extends Error {}

/** Splits on commas that are not inside a parenthesised value set. */
function splitRequirements(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of selector) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

function parseRequirement(text: string): LabelPredicate {
  let m = /^([^\s!=(),]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(text);
  if (m) {
    const [, key, op, list] = m;
    const values = new Set(list.split(",").map((v) => v.trim()));
    return op === "in"
      ? (labels) => labels?.[key] !== undefined && values.has(labels[key])
      : (labels) => labels?.[key] === undefined || !values.has(labels[key]);
  }
  m = /^([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/.exec(text);
  if (m) {
    const [, key, op, value] = m;
    return op === "!=" ? (labels) => labels?.[key] !== value : (labels) => labels?.[key] === value;
  }
  m = /^(!?)([^\s!=(),]+)$/.exec(text);
  if (m) {
    const [, not, key] = m;
    return not ? (labels) => labels?.[key] === undefined : (labels) => labels?.[key] !== undefined;
  }
  throw new SelectorError(`unable to parse requirement: "${text}"`);
}

export function parseLabelSelector(selector: string | null | undefined): LabelPredicate {
  if (!selector) return () => true;
  const requirements = splitRequirements(selector).map(parseRequirement);
  return (labels) => requirements.every((matches) => matches(labels));
}

/** Field selectors: comma-separated `path=value`, `path==value` or `path!=value` over
 *  dotted paths such as `metadata.name` or `type` (kube-apiserver supports a per-kind set;
 *  the stand-in accepts any path). */
export function parseFieldSelector(selector: string | null | undefined): (obj: Record<string, unknown>) => boolean {
  if (!selector) return () => true;
  const requirements = splitRequirements(selector).map((text) => {
    const m = /^([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*)$/.exec(text);
    if (!m) throw new SelectorError(`invalid field selector: "${text}"`);
    const [, path, op, value] = m;
    const read = (obj: Record<string, unknown>) => path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], obj);
    return op === "!=" ? (obj: Record<string, unknown>) => String(read(obj) ?? "") !== value : (obj: Record<string, unknown>) => String(read(obj) ?? "") === value;
  });
  return (obj) => requirements.every((matches) => matches(obj));
}

// Reads what Emissary users have: multi-document YAML streams whose documents are single
// objects, top-level YAML lists of objects, or `kind: List` objects (what
// `kubectl get mappings -o yaml` prints), in any mix. Every object keeps the file and line
// it came from, so reports can point at it.
import { isMap, isSeq, parseAllDocuments, type Node } from "yaml";
import { isObj, type Obj } from "./fields.ts";

export interface InputObject {
  object: Obj;
  /** "file:line" of the object's first line. */
  where: string;
}

export interface ReadResult {
  objects: InputObject[];
  /** Unreadable input, as "file:line: message". */
  errors: string[];
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** `kind: List` (v1 List, or any `<Kind>List` a client prints) holds its objects in `items`. */
const isListObject = (value: Obj): boolean => typeof value.kind === "string" && /List$/.test(value.kind) && Array.isArray(value.items);

export function readYamlObjects(text: string, file: string): ReadResult {
  const objects: InputObject[] = [];
  const errors: string[] = [];
  const visit = (node: Node | null | undefined, value: unknown, fallbackLine: number, path: string): void => {
    const line = node?.range ? lineOf(text, node.range[0]) : fallbackLine;
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      const items = isSeq(node) ? node.items : [];
      value.forEach((item, i) => visit(items[i] as Node | undefined, item, line, `${path}[${i}]`));
      return;
    }
    if (!isObj(value)) {
      errors.push(`${file}:${line}: ${path || "document"}: expected a Kubernetes object, got ${JSON.stringify(value).slice(0, 40)}`);
      return;
    }
    if (isListObject(value)) {
      const itemsNode = isMap(node) ? (node.get("items", true) as Node | undefined) : undefined;
      visit(itemsNode, value.items, line, `${path}${path ? "." : ""}items`);
      return;
    }
    objects.push({ object: value, where: `${file}:${line}` });
  };
  for (const doc of parseAllDocuments(text)) {
    const line = lineOf(text, doc.contents?.range[0] ?? doc.range[0]);
    if (doc.errors.length) {
      errors.push(`${file}:${line}: ${doc.errors.map((e) => e.message).join("; ")}`);
      continue;
    }
    visit(doc.contents as Node | null, doc.toJS() as unknown, line, "");
  }
  return { objects, errors };
}

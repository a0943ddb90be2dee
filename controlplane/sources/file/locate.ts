// Finds the line of a field inside a YAML document, so CLI messages can point at
// `examples/api.yaml:14` (the bad `timeout:`) rather than the document's first line. Used
// only when printing errors: the source keeps document lines, never per-field positions.
import { readFileSync } from "node:fs";
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Node } from "yaml";

/** "spec.headers[0].regex" / 'metadata.labels["app.kubernetes.io/name"]' -> segments. */
export function pathSegments(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  const pattern = /([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  for (const match of path.matchAll(pattern)) {
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else segments.push(JSON.parse(match[3]) as string);
  }
  return segments;
}

export class YamlLocator {
  private files = new Map<string, { docs: { line: number; contents: Node | null }[]; counter: LineCounter } | null>();

  /** @param read reads a file by the name used in SourceLocation (relative to some base). */
  constructor(private readonly read: (file: string) => string = (file) => readFileSync(file, "utf8")) {}

  private load(file: string) {
    if (!this.files.has(file)) {
      try {
        const counter = new LineCounter();
        const docs = parseAllDocuments(this.read(file), { lineCounter: counter });
        const list = (Array.isArray(docs) ? docs : [docs]).map((doc) => ({
          line: counter.linePos(doc.contents?.range?.[0] ?? doc.range?.[0] ?? 0).line,
          contents: doc.contents as Node | null,
        }));
        this.files.set(file, { docs: list, counter });
      } catch {
        this.files.set(file, null);
      }
    }
    return this.files.get(file);
  }

  /** The line of the deepest existing node on `path` in the document starting at `docLine`
   *  (for a missing field, its parent; for an unknown field, the key itself). */
  line(file: string, docLine: number, path: string): number {
    const loaded = this.load(file);
    const doc = loaded?.docs.find((d) => d.line === docLine);
    if (!loaded || !doc?.contents) return docLine;
    let node: Node = doc.contents;
    let line = docLine;
    for (const segment of pathSegments(path)) {
      if (isMap(node)) {
        const pair = node.items.find((item) => (isScalar(item.key) ? item.key.value : item.key) === segment);
        if (!pair) break;
        const keyRange = (pair.key as Node | null)?.range;
        if (keyRange) line = loaded.counter.linePos(keyRange[0]).line;
        if (!pair.value || typeof pair.value !== "object") break;
        node = pair.value as Node;
      } else if (isSeq(node) && typeof segment === "number") {
        const item = node.items[segment] as Node | undefined;
        if (!item?.range) break;
        line = loaded.counter.linePos(item.range[0]).line;
        node = item;
      } else {
        break;
      }
    }
    return line;
  }
}

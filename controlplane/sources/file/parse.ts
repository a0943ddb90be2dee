// Multi-document YAML -> bundle resources, each remembering its file and first line so every
// error message can say `examples/api.yaml:12`. A document that is not valid YAML or not an
// object becomes a SourceError; the other documents of the file still load.
import { LineCounter, parseAllDocuments } from "yaml";
import type { BundleResource, KubeObject, SourceError } from "../bundle.ts";

export interface ParsedFile {
  resources: BundleResource[];
  errors: SourceError[];
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

export function parseYamlDocuments(text: string, file: string): ParsedFile {
  const lineCounter = new LineCounter();
  const result: ParsedFile = { resources: [], errors: [] };
  const documents = parseAllDocuments(text, { lineCounter, uniqueKeys: true });
  for (const doc of Array.isArray(documents) ? documents : [documents]) {
    const start = doc.contents?.range?.[0] ?? doc.range?.[0] ?? 0;
    const docLine = lineCounter.linePos(start).line;
    if (doc.errors.length) {
      // One error per document (at its first problem), so counts mean "unreadable documents".
      const line = doc.errors[0].linePos?.[0]?.line ?? docLine;
      const messages = [...new Set(doc.errors.map((e) => e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")))];
      result.errors.push({ location: { file, line }, message: `invalid YAML: ${messages.join("; ")}` });
      continue;
    }
    const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
    if (value === null || value === undefined) continue; // empty document (e.g. a trailing ---)
    if (typeof value !== "object" || Array.isArray(value)) {
      result.errors.push({ location: { file, line: docLine }, message: "a document must be a Kubernetes object (a YAML mapping with apiVersion, kind, metadata)" });
      continue;
    }
    const object = value as KubeObject;
    if (object.kind === "List" && Array.isArray(object.items)) {
      for (const item of object.items) {
        if (item && typeof item === "object") result.resources.push(deepFreeze({ object: item as KubeObject, location: { file, line: docLine } }));
      }
      continue;
    }
    result.resources.push(deepFreeze({ object, location: { file, line: docLine } }));
  }
  return result;
}

// Multi-document YAML -> bundle resources, each remembering its file and first line so every
// error message can say `examples/api.yaml:12`. A document that is not valid YAML or not an
// object becomes a SourceError; the other documents of the file still load. A document whose
// aliases expand past the limit (an alias bomb) is an error like any other; a file with more
// documents than the limit is one error and loads nothing (limits.ts).
import { Composer, isScalar, LineCounter, Parser, visit, type Document } from "yaml";
import type { BundleResource, KubeObject, SourceError } from "../bundle.ts";
import { MAX_ALIAS_COUNT, MAX_DOCUMENTS_PER_FILE } from "./limits.ts";

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

/** The offset of the first key that repeats a key of the same mapping, or undefined. */
function firstDuplicateKey(doc: Document.Parsed): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (seen.has(key)) { found = (pair.key as { range?: number[] } | null)?.range?.[0] ?? 0; return visit.BREAK; }
        seen.add(key);
      }
      return undefined;
    },
  });
  return found;
}

export function parseYamlDocuments(text: string, file: string): ParsedFile {
  const lineCounter = new LineCounter();
  const result: ParsedFile = { resources: [], errors: [] };
  const documents: Document.Parsed[] = [];
  // Composed one at a time, so a file with too many documents stops at the limit.
  // Keys are checked for uniqueness below in linear time; the library's own check compares
  // every key with every other (a map of 90,000 keys took minutes).
  const composer = new Composer({ uniqueKeys: false });
  for (const doc of composer.compose(new Parser(lineCounter.addNewLine).parse(text))) {
    if (documents.length === MAX_DOCUMENTS_PER_FILE) {
      return { resources: [], errors: [{ location: { file, line: 1 }, message: `more than ${MAX_DOCUMENTS_PER_FILE} documents in one file` }] };
    }
    documents.push(doc);
  }
  for (const doc of documents) {
    const start = doc.contents?.range?.[0] ?? doc.range?.[0] ?? 0;
    const docLine = lineCounter.linePos(start).line;
    const duplicate = firstDuplicateKey(doc);
    if (duplicate !== undefined) {
      result.errors.push({ location: { file, line: lineCounter.linePos(duplicate).line }, message: "invalid YAML: Map keys must be unique" });
      continue;
    }
    if (doc.errors.length) {
      // One error per document (at its first problem), so counts mean "unreadable documents".
      const line = lineCounter.linePos(doc.errors[0].pos[0]).line;
      const messages = [...new Set(doc.errors.map((e) => e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")))];
      result.errors.push({ location: { file, line }, message: `invalid YAML: ${messages.join("; ")}` });
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      result.errors.push({ location: { file, line: docLine }, message: `invalid YAML: ${(error as Error).message}` });
      continue;
    }
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

// The two patch formats kube-apiserver accepts for every kind:
// - JSON Merge Patch (RFC 7386, application/merge-patch+json). Strategic merge patch
//   (application/strategic-merge-patch+json) is accepted as a merge patch: the difference
//   (merge keys for lists such as containers) does not matter for the kinds the gateway
//   patches, and the stand-in says so rather than pretending to implement it.
// - JSON Patch (RFC 6902, application/json-patch+json), with RFC 6901 pointers.

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === "object" && v !== null && !Array.isArray(v);

/** RFC 7386 section 2, MergePatch(Target, Patch). */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const result: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

export class PatchError extends Error {}

interface Operation {
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  path: string;
  value?: Json;
  from?: string;
}

function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new PatchError(`invalid JSON pointer "${pointer}"`);
  return pointer
    .slice(1)
    .split("/")
    .map((token) => token.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function resolveParent(doc: Json, tokens: string[], pointer: string): { parent: Json; key: string } {
  let node = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isObject(node)) node = node[token];
    else node = undefined;
    if (node === undefined) throw new PatchError(`path "${pointer}" does not exist`);
  }
  return { parent: node, key: tokens[tokens.length - 1] };
}

function getAt(doc: Json, pointer: string): Json {
  let node = doc;
  for (const token of parsePointer(pointer)) {
    node = Array.isArray(node) ? node[Number(token)] : isObject(node) ? node[token] : undefined;
    if (node === undefined) throw new PatchError(`path "${pointer}" does not exist`);
  }
  return node;
}

function arrayIndex(array: Json[], key: string, pointer: string, forInsert: boolean): number {
  if (forInsert && key === "-") return array.length;
  const index = Number(key);
  const limit = forInsert ? array.length : array.length - 1;
  if (!/^(0|[1-9][0-9]*)$/.test(key) || index > limit) throw new PatchError(`path "${pointer}": index out of range`);
  return index;
}

function add(doc: Json, pointer: string, value: Json): Json {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const { parent, key } = resolveParent(doc, tokens, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, pointer, true), 0, value);
  else if (isObject(parent)) parent[key] = value;
  else throw new PatchError(`path "${pointer}": parent is not a container`);
  return doc;
}

function remove(doc: Json, pointer: string): Json {
  const tokens = parsePointer(pointer);
  const { parent, key } = resolveParent(doc, tokens, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, pointer, false), 1);
  else if (isObject(parent) && key in parent) delete parent[key];
  else throw new PatchError(`path "${pointer}" does not exist`);
  return doc;
}

/** RFC 6902 section 4: applies operations in order; any failure rejects the whole patch. */
export function jsonPatch(target: Json, operations: Json): Json {
  if (!Array.isArray(operations)) throw new PatchError("a JSON patch must be an array of operations");
  let doc = structuredClone(target);
  for (const raw of operations as Operation[]) {
    switch (raw.op) {
      case "add":
        doc = add(doc, raw.path, structuredClone(raw.value));
        break;
      case "remove":
        doc = remove(doc, raw.path);
        break;
      case "replace":
        getAt(doc, raw.path);
        doc = raw.path === "" ? structuredClone(raw.value) : add(remove(doc, raw.path), raw.path, structuredClone(raw.value));
        break;
      case "move": {
        const value = getAt(doc, raw.from ?? "");
        doc = add(remove(doc, raw.from ?? ""), raw.path, value);
        break;
      }
      case "copy":
        doc = add(doc, raw.path, structuredClone(getAt(doc, raw.from ?? "")));
        break;
      case "test":
        if (JSON.stringify(getAt(doc, raw.path)) !== JSON.stringify(raw.value))
          throw new PatchError(`test operation failed at "${raw.path}"`);
        break;
      default:
        throw new PatchError(`unknown JSON patch operation ${JSON.stringify((raw as { op?: unknown }).op)}`);
    }
  }
  return doc;
}

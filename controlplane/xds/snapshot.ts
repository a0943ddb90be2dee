// Snapshots: the translator's XdsResources encoded once per resource version. A resource's
// version is a hash of its deterministic bytes (protobuf-es writes fields in declaration order
// and the translator builds maps in a fixed order), so an unchanged resource keeps its version
// across translations and is never re-sent (Envoy drains listeners on spurious changes,
// envoyproxy/envoy#8564). Encodings are cached per JSON object: the translator returns the same objects
// (===) for unchanged inputs, so a one-Mapping change encodes about one resource.
import { createHash } from "node:crypto";
import { encodeJson } from "../../protos/json.ts";
import { isResourceTypeUrl, type ResourceJson, type ResourcesByType } from "../../protos/type-urls.ts";
import { encodeAny, encodeDeltaResource, encodeSotwBody, fieldSize } from "./wire.ts";
import { SERVED_TYPES, shortType, TYPE_URL } from "./types.ts";

/** Type URL -> resource name -> proto3 JSON (the translator's output shape). */
export type XdsResources = ResourcesByType;


export interface EncodedResource {
  name: string;
  typeUrl: string;
  version: string;
  /** google.protobuf.Any bytes (SotW `resources` entry). */
  any: Uint8Array;
  /** DeltaDiscoveryResponse.Resource bytes (Delta `resources` entry). */
  delta: Uint8Array;
  /** Whether a wildcard subscription includes it. Listeners with `api_listener` are client-side
   *  configuration for proxyless gRPC, which always names them; Envoy refuses them outside its
   *  bootstrap (listener_manager_impl.cc) and the local data plane has no use for them. */
  wildcard: boolean;
}

export const sotwSize = (r: EncodedResource): number => fieldSize(r.any.length);
export const deltaSize = (r: EncodedResource): number => fieldSize(r.delta.length);

const hash = (data: Uint8Array | string): string => createHash("sha256").update(data).digest("base64url").slice(0, 16);

export class TypeSnapshot {
  private body?: Uint8Array;
  private visible?: ReadonlyMap<string, EncodedResource>;
  constructor(
    readonly typeUrl: string,
    /** One version per type per snapshot: a hash of every (name, version). */
    readonly version: string,
    readonly resources: ReadonlyMap<string, EncodedResource>,
  ) {}

  /** What a wildcard subscription gets (the same map when that is everything). */
  wildcardResources(): ReadonlyMap<string, EncodedResource> {
    if (!this.visible) {
      const all = [...this.resources.values()];
      this.visible = all.every((r) => r.wildcard) ? this.resources : new Map(all.filter((r) => r.wildcard).map((r) => [r.name, r]));
    }
    return this.visible;
  }

  /** The wildcard set as an encoded SotW `resources` field, built once, shared by all
   *  wildcard subscribers. */
  sotwBody(): Uint8Array {
    this.body ??= encodeSotwBody([...this.wildcardResources().values()].map((r) => r.any));
    return this.body;
  }

  get bytes(): number {
    let total = 0;
    for (const r of this.resources.values()) total += sotwSize(r);
    return total;
  }
}

export interface Snapshot {
  /** Hash of the type versions; changes whenever anything does. */
  version: string;
  types: ReadonlyMap<string, TypeSnapshot>;
  /** performance.now() when the snapshot was set (push latency is measured from here). */
  setAt: number;
  /** Resources left out because they did not encode (path-prefixed messages). */
  errors: string[];
}

export interface TypeChange {
  /** Added or changed names. */
  changed: string[];
  removed: string[];
}

/** Type URL -> what changed in it; types without changes are absent. */
export type SnapshotChanges = Map<string, TypeChange>;

export class ResourceEncoder {
  private readonly byObject = new WeakMap<object, EncodedResource>();

  remember(json: ResourceJson, resource: EncodedResource): void {
    this.byObject.set(json, resource);
  }

  /** Whether `resource` is the encoding of this very JSON object. */
  builtFrom(resource: EncodedResource, json: ResourceJson): boolean {
    return this.byObject.get(json) === resource;
  }

  /** Encodes one resource (strict proto3 JSON, protos/json.ts); throws a path-prefixed
   *  ProtoJsonError naming the resource on bad input. */
  encode(typeUrl: string, name: string, json: ResourceJson): EncodedResource {
    const hit = this.byObject.get(json);
    if (hit && hit.name === name && hit.typeUrl === typeUrl) return hit;
    const value = encodeJson(typeUrl.slice(typeUrl.indexOf("/") + 1), json, `${shortType(typeUrl)} ${name}`);
    const version = hash(value);
    const any = encodeAny(typeUrl, value);
    const apiListener = typeUrl === TYPE_URL.listener && "api_listener" in json && json.api_listener !== undefined;
    const encoded: EncodedResource = { name, typeUrl, version, any, delta: encodeDeltaResource(name, version, any), wildcard: !apiListener };
    this.byObject.set(json, encoded);
    return encoded;
  }
}

const EMPTY = new Map<string, ResourceJson>();

/** Whether a type's input is exactly what the previous snapshot was built from (same names,
 *  same JSON objects): one pass of lookups, no encoding and no new maps. */
function unchangedInput(input: ReadonlyMap<string, ResourceJson>, before: TypeSnapshot | undefined, encoder: ResourceEncoder): boolean {
  if (!before || input.size !== before.resources.size) return false;
  for (const [name, json] of input) {
    const old = before.resources.get(name);
    if (!old || !encoder.builtFrom(old, json)) return false;
  }
  return true;
}

/** Encodes `resources` against the previous snapshot of the same group: unchanged resources
 *  and types keep their objects and versions, and the changes list what a push must carry. */
export function buildSnapshot(resources: XdsResources, encoder: ResourceEncoder, previous?: Snapshot): { snapshot: Snapshot; changes: SnapshotChanges } {
  const errors: string[] = [];
  for (const typeUrl of Object.keys(resources)) {
    if (!SERVED_TYPES.has(typeUrl)) errors.push(`${typeUrl}: not a type this server serves; left out`);
  }
  const types = new Map<string, TypeSnapshot>();
  const changes: SnapshotChanges = new Map();
  for (const typeUrl of SERVED_TYPES) {
    const before = previous?.types.get(typeUrl);
    const input: ReadonlyMap<string, ResourceJson> = (isResourceTypeUrl(typeUrl) ? resources[typeUrl] : undefined) ?? EMPTY;
    if (unchangedInput(input, before, encoder)) {
      types.set(typeUrl, before!);
      continue;
    }
    const encoded = new Map<string, EncodedResource>();
    const changed: string[] = [];
    for (const [name, json] of input) {
      let resource: EncodedResource;
      try {
        resource = encoder.encode(typeUrl, name, json);
      } catch (err) {
        errors.push((err as Error).message);
        continue;
      }
      const old = before?.resources.get(name);
      if (old && old.version === resource.version && old !== resource) {
        // Same bytes from a new object: keep the old encoding (and its identity) for next time.
        resource = old;
        encoder.remember(json, old);
      } else if (old !== resource) changed.push(name);
      encoded.set(name, resource);
    }
    const removed = before ? [...before.resources.keys()].filter((n) => !encoded.has(n)) : [];
    if (before && !changed.length && !removed.length) {
      types.set(typeUrl, before);
      continue;
    }
    const pairs = [...encoded.values()].map((r) => `${r.name}\u0000${r.version}`).sort();
    types.set(typeUrl, new TypeSnapshot(typeUrl, hash(pairs.join("\n")), encoded));
    if (changed.length || removed.length) changes.set(typeUrl, { changed, removed });
  }
  const version = hash([...types.values()].map((t) => t.version).join(","));
  return { snapshot: { version, types, setAt: performance.now(), errors }, changes };
}

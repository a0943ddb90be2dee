// The resources the resolvers work on: each valid Attaché resource with its status entry, the
// Kubernetes objects they refer to (Index), a document's identity, and what resolving a
// Mapping's references attaches to it.
import type { KubeObject } from "../../sources/bundle.ts";
import { KUBERNETES_KINDS } from "../../sources/bundle.ts";
import { KIND_BY_NAME } from "../../api/kinds.ts";
import type { MappingSpec } from "../../api/mapping.ts";
import type { HostSpec } from "../../api/host.ts";
import type { WasmFilterSpec } from "../../api/wasmfilter.ts";
import type { AuthServiceSpec } from "../../api/authservice.ts";
import type { ResourceRef, WasmFilterIR } from "../../ir/types.ts";
import type { StatusEntry } from "./diagnostics.ts";
import type { MappingInfo } from "../checks/mapping.ts";

export interface Resource<S, I = undefined> {
  ref: ResourceRef;
  key: string; // "<namespace>/<name>"
  object: KubeObject;
  spec: S;
  labels: Readonly<Record<string, string>>;
  entry: StatusEntry;
  info: I;
}

export type MappingResource = Resource<MappingSpec, MappingInfo> & {
  /** Resolved references (mapping-refs.ts), set once the Mapping's refs check out. */
  extras?: MappingExtras;
};

/** A filter a route can enable: a WasmFilter resolved to its module, or an implicit built-in
 *  (filters.ts). */
export interface FilterBase {
  name: string;
  source: ResourceRef;
  order: number;
  rootId: string;
  vmId: string;
  sha256: string;
  failurePolicy: WasmFilterIR["failurePolicy"];
  defaults: Record<string, unknown>;
  deps: unknown[];
  /** Name of the filter whose config.schema.json applies (built-in and local modules). */
  schemaName?: string;
}

/** What resolving a Mapping's references gives its routes (mapping-refs.ts). */
export interface MappingExtras {
  /** Filters the Mapping itself asks for (rateLimit, filters[]), resolved. */
  filters: { base: FilterBase; settings: Record<string, unknown> }[];
  /** The built-in canary filter, when the Mapping sets `canary`. */
  canary?: { base: FilterBase; spec: NonNullable<MappingSpec["canary"]>; hashHeader: string };
}

export interface Index {
  mappings: MappingResource[];
  hosts: Resource<HostSpec>[];
  wasmFilters: Map<string, Resource<WasmFilterSpec>>;
  authServices: Resource<AuthServiceSpec>[];
  services: Map<string, KubeObject>;
  endpointSlices: Map<string, KubeObject[]>; // by "<namespace>/<service name>"
  secrets: Map<string, KubeObject>;
  configMaps: Map<string, KubeObject>;
}

function namespaceOf(object: KubeObject): string {
  const ns = object.metadata?.namespace;
  return typeof ns === "string" && ns ? ns : "default";
}

function nameOf(object: KubeObject): string | undefined {
  const name = object.metadata?.name;
  return typeof name === "string" && name ? name : undefined;
}

export interface Identity {
  kind: string;
  namespace: string;
  name?: string;
  ref: ResourceRef;
  generation?: number;
  isOurs: boolean;
  isKube: boolean;
  key: string; // "<namespace>/<name>"
  nameKey: string; // "<kind>/<namespace>/<name>"
}

const identities = new WeakMap<object, Identity>();

/** Kind, names and keys of a document, computed once per object (bundles are immutable). */
export function identify(object: KubeObject): Identity {
  const cached = object && typeof object === "object" ? identities.get(object) : undefined;
  if (cached) return cached;
  const kind = typeof object?.kind === "string" ? object.kind : "";
  const namespace = namespaceOf(object ?? {});
  const name = nameOf(object ?? {});
  const identity: Identity = {
    kind,
    namespace,
    name,
    ref: { kind: kind || "Unknown", namespace, name: name ?? "(unnamed)" },
    generation: typeof object?.metadata?.generation === "number" ? object.metadata.generation : undefined,
    isOurs: KIND_BY_NAME.has(kind),
    isKube: (KUBERNETES_KINDS as readonly string[]).includes(kind),
    key: `${namespace}/${name}`,
    nameKey: `${kind}/${namespace}/${name}`,
  };
  if (object && typeof object === "object") identities.set(object, identity);
  return identity;
}

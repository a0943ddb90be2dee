// The CRD kinds, in one table: the validator and the CRD generator iterate it.
import { MappingResource, MappingSpec } from "./mapping.ts";
import { HostResource, HostSpec } from "./host.ts";
import { WasmFilterResource, WasmFilterSpec } from "./wasmfilter.ts";
import { AuthServiceResource, AuthServiceSpec } from "./authservice.ts";
import type { TSchema } from "@sinclair/typebox";

export const API_GROUP = "attache.dev";
export const API_VERSION = "v1alpha1";

export interface KindInfo {
  kind: string;
  plural: string;
  shortNames: string[];
  spec: TSchema;
  resource: TSchema;
}

export const KINDS: readonly KindInfo[] = [
  { kind: "Mapping", plural: "mappings", shortNames: ["amap"], spec: MappingSpec, resource: MappingResource },
  { kind: "Host", plural: "hosts", shortNames: ["ahost"], spec: HostSpec, resource: HostResource },
  { kind: "WasmFilter", plural: "wasmfilters", shortNames: ["wf"], spec: WasmFilterSpec, resource: WasmFilterResource },
  { kind: "AuthService", plural: "authservices", shortNames: ["authsvc"], spec: AuthServiceSpec, resource: AuthServiceResource },
];

export const KIND_BY_NAME: ReadonlyMap<string, KindInfo> = new Map(KINDS.map((k) => [k.kind, k]));

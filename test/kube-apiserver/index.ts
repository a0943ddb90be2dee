// Test-only Kubernetes API stand-in; see server.ts for what it is and is not.
export { KubeApiStandIn, type RequestRecord } from "./server.ts";
export { attacheTypes, builtinTypes, emissaryTypes, groupVersion, type ResourceType } from "./resources.ts";
export type { KubeObject } from "./store.ts";

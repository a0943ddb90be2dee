// Test-only Kubernetes API stand-in; see server.ts for what it is, what it is not, and the
// faults it is kept for (everything else runs against the real kube-apiserver, test/cluster).
export { KubeApiStandIn, type RequestRecord } from "./server.ts";
export { attacheTypes, builtinTypes, emissaryTypes, groupVersion, type ResourceType } from "./resources.ts";
export type { KubeObject } from "./store.ts";

// The xDS stage's public surface: the ADS server, its snapshot cache and the records it keeps.
export { XdsServer, type XdsServerOptions, type ProblemRecord } from "./server.ts";
export { SnapshotCache, defaultNodeGroup, DEFAULT_GROUP, GROUP_METADATA_KEY, type NodeGroupFn, type SnapshotEvent } from "./cache.ts";
export type { Snapshot, SnapshotChanges, XdsResources } from "./snapshot.ts";
export type { PushRecord } from "./stream.ts";
export { TYPE_URL, PUSH_ORDER, type AckRecord, type ClientInfo, type NackRecord, type NodeInfo } from "./types.ts";
export { observeXds } from "./metrics.ts";

// Shared vocabulary of the ADS server: the resource types it serves, the order it pushes them
// in, which types have wildcard and full-state semantics, and what it records per client.
// Rules from Envoy's xds_protocol.rst, summarised in docs/xds.md.

import { TYPE_URL } from "../../protos/type-urls.ts";

export { TYPE_URL };

/** Make before break (xds_protocol.rst "Eventual consistency considerations"): clusters and
 *  their endpoints first, then what listeners reference (secrets, filter configs), then
 *  listeners, then route scopes (SRDS) and routes; removals go out after every update (see PushPhase). */
export const PUSH_ORDER: readonly string[] = [
  TYPE_URL.cluster,
  TYPE_URL.clusterLoadAssignment,
  TYPE_URL.secret,
  TYPE_URL.typedExtensionConfig,
  TYPE_URL.listener,
  TYPE_URL.scopedRouteConfiguration,
  TYPE_URL.routeConfiguration,
];

export const SERVED_TYPES: ReadonlySet<string> = new Set(PUSH_ORDER);

/** Types whose empty first subscription means "everything" (legacy wildcard): LDS and CDS
 *  (xds_protocol.rst "How the client specifies what resources to return"), and SRDS, which
 *  Envoy subscribes to without names (an HCM's scoped_rds takes every scope it is sent). */
export const WILDCARD_TYPES: ReadonlySet<string> = new Set([TYPE_URL.listener, TYPE_URL.cluster, TYPE_URL.scopedRouteConfiguration]);

/** Whether a stream's subscription takes a resource: named, or by wildcard unless the
 *  resource is kept out of wildcards (EncodedResource.wildcard). */
export function subscribes(wildcard: boolean, names: { has(name: string): boolean }, name: string, resource?: { wildcard: boolean }): boolean {
  return names.has(name) || (wildcard && (resource?.wildcard ?? true));
}

/** SotW types where a response is the complete state (a missing name means deleted);
 *  responses of the other types may carry only what changed (xds_protocol.rst "Resource
 *  types"; Envoy's SotW SRDS also drops scopes a response leaves out): these cannot be split
 *  over several responses. */
export const FULL_STATE_TYPES: ReadonlySet<string> = new Set([TYPE_URL.listener, TYPE_URL.cluster, TYPE_URL.scopedRouteConfiguration]);

/** grpc-js and grpc-go ADS channels keep the default 4 MiB receive limit; stay below it with
 *  room for the envelope. */
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024 - 64 * 1024;

export const shortType = (typeUrl: string): string => typeUrl.slice(typeUrl.lastIndexOf(".") + 1);

/** What the server knows about the Node of a stream (sent on its first request). */
export interface NodeInfo {
  id: string;
  cluster: string;
  /** google.protobuf.Struct metadata as plain JSON. */
  metadata: Record<string, unknown>;
  locality?: { region?: string; zone?: string; sub_zone?: string };
  userAgent?: string;
}

export interface NackRecord {
  nodeId: string;
  cluster: string;
  streamId: number;
  typeUrl: string;
  /** The version the client rejected (what we sent with `nonce`). */
  version: string;
  nonce: string;
  /** The version the client still runs (its request's version_info / last good). */
  keptVersion: string;
  message: string;
  at: string; // ISO time
}

export interface AckRecord {
  nodeId: string;
  cluster: string;
  streamId: number;
  typeUrl: string;
  version: string;
  nonce: string;
  /** Milliseconds from the snapshot being set to this ACK (for push-latency metrics). */
  latencyMs?: number;
}

/** One connected stream, for /debug/clients and resource status (admin ClientView-compatible). */
export interface ClientInfo {
  streamId: number;
  id: string; // node id
  cluster: string;
  group: string;
  protocol: "sotw" | "delta";
  connectedAt: string;
  /** Last ACKed version per type URL. */
  acked: Record<string, string>;
  /** Last version sent per type URL (equal to `acked` once the client caught up). */
  sent: Record<string, string>;
  lastNack?: { typeUrl: string; version: string; nonce: string; message: string; at: string };
  /** Names (or "*") the client subscribes to, per type URL. */
  subscriptions: Record<string, string[]>;
}

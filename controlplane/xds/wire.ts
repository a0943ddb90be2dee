// The ADS service on the wire. Requests are decoded with the generated Envoy types (protos/gen);
// responses are assembled by hand from pre-encoded bytes so each resource is serialized once
// per version and the same bytes are spliced into every client's response (docs/xds.md
// "Speed"). Field numbers: envoy/service/discovery/v3/discovery.proto, google/protobuf/any.proto.
import type * as grpc from "@grpc/grpc-js";
import { fromBinary } from "@bufbuild/protobuf";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import type { Status } from "../../protos/gen/google/rpc/status_pb.ts";
import type { Node } from "../../protos/gen/envoy/config/core/v3/base_pb.ts";
import { DeltaDiscoveryRequestSchema, DiscoveryRequestSchema } from "../../protos/gen/envoy/service/discovery/v3/discovery_pb.ts";
import type { NodeInfo } from "./types.ts";

const SERVICE = "/envoy.service.discovery.v3.AggregatedDiscoveryService";

export interface SotwRequest {
  node?: NodeInfo;
  version_info: string;
  resource_names: string[];
  type_url: string;
  response_nonce: string;
  error_detail?: { code: number; message: string };
}

export interface DeltaRequest {
  node?: NodeInfo;
  type_url: string;
  resource_names_subscribe: string[];
  resource_names_unsubscribe: string[];
  initial_resource_versions: Record<string, string>;
  response_nonce: string;
  error_detail?: { code: number; message: string };
}

function nodeInfo(node: Node | undefined): NodeInfo | undefined {
  if (!node) return undefined;
  const locality = node.locality && { region: node.locality.region, zone: node.locality.zone, sub_zone: node.locality.subZone };
  return {
    id: node.id,
    cluster: node.cluster,
    metadata: node.metadata ?? {},
    locality,
    userAgent: node.userAgentName || undefined,
  };
}

function errorDetail(status: Status | undefined): { code: number; message: string } | undefined {
  // A NACK is a request with error_detail set (xds_protocol.rst "ACK/NACK"), whatever its code.
  return status ? { code: status.code, message: status.message } : undefined;
}

export function decodeSotwRequest(bytes: Buffer): SotwRequest {
  const m = fromBinary(DiscoveryRequestSchema, bytes);
  return {
    node: nodeInfo(m.node),
    version_info: m.versionInfo,
    resource_names: m.resourceNames,
    type_url: m.typeUrl,
    response_nonce: m.responseNonce,
    error_detail: errorDetail(m.errorDetail),
  };
}

export function decodeDeltaRequest(bytes: Buffer): DeltaRequest {
  const m = fromBinary(DeltaDiscoveryRequestSchema, bytes);
  return {
    node: nodeInfo(m.node),
    type_url: m.typeUrl,
    resource_names_subscribe: m.resourceNamesSubscribe,
    resource_names_unsubscribe: m.resourceNamesUnsubscribe,
    initial_resource_versions: m.initialResourceVersions,
    response_nonce: m.responseNonce,
    error_detail: errorDetail(m.errorDetail),
  };
}

/** A Buffer view of the writer's bytes, without copying. */
const asBuffer = (bytes: Uint8Array): Buffer => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));

// Wire tags: (field number << 3) | 2 (length-delimited).
const tag = (field: number): number => (field << 3) | 2;
const writer = (): BinaryWriter => new BinaryWriter();

/** google.protobuf.Any{type_url = 1, value = 2}. */
export function encodeAny(typeUrl: string, value: Uint8Array): Uint8Array {
  return writer().uint32(tag(1)).string(typeUrl).uint32(tag(2)).bytes(value).finish();
}

/** DeltaDiscoveryResponse.Resource{version = 1, resource = 2 (Any), name = 3}. */
export function encodeDeltaResource(name: string, version: string, any: Uint8Array): Uint8Array {
  return writer().uint32(tag(1)).string(version).uint32(tag(2)).bytes(any).uint32(tag(3)).string(name).finish();
}

/** Bytes one pre-encoded sub-message adds to a response (tag + length prefix + body). */
export const fieldSize = (bodyLength: number): number => 1 + varintSize(bodyLength) + bodyLength;

/** Bytes of `value` as a base-128 varint (protobuf.dev "Encoding"). */
function varintSize(value: number): number {
  let size = 1;
  for (let rest = value >>> 7; rest; rest >>>= 7) size++;
  return size;
}

/** DiscoveryResponse{version_info = 1, resources = 2 (Any), type_url = 4, nonce = 5}. */
export function encodeSotwResponse(version: string, typeUrl: string, nonce: string, anys: readonly Uint8Array[]): Buffer {
  const w = writer().uint32(tag(1)).string(version);
  for (const any of anys) w.uint32(tag(2)).bytes(any);
  w.uint32(tag(4)).string(typeUrl).uint32(tag(5)).string(nonce);
  return asBuffer(w.finish());
}

/** DeltaDiscoveryResponse{system_version_info = 1, resources = 2, type_url = 4, nonce = 5,
 *  removed_resources = 6}. */
export function encodeDeltaResponse(systemVersion: string, typeUrl: string, nonce: string, resources: readonly Uint8Array[], removed: readonly string[]): Buffer {
  const w = writer().uint32(tag(1)).string(systemVersion);
  for (const r of resources) w.uint32(tag(2)).bytes(r);
  w.uint32(tag(4)).string(typeUrl).uint32(tag(5)).string(nonce);
  for (const name of removed) w.uint32(tag(6)).string(name);
  return asBuffer(w.finish());
}

/** The service definition for grpc.Server#addService: requests decoded to plain objects,
 *  responses written as ready-made Buffers. */
export function adsServiceDefinition(): grpc.ServiceDefinition {
  const identity = (b: Buffer): Buffer => b;
  const method = (name: string, decode: (b: Buffer) => unknown) => ({
    path: `${SERVICE}/${name}`,
    requestStream: true,
    responseStream: true,
    requestSerialize: identity,
    requestDeserialize: decode,
    responseSerialize: identity,
    responseDeserialize: identity,
    originalName: name,
  });
  return {
    StreamAggregatedResources: method("StreamAggregatedResources", decodeSotwRequest),
    DeltaAggregatedResources: method("DeltaAggregatedResources", decodeDeltaRequest),
  } as unknown as grpc.ServiceDefinition;
}

/** A SotW response whose repeated `resources` field is already encoded (shared by every
 *  wildcard subscriber of a full-state type); protobuf fields may come in any order. */
export function encodeSotwResponseWithBody(version: string, typeUrl: string, nonce: string, body: Uint8Array): Buffer {
  const head = writer().uint32(tag(1)).string(version).finish();
  const tail = writer().uint32(tag(4)).string(typeUrl).uint32(tag(5)).string(nonce).finish();
  return Buffer.concat([head, body, tail]);
}

/** The repeated `resources = 2` field of a SotW response, for encodeSotwResponseWithBody. */
export function encodeSotwBody(anys: readonly Uint8Array[]): Uint8Array {
  const w = writer();
  for (const any of anys) w.uint32(tag(2)).bytes(any);
  return w.finish();
}

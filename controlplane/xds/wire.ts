// The ADS service on the wire. Requests are decoded with the real Envoy types (protos/envoy.ts);
// responses are assembled by hand from pre-encoded bytes so each resource is serialized once
// per version and the same bytes are spliced into every client's response (docs/xds.md
// "Speed"). Field numbers: envoy/service/discovery/v3/discovery.proto, google/protobuf/any.proto.
import type * as grpc from "@grpc/grpc-js";
import protobuf from "protobufjs";
import { envoyType } from "../../protos/envoy.ts";
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

type Obj = Record<string, any>;

/** google.protobuf.Value (as protobufjs toObject gives it) -> plain JSON. protobufjs ships
 *  its own camelCase google/protobuf/struct.proto, so the fields are stringValue etc. */
function valueToJson(value: Obj | undefined): unknown {
  if (!value) return null;
  if ("stringValue" in value) return value.stringValue;
  if ("numberValue" in value) return value.numberValue;
  if ("boolValue" in value) return value.boolValue;
  if ("structValue" in value) return structToJson(value.structValue);
  if ("listValue" in value) return (value.listValue.values ?? []).map(valueToJson);
  return null;
}

function structToJson(struct: Obj | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(struct?.fields ?? {}).map(([k, v]) => [k, valueToJson(v as Obj)]));
}

function nodeInfo(node: Obj | undefined): NodeInfo | undefined {
  if (!node) return undefined;
  return {
    id: node.id ?? "",
    cluster: node.cluster ?? "",
    metadata: structToJson(node.metadata),
    locality: node.locality,
    userAgent: node.user_agent_name,
  };
}

function errorDetail(status: Obj | undefined): { code: number; message: string } | undefined {
  // A NACK is a request with error_detail set (xds_protocol.rst "ACK/NACK"), whatever its code.
  return status ? { code: status.code ?? 0, message: status.message ?? "" } : undefined;
}

const TO_OBJECT: protobuf.IConversionOptions = { arrays: true, objects: true, longs: Number, defaults: false };

export function decodeSotwRequest(bytes: Buffer): SotwRequest {
  const type = envoyType("envoy.service.discovery.v3.DiscoveryRequest");
  const m = type.toObject(type.decode(bytes), TO_OBJECT);
  return {
    node: nodeInfo(m.node),
    version_info: m.version_info ?? "",
    resource_names: m.resource_names ?? [],
    type_url: m.type_url ?? "",
    response_nonce: m.response_nonce ?? "",
    error_detail: errorDetail(m.error_detail),
  };
}

export function decodeDeltaRequest(bytes: Buffer): DeltaRequest {
  const type = envoyType("envoy.service.discovery.v3.DeltaDiscoveryRequest");
  const m = type.toObject(type.decode(bytes), TO_OBJECT);
  return {
    node: nodeInfo(m.node),
    type_url: m.type_url ?? "",
    resource_names_subscribe: m.resource_names_subscribe ?? [],
    resource_names_unsubscribe: m.resource_names_unsubscribe ?? [],
    initial_resource_versions: m.initial_resource_versions ?? {},
    response_nonce: m.response_nonce ?? "",
    error_detail: errorDetail(m.error_detail),
  };
}

/** protobufjs returns a Buffer under Node; wrap without copying either way. */
const asBuffer = (bytes: Uint8Array): Buffer => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));

// Wire tags: (field number << 3) | 2 (length-delimited).
const tag = (field: number): number => (field << 3) | 2;

/** google.protobuf.Any{type_url = 1, value = 2}. */
export function encodeAny(typeUrl: string, value: Uint8Array): Uint8Array {
  return protobuf.Writer.create().uint32(tag(1)).string(typeUrl).uint32(tag(2)).bytes(value).finish();
}

/** DeltaDiscoveryResponse.Resource{version = 1, resource = 2 (Any), name = 3}. */
export function encodeDeltaResource(name: string, version: string, any: Uint8Array): Uint8Array {
  return protobuf.Writer.create().uint32(tag(1)).string(version).uint32(tag(2)).bytes(any).uint32(tag(3)).string(name).finish();
}

/** Bytes one pre-encoded sub-message adds to a response (tag + length prefix + body). */
export const fieldSize = (bodyLength: number): number => 1 + protobuf.Writer.create().uint32(bodyLength).len + bodyLength;

/** DiscoveryResponse{version_info = 1, resources = 2 (Any), type_url = 4, nonce = 5}. */
export function encodeSotwResponse(version: string, typeUrl: string, nonce: string, anys: readonly Uint8Array[]): Buffer {
  const w = protobuf.Writer.create().uint32(tag(1)).string(version);
  for (const any of anys) w.uint32(tag(2)).bytes(any);
  w.uint32(tag(4)).string(typeUrl).uint32(tag(5)).string(nonce);
  return asBuffer(w.finish());
}

/** DeltaDiscoveryResponse{system_version_info = 1, resources = 2, type_url = 4, nonce = 5,
 *  removed_resources = 6}. */
export function encodeDeltaResponse(systemVersion: string, typeUrl: string, nonce: string, resources: readonly Uint8Array[], removed: readonly string[]): Buffer {
  const w = protobuf.Writer.create().uint32(tag(1)).string(systemVersion);
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
  const head = protobuf.Writer.create().uint32(tag(1)).string(version).finish();
  const tail = protobuf.Writer.create().uint32(tag(4)).string(typeUrl).uint32(tag(5)).string(nonce).finish();
  return Buffer.concat([head, body, tail]);
}

/** The repeated `resources = 2` field of a SotW response, for encodeSotwResponseWithBody. */
export function encodeSotwBody(anys: readonly Uint8Array[]): Uint8Array {
  const w = protobuf.Writer.create();
  for (const any of anys) w.uint32(tag(2)).bytes(any);
  return w.finish();
}

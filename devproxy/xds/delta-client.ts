// A Delta ADS client (envoy.service.discovery.v3.AggregatedDiscoveryService/
// DeltaAggregatedResources) for the local data plane, following Envoy's side of the
// protocol (xds_protocol.rst "Incremental xDS"): one stream, per-type subscriptions,
// every response ACKed or NACKed (error_detail set) with its nonce, and on reconnect
// `initial_resource_versions` so the server sends only what changed. Resources are
// decoded to proto3 JSON with the generated Envoy types (protos/json.ts).
import { EventEmitter } from "node:events";
import * as grpc from "@grpc/grpc-js";
import { fromBinary, type JsonObject } from "@bufbuild/protobuf";
import {
  DeltaDiscoveryRequestSchema, DeltaDiscoveryResponseSchema, type DeltaDiscoveryRequestJson, type DeltaDiscoveryResponse,
} from "../../protos/gen/envoy/service/discovery/v3/discovery_pb.ts";
import { decodeResource, encodeMessage } from "../../protos/json.ts";
import { isResourceTypeUrl, type ResourceJson, type ResourceTypeUrl } from "../../protos/type-urls.ts";

const ADS_METHOD = "/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources";

/** One response's changes to one resource type; `updated` holds that type's JSON. */
export type DeltaUpdate = {
  [U in ResourceTypeUrl]: {
    typeUrl: U;
    /** Added or changed resources (decoded), by name. */
    updated: Map<string, { version: string; resource: ResourceJson<U> }>;
    removed: string[];
  };
}[ResourceTypeUrl];

/** Applies an update; throwing rejects it (NACK with the message, last good config kept). */
export type UpdateHandler = (update: DeltaUpdate) => void;

export interface DeltaClientOptions {
  address: string; // host:port of the ADS server
  node: { id: string; cluster: string; metadata?: JsonObject };
  onUpdate: UpdateHandler;
  /** Reconnect backoff bounds (ms). */
  backoff?: { initial: number; max: number };
}

interface TypeState {
  /** Names explicitly subscribed; empty with wildcard = everything of that type. */
  names: Set<string>;
  wildcard: boolean;
  /** Versions of what we hold, sent as initial_resource_versions on reconnect. */
  versions: Map<string, string>;
}

export class DeltaAdsClient extends EventEmitter {
  private readonly client: grpc.Client;
  private readonly types = new Map<string, TypeState>();
  private stream?: grpc.ClientDuplexStream<DeltaDiscoveryRequestJson, DeltaDiscoveryResponse>;
  private closed = false;
  private retryMs: number;
  private retryTimer?: NodeJS.Timeout;
  connected = false;

  constructor(private readonly options: DeltaClientOptions) {
    super();
    this.retryMs = options.backoff?.initial ?? 100;
    this.client = new grpc.Client(options.address, grpc.credentials.createInsecure(), {
      "grpc.keepalive_time_ms": 30_000,
      "grpc.max_receive_message_length": 64 * 1024 * 1024,
    });
  }

  /** Subscribes to a type: wildcard (all resources) or the given names (added to the set). */
  subscribe(typeUrl: string, names: string[] | "*"): void {
    let state = this.types.get(typeUrl);
    const fresh = !state;
    state ??= { names: new Set(), wildcard: false, versions: new Map() };
    this.types.set(typeUrl, state);
    const added = names === "*" ? [] : names.filter((n) => !state.names.has(n));
    if (names === "*") state.wildcard = true;
    for (const n of added) state.names.add(n);
    if (!this.stream) return;
    // An empty first request would mean "wildcard" for some types: only send real names.
    if (fresh && names === "*") this.send({ type_url: typeUrl, resource_names_subscribe: ["*"] });
    else if (added.length) this.send({ type_url: typeUrl, resource_names_subscribe: added });
  }

  /** Drops names no longer needed (e.g. a cluster removed); the server stops sending them. */
  unsubscribe(typeUrl: string, names: string[]): void {
    const state = this.types.get(typeUrl);
    if (!state) return;
    const gone = names.filter((n) => state.names.delete(n));
    for (const n of gone) state.versions.delete(n);
    if (gone.length && this.stream) this.send({ type_url: typeUrl, resource_names_unsubscribe: gone });
  }

  start(): void {
    this.closed = false;
    this.open();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.stream?.cancel();
    this.stream = undefined;
    this.client.close();
  }

  private open(): void {
    const stream = this.client.makeBidiStreamRequest(
      ADS_METHOD,
      (request: DeltaDiscoveryRequestJson) => Buffer.from(encodeMessage(DeltaDiscoveryRequestSchema, request)),
      (bytes: Buffer) => fromBinary(DeltaDiscoveryResponseSchema, bytes),
    );
    this.stream = stream;
    stream.on("data", (response: DeltaDiscoveryResponse) => {
      if (!this.connected) {
        this.connected = true;
        this.retryMs = this.options.backoff?.initial ?? 100;
        this.emit("connected");
      }
      this.handle(response);
    });
    const reconnect = (err?: Error) => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      if (this.connected) this.emit("disconnected", err);
      this.connected = false;
      if (this.closed) return;
      const delay = this.retryMs;
      this.retryMs = Math.min(this.retryMs * 2, this.options.backoff?.max ?? 5_000);
      this.retryTimer = setTimeout(() => this.open(), delay);
    };
    stream.on("error", reconnect);
    stream.on("end", () => reconnect());
    // First request per type carries the node and what we already hold (reconnect).
    let first = true;
    for (const [typeUrl, state] of this.types) {
      if (!state.wildcard && state.names.size === 0) continue;
      this.send({
        ...(first ? { node: this.nodeMessage() } : {}),
        type_url: typeUrl,
        resource_names_subscribe: state.wildcard ? ["*", ...state.names] : [...state.names],
        initial_resource_versions: Object.fromEntries(state.versions),
      });
      first = false;
    }
  }

  private nodeMessage(): NonNullable<DeltaDiscoveryRequestJson["node"]> {
    const { id, cluster, metadata } = this.options.node;
    return { id, cluster, user_agent_name: "attache-devproxy", ...(metadata ? { metadata } : {}) };
  }

  private handle(response: DeltaDiscoveryResponse): void {
    const { typeUrl, nonce } = response;
    try {
      if (!isResourceTypeUrl(typeUrl)) throw new Error(`unsupported resource type ${typeUrl}`);
      const update = this.decode(typeUrl, response);
      this.options.onUpdate(update);
      const state = this.types.get(typeUrl);
      if (state) {
        for (const [name, { version }] of update.updated) state.versions.set(name, version);
        for (const name of update.removed) state.versions.delete(name);
      }
      this.send({ type_url: typeUrl, response_nonce: nonce });
      this.emit("ack", typeUrl, nonce);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // NACK: error_detail set; the previous config stays in force (xds_protocol.rst).
      this.send({ type_url: typeUrl, response_nonce: nonce, error_detail: { code: 3, message } });
      this.emit("nack", typeUrl, nonce, message);
    }
  }

  private decode<U extends ResourceTypeUrl>(typeUrl: U, response: DeltaDiscoveryResponse): DeltaUpdate {
    const updated = new Map<string, { version: string; resource: ResourceJson<U> }>();
    for (const r of response.resources) {
      if (!r.resource) continue;
      if (r.resource.typeUrl !== typeUrl) throw new Error(`resource ${r.name} is a ${r.resource.typeUrl}, not a ${typeUrl}`);
      updated.set(r.name, { version: r.version, resource: decodeResource(typeUrl, r.resource.value) });
    }
    return { typeUrl, updated, removed: response.removedResources } as DeltaUpdate;
  }

  private send(request: DeltaDiscoveryRequestJson): void {
    this.stream?.write(request);
  }
}

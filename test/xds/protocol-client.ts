// A protocol-level ADS client for tests: raw @grpc/grpc-js bidi streams, requests encoded with
// the generated Envoy types, responses decoded and queued so a test can await the next one or
// check that none arrives. Independent of the server code (only protos/ is shared).
import * as grpc from "@grpc/grpc-js";
import { fromBinary, type DescMessage, type MessageJsonType } from "@bufbuild/protobuf";
import {
  DeltaDiscoveryRequestSchema, DeltaDiscoveryResponseSchema, DiscoveryRequestSchema, DiscoveryResponseSchema,
} from "../../protos/gen/envoy/service/discovery/v3/discovery_pb.ts";
import type { NodeJson } from "../../protos/gen/envoy/config/core/v3/base_pb.ts";
import { decodeToJson, encodeMessage, type Json } from "../../protos/json.ts";

const SERVICE = "/envoy.service.discovery.v3.AggregatedDiscoveryService";

export interface SotwResponse {
  version_info: string;
  type_url: string;
  nonce: string;
  resources: Array<{ type: string; json: Json }>;
  names: string[];
  bytes: number;
}

export interface DeltaResponse {
  system_version_info: string;
  type_url: string;
  nonce: string;
  resources: Array<{ name: string; version: string; json: Json }>;
  removed_resources: string[];
  bytes: number;
}

/** A resource's name: `name`, or `cluster_name` for a ClusterLoadAssignment. */
function nameOf(json: Json): string {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return "";
  const name = json.name ?? json.cluster_name;
  return typeof name === "string" ? name : "";
}

class Queue<T> {
  private items: T[] = [];
  private waiters: Array<(item: T) => void> = [];
  ended?: Error;
  push(item: T): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(item);
    else this.items.push(item);
  }
  next(timeoutMs = 2000): Promise<T> {
    const item = this.items.shift();
    if (item) return Promise.resolve(item);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no response within ${timeoutMs} ms${this.ended ? ` (stream ended: ${this.ended.message})` : ""}`));
      }, timeoutMs);
      const waiter = (value: T) => {
        clearTimeout(timer);
        resolve(value);
      };
      this.waiters.push(waiter);
    });
  }
  /** Resolves with whatever arrived within `ms` (for "nothing is sent" checks). */
  async drain(ms: number): Promise<T[]> {
    await new Promise((r) => setTimeout(r, ms));
    const items = this.items;
    this.items = [];
    return items;
  }
}

abstract class RawAdsClient<Req extends DescMessage, Res> {
  protected readonly client: grpc.Client;
  protected readonly stream: grpc.ClientDuplexStream<MessageJsonType<Req>, Res>;
  readonly responses = new Queue<Res>();

  constructor(address: string, method: string, requestType: Req, decode: (bytes: Buffer) => Res) {
    this.client = new grpc.Client(address, grpc.credentials.createInsecure());
    this.stream = this.client.makeBidiStreamRequest(
      `${SERVICE}/${method}`,
      (msg: MessageJsonType<Req>) => Buffer.from(encodeMessage(requestType, msg)),
      decode,
    );
    this.stream.on("data", (r: Res) => this.responses.push(r));
    this.stream.on("error", (err) => (this.responses.ended = err));
  }

  next(timeoutMs?: number): Promise<Res> {
    return this.responses.next(timeoutMs);
  }

  drain(ms = 150): Promise<Res[]> {
    return this.responses.drain(ms);
  }

  close(): void {
    this.stream.cancel();
    this.client.close();
  }
}

export class SotwTestClient extends RawAdsClient<typeof DiscoveryRequestSchema, SotwResponse> {
  constructor(address: string, readonly node: NodeJson = { id: "test-sotw", cluster: "test" }) {
    super(address, "StreamAggregatedResources", DiscoveryRequestSchema, (bytes) => {
      const m = fromBinary(DiscoveryResponseSchema, bytes);
      const resources = m.resources.map((a) => ({ type: a.typeUrl, json: decodeToJson(a.typeUrl, a.value) }));
      return { version_info: m.versionInfo, type_url: m.typeUrl, nonce: m.nonce, resources, names: resources.map((r) => nameOf(r.json)), bytes: bytes.length };
    });
  }

  private first = true;
  request(msg: { type_url: string; resource_names?: string[]; version_info?: string; response_nonce?: string; error_detail?: { code: number; message: string } }): void {
    this.stream.write({ ...(this.first ? { node: this.node } : {}), ...msg });
    this.first = false;
  }

  ack(r: SotwResponse, names?: string[]): void {
    this.request({ type_url: r.type_url, version_info: r.version_info, response_nonce: r.nonce, resource_names: names });
  }
}

export class DeltaTestClient extends RawAdsClient<typeof DeltaDiscoveryRequestSchema, DeltaResponse> {
  constructor(address: string, readonly node: NodeJson = { id: "test-delta", cluster: "test" }) {
    super(address, "DeltaAggregatedResources", DeltaDiscoveryRequestSchema, (bytes) => {
      const m = fromBinary(DeltaDiscoveryResponseSchema, bytes);
      const resources = m.resources.map((r) => ({ name: r.name, version: r.version, json: decodeToJson(r.resource!.typeUrl, r.resource!.value) }));
      return { system_version_info: m.systemVersionInfo, type_url: m.typeUrl, nonce: m.nonce, resources, removed_resources: m.removedResources, bytes: bytes.length };
    });
  }

  private first = true;
  request(msg: { type_url: string; resource_names_subscribe?: string[]; resource_names_unsubscribe?: string[]; initial_resource_versions?: Record<string, string>; response_nonce?: string; error_detail?: { code: number; message: string } }): void {
    this.stream.write({ ...(this.first ? { node: this.node } : {}), ...msg });
    this.first = false;
  }

  ack(r: DeltaResponse): void {
    this.request({ type_url: r.type_url, response_nonce: r.nonce });
  }
}



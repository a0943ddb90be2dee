// The ADS server: envoy.service.discovery.v3.AggregatedDiscoveryService on @grpc/grpc-js,
// both variants (StreamAggregatedResources for gRPC clients and SotW Envoys,
// DeltaAggregatedResources for Envoy with our bootstrap and the local data plane), fed by a
// SnapshotCache. It records every client's ACKed versions and NACKs for status and
// diagnostics and emits "ack", "nack", "push", "connect", "disconnect", "snapshot" and
// "problem" events (e.g. for metrics and the Kubernetes layer's `Programmed` condition).
import { EventEmitter } from "node:events";
import * as grpc from "@grpc/grpc-js";
import { SnapshotCache, type NodeGroupFn, type SnapshotEvent } from "./cache.ts";
import { DeltaStream } from "./delta.ts";
import type { XdsResources } from "./snapshot.ts";
import { SendBudget } from "./send-budget.ts";
import { SotwStream } from "./sotw.ts";
import type { AdsStream, PushRecord, StreamHost } from "./stream.ts";
import { DEFAULT_MAX_RESPONSE_BYTES, type AckRecord, type ClientInfo, type NackRecord } from "./types.ts";
import { adsServiceDefinition, type DeltaRequest, type SotwRequest } from "./wire.ts";

export interface XdsServerOptions {
  /** Share a cache (e.g. several servers) or let the server make one. */
  cache?: SnapshotCache;
  debounceMs?: number;
  nodeGroup?: NodeGroupFn;
  maxResponseBytes?: number;
  /** NACKs kept for nacks() across streams (newest last). Default 100. */
  nackHistory?: number;
  /** Response bytes in flight across all streams (see SendBudget). Default 8 MiB: enough to
   *  keep every stream busy while many clients sync at once, small enough that their encoded
   *  responses do not pile up in memory (BENCHMARKS.md, "Measurements behind code choices"). */
  sendBudgetBytes?: number;
  /** Server keepalive pings: find dead proxies behind NATs and load balancers. */
  keepalive?: { timeMs: number; timeoutMs: number };
}

export interface ProblemRecord {
  streamId: number;
  message: string;
}

export class XdsServer extends EventEmitter implements StreamHost {
  readonly cache: SnapshotCache;
  readonly maxResponseBytes: number;
  readonly budget: SendBudget;
  private readonly streams = new Map<number, AdsStream<SotwRequest> | AdsStream<DeltaRequest>>();
  private readonly nackLog: NackRecord[] = [];
  private readonly nackHistory: number;
  private readonly keepalive: { timeMs: number; timeoutMs: number };
  private server?: grpc.Server;
  private nextStreamId = 1;

  constructor(options: XdsServerOptions = {}) {
    super();
    this.cache = options.cache ?? new SnapshotCache({ debounceMs: options.debounceMs, nodeGroup: options.nodeGroup });
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.nackHistory = options.nackHistory ?? 100;
    this.budget = new SendBudget(options.sendBudgetBytes ?? 8 * 1024 * 1024);
    this.keepalive = options.keepalive ?? { timeMs: 30_000, timeoutMs: 10_000 };
    this.cache.on("snapshot", (event: SnapshotEvent) => this.emit("snapshot", event));
  }

  /** Binds and starts serving; returns the port (pass port 0 for an ephemeral one). */
  async listen(address = "127.0.0.1:0"): Promise<number> {
    const server = new grpc.Server({
      "grpc.keepalive_time_ms": this.keepalive.timeMs,
      "grpc.keepalive_timeout_ms": this.keepalive.timeoutMs,
      "grpc.keepalive_permit_without_calls": 1,
      // Envoy's xDS requests list every EDS name; 10k names stay far below this.
      "grpc.max_receive_message_length": 16 * 1024 * 1024,
    });
    server.addService(adsServiceDefinition(), {
      StreamAggregatedResources: (call: grpc.ServerDuplexStream<SotwRequest, Buffer>) => this.open(new SotwStream(this.nextStreamId++, this, call)),
      DeltaAggregatedResources: (call: grpc.ServerDuplexStream<DeltaRequest, Buffer>) => this.open(new DeltaStream(this.nextStreamId++, this, call)),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
    );
    this.server = server;
    return port;
  }

  /** Queues the translator's resources for a node group (debounced). */
  setResources(resources: XdsResources, group?: string): void {
    this.cache.setResources(resources, group);
  }

  /** Connected streams with their node, ACKed versions, last NACK and subscriptions. */
  clients(): ClientInfo[] {
    return [...this.streams.values()].map((s) => s.info());
  }

  /** Recent NACKs from every client (also from streams that have closed), newest last. */
  nacks(): NackRecord[] {
    return [...this.nackLog];
  }

  /** Stops accepting streams and ends the open ones (clients reconnect elsewhere). */
  async close(graceMs = 1000): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.cache.close();
    if (!server) return;
    for (const stream of this.streams.values()) stream.close();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, graceMs);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
      // Open bidi streams never end on their own: cut them so tryShutdown can finish.
      setImmediate(() => server.forceShutdown());
    });
    this.streams.clear();
  }

  private open(stream: AdsStream<SotwRequest> | AdsStream<DeltaRequest>): void {
    this.streams.set(stream.id, stream);
    stream.onClose = () => {
      this.streams.delete(stream.id);
      this.emit("disconnect", stream.info());
    };
    this.emit("connect", stream.id);
  }

  // StreamHost: records from the streams.
  ack(record: AckRecord): void {
    this.emit("ack", record);
  }

  nack(record: NackRecord): void {
    this.nackLog.push(record);
    if (this.nackLog.length > this.nackHistory) this.nackLog.shift();
    this.emit("nack", record);
  }

  push(record: PushRecord): void {
    this.emit("push", record);
  }

  problem(streamId: number, message: string): void {
    this.emit("problem", { streamId, message } satisfies ProblemRecord);
  }
}

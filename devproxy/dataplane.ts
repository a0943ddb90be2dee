// The local data plane: what `attache dev` runs instead of Envoy. It is an xDS client of our
// ADS server (Delta, as Envoy with our bootstrap), compiles what it receives into immutable
// Snapshots, and serves traffic on the listeners those Snapshots name. It ACKs what it
// applied, NACKs what it cannot apply (the previous Snapshot stays in force), and keeps
// serving the last good config when the control plane is gone.
//
// With `workers: N` (default: one per core) traffic is served by N worker threads, as
// Envoy's workers do: the main thread runs the xDS client (and, in `attache dev`, the whole
// control plane); each worker binds every listener's port itself (SO_REUSEPORT,
// proxy/reuse-port.ts) and accepts and serves its share of the connections on its own event
// loop, so configuration work never delays a client byte and a connection costs one
// descriptor. Wasm shared data and the connection count live in shared memory that every
// worker reads and writes directly (shared-data/, proxy/connection-cap.ts).
// `workers: 0` serves on this thread.
import { EventEmitter } from "node:events";
import { cpus } from "node:os";
import type { Worker } from "node:worker_threads";
import client from "prom-client";
import { DeltaAdsClient, type DeltaUpdate } from "./xds/delta-client.ts";
import { EMPTY_SNAPSHOT, ResourceStore, TYPE, type Snapshot } from "./config/snapshot.ts";
import { ListenerSet } from "./proxy/listeners.ts";
import { handleRequest, type AccessLogEntry, type HandlerEnv } from "./proxy/handler.ts";
import { handleUpgrade } from "./proxy/websocket.ts";
import { UpstreamPool } from "./proxy/upstream.ts";
import { DataPlaneStats, wasmMetricsText } from "./stats.ts";
import { createSharedDataMemory } from "./shared-data/store.ts";
import { spawnTsWorker } from "./threads/spawn.ts";
import { ConnectionCap, createConnectionCapMemory, defaultMaxConnections } from "./proxy/connection-cap.ts";
import type { FromWorker, ToWorker, WorkerInit } from "./workers/messages.ts";
import { WasmFilterProvider } from "./wasm/provider.ts";

export interface DataPlaneOptions {
  xdsAddress: string;
  nodeId?: string;
  nodeCluster?: string;
  /** Overrides the address listeners bind to (tests bind 127.0.0.1). */
  bindAddress?: string;
  /** Worker threads serving traffic; 0 serves on the calling thread. Default: one per core. */
  workers?: number;
  /** Access log sink (one JSON entry per request); false disables it. Default: stdout. */
  accessLog?: ((entry: AccessLogEntry) => void) | false;
  /** Wasm modules compiled interruptible, so a callback that never returns is stopped
   *  (devproxy/wasm/provider.ts CALLBACK_LIMIT_MS). Default true; benchmarks turn it off to
   *  measure what it costs. */
  interruptModules?: boolean;
  /** Open client connections over all listeners and workers (Envoy's overload manager
   *  global_downstream_max_connections). Default: connection-cap.ts defaultMaxConnections(). */
  maxConnections?: number;
}

interface WorkerHandle { worker: Worker; pending: Map<number, (msg: FromWorker) => void> }

export class DataPlane extends EventEmitter {
  private readonly store = new ResourceStore();
  private readonly ads: DeltaAdsClient;
  private current: Snapshot = EMPTY_SNAPSHOT;
  private applying: Promise<void> = Promise.resolve();
  private seq = 0;
  private readonly subscribed = new Map<string, Set<string>>();
  readonly workers: number;
  readonly stats = new DataPlaneStats();
  // Single-thread mode
  private upstreams?: UpstreamPool;
  private listenerSet?: ListenerSet;
  private filters?: WasmFilterProvider;
  // Worker mode
  private threads: WorkerHandle[] = [];
  /** Ports the workers bound, by listener name. */
  private bound = new Map<string, number>();
  // Readiness: updates received but not applied yet, and why the last one failed.
  private pendingUpdates = 0;
  private applyError?: string;

  constructor(private readonly options: DataPlaneOptions) {
    super();
    this.workers = options.workers ?? cpus().length;
    const log = options.accessLog === false ? () => undefined : options.accessLog ?? ((e: AccessLogEntry) => process.stdout.write(`${JSON.stringify(e)}\n`));
    const maxConnections = options.maxConnections ?? defaultMaxConnections();
    if (this.workers > 0) {
      const sharedData = createSharedDataMemory();
      const connections = createConnectionCapMemory();
      for (let index = 0; index < this.workers; index++) {
        const init: WorkerInit = { index, sharedData, connections, maxConnections, bindAddress: options.bindAddress, accessLog: options.accessLog !== false, interruptModules: options.interruptModules !== false };
        const worker = spawnTsWorker(new URL("./workers/thread.ts", import.meta.url), init as unknown as Record<string, unknown>);
        const handle: WorkerHandle = { worker, pending: new Map() };
        worker.on("message", (msg: FromWorker) => {
          if (msg.type === "log") { for (const e of msg.entries) log(e); return; }
          handle.pending.get(msg.seq)?.(msg);
          handle.pending.delete(msg.seq);
        });
        worker.on("error", (err) => this.emit("error", err));
        this.threads.push(handle);
      }
    } else {
      this.upstreams = new UpstreamPool();
      this.filters = new WasmFilterProvider({ interruptModules: options.interruptModules !== false });
      this.filters.attach({ upstreams: this.upstreams, snapshot: () => this.current });
      const env: HandlerEnv = {
        snapshot: () => this.current,
        upstreams: this.upstreams,
        filters: (name, snapshot) => this.filters!.factory(name, snapshot),
        accessLog: log,
        observe: (e) => this.stats.observe(e),
      };
      this.listenerSet = new ListenerSet({
        request: (hcm, req, res, scheme) => void handleRequest(env, hcm, req, res, scheme),
        upgrade: (hcm, req, socket, head, scheme) => handleUpgrade(env, hcm, req, socket, head, scheme),
      }, { bindAddress: options.bindAddress, cap: new ConnectionCap(maxConnections) });
    }
    this.ads = new DeltaAdsClient({
      address: options.xdsAddress,
      node: { id: options.nodeId ?? "attache-devproxy", cluster: options.nodeCluster ?? "attache" },
      onUpdate: (u) => this.onUpdate(u),
    });
    this.ads.on("ack", (type: string) => this.emit("ack", type));
    this.ads.on("nack", (type: string, _nonce: string, message: string) => this.emit("nack", type, message));
    this.ads.on("connected", () => this.emit("connected"));
    this.ads.on("disconnected", () => this.emit("disconnected"));
  }

  snapshot(): Snapshot {
    return this.current;
  }

  ports(): Map<string, number> {
    return this.listenerSet?.ports() ?? new Map(this.bound);
  }

  start(): void {
    for (const t of [TYPE.listener, TYPE.cluster, TYPE.scope]) this.ads.subscribe(t, "*");
    this.ads.start();
  }

  /** Why the data plane does not serve the config it received (an update still being
   *  applied, or one that failed, e.g. a port that could not be bound); undefined when it does. */
  problem(): string | undefined {
    if (this.pendingUpdates > 0) return "applying an update";
    return this.applyError;
  }

  /** Resolves once every update received so far has been applied (listeners bound). */
  settled(): Promise<void> {
    return this.applying;
  }

  /** /stats/prometheus: per-route counters and latency plus the Wasm filters' own metrics. */
  async metricsText(): Promise<string> {
    if (!this.threads.length) return (await this.stats.text()) + wasmMetricsText([this.filters!.metrics.all().map((m) => ({ kind: m.kind, name: m.name, value: m.value.toString() }))]);
    const replies = await Promise.all(this.threads.map((t) => this.ask(t, { type: "stats", seq: ++this.seq })));
    const stats = replies.filter((r): r is Extract<FromWorker, { type: "stats" }> => r.type === "stats");
    const merged = client.AggregatorRegistry.aggregate(stats.map((r) => r.metrics as client.MetricObjectWithValues<client.MetricValue<string>>[]));
    return (await merged.metrics()) + wasmMetricsText(stats.map((r) => r.wasm));
  }

  async close(): Promise<void> {
    this.ads.close();
    if (this.listenerSet) await this.listenerSet.close();
    this.upstreams?.close();
    await this.filters?.close();
    await Promise.all(this.threads.map(async (t) => {
      await Promise.race([this.ask(t, { type: "close", seq: ++this.seq }), new Promise((r) => setTimeout(r, 1000))]);
      await t.worker.terminate();
    }));
  }

  private ask(t: WorkerHandle, msg: ToWorker): Promise<FromWorker> {
    return new Promise((resolve) => {
      t.pending.set(msg.seq, resolve);
      t.worker.postMessage(msg);
    });
  }

  private onUpdate(update: DeltaUpdate): void {
    const resources = new Map([...update.updated].map(([name, r]) => [name, r.resource]));
    // Throws on an invalid update: the ADS client NACKs and the current Snapshot stays.
    const snapshot = this.store.apply(update.typeUrl, resources, update.removed);
    this.resubscribe();
    this.pendingUpdates++;
    this.applying = this.applying.then(async () => {
      try {
        if (this.threads.length) {
          // A listener asking for port 0 gets its port from the first worker to bind it;
          // the others bind that one.
          const msg = (ports: Map<string, number>): ToWorker => ({ type: "update", seq: ++this.seq, typeUrl: update.typeUrl, updated: [...resources], removed: update.removed, ports: [...ports] });
          // Also when a listener is not bound yet (its port was taken): every worker would
          // first try the port without SO_REUSEPORT at once, and all but one would fail.
          const binding = update.typeUrl === TYPE.listener || [...snapshot.listeners.keys()].some((name) => !this.bound.has(name));
          const [first, ...rest] = binding ? this.threads : [];
          const replies = first ? [await this.ask(first, msg(this.bound))] : [];
          if (replies[0]?.type === "applied") this.bound = new Map(replies[0].ports);
          replies.push(...await Promise.all((first ? rest : this.threads).map((t) => this.ask(t, msg(this.bound)))));
          const failed = replies.find((r) => r.type === "failed");
          if (failed && failed.type === "failed") throw new Error(`worker could not apply ${update.typeUrl}: ${failed.error}`);
        } else {
          await this.filters!.prepare(snapshot);
          await this.listenerSet!.reconcile(snapshot);
        }
        this.current = snapshot;
        this.applyError = undefined;
        this.emit("snapshot", snapshot);
      } catch (err) {
        this.applyError = `could not apply ${update.typeUrl.split(".").pop()}: ${(err as Error).message}`;
        this.emit("error", err);
      } finally {
        this.pendingUpdates--;
      }
    });
  }

  /** Named subscriptions follow what listeners and clusters reference: new names are
   *  subscribed, names nothing references any more are unsubscribed (as Envoy does). */
  private resubscribe(): void {
    const deps = this.store.dependencies();
    const wanted: Array<[string, Set<string>]> = [
      [TYPE.route, deps.routes], [TYPE.secret, deps.secrets], [TYPE.extension, deps.extensions], [TYPE.endpoint, deps.endpoints],
    ];
    for (const [type, names] of wanted) {
      const before = this.subscribed.get(type) ?? new Set<string>();
      const gone = [...before].filter((n) => !names.has(n));
      if (gone.length) this.ads.unsubscribe(type, gone);
      this.ads.subscribe(type, [...names]);
      this.subscribed.set(type, names);
    }
  }
}

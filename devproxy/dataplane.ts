// The local data plane: what `attache dev` runs instead of Envoy. It is an xDS client of our
// ADS server (Delta, like Envoy with VHDS), compiles what it receives into immutable
// Snapshots, and serves traffic on the listeners those Snapshots name. It ACKs what it
// applied, NACKs what it cannot apply (the previous Snapshot stays in force), and keeps
// serving the last good config when the control plane is gone.
import { EventEmitter } from "node:events";
import { DeltaAdsClient, type DeltaUpdate } from "./xds/delta-client.ts";
import { ResourceStore, TYPE, type Snapshot } from "./config/snapshot.ts";
import { ListenerSet } from "./proxy/listeners.ts";
import { handleRequest, type AccessLogEntry, type HandlerEnv } from "./proxy/handler.ts";
import { handleUpgrade } from "./proxy/websocket.ts";
import { UpstreamPool } from "./proxy/upstream.ts";
import type { FilterFactory } from "./proxy/filters.ts";
import { DataPlaneStats } from "./stats.ts";

export interface FilterProvider {
  /** Gives the provider the data plane's upstreams (for filters' HTTP callouts). */
  attach?(env: { upstreams: UpstreamPool; snapshot: () => Snapshot }): void;
  /** A factory for the HCM filter `name` (ECDS config in `snapshot.extensions`), or undefined. */
  factory(name: string, snapshot: Snapshot): FilterFactory | undefined;
  /** Called with each new Snapshot (e.g. to load changed Wasm modules) before it is used. */
  prepare(snapshot: Snapshot): Promise<void>;
  close(): Promise<void>;
}

export interface DataPlaneOptions {
  xdsAddress: string;
  nodeId?: string;
  nodeCluster?: string;
  /** Overrides the address listeners bind to (tests bind 127.0.0.1). */
  bindAddress?: string;
  filters?: FilterProvider;
  accessLog?: (entry: AccessLogEntry) => void;
}

const EMPTY: Snapshot = { version: 0, listeners: new Map(), routeTables: new Map(), clusters: new Map(), secrets: new Map(), extensions: new Map() };

export class DataPlane extends EventEmitter {
  private readonly store = new ResourceStore();
  private readonly ads: DeltaAdsClient;
  private readonly upstreams = new UpstreamPool();
  private readonly listenerSet: ListenerSet;
  private current: Snapshot = EMPTY;
  private applying: Promise<void> = Promise.resolve();
  readonly stats = new DataPlaneStats();

  constructor(private readonly options: DataPlaneOptions) {
    super();
    const env: HandlerEnv = {
      snapshot: () => this.current,
      upstreams: this.upstreams,
      filters: (name, snapshot) => options.filters?.factory(name, snapshot),
      accessLog: options.accessLog ?? ((e) => process.stdout.write(`${JSON.stringify(e)}\n`)),
      observe: (e) => this.stats.observe(e),
    };
    options.filters?.attach?.({ upstreams: this.upstreams, snapshot: () => this.current });
    this.listenerSet = new ListenerSet({
      request: (hcm, req, res, scheme) => void handleRequest(env, hcm, req, res, scheme),
      upgrade: (hcm, req, socket, head) => handleUpgrade(this.current, this.upstreams, hcm, req, socket, head),
    }, options.bindAddress);
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
    return this.listenerSet.ports();
  }

  start(): void {
    for (const t of [TYPE.listener, TYPE.cluster, TYPE.vhost]) this.ads.subscribe(t, "*");
    this.ads.start();
  }

  /** Resolves once every update received so far has been applied (listeners bound). */
  settled(): Promise<void> {
    return this.applying;
  }

  async close(): Promise<void> {
    this.ads.close();
    await this.listenerSet.close();
    this.upstreams.close();
    await this.options.filters?.close();
  }

  private onUpdate(update: DeltaUpdate): void {
    const resources = new Map([...update.updated].map(([name, r]) => [name, r.resource]));
    // Throws on an invalid update: the ADS client NACKs and the current Snapshot stays.
    const snapshot = this.store.apply(update.typeUrl, resources, update.removed);
    this.resubscribe();
    this.applying = this.applying.then(async () => {
      try {
        await this.options.filters?.prepare(snapshot);
        await this.listenerSet.reconcile(snapshot);
        this.current = snapshot;
        this.emit("snapshot", snapshot);
      } catch (err) {
        this.emit("error", err);
      }
    });
  }

  private resubscribe(): void {
    const deps = this.store.dependencies();
    this.ads.subscribe(TYPE.route, [...deps.routes]);
    this.ads.subscribe(TYPE.secret, [...deps.secrets]);
    this.ads.subscribe(TYPE.extension, [...deps.extensions]);
    this.ads.subscribe(TYPE.endpoint, [...deps.endpoints]);
  }
}

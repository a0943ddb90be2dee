// `attache serve`: the in-cluster control plane. Kubernetes informers -> model -> translate
// -> ADS server (every replica serves xDS), plus the status writer, which only the replica
// holding the coordination.k8s.io Lease runs. Endpoint-only batches take the EDS fast path
// (runner/endpoints-fast-path.ts) instead of the model. Also serves Wasm modules
// (built-ins from build/filters, ConfigMap and URL modules the WasmFilters name) and the
// admin port (/ready turns 200 after every informer synced and a snapshot exists).
import { KubeConfig } from "@kubernetes/client-node";
import { pino, type Logger } from "pino";
import { ControlPlaneMetrics } from "../admin/metrics.ts";
import { startAdminServer, type AdminServer } from "../admin/server.ts";
import type { GatewayIR } from "../ir/types.ts";
import { ModuleRegistry } from "../modules/registry.ts";
import { startModuleServer, type ModuleServer } from "../modules/server.ts";
import type { ResourceStatus } from "../model/index.ts";
import { registerBuiltModules, registerBundleModules } from "./modules.ts";
import { Pipeline } from "./pipeline.ts";
import { runInSlices } from "./slices.ts";
import { FiltersFirstPublisher } from "./filters-first.ts";
import { checkTlsKeyPair } from "../model/checks/tls-key-pair.ts";
import type { ResourceBundle } from "../sources/bundle.ts";
import { loadFilterSchemas } from "../sources/file/local-filters.ts";
import { KubernetesSource, type BundleChange } from "../sources/kubernetes/source.ts";
import { LeaderElector } from "../status/leader.ts";
import { ProgrammedTracker, withProgrammed } from "../status/programmed.ts";
import { blamedResources } from "../status/nack-blame.ts";
import { StatusWriter } from "../status/writer.ts";
import type { XdsResources } from "../translate/index.ts";
import { trackProxyAcks } from "../status/xds-acks.ts";
import { XdsServer, type SnapshotEvent } from "../xds/index.ts";
import { updateEndpoints } from "./endpoints-fast-path.ts";
import { REPO_ROOT } from "./install-root.ts";

export interface ServeOptions {
  kubeConfig: KubeConfig;
  namespaces?: string[];
  instance?: string;
  emissary?: boolean | "auto";
  xdsAddress?: string; // default "0.0.0.0:18000"
  adminPort?: number | null; // default 8877; null: no admin server
  adminHost?: string; // default 127.0.0.1 (probes run inside the pod)
  modulesPort?: number | null; // default 18002; null: no module server
  /** Ports of Envoy's listeners (default 8080/8443, the chart's Envoy container ports). */
  listeners?: { http: number; https: number };
  /** Host Envoy fetches modules from (this pod's Service or IP). */
  moduleHost: string;
  /** Leader election for status writes; null: never write status. */
  lease: { namespace: string; name: string; identity: string; leaseDurationSeconds?: number; renewDeadlineMs?: number; retryPeriodMs?: number } | null;
  statusWritesPerSecond?: number;
  debounceMs?: number;
  /** Module digests for the model; default: register build/filters/*.release.wasm. */
  modules?: Record<string, { sha256: string }>;
  logger?: Logger;
}

export interface ServeHandle {
  source: KubernetesSource;
  xds: XdsServer;
  xdsPort: number;
  programmed: ProgrammedTracker;
  writer?: StatusWriter;
  elector?: LeaderElector;
  /** Start-up: ms from startServe() until every informer had listed (first bundle) and
   *  until the first snapshot was encoded and servable. */
  timings: { firstBundleMs: number; firstSnapshotMs: number; firstModelTranslateMs: number; firstEncodeMs: number };
  /** The latest IR and Envoy resources (after the EDS fast path too). */
  current(): { ir: GatewayIR; resources: XdsResources; statuses: readonly ResourceStatus[] } | undefined;
  stop(): Promise<void>;
}

export async function startServe(options: ServeOptions): Promise<ServeHandle> {
  const startedAt = performance.now();
  const timings = { firstBundleMs: 0, firstSnapshotMs: 0, firstModelTranslateMs: 0, firstEncodeMs: 0 };
  const logger = options.logger ?? pino({ level: "info" });
  const metrics = new ControlPlaneMetrics();
  const registry = new ModuleRegistry();
  let modules = options.modules;
  if (!modules) {
    try {
      modules = registerBuiltModules(registry, REPO_ROOT);
    } catch (error) {
      logger.warn({ error: (error as Error).message }, "no built-in Wasm modules; WasmFilters using them will not be accepted");
      modules = {};
    }
  }
  const modulesServer: ModuleServer | undefined = options.modulesPort === null ? undefined : await startModuleServer(registry, options.modulesPort ?? 18002);
  const pipeline = new Pipeline({
    model: {
      moduleServer: { clusterName: "attache-modules", host: options.moduleHost, port: modulesServer?.port ?? options.modulesPort ?? 18002 },
      modules,
      filterSchemas: loadFilterSchemas(REPO_ROOT),
      checkKeyPair: checkTlsKeyPair,
      ...(options.listeners ? { listeners: options.listeners } : {}),
    },
    logger,
    metrics,
    modules: registry,
  });
  const xds = new XdsServer({ debounceMs: 5 });
  const xdsPort = await xds.listen(options.xdsAddress ?? "0.0.0.0:18000");
  const publisher = new FiltersFirstPublisher(xds);
  const programmed = new ProgrammedTracker();
  let current: { ir: GatewayIR; resources: XdsResources; statuses: readonly ResourceStatus[]; contents: { ref: ResourceStatus["ref"]; content: string }[] } | undefined;

  let elector: LeaderElector | undefined;
  let writer: StatusWriter | undefined;
  let source: KubernetesSource;
  if (options.lease) {
    writer = new StatusWriter({
      kubeConfig: options.kubeConfig,
      lookup: (apiVersion, kind, namespace, name) => source.current(apiVersion, kind, namespace, name),
      programmed,
      writesPerSecond: options.statusWritesPerSecond,
      onError: (message) => logger.warn({ error: message }, "status write failed"),
    });
  }
  xds.once("snapshot", (event: SnapshotEvent) => (timings.firstEncodeMs = event.encodeMs));
  const acks = trackProxyAcks(xds, programmed, () => current?.contents, () => writer?.reconcile(), logger, undefined, (message) => blamedResources(current?.ir, message));

  // Bundles are handled one after another: a full build runs in slices (runner/slices.ts),
  // and the next bundle (an endpoint update too) must start from its result.
  let handled: Promise<void> = Promise.resolve();
  const inOrder = (work: () => Promise<void>) => {
    handled = handled.then(work).catch((error: Error) => logger.error({ error: error.stack }, "config batch failed"));
  };
  const onBundle = (bundle: ResourceBundle, change: BundleChange) => inOrder(async () => {
    if (change.endpointsOnly && current) {
      const update = updateEndpoints(current, bundle, change.endpointServices);
      if (update.changed.length === 0) return;
      current = { ...current, ir: update.ir, resources: update.resources };
      logger.debug({ clusters: update.changed }, "endpoints updated (EDS fast path)");
      publisher.publish(update.resources);
      return;
    }
    timings.firstBundleMs ||= performance.now() - startedAt;
    latestBundle = bundle;
    registerBundleModules(registry, bundle, logger, () => inOrder(() => publish(latestBundle!)));
    await publish(bundle);
  });
  let latestBundle: ResourceBundle | undefined;
  const publish = async (bundle: ResourceBundle) => {
    const result = await pipeline.applyInSlices(bundle);
    await runInSlices(xds.cache.encodeAhead(result.resources));
    timings.firstModelTranslateMs ||= result.durationMs;
    const contents = contentKeys(bundle, result.statuses);
    current = { ir: result.ir, resources: result.resources, statuses: result.statuses, contents };
    publisher.publish(result.resources);
    writer?.update(bundle, result.statuses);
  };
  source = new KubernetesSource({
    kubeConfig: options.kubeConfig,
    namespaces: options.namespaces,
    instance: options.instance,
    emissary: options.emissary,
    debounceMs: options.debounceMs,
    onBundle,
    onError: (message) => logger.warn({ error: message }, "kubernetes watch failed"),
  });
  try {
    await source.start();
  } catch (error) {
    // Nothing is served without the first configuration: release the ports and report.
    await source.stop();
    await xds.close();
    await modulesServer?.close();
    throw error;
  }
  await handled;
  xds.cache.flush();
  timings.firstSnapshotMs = performance.now() - startedAt;

  if (options.lease && writer) {
    const w = writer;
    elector = new LeaderElector({
      kubeConfig: options.kubeConfig,
      ...options.lease,
      onStartedLeading: () => (logger.info({ identity: options.lease!.identity }, "leading: writing status"), w.setLeader(true)),
      onStoppedLeading: () => (logger.info({ identity: options.lease!.identity }, "no longer leading"), w.setLeader(false)),
      onError: (message) => logger.warn({ error: message }, "leader election"),
    });
    elector.start();
  }

  const admin: AdminServer | undefined =
    options.adminPort === null
      ? undefined
      : await startAdminServer({
          ready: () => (current && xds.cache.snapshot() ? { ready: true, reason: "informers synced, configuration served" } : { ready: false, reason: "waiting for the first configuration" }),
          config: () => Object.fromEntries(Object.entries(current?.resources ?? {}).map(([type, map]) => [type, Object.fromEntries(map)])),
          statuses: () => withProgrammed(current?.statuses ?? [], programmed),
          ir: () => current?.ir,
          clients: () => xds.clients(),
          metrics,
        }, options.adminPort ?? 8877, options.adminHost ?? "127.0.0.1");

  return {
    source,
    xds,
    xdsPort,
    programmed,
    writer,
    elector,
    timings,
    current: () => current,
    async stop() {
      acks.stop();
      publisher.close();
      await elector?.stop();
      await source.stop();
      await xds.close();
      await admin?.close();
      await modulesServer?.close();
    },
  };
}

/** What identifies each accepted resource's content for Programmed (generation, else the
 *  resourceVersion, else the bundle revision for objects from annotations). */
function contentKeys(bundle: ResourceBundle, statuses: readonly ResourceStatus[]) {
  const meta = new Map(bundle.resources.map((r) => [`${r.object.kind}/${r.object.metadata?.namespace ?? "default"}/${r.object.metadata?.name}`, r.object.metadata]));
  return statuses
    .filter((s) => s.conditions.some((c) => c.type === "Accepted" && c.status === "True"))
    .map((s) => {
      const m = meta.get(`${s.ref.kind}/${s.ref.namespace}/${s.ref.name}`);
      return { ref: s.ref, content: String(m?.generation ?? m?.resourceVersion ?? bundle.revision) };
    });
}


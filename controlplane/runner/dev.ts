// `attache dev`: the whole gateway on one machine. The file source watches a directory of
// YAML; each batch goes through the pipeline (model + translate) into the xDS server; the
// data plane — the local one (devproxy/) or real Envoy (`dataPlane: "envoy"`) — is an xDS
// client of that server and serves traffic; the module server hands Wasm modules to it; the
// admin server shows diagnostics. Example upstreams make every example work out of the box.
// Tests start the same stack on ephemeral ports.
import { join } from "node:path";
import pino, { type Logger } from "pino";
import { ControlPlaneMetrics } from "../admin/metrics.ts";
import { startAdminServer, type AdminServer } from "../admin/server.ts";
import { ModuleRegistry } from "../modules/registry.ts";
import { startModuleServer, type ModuleServer } from "../modules/server.ts";
import { FileSource, loadYamlPaths } from "../sources/file/index.ts";
import { loadFilterSchemas } from "../sources/file/local-filters.ts";
import type { BundleResource, ResourceBundle } from "../sources/bundle.ts";
import { checkTlsKeyPair } from "../model/checks/tls-key-pair.ts";
import { XdsServer } from "../xds/index.ts";
import { startDataPlane, type DataPlaneKind } from "./dataplane.ts";
import type { EnvoyDataPlane } from "./envoy-dataplane.ts";
import type { LocalDataPlane } from "./local-dataplane.ts";
import { registerBuiltModules, registerBundleModules } from "./modules.ts";
import { Pipeline } from "./pipeline.ts";
import { FiltersFirstPublisher } from "./filters-first.ts";
import { trackProgrammed } from "./programmed.ts";
import { startExampleUpstreams, type ExampleUpstreams } from "./example-upstreams/index.ts";
import { selfSignMissingSecrets } from "./dev-secrets.ts";
import { clientsConverged, dataPlaneServes } from "./xds-state.ts";
import { LogRateLimit } from "./log-limit.ts";

export interface DevStackOptions {
  /** Directories or files of CRD YAML to watch. */
  paths: string[];
  repoRoot: string;
  ports?: Partial<{ http: number; https: number; xds: number; admin: number; modules: number; proxyAdmin: number }>;
  /** Start the example upstreams (9001-9003). Default true. */
  exampleUpstreams?: boolean;
  /** Self-sign TLS Secrets that Hosts reference but the files lack. Default true. */
  selfSignMissingSecrets?: boolean;
  bindAddress?: string;
  logger?: Logger;
  accessLog?: ((entry: object) => void) | false;
  debounceMs?: number;
  /** The local data plane (default) or real Envoy. */
  dataPlane?: DataPlaneKind;
  /** Data plane worker threads (default one per core; 0 = the local data plane serves on the main thread). */
  workers?: number;
  /** Wasm modules compiled interruptible, so a callback that never returns is stopped
   *  (devproxy/wasm/provider.ts CALLBACK_LIMIT_MS). Default true; benchmarks turn it off to
   *  measure what it costs. */
  interruptModules?: boolean;
  /** Example upstream ports (default 9001-9003, examples/README.md). */
  upstreamPorts?: { echo: number; canary: number; auth: number };
}

export interface DevStack {
  ports: { http: number; https: number; xds: number; admin: number; modules: number; proxyAdmin: number };
  pipeline: Pipeline;
  xds: XdsServer;
  dataPlane: LocalDataPlane | EnvoyDataPlane;
  source: FileSource;
  metrics: ControlPlaneMetrics;
  /** Resolves when the data plane has ACKed the latest translation and serves it. */
  converged(): Promise<void>;
  close(): Promise<void>;
}

export const DEV_PORTS = { http: 8080, https: 8443, xds: 18000, admin: 8877, modules: 18002, proxyAdmin: 9901 } as const;

export async function startDevStack(options: DevStackOptions): Promise<DevStack> {
  const logger = options.logger ?? pino({ level: "info" });
  const host = options.bindAddress ?? "127.0.0.1";
  const wanted = { ...DEV_PORTS, ...options.ports };
  const closers: Array<() => Promise<void>> = [];
  const close = async () => { while (closers.length) await closers.pop()!().catch(() => undefined); };
  try {
    const metrics = new ControlPlaneMetrics();
    let upstreams: ExampleUpstreams | undefined;
    if (options.exampleUpstreams !== false) {
      upstreams = await startExampleUpstreams(options.upstreamPorts);
      closers.push(() => upstreams!.close());
    }

    const registry = new ModuleRegistry();
    const modules = registerBuiltModules(registry, options.repoRoot);
    const moduleServer: ModuleServer = await startModuleServer(registry, wanted.modules, host, (_sha, ok) => metrics.moduleFetches.inc({ result: ok ? "hit" : "not_found" }));
    closers.push(() => moduleServer.close());

    const xds = new XdsServer({ debounceMs: 5 });
    const xdsPort = await xds.listen(`${host}:${wanted.xds}`);
    closers.push(() => xds.close(200));
    const nackLog = new LogRateLimit();
    xds.on("nack", (n) => {
      metrics.nacks.inc({ type: n.typeUrl.split(".").pop() });
      const gate = nackLog.take();
      if (gate.log) logger.warn({ node: n.nodeId, type: n.typeUrl, version: n.version, error: n.message, ...(gate.suppressed ? { suppressedNacks: gate.suppressed } : {}) }, "xDS NACK");
    });
    xds.on("push", (p) => metrics.pushes.inc({ type: String(p.typeUrl ?? "").split(".").pop() }));
    for (const event of ["connect", "disconnect"]) xds.on(event, () => metrics.xdsClients.set(xds.clients().length));
    xds.on("ack", (a) => { if (a.latencyMs !== undefined) metrics.pushLatency.observe(a.latencyMs / 1000); });

    const extraResources: BundleResource[] = options.selfSignMissingSecrets === false
      ? []
      : await selfSignMissingSecrets(loadYamlPaths(options.paths, options.repoRoot));
    const pipeline = new Pipeline({
      model: {
        moduleServer: { clusterName: "attache_modules", host, port: moduleServer.port },
        modules,
        filterSchemas: loadFilterSchemas(options.repoRoot),
        checkKeyPair: checkTlsKeyPair,
        listeners: { http: wanted.http, https: wanted.https, address: host },
      },
      extraResources,
      logger,
      metrics,
      modules: registry,
    });
    const publisher = new FiltersFirstPublisher(xds);
    closers.push(async () => publisher.close());
    pipeline.on("result", (r) => publisher.publish(r.resources));
    const programmed = trackProgrammed(pipeline, xds, logger);
    closers.push(async () => programmed.stop());

    const source = new FileSource(options.paths, { debounceMs: options.debounceMs ?? 20, displayBase: options.repoRoot });
    // A url module's download ending (in the registry, or failed) runs the latest bundle again:
    // its filter is inlined, or its WasmFilter and Mappings show why not.
    let latestBundle: ResourceBundle | undefined;
    source.start((bundle) => {
      latestBundle = bundle;
      registerBundleModules(registry, bundle, logger, () => latestBundle && pipeline.apply(latestBundle));
      pipeline.apply(bundle);
    });
    closers.push(async () => source.stop());


    const dataPlane = await startDataPlane({
      kind: options.dataPlane ?? "local",
      xdsAddress: `${host}:${xdsPort}`,
      host,
      adminPort: wanted.proxyAdmin,
      logger,
      workers: options.workers,
      accessLog: options.accessLog,
      interruptModules: options.interruptModules,
    });
    closers.push(() => dataPlane.close());
    const admin: AdminServer = await startAdminServer({
      ready: () => (publisher.holding() ? { ready: false, reason: "routes wait until the data plane runs their new filters" } : dataPlaneServes(pipeline, xds, dataPlane)),
      config: () => Object.fromEntries(Object.entries(pipeline.latest?.resources ?? {}).map(([t, m]) => [t, Object.fromEntries(m)])),
      statuses: () => programmed.statuses(),
      sourceErrors: () => pipeline.latest?.sourceErrors ?? [],
      ir: () => pipeline.latest?.ir,
      clients: () => xds.clients(),
      metrics,
    }, wanted.admin, host);
    closers.push(() => admin.close());

    // Converged: the latest translation is in the snapshot, every proxy (ours among them)
    // ACKed it, and the data plane serves it.
    const converged = () => new Promise<void>((resolve) => {
      const check = () => {
        if (xds.clients().some((c) => c.id === dataPlane.nodeId) && !publisher.holding() && clientsConverged(xds, pipeline.latest?.at ?? Infinity)) {
          xds.off("ack", check); clearInterval(poll); resolve();
        }
      };
      const poll = setInterval(check, 20);
      xds.on("ack", check);
      check();
    }).then(() => dataPlane.settled());
    await converged();

    return {
      ports: { http: wanted.http, https: wanted.https, xds: xdsPort, admin: admin.port, modules: moduleServer.port, proxyAdmin: dataPlane.adminPort },
      pipeline, xds, dataPlane, source, metrics, converged, close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

export { join };

// "Control plane + real Envoy" for tests: our XdsServer fed by the real Pipeline (model +
// translate), the module server with this checkout's built filters, and Envoy started with
// `attache bootstrap`'s config (admin on an ephemeral port, listeners on free loopback
// ports). Tests hand it CRD YAML and read what Envoy did: NACKs our server recorded, Envoy's
// log, its /config_dump. The dev stack (`attache dev --data-plane envoy`) has its own runner.
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { envoyBootstrap } from "../../controlplane/bootstrap/bootstrap.ts";
import { ModuleRegistry } from "../../controlplane/modules/registry.ts";
import { startModuleServer, type ModuleServer } from "../../controlplane/modules/server.ts";
import { registerBuiltModules } from "../../controlplane/runner/modules.ts";
import { Pipeline, type PipelineResult } from "../../controlplane/runner/pipeline.ts";
import type { BundleResource, ResourceBundle } from "../../controlplane/sources/bundle.ts";
import { loadFilterSchemas } from "../../controlplane/sources/file/local-filters.ts";
import { XdsServer, type NackRecord } from "../../controlplane/xds/index.ts";
import { EnvoyProcess } from "../../controlplane/runner/envoy-process.ts";
import { ControlPlaneMetrics } from "../../controlplane/admin/metrics.ts";
import { startAdminServer } from "../../controlplane/admin/server.ts";
import type { ResourceStatus } from "../../controlplane/model/index.ts";
import { trackProgrammed } from "../../controlplane/runner/programmed.ts";
import { xdsSnapshotState } from "../../controlplane/runner/xds-state.ts";
import { startEchoServer, type EchoServer } from "../../controlplane/runner/example-upstreams/echo-server.ts";

export const REPO_ROOT = join(import.meta.dirname, "..", "..");

/** A TCP port nobody listens on right now (Envoy binds its listeners itself). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface EnvoyStackOptions {
  /** Envoy worker threads. Default 1. */
  concurrency?: number;
  componentLogLevel?: string;
  /** Extra resources added to every bundle (e.g. self-signed TLS Secrets). */
  extraResources?: BundleResource[];
  /** Runtime keys layered over the bootstrap's static layer (e.g. a lower RE2 limit). */
  runtime?: Record<string, number>;
}

export interface EnvoyStack {
  envoy: EnvoyProcess;
  xds: XdsServer;
  pipeline: Pipeline;
  registry: ModuleRegistry;
  moduleServer: ModuleServer;
  ports: { http: number; https: number };
  /** The control plane's admin server (diagnostics: /debug/resources, /debug/clients). */
  adminUrl: string;
  /** Statuses with Programmed from Envoy's ACKs and NACKs, as diagnostics shows them. */
  statuses(): ResourceStatus[];
  /** Every NACK our server received from Envoy. */
  nacks: NackRecord[];
  /** Model + translate + publish one bundle; resolves once Envoy ACKed or NACKed all of it. */
  apply(bundle: ResourceBundle): Promise<PipelineResult>;
  /** Envoy's /config_dump as JSON. */
  configDump(): Promise<ConfigDump>;
  close(): Promise<void>;
}

export interface ConfigDump {
  configs: Array<Record<string, unknown> & { "@type": string }>;
}

/** Resolves when Envoy has answered (ACK or NACK) everything sent and stayed so for a
 *  moment: the new snapshot goes out within milliseconds (or not at all when nothing
 *  changed), and Envoy subscribes to RDS, SDS and ECDS only after it took the Listeners. */
async function settled(xds: XdsServer, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quietSince = 0;
  for (;;) {
    const answered = xds.clients().length > 0 && xds.clients().every((c) =>
      Object.entries(c.sent).every(([t, v]) => c.acked[t] === v || (c.lastNack?.typeUrl === t && c.lastNack.version === v)));
    if (!answered) quietSince = 0;
    else if (!quietSince) quietSince = Date.now();
    else if (Date.now() - quietSince >= 250) return;
    if (Date.now() > deadline) throw new Error(`Envoy did not answer the configuration in time: ${JSON.stringify(xds.clients().map((c) => ({ sent: c.sent, acked: c.acked, nack: c.lastNack })))}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** For a suite: an echo upstream and an Envoy stack, started before its tests and closed
 *  after them. Read them through the getters once the suite's tests (or later beforeAll
 *  hooks) run. */
export function envoyWithEcho(options: EnvoyStackOptions = {}): { readonly stack: EnvoyStack; readonly echo: EchoServer } {
  let stack: EnvoyStack | undefined;
  let echo: EchoServer | undefined;
  beforeAll(async () => {
    echo = await startEchoServer("echo", 0);
    stack = await startEnvoyStack(options);
  }, 30_000);
  afterAll(async () => {
    await stack?.close();
    await echo?.close();
  });
  return {
    get stack() { return stack!; },
    get echo() { return echo!; },
  };
}

export async function startEnvoyStack(options: EnvoyStackOptions = {}): Promise<EnvoyStack> {
  const closers: Array<() => Promise<void>> = [];
  const close = async () => { while (closers.length) await closers.pop()!().catch(() => undefined); };
  try {
    const registry = new ModuleRegistry();
    const modules = registerBuiltModules(registry, REPO_ROOT);
    const moduleServer = await startModuleServer(registry, 0, "127.0.0.1");
    closers.push(() => moduleServer.close());

    const xds = new XdsServer({ debounceMs: 1 });
    const xdsPort = await xds.listen("127.0.0.1:0");
    closers.push(() => xds.close(200));
    const nacks: NackRecord[] = [];
    xds.on("nack", (n: NackRecord) => nacks.push(n));

    const ports = { http: await freePort(), https: await freePort() };
    const pipeline = new Pipeline({
      model: {
        moduleServer: { clusterName: "attache_modules", host: "127.0.0.1", port: moduleServer.port },
        modules,
        filterSchemas: loadFilterSchemas(REPO_ROOT),
        listeners: ports,
      },
      extraResources: options.extraResources,
      modules: registry,
    });
    pipeline.on("result", (r: PipelineResult) => xds.setResources(r.resources));
    const programmed = trackProgrammed(pipeline, xds);
    closers.push(async () => programmed.stop());
    const admin = await startAdminServer({
      ready: () => xdsSnapshotState(pipeline, xds),
      config: () => Object.fromEntries(Object.entries(pipeline.latest?.resources ?? {}).map(([t, m]) => [t, Object.fromEntries(m)])),
      statuses: () => programmed.statuses(),
      sourceErrors: () => pipeline.latest?.sourceErrors ?? [],
      ir: () => pipeline.latest?.ir,
      clients: () => xds.clients(),
      metrics: new ControlPlaneMetrics(),
    }, 0, "127.0.0.1");
    closers.push(() => admin.close());

    const bootstrap = envoyBootstrap({ xdsAddress: `127.0.0.1:${xdsPort}`, adminPort: 0 });
    if (options.runtime) {
      const runtime = bootstrap.layered_runtime as { layers: unknown[] };
      runtime.layers = [...runtime.layers, { name: "test", static_layer: options.runtime }];
    }
    const envoy = await EnvoyProcess.start({ bootstrap, concurrency: options.concurrency, componentLogLevel: options.componentLogLevel });
    closers.push(() => envoy.stop());

    const apply = async (bundle: ResourceBundle) => {
      await registerModules(registry, bundle);
      const result = pipeline.apply(bundle);
      await settled(xds);
      return result;
    };
    const configDump = async () => JSON.parse(await envoy.admin("/config_dump?include_eds")) as ConfigDump;
    return { envoy, xds, pipeline, registry, moduleServer, ports, nacks, apply, configDump, close, adminUrl: `http://127.0.0.1:${admin.port}`, statuses: () => programmed.statuses() };
  } catch (err) {
    await close();
    throw err;
  }
}

/** ConfigMap and `url` modules become deliverable, as `attache serve` registers them; what
 *  fails (bad bytes, a wrong sha256, an unreachable server) is left out, and the WasmFilter's
 *  status says why (modules/delivery.ts). */
async function registerModules(registry: ModuleRegistry, bundle: ResourceBundle): Promise<void> {
  const downloads: Promise<unknown>[] = [];
  for (const { object } of bundle.resources) {
    if (object.kind === "ConfigMap") {
      for (const value of Object.values((object.binaryData ?? {}) as Record<string, unknown>)) {
        if (typeof value !== "string") continue;
        try {
          registry.add(Buffer.from(value, "base64"));
        } catch {
          // Not a WebAssembly module: the WasmFilter's status reports it.
        }
      }
    } else if (object.kind === "WasmFilter") {
      const module = ((object as { spec?: { module?: { url?: string; sha256?: string } } }).spec ?? {}).module;
      if (module?.url && module.sha256) downloads.push(registry.addUrl(module.url, module.sha256).catch(() => undefined));
    }
  }
  await Promise.all(downloads);
}

/** Envoy log lines that say our config is deprecated, rejected, or that a Wasm module did
 *  not load or was fetched the way Envoy warns about. */
export function configComplaints(lines: readonly string[]): string[] {
  return lines.filter((line) => /deprecat|rejected|remote code fetch|failed to load|\]\[(error|critical)\]\[/i.test(line));
}

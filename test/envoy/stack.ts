// "Control plane + real Envoy" for tests: our XdsServer fed by the real Pipeline (model +
// translate), the module server with this checkout's built filters, and Envoy started with
// `attache bootstrap`'s config (admin on an ephemeral port, listeners on free loopback
// ports). Tests hand it CRD YAML and read what Envoy did: NACKs our server recorded, Envoy's
// log, its /config_dump. The dev stack (`attache dev --data-plane envoy`) has its own runner.
import { createServer } from "node:net";
import { join } from "node:path";
import { envoyBootstrap } from "../../controlplane/bootstrap/bootstrap.ts";
import { ModuleRegistry } from "../../controlplane/modules/registry.ts";
import { startModuleServer, type ModuleServer } from "../../controlplane/modules/server.ts";
import { registerBuiltModules } from "../../controlplane/runner/modules.ts";
import { Pipeline, type PipelineResult } from "../../controlplane/runner/pipeline.ts";
import type { BundleResource, ResourceBundle } from "../../controlplane/sources/bundle.ts";
import { loadFilterSchemas } from "../../controlplane/sources/file/local-filters.ts";
import { XdsServer, type NackRecord } from "../../controlplane/xds/index.ts";
import { EnvoyProcess } from "../../controlplane/runner/envoy-process.ts";

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
}

export interface EnvoyStack {
  envoy: EnvoyProcess;
  xds: XdsServer;
  pipeline: Pipeline;
  registry: ModuleRegistry;
  moduleServer: ModuleServer;
  ports: { http: number; https: number };
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

/** Resolves when Envoy has answered (ACK or NACK) every type of the latest snapshot and
 *  stayed so for a moment: Envoy subscribes to RDS, SDS and ECDS only after it took the
 *  Listeners, so one quiet check could come before those subscriptions. */
async function settled(xds: XdsServer, since: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quietSince = 0;
  for (;;) {
    const answered = xds.clients().length > 0 && (xds.cache.snapshot()?.setAt ?? 0) >= since && xds.clients().every((c) =>
      Object.entries(c.sent).every(([t, v]) => c.acked[t] === v || (c.lastNack?.typeUrl === t && c.lastNack.version === v)));
    if (!answered) quietSince = 0;
    else if (!quietSince) quietSince = Date.now();
    else if (Date.now() - quietSince >= 250) return;
    if (Date.now() > deadline) throw new Error(`Envoy did not answer the configuration in time: ${JSON.stringify(xds.clients().map((c) => ({ sent: c.sent, acked: c.acked, nack: c.lastNack })))}`);
    await new Promise((r) => setTimeout(r, 20));
  }
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
        allowUrlServices: true,
      },
      extraResources: options.extraResources,
    });
    pipeline.on("result", (r: PipelineResult) => xds.setResources(r.resources));

    const bootstrap = envoyBootstrap({ xdsAddress: `127.0.0.1:${xdsPort}`, adminPort: 0 });
    const envoy = await EnvoyProcess.start({ bootstrap, concurrency: options.concurrency, componentLogLevel: options.componentLogLevel });
    closers.push(() => envoy.stop());

    const apply = async (bundle: ResourceBundle) => {
      const since = performance.now();
      const result = pipeline.apply(bundle);
      await settled(xds, since);
      return result;
    };
    const configDump = async () => JSON.parse(await envoy.admin("/config_dump?include_eds")) as ConfigDump;
    return { envoy, xds, pipeline, registry, moduleServer, ports, nacks, apply, configDump, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Envoy log lines that say our config is deprecated or was rejected. */
export function configComplaints(envoy: EnvoyProcess): string[] {
  return envoy.lines.filter((line) => /deprecat|gRPC config for .* rejected|Unable to establish new stream|rejected/i.test(line));
}

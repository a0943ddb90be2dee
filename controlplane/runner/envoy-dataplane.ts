// `attache dev --data-plane envoy`: real Envoy as the dev stack's data plane. It runs with the
// bootstrap `attache bootstrap` prints for this control plane (only the node id and the admin
// port differ), gets every listener, route, cluster, secret and Wasm filter over ADS like the
// local data plane does, and binds the listeners the control plane names. Its admin interface
// takes the proxy admin port (/stats/prometheus, /config_dump, /ready). Envoy's log goes to the
// stack's logger: info and below at debug (Envoy is chatty at start and on every update),
// warnings and errors as such.
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import type { Logger } from "pino";
import { BOOTSTRAP_NODE_CLUSTER, envoyBootstrap } from "../bootstrap/bootstrap.ts";
import { EnvoyProcess, findEnvoy } from "./envoy-process.ts";
import type { DevDataPlane } from "./dataplane.ts";

export const ENVOY_NODE_ID = "attache-dev-envoy";

export interface EnvoyDataPlaneOptions {
  xdsAddress: string;
  /** Envoy's admin port (0: any free port). */
  adminPort: number;
  logger: Logger;
  /** Envoy worker threads (--concurrency). Default: one per core, as Envoy's own default. */
  workers?: number;
  /** Envoy executable; default: findEnvoy() (ENVOY_PATH, `npm run tools`, PATH). */
  binary?: string;
}

// "[2026-01-01 10:00:00.000][123][warning][config] [source/...:42] message"
const LOG_LINE = /^\[[^\]]*\]\[\d+\]\[(\w+)\]\[([\w-]+)\] (?:\[[^\]]*\] )?(.*)$/;

export class EnvoyDataPlane implements DevDataPlane {
  readonly kind = "envoy";
  readonly nodeId = ENVOY_NODE_ID;

  private stopping = false;

  private constructor(readonly envoy: EnvoyProcess, readonly workers: number, readonly adminPort: number, logger: Logger) {
    void envoy.exited.then(({ code, signal }) => {
      if (!this.stopping) logger.error({ code, signal, log: envoy.lines.slice(-20) }, "envoy exited; the data plane is gone");
    });
  }

  static async start(options: EnvoyDataPlaneOptions): Promise<EnvoyDataPlane> {
    const binary = options.binary ?? findEnvoy();
    if (!binary || !existsSync(binary)) {
      throw new Error(`--data-plane envoy: Envoy is not installed${binary ? ` (no file ${binary})` : ""}; run \`npm run tools\` (or set ENVOY_PATH to an Envoy binary)`);
    }
    const workers = options.workers || availableParallelism();
    const envoy = await EnvoyProcess.start({
      binary,
      bootstrap: devEnvoyBootstrap(options.xdsAddress, options.adminPort),
      concurrency: workers,
      onLine: (line) => forwardLogLine(options.logger, line),
    });
    return new EnvoyDataPlane(envoy, workers, Number(new URL(envoy.adminUrl).port), options.logger);
  }

  /** Envoy NACKs what it cannot apply (a port in use fails the Listener), which readiness
   *  already sees; what is left is the process itself. */
  problem(): string | undefined {
    return this.envoy.running ? undefined : "envoy exited";
  }

  /** Resolves once no listener is warming and no Wasm module fetch is in flight, so what Envoy
   *  ACKed serves traffic: a remote module is fetched after the ACK, and its filter fails
   *  closed until the code is there (each cache miss starts one fetch, wasm/stats_handler).
   *  A fetch that never ends (an unreachable module server) stops holding this after 10 s. */
  async settled(): Promise<void> {
    const fetchDeadline = Date.now() + 10_000;
    const names = ["listener_manager.total_listeners_warming", "wasm.remote_load_cache_misses", "wasm.remote_load_fetch_successes", "wasm.remote_load_fetch_failures"];
    const filter = `^(${names.map((n) => n.replace(/\./g, "\\.")).join("|")})$`;
    for (;;) {
      const stats = new Map<string, number>();
      for (const line of (await this.envoy.admin(`/stats?filter=${encodeURIComponent(filter)}`)).split("\n")) {
        const [name, value] = line.split(": ");
        if (value !== undefined) stats.set(name, Number(value));
      }
      const stat = (name: string) => stats.get(name) ?? 0;
      const fetching = stat(names[1]) - stat(names[2]) - stat(names[3]);
      if (stats.has(names[0]) && stat(names[0]) === 0 && (fetching <= 0 || Date.now() > fetchDeadline)) return;
      if (!this.envoy.running) throw new Error("envoy exited");
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): Promise<void> {
    this.stopping = true;
    return this.envoy.stop();
  }
}

/** What `attache bootstrap --xds-address <xds> --node-id attache-dev-envoy --admin-port <port>` prints. */
export function devEnvoyBootstrap(xdsAddress: string, adminPort: number): Record<string, unknown> {
  return envoyBootstrap({ xdsAddress, nodeId: ENVOY_NODE_ID, nodeCluster: BOOTSTRAP_NODE_CLUSTER, adminPort });
}

/** Envoy's log line at a matching level of ours (see the header). */
export function forwardLogLine(logger: Logger, line: string): void {
  const m = LOG_LINE.exec(line);
  if (!m) {
    if (line.trim()) logger.debug({ envoy: "output" }, line);
    return;
  }
  const [, level, component, message] = m;
  const fields = { envoy: component };
  if (level === "critical" || level === "error") logger.error(fields, message);
  else if (level === "warning") logger.warn(fields, message);
  else if (level === "trace") logger.trace(fields, message);
  else logger.debug(fields, message);
}

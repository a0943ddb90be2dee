// The local data plane (devproxy/) as the dev stack runs it: our own xDS client and proxy,
// with its admin endpoint on the proxy admin port. Config it rejects is logged as an error.
import type { Logger } from "pino";
import { startProxyAdmin, type ProxyAdmin } from "../../devproxy/admin.ts";
import { DataPlane } from "../../devproxy/dataplane.ts";
import type { AccessLogEntry } from "../../devproxy/proxy/handler.ts";
import type { DevDataPlane } from "./dataplane.ts";
import { LogRateLimit } from "./log-limit.ts";

export interface LocalDataPlaneOptions {
  xdsAddress: string;
  /** Address the listeners and the admin endpoint bind to. */
  host: string;
  adminPort: number;
  logger: Logger;
  /** Worker threads (default one per core; 0 = serve on the main thread). */
  workers?: number;
  accessLog?: ((entry: AccessLogEntry) => void) | false;
  /** Wasm modules compiled interruptible, so a callback that never returns is stopped
   *  (devproxy/wasm/provider.ts CALLBACK_LIMIT_MS). Default true; benchmarks turn it off to
   *  measure what it costs. */
  interruptModules?: boolean;
}

export class LocalDataPlane implements DevDataPlane {
  readonly kind = "local";
  readonly nodeId = "attache-devproxy";

  private constructor(readonly proxy: DataPlane, private readonly admin: ProxyAdmin) {}

  static async start(options: LocalDataPlaneOptions): Promise<LocalDataPlane> {
    const proxy = new DataPlane({
      xdsAddress: options.xdsAddress,
      nodeId: "attache-devproxy",
      bindAddress: options.host,
      workers: options.workers,
      accessLog: options.accessLog,
      interruptModules: options.interruptModules,
    });
    // Rate-limited: a storm of rejected updates costs a few lines (log-limit.ts).
    const rejectLog = new LogRateLimit();
    proxy.on("nack", (type: string, message: string) => {
      const gate = rejectLog.take();
      if (gate.log) options.logger.error({ type, error: message, ...(gate.suppressed ? { suppressed: gate.suppressed } : {}) }, "devproxy rejected config");
    });
    // An update it accepted but could not apply (e.g. a port already in use): the previous
    // config keeps serving, /ready on the admin port says why, and the log names it.
    proxy.on("error", (err: Error) => options.logger.error({ error: err.message }, "devproxy could not apply config"));
    proxy.start();
    try {
      return new LocalDataPlane(proxy, await startProxyAdmin(proxy, options.adminPort, options.host));
    } catch (err) {
      await proxy.close();
      throw err;
    }
  }

  get workers(): number {
    return this.proxy.workers;
  }

  get adminPort(): number {
    return this.admin.port;
  }

  problem(): string | undefined {
    return this.proxy.problem();
  }

  settled(): Promise<void> {
    return this.proxy.settled();
  }

  async close(): Promise<void> {
    await this.admin.close();
    await this.proxy.close();
  }
}

// The local data plane (devproxy/) as the dev stack runs it: our own xDS client and proxy,
// with its admin endpoint on the proxy admin port. Config it rejects is logged as an error.
import type { Logger } from "pino";
import { startProxyAdmin, type ProxyAdmin } from "../../devproxy/admin.ts";
import { DataPlane } from "../../devproxy/dataplane.ts";
import type { AccessLogEntry } from "../../devproxy/proxy/handler.ts";
import type { DevDataPlane } from "./dataplane.ts";

export interface LocalDataPlaneOptions {
  xdsAddress: string;
  /** Address the listeners and the admin endpoint bind to. */
  host: string;
  adminPort: number;
  logger: Logger;
  /** Worker threads (default one per core; 0 = serve on the main thread). */
  workers?: number;
  accessLog?: ((entry: AccessLogEntry) => void) | false;
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
    });
    proxy.on("nack", (type: string, message: string) => options.logger.error({ type, error: message }, "devproxy rejected config"));
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

  settled(): Promise<void> {
    return this.proxy.settled();
  }

  async close(): Promise<void> {
    await this.admin.close();
    await this.proxy.close();
  }
}

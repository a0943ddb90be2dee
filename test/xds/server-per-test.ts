// The fixture both ADS protocol suites share: a fresh XdsServer on an ephemeral port before
// each test, serving baseResources(), and every client the test connected closed after it.
import { afterEach, beforeEach } from "vitest";
import { XdsServer, type XdsServerOptions } from "../../controlplane/xds/server.ts";
import { baseResources } from "./fixtures.ts";

export interface ServerPerTest<C> {
  readonly server: XdsServer;
  readonly address: string;
  /** Opens a client (made by the suite's factory) that is closed after the test. */
  connect(...args: unknown[]): C;
  /** Replaces this test's server with one built from `options` (no resources set). */
  restart(options: XdsServerOptions): Promise<XdsServer>;
}

export function serverPerTest<C extends { close(): void }>(makeClient: (address: string, ...args: any[]) => C): ServerPerTest<C> {
  let server: XdsServer;
  let address = "";
  const clients: C[] = [];
  const start = async (options?: XdsServerOptions) => {
    server = new XdsServer(options);
    address = `127.0.0.1:${await server.listen()}`;
    return server;
  };
  beforeEach(async () => {
    await start();
    server.cache.setResourcesNow(baseResources());
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await server.close();
  });
  return {
    get server() {
      return server;
    },
    get address() {
      return address;
    },
    connect(...args: unknown[]) {
      const c = makeClient(address, ...args);
      clients.push(c);
      return c;
    },
    async restart(options: XdsServerOptions) {
      await server.close();
      return start(options);
    },
  };
}

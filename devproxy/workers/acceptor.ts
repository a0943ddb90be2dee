// The main thread's half of the worker model: binds each Listener's public port and hands
// every accepted connection to the next worker (round robin), over that worker's Unix socket
// for the listener, after a PROXY protocol v1 line carrying the client's address. Node cannot
// pass a socket to another thread, so bytes are relayed; TLS, HTTP parsing, filters and
// upstream work all happen in the workers.
import net from "node:net";
import { proxyHeader } from "../proxy/client-address.ts";
import { socketPath } from "./messages.ts";

/** The default cap on open client connections: with three descriptors each, well inside the
 *  usual 20,000-65,536 open-file limits, with room for upstream connections. */
export const DEFAULT_MAX_DOWNSTREAM_CONNECTIONS = 4096;

const OVERLOADED_BODY = "envoy overloaded: too many connections";
const OVERLOADED = `HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: ${OVERLOADED_BODY.length}\r\nconnection: close\r\n\r\n${OVERLOADED_BODY}`;

/** What the acceptor needs of a Listener (it runs in its own thread: acceptor-thread.ts). */
export interface AcceptorListener { name: string; address: string; port: number; tls: boolean }

interface Bound { config: AcceptorListener; server: net.Server; sockets: Set<net.Socket> }

export class Acceptor {
  private readonly bound = new Map<string, Bound>();
  private next = 0;

  private open = 0;

  /** @param maxConnections open client connections over all listeners; past it a new one is
   *  answered 503 (plain HTTP) or closed (TLS) at once — Envoy's overload manager
   *  global_downstream_max_connections. Each relayed connection holds three descriptors. */
  constructor(private readonly workers: number, private readonly socketDir: string, private readonly bindAddress?: string,
    private readonly maxConnections = DEFAULT_MAX_DOWNSTREAM_CONNECTIONS) {}

  ports(): Map<string, number> {
    return new Map([...this.bound].map(([n, b]) => [n, (b.server.address() as net.AddressInfo).port]));
  }

  async reconcile(listeners: ReadonlyMap<string, AcceptorListener>): Promise<void> {
    for (const [name, b] of this.bound) {
      const next = listeners.get(name);
      if (next && next.port === b.config.port && next.address === b.config.address) { b.config = next; continue; }
      this.bound.delete(name);
      b.server.close();
    }
    for (const [name, config] of listeners) {
      if (this.bound.has(name)) continue;
      const b: Bound = { config, server: net.createServer({ noDelay: true }, (client) => this.relay(name, client, b)), sockets: new Set() };
      await new Promise<void>((resolve, reject) => {
        b.server.once("error", reject);
        b.server.listen(config.port, this.bindAddress ?? config.address, () => { b.server.off("error", reject); resolve(); });
      });
      this.bound.set(name, b);
    }
  }

  private relay(name: string, client: net.Socket, b: Bound): void {
    if (this.open >= this.maxConnections) {
      client.on("error", () => client.destroy());
      if (b.config.tls) client.destroy();
      else client.end(OVERLOADED);
      return;
    }
    this.open++;
    client.once("close", () => this.open--);
    const worker = this.next++ % this.workers;
    const header = proxyHeader(client);
    const upstream = net.connect(socketPath(this.socketDir, worker, name));
    client.setNoDelay(true);
    b.sockets.add(client);
    upstream.write(header);
    client.pipe(upstream);
    upstream.pipe(client);
    const close = () => { client.destroy(); upstream.destroy(); b.sockets.delete(client); };
    client.on("error", close);
    upstream.on("error", close);
    client.on("close", close);
    upstream.on("close", close);
  }

  async close(): Promise<void> {
    const all = [...this.bound.values()];
    this.bound.clear();
    await Promise.all(all.map((b) => new Promise<void>((resolve) => {
      b.server.close(() => resolve());
      for (const s of b.sockets) s.destroy();
    })));
  }
}

// A TCP relay on loopback between a client and the real API server, for the one fault the
// server cannot produce on demand: a network partition. While partitioned it drops every
// relayed connection and refuses new ones; TLS passes through untouched.
import { connect, createServer, type Server, type Socket } from "node:net";

export class Relay {
  private partitioned = false;
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server, readonly port: number) {}

  static async start(targetPort: number): Promise<Relay> {
    let relay: Relay | undefined;
    const server = createServer((client) => {
      if (!relay || relay.partitioned) return void client.destroy();
      const upstream = connect(targetPort, "127.0.0.1");
      for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
        relay.sockets.add(a);
        a.pipe(b);
        a.on("error", () => b.destroy());
        a.on("close", () => (b.destroy(), relay!.sockets.delete(a)));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    relay = new Relay(server, (server.address() as { port: number }).port);
    return relay;
  }

  /** Cuts every open connection and refuses new ones until heal(). */
  partition(): void {
    this.partitioned = true;
    for (const socket of this.sockets) socket.destroy();
  }

  heal(): void {
    this.partitioned = false;
  }

  close(): Promise<void> {
    this.partition();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

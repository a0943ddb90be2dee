// A free loopback port for the benches' listeners, named in config before anything binds it
// (test/e2e/harness.ts has the same for tests, but it imports vitest, which a bench cannot).
import net from "node:net";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

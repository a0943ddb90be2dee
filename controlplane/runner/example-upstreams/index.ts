// The small upstream services `attache dev` starts so every example works out of the box
// (examples/README.md has the port plan): two echo services for plain routes and the canary,
// and an external authorization service with Emissary AuthService semantics for the auth
// example (2xx allows and its x-auth-* headers are copied upstream; anything else is
// returned to the client verbatim).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { startEchoServer, type EchoServer } from "./echo-server.ts";

export interface ExampleUpstreams {
  echo: EchoServer;
  canary: EchoServer;
  auth: { port: number; close(): Promise<void> };
  close(): Promise<void>;
}

export const EXAMPLE_PORTS = { echo: 9001, canary: 9002, auth: 9003 } as const;

/** Allows `Authorization: Bearer let-me-in`, answering 200 with x-auth-user; else 403 JSON. */
export async function startExampleAuthService(port: number, host = "127.0.0.1"): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.headers.authorization === "Bearer let-me-in") {
      res.writeHead(200, { "x-auth-user": "demo" }).end();
    } else {
      res.writeHead(403, { "content-type": "application/json", "x-auth-reason": "bad-token" }).end(JSON.stringify({ error: "forbidden", reason: "send Authorization: Bearer let-me-in" }));
    }
  });
  await new Promise<void>((resolve, reject) => { server.once("error", reject); server.listen(port, host, () => resolve()); });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

export async function startExampleUpstreams(ports: { echo: number; canary: number; auth: number } = EXAMPLE_PORTS): Promise<ExampleUpstreams> {
  const echo = await startEchoServer("echo", ports.echo);
  const canary = await startEchoServer("echo-canary", ports.canary);
  const auth = await startExampleAuthService(ports.auth);
  return {
    echo, canary, auth,
    close: async () => { await Promise.all([echo.close(), canary.close(), auth.close()]); },
  };
}

// The local data plane's admin endpoint (like Envoy's admin on 9901, localhost only):
// /stats/prometheus (per-route counters and latency, Wasm filter metrics), /ready (200 once
// a configuration with listeners is applied), /config_dump (names and versions of what is
// applied; no secrets).
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { DataPlane } from "./dataplane.ts";

export interface ProxyAdmin { port: number; close(): Promise<void> }

export async function startProxyAdmin(dataPlane: DataPlane, port = 9901, host = "127.0.0.1"): Promise<ProxyAdmin> {
  const server = http.createServer(async (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    try {
      if (path === "/stats/prometheus") {
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(await dataPlane.metricsText());
      } else if (path === "/ready") {
        const ready = dataPlane.snapshot().listeners.size > 0;
        res.writeHead(ready ? 200 : 503, { "content-type": "text/plain" }).end(ready ? "LIVE\n" : "PRE_INITIALIZING\n");
      } else if (path === "/config_dump") {
        const s = dataPlane.snapshot();
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({
          version: s.version,
          listeners: [...s.listeners.values()].map((l) => ({ name: l.name, port: l.port, tls: l.tlsChains.length > 0 })),
          routeConfigurations: [...s.routeTables.keys()],
          clusters: [...s.clusters.values()].map((c) => ({ name: c.name, endpoints: c.endpoints.map((e) => `${e.host}:${e.port}`) })),
          secrets: [...s.secrets.keys()],
          extensions: [...s.extensions.keys()],
        }, null, 2));
      } else res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    } catch (err) {
      res.writeHead(500, { "content-type": "text/plain" }).end(`${(err as Error).message}\n`);
    }
  });
  await new Promise<void>((resolve, reject) => { server.once("error", reject); server.listen(port, host, () => resolve()); });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

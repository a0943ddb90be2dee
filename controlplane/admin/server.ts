// The admin server (port 8877): /alive, /ready (503 until the first snapshot is served and,
// in a cluster, every informer synced), /metrics, /debug/config (current xDS as JSON),
// /debug/resources (inputs with conditions), /debug/clients (proxies with ACK/NACK state),
// /debug/overview (the page's data) and the diagnostics page at /. Every output goes through
// redact(): no secret ever leaves this port.
import http from "node:http";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { GatewayIR } from "../ir/types.ts";
import type { ResourceStatus } from "../model/types.ts";
import type { SourceError } from "../sources/bundle.ts";
import type { ControlPlaneMetrics } from "./metrics.ts";
import { buildOverview, type ClientView } from "./overview.ts";
import { redact } from "./redact.ts";

const uiDir = join(dirname(fileURLToPath(import.meta.url)), "ui");

export interface AdminSources {
  ready(): { ready: boolean; reason: string };
  /** Current xDS resources: type URL -> name -> proto3 JSON. */
  config(): Record<string, Record<string, unknown>>;
  statuses(): readonly ResourceStatus[];
  /** Documents the source could not read (file mode: bad YAML); none in a cluster. */
  sourceErrors?(): readonly SourceError[];
  ir(): GatewayIR | undefined;
  clients(): readonly ClientView[];
  metrics: ControlPlaneMetrics;
}

export interface AdminServer {
  port: number;
  close(): Promise<void>;
}

async function bundleUi(): Promise<string> {
  const result = await build({ entryPoints: [join(uiDir, "app.ts")], bundle: true, write: false, format: "iife", target: "es2020", minify: true });
  return result.outputFiles[0].text;
}

export async function startAdminServer(sources: AdminSources, port = 8877, host = "127.0.0.1"): Promise<AdminServer> {
  const page = readFileSync(join(uiDir, "index.html"), "utf8");
  const script = await bundleUi();
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(redact(body), null, 2));
  };
  const server = http.createServer(async (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    try {
      switch (path) {
        case "/alive":
          return void res.writeHead(200, { "content-type": "text/plain" }).end("alive\n");
        case "/ready": {
          const r = sources.ready();
          return void res.writeHead(r.ready ? 200 : 503, { "content-type": "text/plain" }).end(`${r.ready ? "ready" : "not ready"}: ${r.reason}\n`);
        }
        case "/metrics":
          return void res.writeHead(200, { "content-type": sources.metrics.registry.contentType }).end(await sources.metrics.registry.metrics());
        case "/debug/config":
          return json(res, 200, sources.config());
        case "/debug/resources":
          return json(res, 200, sources.statuses());
        case "/debug/clients":
          return json(res, 200, sources.clients());
        case "/debug/overview":
          return json(res, 200, buildOverview(sources.ir(), sources.statuses(), sources.clients(), sources.sourceErrors?.() ?? []));
        case "/":
          return void res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page);
        case "/ui/app.js":
          return void res.writeHead(200, { "content-type": "text/javascript" }).end(script);
        default:
          return void res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      }
    } catch (err) {
      res.writeHead(500, { "content-type": "text/plain" }).end(`admin error: ${(err as Error).message}\n`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

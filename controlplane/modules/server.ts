// HTTP server for Wasm modules (port 18002): GET /modules/<sha256>.wasm from the registry.
// Anything else is 404; the name is the content's hash, so responses are immutable and
// cacheable forever.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { ModuleRegistry } from "./registry.ts";

const MODULE_PATH = /^\/modules\/([0-9a-f]{64})\.wasm$/;

export interface ModuleServer {
  port: number;
  fetches: number;
  close(): Promise<void>;
}

export async function startModuleServer(registry: ModuleRegistry, port = 18002, host = "0.0.0.0", onFetch?: (sha: string, ok: boolean) => void): Promise<ModuleServer> {
  const state = { fetches: 0 };
  const server = http.createServer((req, res) => {
    const match = MODULE_PATH.exec(req.url ?? "");
    const bytes = match && (req.method === "GET" || req.method === "HEAD") ? registry.get(match[1]) : undefined;
    onFetch?.(match?.[1] ?? "", Boolean(bytes));
    if (!bytes) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    state.fetches++;
    res.writeHead(200, {
      "content-type": "application/wasm",
      "content-length": bytes.byteLength,
      "cache-control": "public, max-age=31536000, immutable",
      etag: `"${match![1]}"`,
    });
    res.end(req.method === "HEAD" ? undefined : bytes);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    get fetches() { return state.fetches; },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

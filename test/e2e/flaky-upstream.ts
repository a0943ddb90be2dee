// A stand-in upstream that fails on demand, which a real service cannot: `/fail-<n>-times/<id>`
// answers 503 ("attempt <k> failed") to the first n requests for that path and 200 after;
// `/hang-<ms>/<id>` answers 200 only after <ms>. It counts requests per path, so a test sees
// how many tries the data plane made.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface FlakyUpstream {
  port: number;
  /** Requests received for this exact path. */
  attempts(path: string): number;
  close(): Promise<void>;
}

export async function startFlakyUpstream(): Promise<FlakyUpstream> {
  const seen = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const path = req.url ?? "/";
    const attempt = (seen.get(path) ?? 0) + 1;
    seen.set(path, attempt);
    const fail = /^\/fail-(\d+)-times\//.exec(path);
    const hang = /^\/hang-(\d+)\//.exec(path);
    req.resume();
    if (fail && attempt <= Number(fail[1])) {
      res.writeHead(503, { "content-type": "text/plain" }).end(`attempt ${attempt} failed`);
    } else if (hang) {
      const timer = setTimeout(() => res.writeHead(200, { "content-type": "text/plain" }).end("late"), Number(hang[1]));
      res.on("close", () => clearTimeout(timer));
    } else {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ path, attempt }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    attempts: (path) => seen.get(path) ?? 0,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

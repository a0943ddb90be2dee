// The upstream of both sides of the harness: records every request it gets (method, path,
// headers in wire order, body) and answers as the request asks — `x-echo-status`,
// `x-echo-body`, and `x-echo-header: <name>=<value>` (repeatable) — else 200 "echo".
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface UpstreamRequest {
  method: string;
  path: string;
  headers: Array<[string, string]>;
  body: string;
}

function pairs(raw: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < raw.length; i += 2) out.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
  return out;
}

export class EchoUpstream {
  readonly requests: UpstreamRequest[] = [];
  private constructor(private readonly server: Server) {}

  static async start(): Promise<EchoUpstream> {
    let upstream: EchoUpstream | undefined;
    const server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const headers = pairs(req.rawHeaders);
        upstream!.requests.push({ method: req.method ?? "", path: req.url ?? "", headers, body: Buffer.concat(chunks).toString("utf8") });
        const get = (name: string) => headers.filter(([k]) => k === name).map(([, v]) => v);
        const out: Array<[string, string]> = [];
        for (const spec of get("x-echo-header")) {
          const at = spec.indexOf("=");
          out.push([spec.slice(0, at), spec.slice(at + 1)]);
        }
        const body = get("x-echo-body")[0] ?? "echo";
        res.writeHead(Number(get("x-echo-status")[0] ?? 200), [...out.flat(), "content-length", String(Buffer.byteLength(body))]);
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    upstream = new EchoUpstream(server);
    return upstream;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Takes the requests recorded so far. */
  take(): UpstreamRequest[] {
    return this.requests.splice(0);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

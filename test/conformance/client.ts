// What a client sends and sees, the same way for both sides: one HTTP/1.1 request on its own
// connection (node:http, headers in the given order), and the response's status, headers in
// wire order and body.
import { request } from "node:http";

export interface ClientRequest {
  method?: string;
  path: string;
  headers?: Array<[string, string]>;
  body?: string;
}

export interface ClientResponse {
  status: number;
  headers: Array<[string, string]>;
  body: string;
}

export function send(port: number, req: ClientRequest): Promise<ClientResponse> {
  return new Promise((resolve, reject) => {
    const headers: string[] = [];
    for (const [k, v] of req.headers ?? []) headers.push(k, v);
    if (req.body !== undefined) headers.push("content-length", String(Buffer.byteLength(req.body)));
    const r = request({ host: "127.0.0.1", port, method: req.method ?? "GET", path: req.path, headers: headers as unknown as Record<string, string>, agent: false, setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const pairs: Array<[string, string]> = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!]);
        resolve({ status: res.statusCode ?? 0, headers: pairs, body: Buffer.concat(chunks).toString("utf8") });
      });
      res.on("error", reject);
    });
    r.on("error", reject);
    r.end(req.body);
  });
}

// A small upstream for `attache dev`'s examples and for tests: answers every request with JSON describing
// what it received (method, path, headers, body) and its own name, so a caller can see which
// backend served it and what the proxy changed. `/status/<code>` answers with that code;
// `/delay/<ms>` waits first. WebSocket upgrades are echoed frame by frame (the upgrade's path
// in the 101's x-echo-path).
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface EchoServer {
  name: string;
  port: number;
  requests: number;
  close(): Promise<void>;
}

export async function startEchoServer(name: string, port = 0, host = "127.0.0.1"): Promise<EchoServer> {
  const state = { requests: 0 };
  const server = http.createServer(async (req, res) => {
    state.requests++;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = req.url ?? "/";
    const status = /^\/status\/(\d{3})/.exec(url);
    const delay = /^\/delay\/(\d+)/.exec(url);
    if (delay) await new Promise((r) => setTimeout(r, Number(delay[1])));
    const body = JSON.stringify({ server: name, method: req.method, path: url, headers: req.headers, body: Buffer.concat(chunks).toString() });
    res.writeHead(status ? Number(status[1]) : 200, { "content-type": "application/json", "x-served-by": name });
    res.end(body);
  });
  server.on("upgrade", (req, socket) => {
    // RFC 6455 handshake, then echo unmasked text frames back.
    const accept = createHash("sha1").update(`${req.headers["sec-websocket-key"]}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
    // The path it was asked for goes back in x-echo-path (a WebSocket has no body to echo it in).
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${accept}\r\nx-echo-path: ${req.url}\r\n\r\n`);
    socket.on("data", (frame: Buffer) => {
      const len = frame[1] & 0x7f;
      const mask = frame.subarray(2, 6);
      const payload = Buffer.from(frame.subarray(6, 6 + len).map((b, i) => b ^ mask[i % 4]));
      const text = Buffer.from(`${name}:${payload.toString()}`);
      socket.write(Buffer.concat([Buffer.from([0x81, text.length]), text]));
    });
    socket.on("error", () => undefined);
  });
  const sockets = new Set<import("node:net").Socket>();
  server.on("connection", (s) => { sockets.add(s); s.on("close", () => sockets.delete(s)); });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return {
    name,
    port: (server.address() as AddressInfo).port,
    get requests() { return state.requests; },
    close: () => new Promise((resolve) => { server.close(() => resolve()); for (const s of sockets) s.destroy(); }),
  };
}

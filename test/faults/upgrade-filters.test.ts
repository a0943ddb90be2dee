// WebSocket upgrades go through the route's filters and rewrite, as in Envoy, and only a 101
// turns the stream into a tunnel: an upgrade without credentials is denied by the auth filter,
// the upstream sees the rewritten path, and a non-101 answer is a plain response — bytes the
// client sends afterwards never reach the upstream as raw tunnel data.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createHash } from "node:crypto";
import http from "node:http";
import net from "node:net";
import { forEachDataPlane, startE2E, type E2E } from "../e2e/harness.ts";

const KEY = "ws-test-key";

/** Upstream: answers upgrades on /refuse with 404, others with 101 and an echo; records the
 *  upgrade requests' paths and every byte that arrives on an upgrade socket afterwards. */
async function startUpstream() {
  const paths: string[] = [];
  let tunnelled = "";
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => res.end("plain"));
  server.on("upgrade", (req: http.IncomingMessage, socket: net.Socket) => {
    paths.push(req.url ?? "");
    sockets.add(socket);
    socket.on("data", (d) => { tunnelled += d.toString("latin1"); socket.write(d); });
    if (req.url?.startsWith("/refuse")) socket.write("HTTP/1.1 404 Not Found\r\ncontent-length: 4\r\n\r\nnope");
    else socket.write("HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const close = () => new Promise((r) => { for (const s of sockets) s.destroy(); server.closeAllConnections(); server.close(r); });
  return { close, port: (server.address() as net.AddressInfo).port, paths, tunnelled: () => tunnelled };
}

/** Sends an upgrade request, then `after` once a response head arrived; resolves with all
 *  the client saw when the connection closed, `enough` says it saw what it waits for, or
 *  1.5 s passed. */
function upgrade(port: number, path: string, headers: string, after?: string, enough?: (seen: string) => boolean): Promise<string> {
  return new Promise((resolve) => {
    let seen = "";
    let sent = false;
    const socket = net.connect(port, "127.0.0.1", () => {
      socket.write(`GET ${path} HTTP/1.1\r\nhost: localhost\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n${headers}\r\n`);
    });
    const done = () => { clearTimeout(timer); socket.destroy(); resolve(seen); };
    const timer = setTimeout(done, 1500);
    socket.on("data", (d) => {
      seen += d.toString("latin1");
      if (after && !sent && seen.includes("\r\n\r\n")) { sent = true; socket.write(after); }
      if (enough?.(seen)) done();
    });
    socket.on("close", done);
    socket.on("error", done);
  });
}

forEachDataPlane("WebSocket upgrades and filters", (dataPlane) => {
  let e2e: E2E;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  beforeAll(async () => {
    upstream = await startUpstream();
    const sha = createHash("sha256").update(KEY).digest("hex");
    e2e = await startE2E({
      "ws.yaml": `apiVersion: attache.dev/v1alpha1
kind: WasmFilter
metadata: { name: keys }
spec:
  module: { builtin: auth }
  config: { apiKeys: { header: x-api-key, keys: [{ name: ws, sha256: "${sha}" }] } }
---
apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: { name: ws }
spec: { prefix: /ws/, service: "http://127.0.0.1:${upstream.port}", allowUpgrade: [websocket], filters: [{ name: keys }] }
`,
    }, { dataPlane });
  });
  afterAll(async () => {
    await e2e?.close();
    await upstream?.close();
  });
  const port = () => Number(new URL(e2e.http).port);

  it("an upgrade without credentials is denied by the auth filter and never reaches the upstream", async () => {
    const seen = await upgrade(port(), "/ws/chat", "");
    expect(seen).toMatch(/^HTTP\/1.1 401/);
    expect(upstream.paths).toEqual([]);
  });

  it("an upgrade with credentials is rewritten like any request and tunnels after the 101", async () => {
    const seen = await upgrade(port(), "/ws/chat", `x-api-key: ${KEY}\r\n`, "ping-bytes", (text) => text.includes("ping-bytes"));
    expect(seen).toMatch(/^HTTP\/1.1 101/);
    expect(seen).toContain("ping-bytes");
    expect(upstream.paths).toContain("/chat");
  });

  it("a non-101 answer is a normal response: later bytes are not tunnelled to the upstream", async () => {
    const seen = await upgrade(port(), "/ws/refuse", `x-api-key: ${KEY}\r\n`, "GET /ws/smuggled HTTP/1.1\r\nhost: localhost\r\n\r\n");
    expect(seen).toMatch(/^HTTP\/1.1 404/);
    expect(seen).toContain("nope");
    expect(upstream.tunnelled()).not.toContain("smuggled");
  });
});

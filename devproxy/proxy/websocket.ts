// HTTP/1.1 Upgrade (WebSocket) as Envoy's HCM does it (route_components.proto
// RouteAction.UpgradeConfig): the upgrade request is an ordinary request until the upstream
// answers — route selection, the HTTP filters and the route's rewrite all apply (handler.ts) —
// and only a 101 turns the stream into a tunnel. Any other answer is a normal response and the
// connection closes after it, so bytes the client sends later are never relayed raw.
import http from "node:http";
import https from "node:https";
import net from "node:net";
import type { Duplex } from "node:stream";
import type { ClusterConfig, Endpoint } from "../config/clusters.ts";
import type { HcmConfig } from "../config/listeners.ts";
import { handleRequest, type HandlerEnv } from "./handler.ts";
import type { HeaderPairs } from "./filters.ts";
import { UpstreamError } from "./upstream.ts";

export interface DownstreamUpgrade {
  /** The Upgrade header's protocol, lower case ("websocket"). */
  type: string;
  socket: Duplex;
  /** Bytes the client sent after the request head. */
  head: Buffer;
}

/** Entry for the HTTP server's "upgrade" event: runs the request through handleRequest with
 *  a response object on the raw socket, for the answers that are not a tunnel. */
export function handleUpgrade(env: HandlerEnv, hcm: HcmConfig, req: http.IncomingMessage, socket: Duplex, head: Buffer, scheme: "http" | "https"): void {
  const res = new http.ServerResponse(req);
  res.assignSocket(socket as net.Socket);
  res.shouldKeepAlive = false;
  res.on("finish", () => socket.end());
  socket.on("error", () => socket.destroy());
  const type = String(req.headers.upgrade ?? "").toLowerCase();
  void handleRequest(env, hcm, req, res, scheme, { type, socket, head });
}

export type UpgradeOutcome =
  | { kind: "upgraded"; headers: HeaderPairs; upstream: net.Socket; head: Buffer }
  | { kind: "response"; response: http.IncomingMessage };

const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "host"]);

/** Sends the upgrade request to one endpoint; resolves with the tunnel (101) or the response. */
export function sendUpgrade(cluster: ClusterConfig, ep: Endpoint, method: string, path: string, headers: Record<string, string | string[]>,
  authority: string, type: string, timeoutMs: number): Promise<UpgradeOutcome> {
  return new Promise((resolve, reject) => {
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(headers)) if (!HOP_BY_HOP.has(k)) out[k] = v;
    out.host = authority;
    out.connection = "Upgrade";
    out.upgrade = type;
    const request = (cluster.tls ? https : http).request({ host: ep.host, port: ep.port, method, path, headers: out, agent: false, servername: cluster.tls?.sni });
    const timer = timeoutMs > 0 ? setTimeout(() => request.destroy(new UpstreamError("timeout", "upstream request timeout")), timeoutMs) : undefined;
    request.on("upgrade", (response, upstream: net.Socket, head) => {
      clearTimeout(timer);
      const pairs: HeaderPairs = [];
      for (let i = 0; i < response.rawHeaders.length; i += 2) pairs.push([response.rawHeaders[i].toLowerCase(), response.rawHeaders[i + 1]]);
      resolve({ kind: "upgraded", headers: pairs, upstream, head });
    });
    request.on("response", (response) => { clearTimeout(timer); resolve({ kind: "response", response }); });
    request.on("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err instanceof UpstreamError) reject(err);
      else reject(new UpstreamError(err.code === "ECONNREFUSED" ? "connect-failure" : "reset", `upstream error: ${err.code ?? err.message}`));
    });
    request.end();
  });
}

/** Writes the 101 head to the client and joins the two sockets. */
export function joinTunnel(downstream: DownstreamUpgrade, headers: HeaderPairs, upstream: net.Socket, upstreamHead: Buffer): void {
  const lines = ["HTTP/1.1 101 Switching Protocols", ...headers.map(([k, v]) => `${k}: ${v}`)];
  downstream.socket.write(`${lines.join("\r\n")}\r\n\r\n`);
  if (upstreamHead.length) downstream.socket.write(upstreamHead);
  if (downstream.head.length) upstream.write(downstream.head);
  upstream.pipe(downstream.socket);
  downstream.socket.pipe(upstream);
  upstream.on("error", () => downstream.socket.destroy());
  downstream.socket.on("error", () => upstream.destroy());
  upstream.on("close", () => downstream.socket.destroy());
  downstream.socket.on("close", () => upstream.destroy());
}

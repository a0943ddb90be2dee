// WebSocket (HTTP/1.1 Upgrade) proxying for routes with `upgrade_configs: websocket`
// (route_components.proto RouteAction.UpgradeConfig): the upgrade request is matched like
// any request — path canonicalized, prefix rewritten, edge headers set — then the raw sockets
// are joined once the upstream answers 101.
import type { IncomingMessage } from "node:http";
import net from "node:net";
import type { Duplex } from "node:stream";
import type { HcmConfig } from "../config/listeners.ts";
import type { Snapshot } from "../config/snapshot.ts";
import type { TLSSocket } from "node:tls";
import { clientAddress } from "./client-address.ts";
import { applyEdgeHeaders } from "./edge-headers.ts";
import { headerSet, type HeaderPairs } from "./filters.ts";
import { rewritePath } from "./handler.ts";
import { normalizeRequestPath } from "./path-normalize.ts";
import type { UpstreamPool } from "./upstream.ts";

export function handleUpgrade(snapshot: Snapshot, upstreams: UpstreamPool, hcm: HcmConfig, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const fail = (status: number, text: string) => {
    socket.end(`HTTP/1.1 ${status} ${text}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
  };
  const upgrade = String(req.headers.upgrade ?? "").toLowerCase();
  const rawUrl = normalizeRequestPath(req.url ?? "/", hcm);
  const q = rawUrl.indexOf("?");
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const rawAuthority = String(req.headers.host ?? "");
  const host = hcm.stripPort ? rawAuthority.replace(/:\d+$/, "") : rawAuthority;
  const table = hcm.routeConfigName ? snapshot.routeTables.get(hcm.routeConfigName) : undefined;
  const selected = table?.select(host, { method: req.method ?? "GET", path, query: new URLSearchParams(q < 0 ? "" : rawUrl.slice(q + 1)), headers: req.headers });
  if (!selected) return fail(404, "Not Found");
  const action = selected.route.action;
  if (action.kind !== "route" || !action.upgrades.has(upgrade)) return fail(403, "Forbidden");
  const cluster = snapshot.clusters.get(action.clusters[0].name);
  const ep = cluster && upstreams.pick(cluster);
  if (!ep) return fail(503, "Service Unavailable");
  const upstream = net.connect(ep.port, ep.host);
  upstream.once("error", () => fail(503, "Service Unavailable"));
  const headers: HeaderPairs = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i].toLowerCase(), req.rawHeaders[i + 1]]);
  headerSet(headers, "host", host);
  const tls = Boolean((req.socket as TLSSocket).encrypted);
  applyEdgeHeaders(headers, clientAddress(req.socket).address, tls ? "https" : "http");
  const upstreamPath = rewritePath(action, path, rawUrl);
  if (action.prefixRewrite !== undefined || action.regexRewrite) headerSet(headers, "x-envoy-original-path", rawUrl);
  upstream.once("connect", () => {
    const lines = [`${req.method} ${upstreamPath} HTTP/1.1`, ...headers.map(([k, v]) => `${k}: ${v}`)];
    upstream.write(`${lines.join("\r\n")}\r\n\r\n`);
    if (head.length) upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
  });
  socket.on("error", () => upstream.destroy());
  upstream.on("close", () => socket.destroy());
  socket.on("close", () => upstream.destroy());
}

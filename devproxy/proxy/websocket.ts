// WebSocket (HTTP/1.1 Upgrade) proxying for routes with `upgrade_configs: websocket`
// (route_components.proto RouteAction.UpgradeConfig): the upgrade request is matched like
// any request, then the raw sockets are joined once the upstream answers 101.
import type { IncomingMessage } from "node:http";
import net from "node:net";
import type { Duplex } from "node:stream";
import type { HcmConfig } from "../config/listeners.ts";
import type { Snapshot } from "../config/snapshot.ts";
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
  const authority = String(req.headers.host ?? "");
  const host = hcm.stripPort ? authority.replace(/:\d+$/, "") : authority;
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
  upstream.once("connect", () => {
    const lines = [`${req.method} ${rawUrl} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    upstream.write(`${lines.join("\r\n")}\r\n\r\n`);
    if (head.length) upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
  });
  socket.on("error", () => upstream.destroy());
  upstream.on("close", () => socket.destroy());
  socket.on("close", () => upstream.destroy());
}

// Feeds the ADS server's events into the admin server's Prometheus metrics
// (controlplane/admin/metrics.ts): connected streams, responses by type, NACKs by type, and
// the time from a snapshot being set to a client ACKing it.
import type { ControlPlaneMetrics } from "../admin/metrics.ts";
import type { XdsServer } from "./server.ts";
import { shortType, type AckRecord, type NackRecord } from "./types.ts";
import type { PushRecord } from "./stream.ts";

export function observeXds(server: XdsServer, metrics: Pick<ControlPlaneMetrics, "xdsClients" | "pushes" | "nacks" | "pushLatency">): void {
  const connected = () => metrics.xdsClients.set(server.clients().length);
  server.on("connect", connected);
  server.on("disconnect", connected);
  server.on("push", (p: PushRecord) => metrics.pushes.inc({ type: shortType(p.typeUrl) }));
  server.on("nack", (n: NackRecord) => metrics.nacks.inc({ type: shortType(n.typeUrl) }));
  server.on("ack", (a: AckRecord) => {
    if (a.latencyMs !== undefined) metrics.pushLatency.observe(a.latencyMs / 1000);
  });
}

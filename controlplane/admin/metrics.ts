// The control plane's own Prometheus metrics (prom-client), served at /metrics on the admin
// port. Stages record into one ControlPlaneMetrics instance handed to them by the runner.
import client from "prom-client";

export class ControlPlaneMetrics {
  readonly registry = new client.Registry();
  readonly translationSeconds = new client.Histogram({
    name: "attache_translation_duration_seconds",
    help: "Time to turn one change batch into Envoy resources (model + translate)",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly batches = new client.Counter({
    name: "attache_config_batches_total",
    help: "Change batches processed",
    registers: [this.registry],
  });
  readonly resources = new client.Gauge({
    name: "attache_resources",
    help: "Input resources by kind and Accepted condition status",
    labelNames: ["kind", "accepted"] as const,
    registers: [this.registry],
  });
  readonly xdsClients = new client.Gauge({
    name: "attache_xds_connected_clients",
    help: "Connected xDS streams",
    registers: [this.registry],
  });
  readonly pushes = new client.Counter({
    name: "attache_xds_pushes_total",
    help: "xDS responses sent, by type",
    labelNames: ["type"] as const,
    registers: [this.registry],
  });
  readonly nacks = new client.Counter({
    name: "attache_xds_nacks_total",
    help: "xDS responses rejected by a client, by type",
    labelNames: ["type"] as const,
    registers: [this.registry],
  });
  readonly pushLatency = new client.Histogram({
    name: "attache_xds_push_latency_seconds",
    help: "Time from a snapshot being set to a client ACKing it",
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [this.registry],
  });
  readonly moduleFetches = new client.Counter({
    name: "attache_wasm_module_fetches_total",
    help: "Wasm module requests to the module server, by result",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });

  constructor() {
    client.collectDefaultMetrics({ register: this.registry, prefix: "attache_process_" });
  }

  /** Replaces the resource gauge with counts from the latest statuses. */
  setResourceCounts(counts: Array<{ kind: string; accepted: string; count: number }>): void {
    this.resources.reset();
    for (const c of counts) this.resources.set({ kind: c.kind, accepted: c.accepted }, c.count);
  }
}

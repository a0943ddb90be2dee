// Per-route request counters and latency histograms for /stats/prometheus (prom-client),
// plus whatever the Wasm filters define through proxy_define_metric (added by the filter
// provider through `registry`).
import client from "prom-client";
import type { AccessLogEntry } from "./proxy/handler.ts";

export class DataPlaneStats {
  readonly registry = new client.Registry();
  private readonly requests = new client.Counter({
    name: "attache_route_requests_total",
    help: "Requests served, by route and response code class",
    labelNames: ["route", "code_class"] as const,
    registers: [this.registry],
  });
  private readonly latency = new client.Histogram({
    name: "attache_route_request_duration_seconds",
    help: "Time from request start to response end, by route",
    labelNames: ["route"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  observe(e: AccessLogEntry): void {
    const route = e.route ?? "(no route)";
    this.requests.inc({ route, code_class: `${Math.floor(e.status / 100)}xx` });
    this.latency.observe({ route }, e.duration_ms / 1000);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

/** Prometheus text for the metrics Wasm modules define (proxy_define_metric), summed over
 *  workers; names are sanitized to Prometheus' alphabet. Histograms are not exported yet. */
export function wasmMetricsText(perWorker: Array<Array<{ kind: string; name: string; value: string }>>): string {
  const sums = new Map<string, { kind: string; value: bigint }>();
  for (const list of perWorker) {
    for (const m of list) {
      const name = m.name.replace(/[^a-zA-Z0-9_:]/g, "_");
      const entry = sums.get(name) ?? { kind: m.kind, value: 0n };
      // Gauges are per-worker values too (e.g. active requests), so summing is right for ours.
      entry.value += BigInt(m.value);
      sums.set(name, entry);
    }
  }
  let out = "";
  for (const [name, { kind, value }] of [...sums].sort()) {
    out += `# HELP ${name} defined by a Wasm filter (proxy_define_metric)\n# TYPE ${name} ${kind}\n${name} ${value}\n`;
  }
  return out;
}

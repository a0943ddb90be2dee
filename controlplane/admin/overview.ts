// The diagnostics page's data, composed from the IR, the statuses and the xDS clients: Hosts
// -> routes (matches, backends, filters with their per-route settings) -> clusters and
// endpoints; invalid resources with their errors; proxies with ACK/NACK state. Pure, so the
// page and /debug/overview show exactly what a test can check.
import type { GatewayIR, RouteIR } from "../ir/types.ts";
import type { ResourceStatus } from "../model/types.ts";
import type { SourceError } from "../sources/bundle.ts";
import { redact } from "./redact.ts";

export interface ClientView {
  id: string; // node id
  cluster: string;
  protocol: "sotw" | "delta";
  connectedAt: string;
  /** Last ACKed version per type URL. */
  acked: Record<string, string>;
  /** Last version sent per type URL: a NACK of the version still in `sent` means the proxy
   *  runs on older config right now (Envoy keeps its previous version after a NACK). */
  sent?: Record<string, string>;
  lastNack?: { typeUrl: string; version: string; message: string; at: string };
}

export interface OverviewRoute {
  name: string;
  match: string;
  backends: Array<{ cluster: string; weight: number }>;
  sticky?: string;
  redirect?: string;
  filters: Array<{ name: string; settings?: unknown }>;
  sources: string[];
}

export interface Overview {
  generatedAt: string;
  hosts: Array<{ name: string; domains: string[]; tls: boolean; insecure: string; routes: OverviewRoute[] }>;
  clusters: Array<{ name: string; discovery: string; endpoints: Array<{ address: string; ready: boolean }> }>;
  /** WasmFilters in chain order; `configuration` is the filter-wide part (per-route settings
   *  are shown on each route). */
  filters: Array<{ name: string; module: string; failurePolicy: string; order: number; configuration: unknown }>;
  resources: Array<{ kind: string; name: string; accepted: string; reason: string; errors: string[]; location?: string }>;
  /** Documents that never became resources (unparseable YAML), as "file:line" and message. */
  unreadable: Array<{ location: string; message: string }>;
  clients: ClientView[];
}

function describeMatch(route: RouteIR): string {
  const m = route.match;
  const parts = [m.prefix !== undefined ? `prefix ${m.prefix}` : m.path !== undefined ? `path ${m.path}` : `regex ${m.regex}`];
  if (m.method) parts.push(`method ${m.method}`);
  for (const h of m.headers) parts.push(`header ${h.name}${h.exact !== undefined ? `=${h.exact}` : h.regex ? `~${h.regex}` : ""}`);
  for (const q of m.queryParameters) parts.push(`query ${q.name}${q.exact !== undefined ? `=${q.exact}` : ""}`);
  if (m.grpc) parts.push("grpc");
  return parts.join(", ");
}

export function buildOverview(ir: GatewayIR | undefined, statuses: readonly ResourceStatus[], clients: readonly ClientView[], sourceErrors: readonly SourceError[] = [], now = new Date()): Overview {
  const hosts = (ir?.virtualHosts ?? []).map((vh) => ({
    name: vh.name,
    domains: vh.domains,
    tls: Boolean(vh.tls),
    insecure: vh.insecure,
    routes: vh.routes.map((r): OverviewRoute => ({
      name: r.name,
      match: describeMatch(r),
      backends: r.action.kind === "route" ? r.action.backends.map((b) => ({ cluster: b.cluster, weight: b.weight })) : [],
      sticky: r.action.kind === "route" ? r.action.stickyHeader : undefined,
      redirect: r.action.kind === "redirect" ? (r.action.hostRedirect ?? (r.action.httpsRedirect ? "https" : r.action.pathRedirect ?? "")) : undefined,
      filters: r.filters.map((f) => ({ name: f.filter, settings: redact(f.settings) })),
      sources: r.sources.map((s) => `${s.kind} ${s.namespace}/${s.name}`),
    })),
  }));
  return {
    generatedAt: now.toISOString(),
    hosts,
    clusters: (ir?.clusters ?? []).map((c) => ({
      name: c.name,
      discovery: c.discovery,
      endpoints: c.endpoints.map((e) => ({ address: `${e.address}:${e.port}`, ready: e.ready })),
    })),
    filters: [...(ir?.wasmFilters ?? [])].sort((a, b) => a.order - b.order).map((f) => {
      const { routes: _perRoute, ...filterWide } = f.configuration;
      return { name: f.name, module: f.module.sha256.slice(0, 12), failurePolicy: f.failurePolicy, order: f.order, configuration: redact(filterWide) };
    }),
    resources: statuses.map((s) => {
      const accepted = s.conditions.find((c) => c.type === "Accepted");
      return {
        kind: s.ref.kind,
        name: `${s.ref.namespace}/${s.ref.name}`,
        accepted: accepted?.status ?? "Unknown",
        reason: accepted?.reason ?? "",
        errors: s.errors,
        location: s.location ? `${s.location.file}:${s.location.line}` : undefined,
      };
    }),
    unreadable: sourceErrors.map((e) => ({ location: `${e.location.file}:${e.location.line}`, message: e.message })),
    clients: [...clients],
  };
}

// Checks of the contract between the model and the translator (controlplane/ir/types.ts)
// that the types cannot express. The translator never throws on them — it keeps the first of
// two clashing resources and Envoy would 503 on a missing cluster — but a model that builds
// such an IR has a bug, so the golden and property tests assert this list is empty and
// `attache translate` prints it as warnings.
import type { GatewayIR, RouteIR } from "../ir/types.ts";

function duplicates<T>(items: T[]): T[] {
  const seen = new Set<T>();
  const dup = new Set<T>();
  for (const item of items) (seen.has(item) ? dup : seen).add(item);
  return [...dup];
}

function routeClusters(route: RouteIR): string[] {
  if (route.action.kind !== "route") return [];
  return [...route.action.backends.map((b) => b.cluster), ...route.action.mirrors.map((m) => m.cluster)];
}

/** Every way the IR breaks its own invariants, as messages naming the IR element. */
export function irProblems(ir: GatewayIR): string[] {
  const problems: string[] = [];
  const clusters = new Set(ir.clusters.map((c) => c.name));
  const secrets = new Set(ir.secrets.map((s) => s.name));
  const filters = new Map(ir.wasmFilters.map((f) => [f.name, f]));
  const extAuthz = new Set((ir.extAuthz ?? []).map((f) => f.name));
  for (const f of ir.extAuthz ?? []) if (!clusters.has(f.cluster)) problems.push(`ext_authz filter ${f.name}: cluster ${f.cluster} is not in the IR`);
  /** filter name -> routes enabling it with per-route settings / without. */
  const enabledBy = new Map<string, Set<string>>();
  const withSettings = new Map<string, Set<string>>();

  for (const vhost of ir.virtualHosts) {
    const where = `virtual host ${vhost.name}`;
    for (const name of duplicates(vhost.routes.map((r) => r.name))) problems.push(`${where}: two routes named ${name}`);
    if (!vhost.domains.length) problems.push(`${where}: no domains (Envoy requires at least one)`);
    if (vhost.tls && !secrets.has(vhost.tls.secretName)) problems.push(`${where}: TLS secret ${vhost.tls.secretName} is not in the IR`);
    if (vhost.tls?.clientCa && !secrets.has(vhost.tls.clientCa.secretName)) problems.push(`${where}: CA secret ${vhost.tls.clientCa.secretName} is not in the IR`);
    for (const route of vhost.routes) {
      for (const cluster of routeClusters(route)) {
        if (!clusters.has(cluster)) problems.push(`${where}: route ${route.name}: cluster ${cluster} is not in the IR`);
      }
      if (route.extAuthz && !extAuthz.has(route.extAuthz)) problems.push(`${where}: route ${route.name}: ext_authz filter ${route.extAuthz} is not in the IR`);
      for (const use of route.filters) {
        if (!filters.has(use.filter)) problems.push(`${where}: route ${route.name}: Wasm filter ${use.filter} is not in the IR`);
        if (!enabledBy.has(use.filter)) enabledBy.set(use.filter, new Set());
        enabledBy.get(use.filter)!.add(route.name);
        if (use.settings !== undefined) {
          if (!withSettings.has(use.filter)) withSettings.set(use.filter, new Set());
          withSettings.get(use.filter)!.add(route.name);
        }
      }
    }
  }

  for (const domain of duplicates(ir.virtualHosts.flatMap((v) => [...new Set(v.domains)]))) {
    problems.push(`domain ${domain} is served by two virtual hosts`);
  }
  for (const sni of duplicates(ir.virtualHosts.flatMap((v) => [...new Set(v.tls?.serverNames ?? [])]))) {
    problems.push(`TLS server name ${sni} is claimed by two virtual hosts`);
  }
  for (const name of duplicates(ir.clusters.map((c) => c.name))) problems.push(`two clusters named ${name}`);

  // Per-route Wasm settings travel in the filter's plugin configuration keyed by route name:
  // the keys must be exactly routes that enable the filter, and a route with settings needs a key.
  for (const filter of ir.wasmFilters) {
    const routes = filter.configuration.routes;
    const keys = routes && typeof routes === "object" && !Array.isArray(routes) ? Object.keys(routes) : [];
    const enabling = enabledBy.get(filter.name) ?? new Set<string>();
    for (const key of keys) {
      if (!enabling.has(key)) problems.push(`Wasm filter ${filter.name}: configuration.routes has settings for ${key}, which does not enable the filter`);
    }
    for (const route of withSettings.get(filter.name) ?? []) {
      if (!keys.includes(route)) problems.push(`Wasm filter ${filter.name}: route ${route} has settings missing from configuration.routes`);
    }
  }
  return problems;
}

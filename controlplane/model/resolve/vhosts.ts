// Virtual hosts: one per Host plan (plus the catch-all), built from the plan and its member
// Mappings. A build records everything it does to shared state — cluster uses, filter uses,
// per-Mapping diagnostics — so an unchanged virtual host can be replayed instead of rebuilt
// (full runs) and a changed one withdrawn and rebuilt alone (model/incremental/incremental.ts).
import type { VirtualHostIR } from "../../ir/types.ts";
import { EntryLog, type EntryOp } from "./diagnostics.ts";
import { ScopedMemo, type MemoLike } from "./memo.ts";
import type { HostPlan } from "./hosts.ts";
import type { FilterBase, MappingResource } from "./resources.ts";
import type { Clusters } from "./clusters.ts";
import type { Filters } from "./filters.ts";
import type { AuthBinding } from "./auth-services.ts";
import { buildGroupRoute, compareRoutes, type BuiltRoute, type RouteContext } from "./routes.ts";

type ClusterUseArgs = [...Parameters<Clusters["use"]>];

export interface VhostResult {
  vhost: VirtualHostIR;
  /** What the build depends on; equal deps give an equal result. */
  deps: unknown[];
  clusterUses: ClusterUseArgs[];
  filterUses: [FilterBase, string, Record<string, unknown>][];
  /** Diagnostics per member Mapping key (only Mappings that got any). */
  logs: Map<string, EntryOp[]>;
  /** Route-level cache of this build, reused by the next one. */
  routeMemo: ScopedMemo;
}

export interface VhostState {
  plan: HostPlan;
  members: MappingResource[];
  result?: VhostResult;
}

export interface VhostContext {
  envToken: object;
  clusters: Clusters;
  filters: Filters;
  auth?: AuthBinding;
}

function depsOf(plan: HostPlan, members: readonly MappingResource[], ctx: VhostContext): unknown[] {
  const deps: unknown[] = [ctx.envToken, plan.host?.object, plan.tls ? JSON.stringify(plan.tls) : "", plan.insecure, ctx.auth && ("settings" in ctx.auth ? ctx.auth.settings : ctx.auth.extAuthz)];
  for (const m of members) deps.push(m.object, m.extras);
  return deps;
}

const sameDeps = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Register a result's cluster and filter uses (replaying an unchanged virtual host). */
function register(result: VhostResult, name: string, ctx: VhostContext): void {
  for (const args of result.clusterUses) ctx.clusters.use(...args);
  for (const [base, route, settings] of result.filterUses) ctx.filters.enable(base, route, settings, name);
}

/** Withdraw a result's cluster and filter uses (before rebuilding or dropping it). */
export function withdrawVhost(result: VhostResult, name: string, ctx: Pick<VhostContext, "clusters" | "filters">): void {
  for (const args of result.clusterUses) ctx.clusters.release(args[4]!, args[3]);
  for (const [base, route] of result.filterUses) ctx.filters.disable(base, route, name);
}

/** The virtual host of `plan`, registered with ctx's clusters and filters: `previous`
 *  replayed when nothing it depends on changed, else rebuilt (reusing its unchanged routes). */
export function buildVhost(plan: HostPlan, members: readonly MappingResource[], ctx: VhostContext, previous?: VhostResult): VhostResult {
  const deps = depsOf(plan, members, ctx);
  if (previous && sameDeps(previous.deps, deps)) {
    register(previous, plan.name, ctx);
    return previous;
  }
  const result: VhostResult = { vhost: undefined!, deps, clusterUses: [], filterUses: [], logs: new Map(), routeMemo: new ScopedMemo(previous?.routeMemo.entries) };
  const logs = new Map<string, EntryLog>();
  const recording: RouteContext = {
    memo: result.routeMemo,
    entryOf: (m) => {
      let log = logs.get(m.key);
      if (!log) logs.set(m.key, (log = new EntryLog()));
      return log;
    },
    clusters: {
      use: (...args) => {
        const use = ctx.clusters.use(...args);
        result.clusterUses.push([args[0], args[1], args[2], args[3], use.name]);
        return use;
      },
    },
    filters: {
      enable: (base, route, settings) => {
        result.filterUses.push([base, route, settings]);
        ctx.filters.enable(base, route, settings, plan.name);
      },
    },
    auth: ctx.auth,
  };
  result.vhost = routesOf(plan, members, recording);
  for (const [key, log] of logs) if (log.ops.length) result.logs.set(key, log.ops);
  return result;
}

function routesOf(plan: HostPlan, mappings: readonly MappingResource[], ctx: RouteContext & { memo: MemoLike }): VirtualHostIR {
  const groups = new Map<string, MappingResource[]>();
  for (const mapping of mappings) {
    const group = groups.get(mapping.info.groupKey);
    if (group) group.push(mapping);
    else groups.set(mapping.info.groupKey, [mapping]);
  }
  const built: BuiltRoute[] = [];
  for (const group of groups.values()) {
    const route = buildGroupRoute(plan, group, ctx);
    if (route) built.push(route);
  }
  built.sort(compareRoutes);
  const routes = built.map((b) => b.route);
  const tlsKey = plan.tls ? JSON.stringify(plan.tls) : "";
  return ctx.memo.get(`vhost:${plan.name}`, [plan.host?.ref, plan.domains.join(","), tlsKey, plan.insecure, ...routes], () => {
    const vhost: VirtualHostIR = { name: plan.name, domains: plan.domains, insecure: plan.insecure, routes };
    if (plan.host) vhost.source = plan.host.ref;
    if (plan.tls) vhost.tls = plan.tls;
    return vhost;
  });
}

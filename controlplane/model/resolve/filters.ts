// Wasm filters: the one ordered filter table, WasmFilter resources resolved to modules, the
// implicit built-in filters Mapping fields ask for (AuthService -> auth callout, rateLimit ->
// ratelimit, canary -> canary), and each filter's plugin configuration = its defaults plus
// `routes: {<route name>: settings}` for every route that enables it (docs/design.md "Filters
// on routes"; Envoy has no per-route Wasm config).
import { createHash } from "node:crypto";
import type { ResourceRef, WasmFilterIR } from "../../ir/types.ts";
import type { WasmFilterSpec } from "../../api/wasmfilter.ts";
import { Diagnostics } from "./diagnostics.ts";
import type { FilterBase, Index, Resource } from "./resources.ts";
import type { Memo } from "./memo.ts";
import type { ModelOptions } from "../types.ts";
import type { CheckOptions } from "../checks/index.ts";
import { DEFAULT_MAX_MODULE_BYTES } from "../../modules/registry.ts";

/** Filter chain order, one slot per kind of filter; within a slot the implicit built-in comes
 *  first, then WasmFilters by spec.order, then name. The HTTP router always comes last. */
export const FILTER_SLOTS = {
  auth: 1, // authentication first: nothing else should spend work on anonymous traffic
  ratelimit: 2, // then limits, which may key on identity headers auth has set
  canary: 3, // then sticky canary assignment, which only affects routing of admitted requests
  custom: 4, // then team filters, in their spec.order
} as const;

/** Namespace of the implicit built-in filters: "_" cannot start a Kubernetes namespace name. */
export const BUILTIN_NAMESPACE = "_builtin";
/** Namespace of the per-AuthService auth filters: "attache.wasm/_authservice/<ns>/<name>". */
export const AUTHSERVICE_NAMESPACE = "_authservice";
export type ImplicitFilter = "ratelimit" | "canary";
/** Built-in filters whose per-route value depends on the route's name (RouteFilterIR
 *  routeNameInSettings): ratelimit keys its buckets by route (filters/ratelimit/key.ts). */
export const ROUTE_NAME_IN_SETTINGS: ReadonlySet<string> = new Set(["ratelimit"]);

export class Filters {
  private bases = new Map<string, FilterBase | string>(); // WasmFilter key -> base, or why it is unusable
  private implicitBases = new Map<ImplicitFilter, FilterBase>();
  private authBases = new Map<string, FilterBase>();
  /** filter -> route -> settings from each virtual host enabling it, in virtual host name
   *  order: a route name on several virtual hosts (a Mapping for "*") gets the settings of
   *  the last one, as when the virtual hosts are built in name order. */
  private routes = new Map<string, Map<string, Contribution[]>>();
  private byName = new Map<string, FilterBase>();
  /** Filters whose routes changed since the last build, with those routes. */
  private touched = new Map<string, Set<string>>();

  constructor(index: Index, private readonly options: Pick<CheckOptions, "modules" | "filterSchemas"> & Pick<ModelOptions, "remoteModules" | "modulesOnProxies">, private readonly memo: Memo) {
    for (const [key, filter] of index.wasmFilters) {
      const resolved = this.resolve(filter, index);
      const base = typeof resolved === "object" && "problem" in resolved ? resolved.problem : resolved;
      if (typeof base === "string") {
        const reason = typeof resolved === "object" && "reason" in resolved ? resolved.reason : base.endsWith("not found") ? "RefNotFound" : "InvalidModule";
        const path = filter.spec.module.configMap ? "spec.module.configMap" : filter.spec.module.url ? "spec.module.url" : "spec.module";
        Diagnostics.unresolved(filter.entry, { path, message: base }, reason, true);
      }
      this.bases.set(key, base);
    }
  }

  private resolve(filter: Resource<WasmFilterSpec>, index: Index): FilterBase | string | { problem: string; reason: string } {
    const { spec, ref } = filter;
    const module = spec.module;
    let sha256: string;
    let deps: unknown[] = [filter.object];
    if (module.builtin || module.local) sha256 = this.options.modules[(module.builtin ?? module.local)!].sha256;
    else if (module.url) {
      sha256 = module.sha256!;
      // A module still downloading, or failed, makes the WasmFilter unusable, so no route that
      // needs it is served until it is in (a proxy would run such a route without the filter),
      // unless the proxies already run an earlier module of it, which they keep.
      const missing = this.options.remoteModules?.get(sha256.toLowerCase());
      const onProxies = this.options.modulesOnProxies?.has(`attache.wasm/${ref.namespace}/${ref.name}`);
      if (missing && !onProxies) return { problem: missing.message, reason: missing.pending ? "ModuleDownloading" : "InvalidModule" };
    }
    else {
      const cmKey = `${ref.namespace}/${module.configMap!.name}`;
      const configMap = index.configMaps.get(cmKey);
      const data = (configMap?.binaryData as Record<string, unknown> | undefined)?.[module.configMap!.key];
      if (!configMap) return `ConfigMap ${cmKey} not found`;
      if (typeof data !== "string") return `ConfigMap ${cmKey} has no binaryData key ${JSON.stringify(module.configMap!.key)}`;
      const problem = this.memo.get(`configmap-module:${cmKey}:${module.configMap!.key}`, [configMap], () => checkModuleBytes(data));
      if (problem) return `ConfigMap ${cmKey} key ${module.configMap!.key}: ${problem}`;
      sha256 = createHash("sha256").update(Buffer.from(data, "base64")).digest("hex");
      if (module.sha256 && module.sha256 !== sha256) return `ConfigMap ${cmKey} key ${module.configMap!.key} has SHA-256 ${sha256}, not the spec.module.sha256 ${module.sha256}`;
      deps = [filter.object, configMap];
    }
    const slot = module.builtin ?? "custom";
    return {
      name: `attache.wasm/${ref.namespace}/${ref.name}`,
      source: ref,
      order: FILTER_SLOTS[slot] * 1000 + 1 + (spec.order ?? 0),
      rootId: spec.rootId ?? "",
      vmId: `${ref.namespace}/${ref.name}`,
      sha256,
      failurePolicy: spec.failurePolicy ?? (module.builtin === "auth" ? "FailClosed" : "FailOpen"),
      defaults: spec.config ?? {},
      deps,
      schemaName: module.builtin ?? module.local,
    };
  }

  /** The WasmFilter a Mapping names ("name" in its namespace, or "namespace/name"). */
  lookup(reference: string, namespace: string): { key: string; base?: FilterBase; problem?: string } {
    const key = reference.includes("/") ? reference : `${namespace}/${reference}`;
    const base = this.bases.get(key);
    if (base === undefined) return { key, problem: `WasmFilter ${key} not found` };
    if (typeof base === "string") return { key, problem: `WasmFilter ${key} is not usable: ${base}` };
    return { key, base };
  }

  /** The built-in auth filter in callout mode for one AuthService. One filter (and VM) per
   *  AuthService, not one shared: a Mapping for "*" is one route name on several Hosts, and
   *  Hosts protected by different AuthServices need different callout settings for that same
   *  route name, which one plugin configuration keyed by route name cannot hold. */
  forAuthService(ref: ResourceRef): FilterBase | string {
    const module = this.options.modules.auth;
    if (!module) return "the built-in auth module is not built (run npm run build)";
    const key = `${ref.namespace}/${ref.name}`;
    let base = this.authBases.get(key);
    if (!base) {
      base = builtinBase(`${AUTHSERVICE_NAMESPACE}/${key}`, ref, FILTER_SLOTS.auth, module.sha256, "FailClosed", "auth");
      this.authBases.set(key, base);
    }
    return base;
  }

  /** The implicit built-in filter, or why it cannot be used (module not built). */
  implicit(kind: ImplicitFilter): FilterBase | string {
    let base = this.implicitBases.get(kind);
    if (!base) {
      const module = this.options.modules[kind];
      if (!module) return `the built-in ${kind} module is not built (run npm run build)`;
      base = builtinBase(`${BUILTIN_NAMESPACE}/${kind}`, { kind: "WasmFilter", namespace: BUILTIN_NAMESPACE, name: kind }, FILTER_SLOTS[kind], module.sha256, "FailOpen", kind);
      this.implicitBases.set(kind, base);
    }
    return base;
  }

  schema(name: string): object | undefined {
    return this.options.filterSchemas?.[name];
  }

  /** Record that `route` of virtual host `vhost` enables the filter with `settings`. */
  enable(base: FilterBase, route: string, settings: Record<string, unknown>, vhost = ""): void {
    this.byName.set(base.name, base);
    this.touch(base.name, route);
    let routes = this.routes.get(base.name);
    if (!routes) this.routes.set(base.name, (routes = new Map()));
    const list = routes.get(route);
    if (!list) return void routes.set(route, [{ vhost, settings }]);
    let at = list.length;
    while (at > 0 && list[at - 1].vhost > vhost) at--;
    list.splice(at, 0, { vhost, settings });
  }

  /** Withdraw one `enable` of virtual host `vhost`; a filter no route enables is dropped. */
  disable(base: FilterBase, route: string, vhost: string): void {
    const routes = this.routes.get(base.name);
    const list = routes?.get(route);
    const at = list ? list.findIndex((c) => c.vhost === vhost) : -1;
    if (!routes || !list || at < 0) return;
    this.touch(base.name, route);
    list.splice(at, 1);
    if (list.length) return;
    routes.delete(route);
    if (routes.size) return;
    this.routes.delete(base.name);
    this.byName.delete(base.name);
  }

  private touch(filter: string, route: string): void {
    const routes = this.touched.get(filter);
    if (routes) routes.add(route);
    else this.touched.set(filter, new Set([route]));
  }

  /** The incremental path's update of a cached filter when only `changed` routes may differ:
   *  the cached IR when their settings are equal in content (an edited Mapping brings new but
   *  equal settings objects), else a copy with just those routes replaced or removed; undefined
   *  when a route was added (its place in the sorted table needs a full rebuild). */
  private patchRoutes(hit: CachedFilter, routes: Map<string, Contribution[]>, changed: ReadonlySet<string>): WasmFilterIR | undefined {
    const updates: [string, Record<string, unknown> | undefined][] = [];
    for (const route of changed) {
      const list = routes.get(route);
      const now = list?.[list.length - 1].settings;
      const before = hit.routes.get(route);
      if (now === before || (now && before && JSON.stringify(now) === JSON.stringify(before))) continue;
      if (before === undefined) return undefined;
      updates.push([route, now]);
    }
    if (!updates.length) return hit.ir;
    const config = { ...(hit.ir.configuration.routes as Record<string, unknown>) };
    for (const [route, settings] of updates) {
      if (settings) {
        hit.routes.set(route, settings);
        config[route] = settings;
      } else {
        hit.routes.delete(route);
        delete config[route];
      }
    }
    hit.ir = { ...hit.ir, configuration: { ...hit.ir.configuration, routes: config } };
    return hit.ir;
  }

  /** Filters in use, in chain order; unchanged ones are the same objects as last time. With
   *  `onlyTouched` (the incremental path), only the routes enable/disable touched are compared. */
  build(onlyTouched = false): WasmFilterIR[] {
    const bases = [...this.byName.values()].sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
    const cache = this.memo.get("filter-cache", [], () => new Map<string, CachedFilter>());
    const result = bases.map((base) => {
      const hit = cache.get(base.name);
      const changed = this.touched.get(base.name);
      if (onlyTouched && hit && !changed) return hit.ir;
      const routes = this.routes.get(base.name)!;
      const deps = [...base.deps, base.sha256, base.order, base.failurePolicy, base.rootId];
      const patched = onlyTouched && hit && changed && sameList(hit.deps, deps) ? this.patchRoutes(hit, routes, changed) : undefined;
      if (patched) return patched;
      // Same module and defaults, and the same routes with the same settings objects: reuse
      // without sorting thousands of route entries.
      if (hit && sameList(hit.deps, deps) && hit.routes.size === routes.size && [...routes].every(([route, list]) => hit.routes.get(route) === list[list.length - 1].settings)) {
        return hit.ir;
      }
      const effective = new Map<string, Record<string, unknown>>();
      for (const [route, list] of routes) effective.set(route, list[list.length - 1].settings);
      const sorted = [...effective.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const ir: WasmFilterIR = {
        name: base.name,
        source: base.source,
        order: base.order,
        rootId: base.rootId,
        vmId: base.vmId,
        module: { sha256: base.sha256, path: `/modules/${base.sha256}.wasm` },
        failurePolicy: base.failurePolicy,
        configuration: { ...base.defaults, routes: Object.fromEntries(sorted) },
      };
      cache.set(base.name, { deps, routes: effective, ir });
      return ir;
    });
    for (const name of cache.keys()) if (!this.byName.has(name)) cache.delete(name);
    this.touched.clear();
    return result;
  }
}

interface Contribution {
  vhost: string;
  settings: Record<string, unknown>;
}

interface CachedFilter {
  deps: unknown[];
  routes: Map<string, Record<string, unknown>>;
  ir: WasmFilterIR;
}

function sameList(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** A filter served by a built-in module: `attache.wasm/<id>`, its own VM `<id>`, the module's
 *  config schema, no defaults. */
function builtinBase(id: string, source: ResourceRef, slot: number, sha256: string, failurePolicy: WasmFilterIR["failurePolicy"], schemaName: string): FilterBase {
  return { name: `attache.wasm/${id}`, source, order: slot * 1000, rootId: "", vmId: id, sha256, failurePolicy, defaults: {}, deps: [sha256], schemaName };
}

/** Why module bytes cannot be served (too big, not WebAssembly), or undefined. Checked here so
 *  a bad ConfigMap module is the WasmFilter's error, not a 503 at request time. */
function checkModuleBytes(base64: string): string | undefined {
  const decodedLength = Math.floor((base64.replace(/\s|=+$/g, "").length * 3) / 4);
  if (decodedLength > DEFAULT_MAX_MODULE_BYTES) return `${decodedLength} bytes is over the ${DEFAULT_MAX_MODULE_BYTES}-byte module limit`;
  const bytes = Buffer.from(base64, "base64");
  if (bytes.byteLength > DEFAULT_MAX_MODULE_BYTES) return `${bytes.byteLength} bytes is over the ${DEFAULT_MAX_MODULE_BYTES}-byte module limit`;
  if (!WebAssembly.validate(bytes as BufferSource)) return "not a valid WebAssembly module";
  return undefined;
}

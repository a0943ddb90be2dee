// Wasm filters: the one ordered filter table, WasmFilter resources resolved to modules, the
// implicit built-in filters Mapping fields ask for (AuthService -> auth callout, rateLimit ->
// ratelimit, canary -> canary), and each filter's plugin configuration = its defaults plus
// `routes: {<route name>: settings}` for every route that enables it (DESIGN.md "Wiring Wasm
// filters into routes"; Envoy has no per-route Wasm config).
import { createHash } from "node:crypto";
import type { ResourceRef, WasmFilterIR } from "../ir/types.ts";
import type { WasmFilterSpec } from "../api/wasmfilter.ts";
import { Diagnostics } from "./diagnostics.ts";
import type { Index, Resource } from "./resources.ts";
import type { Memo } from "./memo.ts";
import type { ModelOptions } from "./types.ts";

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

interface Base {
  name: string;
  source: ResourceRef;
  order: number;
  rootId: string;
  vmId: string;
  sha256: string;
  failurePolicy: WasmFilterIR["failurePolicy"];
  defaults: Record<string, unknown>;
  deps: unknown[];
  /** Name of the filter whose config.schema.json applies (built-in and local modules). */
  schemaName?: string;
}

export class Filters {
  private bases = new Map<string, Base | string>(); // WasmFilter key -> base, or why it is unusable
  private implicitBases = new Map<ImplicitFilter, Base>();
  private authBases = new Map<string, Base>();
  private routes = new Map<string, Map<string, Record<string, unknown>>>(); // filter -> route -> settings
  private byName = new Map<string, Base>();

  constructor(index: Index, private readonly options: ModelOptions, private readonly memo: Memo) {
    for (const [key, filter] of index.wasmFilters) {
      const base = this.resolve(filter, index);
      if (typeof base === "string") {
        const reason = base.endsWith("not found") ? "RefNotFound" : "InvalidModule";
        Diagnostics.unresolved(filter.entry, { path: filter.spec.module.configMap ? "spec.module.configMap" : "spec.module", message: base }, reason, true);
      }
      this.bases.set(key, base);
    }
  }

  private resolve(filter: Resource<WasmFilterSpec>, index: Index): Base | string {
    const { spec, ref } = filter;
    const module = spec.module;
    let sha256: string;
    let deps: unknown[] = [filter.object];
    if (module.builtin || module.local) sha256 = this.options.modules[(module.builtin ?? module.local)!].sha256;
    else if (module.url) sha256 = module.sha256!;
    else {
      const cmKey = `${ref.namespace}/${module.configMap!.name}`;
      const configMap = index.configMaps.get(cmKey);
      const data = (configMap?.binaryData as Record<string, unknown> | undefined)?.[module.configMap!.key];
      if (!configMap) return `ConfigMap ${cmKey} not found`;
      if (typeof data !== "string") return `ConfigMap ${cmKey} has no binaryData key ${JSON.stringify(module.configMap!.key)}`;
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
  lookup(reference: string, namespace: string): { key: string; base?: Base; problem?: string } {
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
  forAuthService(ref: ResourceRef): Base | string {
    const module = this.options.modules.auth;
    if (!module) return "the built-in auth module is not built (run npm run build)";
    const key = `${ref.namespace}/${ref.name}`;
    let base = this.authBases.get(key);
    if (!base) {
      base = {
        name: `attache.wasm/${AUTHSERVICE_NAMESPACE}/${key}`,
        source: ref,
        order: FILTER_SLOTS.auth * 1000,
        rootId: "",
        vmId: `${AUTHSERVICE_NAMESPACE}/${key}`,
        sha256: module.sha256,
        failurePolicy: "FailClosed",
        defaults: {},
        deps: [module.sha256],
        schemaName: "auth",
      };
      this.authBases.set(key, base);
    }
    return base;
  }

  /** The implicit built-in filter, or why it cannot be used (module not built). */
  implicit(kind: ImplicitFilter): Base | string {
    let base = this.implicitBases.get(kind);
    if (!base) {
      const module = this.options.modules[kind];
      if (!module) return `the built-in ${kind} module is not built (run npm run build)`;
      const name = `attache.wasm/${BUILTIN_NAMESPACE}/${kind}`;
      base = {
        name,
        source: { kind: "WasmFilter", namespace: BUILTIN_NAMESPACE, name: kind },
        order: FILTER_SLOTS[kind] * 1000,
        rootId: "",
        vmId: `${BUILTIN_NAMESPACE}/${kind}`,
        sha256: module.sha256,
        failurePolicy: "FailOpen",
        defaults: {},
        deps: [module.sha256],
        schemaName: kind,
      };
      this.implicitBases.set(kind, base);
    }
    return base;
  }

  schema(name: string): object | undefined {
    return this.options.filterSchemas?.[name];
  }

  /** Record that `route` enables the filter with `settings`. */
  enable(base: Base, route: string, settings: Record<string, unknown>): void {
    this.byName.set(base.name, base);
    let routes = this.routes.get(base.name);
    if (!routes) this.routes.set(base.name, (routes = new Map()));
    routes.set(route, settings);
  }

  /** Filters in use, in chain order; unchanged ones are the same objects as last time. */
  build(): WasmFilterIR[] {
    const bases = [...this.byName.values()].sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
    const cache = this.memo.get("filter-cache", [], () => new Map<string, { deps: unknown[]; routes: Map<string, Record<string, unknown>>; ir: WasmFilterIR }>());
    const result = bases.map((base) => {
      const routes = this.routes.get(base.name)!;
      const deps = [...base.deps, base.sha256, base.order, base.failurePolicy, base.rootId];
      const hit = cache.get(base.name);
      // Same module and defaults, and the same routes with the same settings objects: reuse
      // without sorting thousands of route entries.
      if (hit && hit.deps.length === deps.length && hit.deps.every((d, i) => d === deps[i]) && hit.routes.size === routes.size && [...routes].every(([route, settings]) => hit.routes.get(route) === settings)) {
        return hit.ir;
      }
      const sorted = [...routes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
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
      cache.set(base.name, { deps, routes, ir });
      return ir;
    });
    for (const name of cache.keys()) if (!this.byName.has(name)) cache.delete(name);
    return result;
  }
}

export type FilterBase = Base;

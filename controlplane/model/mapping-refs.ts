// A Mapping's references resolved against the other resources: its explicit Host, its
// WasmFilters (filters[]) with per-route config checked against the filter's schema, and the
// implicit built-in filters its rateLimit and canary fields need. A missing reference makes the
// Mapping invalid (Accepted False, ResolvedRefs False): routing it without the filter it asks
// for would silently drop a policy.
import { Diagnostics } from "./diagnostics.ts";
import type { MappingResource } from "./resources.ts";
import type { Memo } from "./memo.ts";
import type { Filters } from "./filters.ts";
import type { HostPlan } from "./hosts.ts";
import type { MappingExtras } from "./routes.ts";
import { DEFAULT_CANARY_HEADER } from "./check-mapping.ts";
import { checkRouteSettings } from "./filter-config.ts";

const NO_SETTINGS: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

export function resolveMappingExtras(mapping: MappingResource, plans: Map<string, HostPlan>, filters: Filters, memo: Memo): MappingExtras | undefined {
  const { spec, entry } = mapping;
  let ok = true;
  const problem = (path: string, message: string, reason = "RefNotFound") => {
    Diagnostics.unresolved(entry, { path, message }, reason, true);
    ok = false;
  };
  if (spec.host) {
    const key = spec.host.includes("/") ? spec.host : `${mapping.ref.namespace}/${spec.host}`;
    if (!plans.has(key)) problem("spec.host", `Host ${key} not found (or not valid)`);
  }
  const extras: MappingExtras = { filters: [] };
  if (spec.rateLimit) {
    const base = filters.implicit("ratelimit");
    if (typeof base === "string") problem("spec.rateLimit", base, "ModuleNotBuilt");
    else extras.filters.push({ base, settings: spec.rateLimit });
  }
  if (spec.canary) {
    const base = filters.implicit("canary");
    if (typeof base === "string") problem("spec.canary", base, "ModuleNotBuilt");
    else extras.canary = { base, spec: spec.canary, hashHeader: (spec.canary.hashHeader ?? DEFAULT_CANARY_HEADER).toLowerCase() };
  }
  spec.filters?.forEach((reference, i) => {
    const found = filters.lookup(reference.name, mapping.ref.namespace);
    if (!found.base) return problem(`spec.filters[${i}].name`, found.problem!);
    const schemaName = found.base.schemaName;
    if (reference.config && schemaName) {
      const errors = memo.get(`filter-route-check:${mapping.key}:${i}`, [reference.config, filters.schema(schemaName)], () =>
        checkRouteSettings(filters.schema(schemaName), mapping.key, reference.config, `spec.filters[${i}].config`));
      if (errors.length) {
        Diagnostics.invalid(entry, errors);
        ok = false;
      }
    }
    extras.filters.push({ base: found.base, settings: reference.config ?? NO_SETTINGS });
  });
  return ok ? extras : undefined;
}

// A Mapping's references resolved against the other resources: its explicit Host, its
// WasmFilters (filters[]) with per-route config checked against the filter's schema, and the
// implicit built-in filters its rateLimit and canary fields need. A missing reference makes the
// Mapping invalid (Accepted False, ResolvedRefs False): routing it without the filter it asks
// for would silently drop a policy.
import { Diagnostics, type DiagnosticTarget } from "./diagnostics.ts";
import type { MappingExtras, MappingResource } from "./resources.ts";
import type { Filters } from "./filters.ts";
import type { HostPlan } from "./hosts.ts";
import { DEFAULT_CANARY_HEADER } from "../checks/mapping.ts";
import { checkRouteSettings } from "../checks/filter-config.ts";
import type { FieldError } from "../../api/validator.ts";

const NO_SETTINGS: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

/** Per WasmFilter reference config object: its check against the filter's schema. */
const routeChecks = new WeakMap<object, { schema: object | undefined; route: string; index: number; errors: FieldError[] }>();

function checkReferenceConfig(config: Record<string, unknown>, schema: object | undefined, route: string, index: number): FieldError[] {
  const hit = routeChecks.get(config);
  if (hit && hit.schema === schema && hit.route === route && hit.index === index) return hit.errors;
  const errors = checkRouteSettings(schema, route, config, `spec.filters[${index}].config`);
  routeChecks.set(config, { schema, route, index, errors });
  return errors;
}

/** Diagnostics go to `entry` (a log cached with the result, model/resolve/mapping-records.ts). */
export function resolveMappingExtras(mapping: MappingResource, plans: Map<string, HostPlan>, filters: Filters, entry: DiagnosticTarget): MappingExtras | undefined {
  const { spec } = mapping;
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
      const errors = checkReferenceConfig(reference.config, filters.schema(schemaName), mapping.key, i);
      if (errors.length) {
        Diagnostics.invalid(entry, errors);
        ok = false;
      }
    }
    extras.filters.push({ base: found.base, settings: reference.config ?? NO_SETTINGS });
  });
  return ok ? extras : undefined;
}

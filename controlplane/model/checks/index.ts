// The checks of one resource on its own: its schema, then its kind's checks (one file per
// kind), which also derive what later stages need from a valid Mapping (MappingInfo). Pure:
// nothing here sees other resources or what the model keeps between runs.
import type { KubeObject } from "../../sources/bundle.ts";
import { validateResourceSchema, type FieldError } from "../../api/validator.ts";
import type { MappingSpec } from "../../api/mapping.ts";
import type { WasmFilterSpec } from "../../api/wasmfilter.ts";
import type { ListenerPorts } from "../../ir/types.ts";
import { checkMapping } from "./mapping.ts";
import { checkHost } from "./host.ts";
import { checkWasmFilter } from "./wasm-filter.ts";
import { checkAuthService } from "./auth-service.ts";
import { checkRouteSettings, checkFilterConfig } from "./filter-config.ts";

/** What the checks read from the model's options (model/types.ts ModelOptions). */
export interface CheckOptions {
  modules: Readonly<Record<string, { sha256: string }>>;
  filterSchemas?: Readonly<Record<string, object>>;
  listeners?: ListenerPorts;
}

export interface CheckResult {
  errors: FieldError[];
  /** What a valid Mapping's checks derived (MappingInfo); undefined for other kinds. */
  info?: unknown;
}

export function checkResource(kind: string, object: KubeObject, namespace: string, name: string, options: CheckOptions): CheckResult {
  const errors = validateResourceSchema(object);
  if (!errors.length) return checkKind(kind, object.spec as never, namespace, name, options);
  // Still report what the semantic checks find (a bad regex next to an unknown field), so
  // `attache validate` lists every error at once; the checks assume schema-valid input, so
  // whatever they trip over on malformed input is already covered by a schema error.
  const spec = object.spec;
  if (spec && typeof spec === "object" && !Array.isArray(spec)) {
    try {
      for (const e of checkKind(kind, spec as never, namespace, name, options).errors) if (!errors.some((x) => x.path === e.path)) errors.push(e);
    } catch {
      // malformed input: the schema errors say why
    }
  }
  return { errors };
}

function checkKind(kind: string, spec: never, namespace: string, name: string, options: CheckOptions): CheckResult {
  const schemas = options.filterSchemas ?? {};
  switch (kind) {
    case "Mapping": {
      const { info, errors: more } = checkMapping(spec, namespace);
      const mapping = spec as MappingSpec;
      const route = `${namespace}/${name}`;
      if (mapping.rateLimit) more.push(...checkRouteSettings(schemas.ratelimit, route, mapping.rateLimit, "spec.rateLimit"));
      if (mapping.canary?.config) more.push(...checkRouteSettings(schemas.canary, route, mapping.canary.config, "spec.canary.config"));
      return { errors: more, info: more.length ? undefined : info };
    }
    case "Host":
      return { errors: checkHost(spec, options.listeners?.http ?? 8080) };
    case "WasmFilter": {
      const wasm = spec as WasmFilterSpec;
      const more = checkWasmFilter(wasm, options.modules);
      const schemaName = wasm.module.builtin ?? wasm.module.local;
      if (schemaName) more.push(...checkFilterConfig(schemas[schemaName], wasm.config, "spec.config"));
      return { errors: more };
    }
    case "AuthService":
      return { errors: checkAuthService(spec, namespace) };
  }
  return { errors: [] };
}

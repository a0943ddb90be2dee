// Checks of a WasmFilter beyond its schema: how its module is named and whether it is built.
import type { WasmFilterSpec } from "../../api/wasmfilter.ts";
import type { FieldError } from "../../api/validator.ts";

export function checkWasmFilter(spec: WasmFilterSpec, modules: Readonly<Record<string, { sha256: string }>>): FieldError[] {
  const errors: FieldError[] = [];
  const module = spec.module;
  if (module.url && !module.sha256) errors.push({ path: "spec.module.sha256", message: "required with module.url (Envoy verifies remote modules by SHA-256)" });
  if (module.builtin && module.sha256) errors.push({ path: "spec.module.sha256", message: "not used with module.builtin (the control plane knows its digest)" });
  if (module.local && module.sha256) errors.push({ path: "spec.module.sha256", message: "not used with module.local (the control plane knows its digest)" });
  const local = module.builtin ?? module.local;
  if (local && !modules[local]) {
    errors.push({ path: module.builtin ? "spec.module.builtin" : "spec.module.local", message: `module ${JSON.stringify(local)} is not built (run npm run build; looked for build/filters/${local}.release.wasm)` });
  }
  return errors;
}

// Per-resource checks of Host, WasmFilter and AuthService beyond the schema.
import type { HostSpec } from "../api/host.ts";
import type { WasmFilterSpec } from "../api/wasmfilter.ts";
import type { AuthServiceSpec } from "../api/authservice.ts";
import type { FieldError } from "../api/validator.ts";
import { checkHostnameGlob } from "./glob.ts";
import { parseService } from "./service-ref.ts";
import { parseGoDurationMs } from "../api/duration.ts";

export function checkHost(spec: HostSpec, httpPort: number): FieldError[] {
  const errors: FieldError[] = [];
  const hostnameError = checkHostnameGlob(spec.hostname);
  if (hostnameError) errors.push({ path: "spec.hostname", message: hostnameError });
  else if (spec.hostname.endsWith(".*")) errors.push({ path: "spec.hostname", message: `a Host hostname cannot end in ".*" (TLS server names need a suffix wildcard)` });
  const port = spec.requestPolicy?.insecure?.additionalPort;
  if (port !== undefined && port !== -1 && port !== httpPort) {
    errors.push({ path: "spec.requestPolicy.insecure.additionalPort", message: `${port} is not the HTTP listener port ${httpPort} (use ${httpPort} or -1)` });
  }
  if (port === 0) errors.push({ path: "spec.requestPolicy.insecure.additionalPort", message: "port 0 is not valid" });
  const tls = spec.tls;
  if (tls && !spec.tlsSecret) errors.push({ path: "spec.tls", message: "tls settings need spec.tlsSecret" });
  if (tls?.minVersion && tls.maxVersion && tls.minVersion > tls.maxVersion) {
    errors.push({ path: "spec.tls", message: `minVersion ${tls.minVersion} is above maxVersion ${tls.maxVersion}` });
  }
  return errors;
}

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

export function checkAuthService(spec: AuthServiceSpec, namespace: string): FieldError[] {
  const errors: FieldError[] = [];
  const service = parseService(spec.service, namespace);
  if (typeof service === "string") errors.push({ path: "spec.service", message: service });
  const timeout = spec.timeout ? parseGoDurationMs(spec.timeout) : undefined;
  // The auth filter's callout accepts 1 ms .. 60 s (filters/auth/config.schema.json timeoutMs).
  if (timeout !== undefined && (timeout < 1 || timeout > 60_000)) errors.push({ path: "spec.timeout", message: `${spec.timeout} is outside 1ms..60s` });
  return errors;
}

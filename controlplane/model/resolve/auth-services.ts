// AuthService -> on every Mapping of the AuthService's Hosts except bypassAuth ones (Emissary
// AuthService semantics, docs/emissary.md):
// - proto http: the built-in auth filter in callout mode; the callout settings travel as each
//   route's settings of the implicit auth filter;
// - proto grpc: Envoy's ext_authz filter (ExtAuthzIR) calling the service over HTTP/2.
import { Diagnostics } from "./diagnostics.ts";
import type { FilterBase, Index } from "./resources.ts";
import type { Memo } from "./memo.ts";
import type { Clusters } from "./clusters.ts";
import { DEFAULT_CLUSTER_SETTINGS } from "./clusters.ts";
import { CATCH_ALL_NAME, type HostPlan } from "./hosts.ts";
import { parseService, type ServiceTarget } from "../checks/service-ref.ts";
import type { ExtAuthzIR } from "../../ir/types.ts";
import { parseGoDurationMs } from "../../api/duration.ts";
import type { Filters } from "./filters.ts";

export const DEFAULT_AUTH_TIMEOUT_MS = 5000; // Emissary AuthService timeout_ms

export type AuthBinding =
  | {
    filter: FilterBase;
    /** Per-route settings of the auth filter (stable object while the AuthService is unchanged). */
    settings: Record<string, unknown>;
  }
  | { extAuthz: string };

const GRPC_SETTINGS = { ...DEFAULT_CLUSTER_SETTINGS, protocol: "http2" as const };

/** Which AuthService protects each virtual host (by plan name), and the ext_authz filters. */
export function bindAuthServices(index: Index, plans: HostPlan[], clusters: Clusters, filters: Filters, memo: Memo): { bindings: Map<string, AuthBinding>; extAuthz: ExtAuthzIR[] } {
  const bindings = new Map<string, AuthBinding>();
  const extAuthz: ExtAuthzIR[] = [];
  const owner = new Map<string, string>();
  const planNames = new Set(plans.map((p) => p.name));
  for (const auth of [...index.authServices].sort((a, b) => a.key.localeCompare(b.key))) {
    const spec = auth.spec;
    const target = parseService(spec.service, auth.ref.namespace) as ServiceTarget;
    const grpc = spec.proto === "grpc";
    const settingsOf = grpc ? GRPC_SETTINGS : DEFAULT_CLUSTER_SETTINGS;
    const use = clusters.use(target, settingsOf, JSON.stringify(settingsOf), auth.ref);
    if (use.problem) Diagnostics.unresolved(auth.entry, { path: "spec.service", message: use.problem }, "BackendNotFound", false);
    const authority = target.kubernetes && !use.note ? `${target.kubernetes.name}.${target.kubernetes.namespace}:${target.port}` : `${target.host}:${target.port}`;
    const timeoutMs = spec.timeout ? parseGoDurationMs(spec.timeout)! : DEFAULT_AUTH_TIMEOUT_MS;
    let binding: AuthBinding;
    if (grpc) {
      const ir = memo.get(`ext-authz:${auth.key}`, [auth.object, use.name], (): ExtAuthzIR => {
        const out: ExtAuthzIR = {
          name: `attache.ext_authz/${auth.ref.namespace}/${auth.ref.name}`,
          source: auth.ref,
          cluster: use.name,
          authority,
          timeoutMs,
          failureModeAllow: spec.failureModeAllow ?? false,
          allowedRequestHeaders: spec.allowedRequestHeaders ?? [],
        };
        if (spec.includeBody) out.includeBody = { maxBytes: spec.includeBody.maxBytes ?? 4096, allowPartial: spec.includeBody.allowPartial ?? false };
        if (spec.statusOnError !== undefined) out.statusOnError = spec.statusOnError;
        return out;
      });
      extAuthz.push(ir);
      binding = { extAuthz: ir.name };
    } else {
      const filter = filters.forAuthService(auth.ref);
      if (typeof filter === "string") {
        Diagnostics.invalid(auth.entry, [{ path: "", message: filter }], "ModuleNotBuilt");
        continue;
      }
      const settings = memo.get(`auth-settings:${auth.key}`, [auth.object, use.name], () => ({
      external: {
        cluster: use.name,
        authority,
        pathPrefix: spec.pathPrefix ?? "",
        allowedRequestHeaders: spec.allowedRequestHeaders ?? [],
        allowedAuthorizationHeaders: spec.allowedAuthorizationHeaders ?? [],
        timeoutMs,
        failureModeAllow: spec.failureModeAllow ?? false,
      },
      }));
      binding = { filter, settings };
    }
    let targets: string[];
    if (spec.hosts?.length) {
      targets = [];
      spec.hosts.forEach((reference, i) => {
        const key = reference.includes("/") ? reference : `${auth.ref.namespace}/${reference}`;
        if (planNames.has(key)) targets.push(key);
        else Diagnostics.unresolved(auth.entry, { path: `spec.hosts[${i}]`, message: `Host ${key} not found (or not valid)` }, "RefNotFound", false);
      });
    } else {
      targets = [...planNames, CATCH_ALL_NAME];
    }
    for (const name of targets) {
      const previous = owner.get(name);
      if (previous) {
        if (spec.hosts?.length) Diagnostics.invalid(auth.entry, [{ path: "spec.hosts", message: `Host ${name} is already protected by AuthService ${previous}` }], "Conflicted");
        else if (name !== CATCH_ALL_NAME) Diagnostics.note(auth.entry, `Host ${name} is protected by AuthService ${previous} instead`);
        continue;
      }
      owner.set(name, auth.key);
      bindings.set(name, binding);
    }
  }
  return { bindings, extAuthz };
}

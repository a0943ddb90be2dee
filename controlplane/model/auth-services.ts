// AuthService -> the built-in auth filter in callout mode (Emissary AuthService semantics,
// docs/emissary.md) on every Mapping of the AuthService's Hosts except bypassAuth ones.
// The callout settings travel as each route's settings of the implicit auth filter.
import { Diagnostics } from "./diagnostics.ts";
import type { Index } from "./resources.ts";
import type { Memo } from "./memo.ts";
import type { Clusters } from "./clusters.ts";
import { DEFAULT_CLUSTER_SETTINGS } from "./clusters.ts";
import { CATCH_ALL_NAME, type HostPlan } from "./hosts.ts";
import { parseService, type ServiceTarget } from "./service-ref.ts";
import { parseGoDurationMs } from "../api/duration.ts";
import type { Filters, FilterBase } from "./filters.ts";

export const DEFAULT_AUTH_TIMEOUT_MS = 5000; // Emissary AuthService timeout_ms

export interface AuthBinding {
  filter: FilterBase;
  /** Per-route settings of the auth filter (stable object while the AuthService is unchanged). */
  settings: Record<string, unknown>;
}

/** Which AuthService protects each virtual host (by plan name). */
export function bindAuthServices(index: Index, plans: HostPlan[], clusters: Clusters, filters: Filters, memo: Memo, allowUrl: boolean): Map<string, AuthBinding> {
  const bindings = new Map<string, AuthBinding>();
  const owner = new Map<string, string>();
  const planNames = new Set(plans.map((p) => p.name));
  for (const auth of [...index.authServices].sort((a, b) => a.key.localeCompare(b.key))) {
    const spec = auth.spec;
    const target = parseService(spec.service, auth.ref.namespace, allowUrl) as ServiceTarget;
    const use = clusters.use(target, DEFAULT_CLUSTER_SETTINGS, JSON.stringify(DEFAULT_CLUSTER_SETTINGS), auth.ref);
    if (use.problem) Diagnostics.unresolved(auth.entry, { path: "spec.service", message: use.problem }, "BackendNotFound", false);
    const filter = filters.forAuthService(auth.ref);
    if (typeof filter === "string") {
      Diagnostics.invalid(auth.entry, [{ path: "", message: filter }], "ModuleNotBuilt");
      continue;
    }
    const authority = target.kind === "url" ? `${target.host}:${target.port}` : `${target.name}.${target.namespace}:${target.port}`;
    const settings = memo.get(`auth-settings:${auth.key}`, [auth.object, use.name], () => ({
      external: {
        cluster: use.name,
        authority,
        pathPrefix: spec.pathPrefix ?? "",
        allowedRequestHeaders: spec.allowedRequestHeaders ?? [],
        allowedAuthorizationHeaders: spec.allowedAuthorizationHeaders ?? [],
        timeoutMs: spec.timeout ? parseGoDurationMs(spec.timeout)! : DEFAULT_AUTH_TIMEOUT_MS,
        failureModeAllow: spec.failureModeAllow ?? false,
      },
    }));
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
      bindings.set(name, { filter, settings });
    }
  }
  return bindings;
}

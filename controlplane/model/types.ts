// Inputs and outputs of the model stage (bundle -> {ir, statuses}); see model/index.ts.
// Nothing below model/ imports this file: each stage declares what it reads (checks/index.ts
// CheckOptions), so the folders import one way (index.ts -> incremental/ -> resolve/ -> checks/).
import type { GatewayIR, ListenerPorts } from "../ir/types.ts";
import type { ModelCache } from "./incremental/cache.ts";

export type { Condition, ResourceStatus } from "./resolve/diagnostics.ts";
export type { ModelResult } from "./incremental/state.ts";

export interface ModelOptions {
  /** Where Envoy fetches Wasm modules (the control plane's module server). */
  moduleServer: GatewayIR["moduleServer"];
  /** sha256 of every module the module server can serve by name: the built-ins (auth,
   *  ratelimit, canary) and filters built from this repository's filters/<name> (`module.local`).
   *  The runner computes them from build/filters/<name>.release.wasm. */
  modules: Readonly<Record<string, { sha256: string }>>;
  /** JSON schemas of filter configurations by filter name (filters/<name>/config.schema.json);
   *  see loadFilterSchemas() in sources/file/local-filters.ts. */
  filterSchemas?: Readonly<Record<string, object>>;
  listeners?: ListenerPorts;
  /** Checks that a TLS Secret's PEM certificate chain and key load and match (runners pass
   *  model/tls-key-pair.ts); without it only the PEM markers are checked. */
  checkKeyPair?: (certificateChain: string, privateKey: string) => string | undefined;
  /** `url` modules the control plane does not have, by sha256: still downloading, or why not
   *  (download failed, wrong digest, not WebAssembly). A new map object whenever it changes
   *  (modules/registry.ts). Without it `url` modules are taken as available. */
  remoteModules?: ReadonlyMap<string, { pending: boolean; message: string }>;
  /** ECDS filter names (`attache.wasm/<ns>/<name>`) the proxies already run a module for
   *  (modules/delivery.ts). A WasmFilter among them whose new `url` module is missing stays
   *  usable: the proxies keep its previous module and its status says the new one is not
   *  delivered. Any other WasmFilter with a missing module is unusable, because a proxy would
   *  run its routes without the filter. */
  modulesOnProxies?: ReadonlySet<string>;
  /** Reuse results of unchanged resources between calls (createModelCache()). */
  cache?: ModelCache;
  /** Timestamp for lastTransitionTime (RFC 3339). Default: now. */
  now?: string;
}

export const DEFAULT_LISTENERS: ListenerPorts = { http: 8080, https: 8443 };

// Inputs and outputs of the model stage (bundle -> {ir, statuses}); see model/index.ts.
import type { GatewayIR, ListenerPorts, ResourceRef } from "../ir/types.ts";
import type { SourceLocation } from "../sources/bundle.ts";
import type { ModelCache } from "./cache.ts";

export interface ModelOptions {
  /** Where Envoy fetches Wasm modules (the control plane's module server). */
  moduleServer: GatewayIR["moduleServer"];
  /** sha256 of every module the module server can serve by name: the built-ins (auth,
   *  ratelimit, canary) and filters built from this repository's filters/<name> (`module.local`).
   *  The runner computes them from build/filters/<name>.release.wasm. */
  modules: Readonly<Record<string, { sha256: string }>>;
  /** JSON schemas of filter configurations by filter name (filters/<name>/config.schema.json);
   *  see loadFilterSchemas() in model/filter-schemas.ts. */
  filterSchemas?: Readonly<Record<string, object>>;
  listeners?: ListenerPorts;
  /** Checks that a TLS Secret's PEM certificate chain and key load and match (runners pass
   *  model/tls-key-pair.ts); without it only the PEM markers are checked. */
  checkKeyPair?: (certificateChain: string, privateKey: string) => string | undefined;
  /** `url` modules the control plane does not have, by sha256: still downloading, or why not
   *  (download failed, wrong digest, not WebAssembly). A new map object whenever it changes
   *  (modules/registry.ts). Without it `url` modules are taken as available. */
  remoteModules?: ReadonlyMap<string, { pending: boolean; message: string }>;
  /** Reuse results of unchanged resources between calls (createModelCache()). */
  cache?: ModelCache;
  /** Timestamp for lastTransitionTime (RFC 3339). Default: now. */
  now?: string;
}

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

export interface ResourceStatus {
  ref: ResourceRef;
  location?: SourceLocation;
  conditions: Condition[];
  /** Every problem, path-prefixed: `Mapping default/api: spec.timeout: invalid duration "3 seconds"`. */
  errors: string[];
}

export interface ModelResult {
  ir: GatewayIR;
  statuses: ResourceStatus[];
}

export const DEFAULT_LISTENERS: ListenerPorts = { http: 8080, https: 8443 };

// What the model keeps from its last run so the next one can patch instead of rebuild
// (model/incremental.ts). Produced by every full run (model/index.ts).
import type { GatewayIR } from "../ir/types.ts";
import type { BundleResource } from "../sources/bundle.ts";
import type { Clusters } from "./clusters.ts";
import type { Filters } from "./filters.ts";
import type { AuthBinding } from "./auth-services.ts";
import type { MappingEnv, MappingRecord } from "./mapping-records.ts";
import type { VhostState } from "./vhosts.ts";
import type { ModelOptions, ResourceStatus } from "./types.ts";

export interface ModelState {
  /** Options the state was built with (compared by identity). */
  options: unknown[];
  resources: readonly BundleResource[];
  /** statusBefore[i]: how many statuses resources[0..i) produce. */
  statusBefore: Int32Array;
  nameCounts: Map<string, number>;
  env: MappingEnv;
  clusters: Clusters;
  filters: Filters;
  auth: Map<string, AuthBinding>;
  /** Valid Mappings by "<namespace>/<name>". */
  records: Map<string, MappingRecord>;
  /** Virtual hosts by plan name (the catch-all only while some Mapping is on it). */
  vhosts: Map<string, VhostState>;
  ir: GatewayIR;
  statuses: ResourceStatus[];
}

export function stateOptions(options: ModelOptions): unknown[] {
  return [options.modules, options.filterSchemas, options.listeners, options.moduleServer, options.checkKeyPair, options.remoteModules];
}

// What the model keeps from its last run so the next one can patch instead of rebuild
// (model/incremental/incremental.ts). Produced by every full run (model/index.ts).
import type { GatewayIR } from "../../ir/types.ts";
import type { BundleResource } from "../../sources/bundle.ts";
import type { Clusters } from "../resolve/clusters.ts";
import type { Filters } from "../resolve/filters.ts";
import type { AuthBinding } from "../resolve/auth-services.ts";
import type { MappingEnv, MappingRecord } from "../resolve/mapping-records.ts";
import type { VhostState } from "../resolve/vhosts.ts";
import type { CheckOptions } from "../checks/index.ts";
import type { ModelOptions } from "../types.ts";
import type { ResourceStatus } from "../resolve/diagnostics.ts";

export interface ModelResult {
  ir: GatewayIR;
  statuses: ResourceStatus[];
}

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

/** What a run reads from the model's options (model/types.ts ModelOptions, less the cache). */
export type RunOptions = CheckOptions & Pick<ModelOptions, "checkKeyPair" | "remoteModules" | "modulesOnProxies"> & { moduleServer: unknown; now?: string };

/** The options a state was built with; any change means a full build. */
export function stateOptions(options: RunOptions): unknown[] {
  return [options.modules, options.filterSchemas, options.listeners, options.moduleServer, options.checkKeyPair, options.remoteModules, options.modulesOnProxies];
}

// The dev stack's data plane: the local one (devproxy/, the default) or real Envoy
// (`attache dev --data-plane envoy`). Either is an xDS client of the stack's control plane
// that serves the listeners it is sent and answers on the proxy admin port.
import { EnvoyDataPlane } from "./envoy-dataplane.ts";
import { LocalDataPlane, type LocalDataPlaneOptions } from "./local-dataplane.ts";

export const DATA_PLANES = ["local", "envoy"] as const;
export type DataPlaneKind = (typeof DATA_PLANES)[number];

export interface DevDataPlane {
  readonly kind: DataPlaneKind;
  /** The xDS node id it connects with. */
  readonly nodeId: string;
  /** Threads serving traffic. */
  readonly workers: number;
  /** Its admin interface (/stats/prometheus, /ready, /config_dump). */
  readonly adminPort: number;
  /** Why it does not serve the config it ACKed (an update still being applied, one it could
   *  not apply, e.g. a port in use); undefined when it does. */
  problem(): string | undefined;
  /** Resolves once everything it ACKed so far is serving traffic. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** What either data plane needs; the local one uses every field, Envoy ignores the access log
 *  (it writes its own) and binds the addresses its listeners name. */
export interface DataPlaneOptions extends LocalDataPlaneOptions {
  kind: DataPlaneKind;
}

export function startDataPlane(options: DataPlaneOptions): Promise<LocalDataPlane | EnvoyDataPlane> {
  if (options.kind === "envoy") return EnvoyDataPlane.start(options);
  return LocalDataPlane.start(options);
}

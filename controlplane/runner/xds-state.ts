// Readiness as the admin server reports it, and convergence as `attache dev` and the
// end-to-end tests wait for it: ready once a translation has been turned into an xDS
// snapshot (proxies may connect later; in a cluster the Kubernetes source also gates this on
// informer sync), converged once every connected proxy has ACKed every type of that snapshot
// it subscribes to.
import type { XdsServer } from "../xds/index.ts";
import type { DevDataPlane } from "./dataplane.ts";
import type { Pipeline } from "./pipeline.ts";

export function xdsSnapshotState(pipeline: Pipeline, xds: XdsServer): { ready: boolean; reason: string } {
  if (!pipeline.latest) return { ready: false, reason: "no configuration translated yet" };
  const snapshot = xds.cache.snapshot();
  if (!snapshot) return { ready: false, reason: "translation done, xDS snapshot not built yet" };
  return { ready: true, reason: `xDS snapshot ${snapshot.version} (revision ${pipeline.latest.revision})` };
}

/** `attache dev`'s readiness: the local data plane serves the latest translation — it ACKed
 *  every type of the snapshot built from it and applied every update (listeners bound). */
export function dataPlaneServes(pipeline: Pipeline, xds: XdsServer, dataPlane: Pick<DevDataPlane, "problem">): { ready: boolean; reason: string } {
  const state = xdsSnapshotState(pipeline, xds);
  if (!state.ready) return state;
  if (!clientsConverged(xds, pipeline.latest!.at)) return { ready: false, reason: `data plane has not acknowledged ${state.reason} yet` };
  const problem = dataPlane.problem();
  if (problem) return { ready: false, reason: `data plane does not serve ${state.reason}: ${problem}` };
  return { ready: true, reason: `data plane serves ${state.reason}` };
}

/** True once the snapshot built after `since` (performance.now()) is set and every connected
 *  client has ACKed everything sent to it. */
export function clientsConverged(xds: XdsServer, since: number): boolean {
  const snapshot = xds.cache.snapshot();
  if (!snapshot || snapshot.setAt < since) return false;
  const clients = xds.clients();
  if (clients.length === 0) return false;
  return clients.every((c) => Object.keys(c.sent).every((t) => c.acked[t] === c.sent[t]));
}

// Readiness as the admin server reports it, and convergence as `attache dev` and the
// end-to-end tests wait for it: ready once a translation has been turned into an xDS
// snapshot (proxies may connect later; in a cluster the Kubernetes source also gates this on
// informer sync), converged once every connected proxy has ACKed every type of that snapshot
// it subscribes to.
import type { XdsServer } from "../xds/index.ts";
import type { Pipeline } from "./pipeline.ts";

export function xdsSnapshotState(pipeline: Pipeline, xds: XdsServer): { ready: boolean; reason: string } {
  if (!pipeline.latest) return { ready: false, reason: "no configuration translated yet" };
  const snapshot = xds.cache.snapshot();
  if (!snapshot) return { ready: false, reason: "translation done, xDS snapshot not built yet" };
  return { ready: true, reason: `xDS snapshot ${snapshot.version} (revision ${pipeline.latest.revision})` };
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

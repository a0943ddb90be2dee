// Starts `attache serve` (startServe) in this process against the API stand-in or a real
// kube-apiserver (test/cluster/control-plane.ts), quietly and on free ports,
// and reads what it serves: the xDS snapshot's resource names and the translator's JSON.
import { pino } from "pino";
import { startServe, type ServeHandle } from "../../controlplane/runner/serve.ts";
import { TYPE_URL } from "../../controlplane/xds/index.ts";
import type { KubeConfig } from "@kubernetes/client-node";
import { httpVirtualHosts } from "../../controlplane/translate/scopedroutes.ts";
import type { VirtualHostJson } from "../../protos/gen/envoy/config/route/v3/route_components_pb.ts";

export const FAKE_MODULES = { ratelimit: { sha256: "a".repeat(64) }, auth: { sha256: "b".repeat(64) }, canary: { sha256: "c".repeat(64) } };

export function startReplica(api: { kubeConfig(): KubeConfig }, identity = "replica-a", extra: Partial<Parameters<typeof startServe>[0]> = {}): Promise<ServeHandle> {
  return startServe({
    kubeConfig: api.kubeConfig(),
    xdsAddress: "127.0.0.1:0",
    adminPort: null,
    modulesPort: null,
    moduleHost: "127.0.0.1",
    lease: { namespace: "attache", name: "attache-status", identity, leaseDurationSeconds: 1, renewDeadlineMs: 800, retryPeriodMs: 50 },
    modules: FAKE_MODULES,
    debounceMs: 5,
    logger: pino({ level: "silent" }),
    ...extra,
  });
}

/** Resource names of one type in the snapshot the xDS server serves right now. */
export function servedNames(handle: ServeHandle, type: keyof typeof TYPE_URL): string[] {
  handle.xds.cache.flush();
  return [...(handle.xds.cache.snapshot()?.types.get(TYPE_URL[type])?.resources.keys() ?? [])].sort();
}

/** The plain-HTTP listener's virtual hosts in the current configuration, whichever the route
 *  layout (controlplane/translate/scopedroutes.ts). */
export function servedHttpVirtualHosts(handle: ServeHandle): VirtualHostJson[] {
  const routes = handle.current()?.resources[TYPE_URL.routeConfiguration];
  return routes ? httpVirtualHosts(routes) : [];
}

/** The translator's JSON for one resource of the current configuration. */
export function servedJson(handle: ServeHandle, type: keyof typeof TYPE_URL, name: string): any {
  return handle.current()?.resources[TYPE_URL[type]]?.get(name);
}

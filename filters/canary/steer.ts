// One request's canary step, shared by the filter (index.ts) and anything that runs the canary
// check inside another filter (bench/envoy/combined): assign the user a side, write the header
// the route's WeightedCluster.header_name reads, count it, and have Envoy pick the cluster again.
import { Counter, ForeignFunction, requestHeaders } from "@attache/proxy-wasm-sdk";
import { CanaryRoute, assign } from "./assign";
import { HostIdGenerator } from "./ids";
import { HostRequestView } from "./host-request";
import { Side } from "./selection";

const NO_ARGS = new ArrayBuffer(0);
// The weighted cluster must be picked again with our header. Envoy clears the route cache
// after header changes only for modules of ABI <= 0.2.1 (docs/envoy-wiring.md "Route cache"),
// so the filter asks for it explicitly. Hosts without the function answer NotFound once and
// are not asked again.
const clearRouteCache = new ForeignFunction("clear_route_cache");
// One view and one id generator serve every request (reset per request): no allocation.
const request = new HostRequestView();
const ids = new HostIdGenerator();

/** The canary counters; made in a root context's defineMetrics (metrics exist once the VM runs). */
export class CanaryMetrics {
  readonly assignedCanary: Counter = new Counter("canary_assigned_canary");
  readonly assignedPrimary: Counter = new Counter("canary_assigned_primary");
  readonly overridden: Counter = new Counter("canary_override");
  readonly unassigned: Counter = new Counter("canary_unassigned");
}

/** Steers the current request on `route`; returns the Set-Cookie value to answer with, or null. */
export function steerRequest(route: CanaryRoute, contextId: u32, metrics: CanaryMetrics): string | null {
  request.reset();
  ids.contextId = contextId;
  const assignment = assign(route, request, ids);
  if (assignment.headerValue === null) {
    // Never forward a client-chosen value: without a key Envoy must pick at random.
    requestHeaders.remove(route.hashHeader);
    metrics.unassigned.increment();
  } else {
    requestHeaders.set(route.hashHeader, assignment.headerValue!);
    if (assignment.overridden) metrics.overridden.increment();
    if (assignment.side == Side.Canary) metrics.assignedCanary.increment();
    else metrics.assignedPrimary.increment();
  }
  clearRouteCache.call(NO_ARGS);
  return assignment.setCookie;
}

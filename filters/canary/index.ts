// The canary filter: writes a stable per-user number into the request header that the route's
// WeightedCluster.header_name reads, so Envoy keeps each user on the same side of a canary
// split and ramping the canary up only adds users (selection.ts explains Envoy's arithmetic).
// Configuration: README.md and config.schema.json (parsed once, config.ts); the decision is
// the pure function assign() in assign.ts.
// Metrics: canary_assigned_canary, canary_assigned_primary, canary_override (QA override
// header used), canary_unassigned (no key and no sticky cookie: Envoy picked at random).
// Only the callbacks this filter uses (sdk/exports.ts): the host skips proxy_on_log,
// proxy_on_done and the body/trailer callbacks, which would run the SDK's defaults.
export * from "@attache/proxy-wasm-sdk/exports_base";
export { proxy_on_response_headers } from "@attache/proxy-wasm-sdk/exports_stream";
import {
  ConfigErrors, ConfiguredRootContext, Counter, FilterHeadersStatus, ForeignFunction, HttpContext,
  RootContext, registerRootContext, requestHeaders, responseHeaders,
} from "@attache/proxy-wasm-sdk";
import { CanaryRoute, assign } from "./assign";
import { CanaryConfig, parseCanaryConfig } from "./config";
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

class CanaryRoot extends ConfiguredRootContext {
  config: CanaryConfig = new CanaryConfig();
  assignedCanary: Counter | null = null;
  assignedPrimary: Counter | null = null;
  overridden: Counter | null = null;
  unassigned: Counter | null = null;

  filterName(): string { return "canary"; }

  applyConfiguration(configuration: ArrayBuffer, errors: ConfigErrors): string | null {
    const parsed = parseCanaryConfig(configuration, errors);
    if (parsed === null) return null;
    this.config = parsed;
    return parsed.routes.size.toString() + " route(s)";
  }

  defineMetrics(): void {
    this.assignedCanary = new Counter("canary_assigned_canary");
    this.assignedPrimary = new Counter("canary_assigned_primary");
    this.overridden = new Counter("canary_override");
    this.unassigned = new Counter("canary_unassigned");
  }

  createHttpContext(contextId: u32): HttpContext {
    return new CanaryStream(contextId, this);
  }
}

class CanaryStream extends HttpContext {
  setCookie: string | null = null;

  onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    const root = this.root as CanaryRoot;
    // Routes absent from the configuration pass untouched.
    const route: CanaryRoute | null = root.config.routes.forCurrentRoute();
    if (route === null) return FilterHeadersStatus.Continue;

    request.reset();
    ids.contextId = this.contextId;
    const assignment = assign(route, request, ids);
    if (assignment.headerValue === null) {
      // Never forward a client-chosen value: without a key Envoy must pick at random.
      requestHeaders.remove(route.hashHeader);
      root.unassigned!.increment();
    } else {
      requestHeaders.set(route.hashHeader, assignment.headerValue!);
      if (assignment.overridden) root.overridden!.increment();
      if (assignment.side == Side.Canary) root.assignedCanary!.increment();
      else root.assignedPrimary!.increment();
    }
    this.setCookie = assignment.setCookie;
    clearRouteCache.call(NO_ARGS);
    return FilterHeadersStatus.Continue;
  }

  onResponseHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    const cookie = this.setCookie;
    // add, not set: the upstream may set cookies of its own.
    if (cookie !== null) responseHeaders.add("set-cookie", cookie);
    return FilterHeadersStatus.Continue;
  }
}

registerRootContext((contextId: u32): RootContext => new CanaryRoot(contextId));

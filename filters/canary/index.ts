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
  ConfigErrors, ConfiguredRootContext, FilterHeadersStatus, HttpContext, RootContext,
  registerRootContext, responseHeaders,
} from "@attache/proxy-wasm-sdk";
import { CanaryRoute } from "./assign";
import { CanaryConfig, parseCanaryConfig } from "./config";
import { CanaryMetrics, steerRequest } from "./steer";

class CanaryRoot extends ConfiguredRootContext {
  config: CanaryConfig = new CanaryConfig();
  metrics: CanaryMetrics | null = null;

  filterName(): string { return "canary"; }

  applyConfiguration(configuration: ArrayBuffer, errors: ConfigErrors): string | null {
    const parsed = parseCanaryConfig(configuration, errors);
    if (parsed === null) return null;
    this.config = parsed;
    return parsed.routes.size.toString() + " route(s)";
  }

  defineMetrics(): void {
    this.metrics = new CanaryMetrics();
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

    this.setCookie = steerRequest(route, this.contextId, root.metrics!);
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

// The ratelimit filter: a token bucket per key (route + client address / header values),
// shared by all of Envoy's worker threads through proxy-wasm shared data, answering 429 with
// Retry-After and RateLimit-* headers when the bucket is empty.
// Configuration: README.md and config.schema.json (parsed once, config.ts). The decision is
// pure (gcra.ts, buckets.ts); this file only wires it to the host.
// Metrics: ratelimit_allowed, ratelimit_limited, ratelimit_failed_open (CAS contention let a
// request through), ratelimit_shared_slot (a key used another key's bucket: maxKeys too small).
// Only the callbacks this filter uses (sdk/exports.ts): the host skips proxy_on_log,
// proxy_on_done and the body/trailer callbacks, which would run the SDK's defaults.
export * from "@attache/proxy-wasm-sdk/exports_base";
export { proxy_on_response_headers } from "@attache/proxy-wasm-sdk/exports_stream";
import {
  ConfigErrors, ConfiguredRootContext, Counter, FilterHeadersStatus, HttpContext, RootContext,
  getCurrentTimeNanoseconds, registerRootContext, responseHeaders, sendLocalResponse,
} from "@attache/proxy-wasm-sdk";
import { Outcome, Verdict, consume } from "./buckets";
import { RateLimitConfig, RouteLimit, parseRateLimitConfig } from "./config";
import { bucketFingerprint } from "./key";
import { HostKeyBytes } from "./host-key";
import { HeaderSink, LIMITED_DETAILS, LIMITED_STATUS, limitedBody, limitedHeaders, writeRateLimitHeaders } from "./response";
import { SharedDataSlots } from "./shared-slots";

const slots = new SharedDataSlots();
// One key reader and one verdict serve every request (callbacks never overlap): no allocation.
const keyBytes = new HostKeyBytes();
const verdict = new Verdict();

/** RateLimit-* of an allowed request go straight into its response headers. */
class ResponseHeaderSink extends HeaderSink {
  put(name: string, value: u64): void { responseHeaders.setNumber(name, value); }
}
const toResponse = new ResponseHeaderSink();

class RateLimitRoot extends ConfiguredRootContext {
  config: RateLimitConfig = new RateLimitConfig();
  allowed: Counter | null = null;
  limited: Counter | null = null;
  failedOpen: Counter | null = null;
  sharedSlot: Counter | null = null;

  filterName(): string { return "ratelimit"; }

  applyConfiguration(configuration: ArrayBuffer, errors: ConfigErrors): string | null {
    const parsed = parseRateLimitConfig(configuration, errors);
    if (parsed === null) return null;
    this.config = parsed;
    return parsed.routes.size.toString() + " route(s), maxKeys " + parsed.maxKeys.toString();
  }

  defineMetrics(): void {
    this.allowed = new Counter("ratelimit_allowed");
    this.limited = new Counter("ratelimit_limited");
    this.failedOpen = new Counter("ratelimit_failed_open");
    this.sharedSlot = new Counter("ratelimit_shared_slot");
  }

  createHttpContext(contextId: u32): HttpContext {
    return new RateLimitStream(contextId, this);
  }
}

class RateLimitStream extends HttpContext {
  /** An allowed request's route, when it adds RateLimit-* to the response, and their values. */
  headersRoute: RouteLimit | null = null;
  remaining: u32 = 0;
  resetSeconds: u64 = 0;

  onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    const root = this.root as RateLimitRoot;
    // Routes absent from the configuration are not limited.
    const route: RouteLimit | null = root.config.routes.forCurrentRoute();
    if (route === null) return FilterHeadersStatus.Continue;

    const fingerprint = bucketFingerprint(route.keyState, route.keyBy, keyBytes);
    consume(slots, root.config.maxKeys, fingerprint, route.limit, getCurrentTimeNanoseconds(), verdict);
    if (verdict.sharedSlot) root.sharedSlot!.increment();
    if (verdict.outcome == Outcome.FailedOpen) {
      root.failedOpen!.increment();
      return FilterHeadersStatus.Continue;
    }
    const decision = verdict.decision;
    if (verdict.outcome == Outcome.Limited) {
      root.limited!.increment();
      sendLocalResponse(LIMITED_STATUS, LIMITED_DETAILS, limitedBody(decision), limitedHeaders(route.limit, decision, route.legacyHeaders));
      return FilterHeadersStatus.StopIteration;
    }
    root.allowed!.increment();
    if (route.responseHeaders) {
      // Copied: the verdict is the next request's before this response comes back.
      this.headersRoute = route;
      this.remaining = decision.remaining;
      this.resetSeconds = decision.resetSeconds;
    }
    return FilterHeadersStatus.Continue;
  }

  onResponseHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    const route = this.headersRoute;
    if (route !== null) writeRateLimitHeaders(toResponse, route.limit.burst, this.remaining, this.resetSeconds, route.legacyHeaders);
    return FilterHeadersStatus.Continue;
  }
}

registerRootContext((contextId: u32): RootContext => new RateLimitRoot(contextId));

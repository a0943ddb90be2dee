// An experiment, not a product filter: the three built-in checks of the bench's "all" case (API
// key auth, then the rate limit, then the sticky canary) in ONE Wasm filter, built from the
// filters' own configuration parsers and decision code. Envoy then runs one filter instance
// per request instead of three, and the module reads one route settings property instead of
// three. bench/envoy/index.ts reports what that saves against the three filters.
// Plugin configuration: the three filters' plugin configurations (JSON text each), joined by
// "\n". Route settings (route metadata, under this plugin's name): one JSON object,
// {"auth": {...}, "ratelimit": {...}, "canary": {...}}, each the filter's own settings.
// Auth's external authorization callout is not part of the experiment: a policy with one is
// refused as invalid settings.
export * from "@attache/proxy-wasm-sdk/exports_base";
export { proxy_on_response_headers } from "@attache/proxy-wasm-sdk/exports_stream";
import {
  ConfigErrors, ConfiguredRootContext, Counter, FilterHeadersStatus, HttpContext, JsonObject,
  RootContext, RouteMap, RouteSettingsResolver, getCurrentTimeNanoseconds, registerRootContext, requestHeaders,
  responseHeaders, sendLocalResponse,
} from "@attache/proxy-wasm-sdk";
import { AuthConfig, Policy, parseAuthConfig } from "../../../filters/auth/config";
import { RequestView, authenticate, spoofableHeaders } from "../../../filters/auth/decision";
import { DETAILS_DENIED, errorBody, rejectionHeaders, statusFor } from "../../../filters/auth/response";
import { RateLimitConfig, RouteLimit, parseRateLimitConfig } from "../../../filters/ratelimit/config";
import { Outcome, Verdict, consume } from "../../../filters/ratelimit/buckets";
import { bucketFingerprint } from "../../../filters/ratelimit/key";
import { HostKeyBytes } from "../../../filters/ratelimit/host-key";
import { HeaderSink, LIMITED_DETAILS, LIMITED_STATUS, limitedBody, limitedHeaders, writeRateLimitHeaders } from "../../../filters/ratelimit/response";
import { SharedDataSlots } from "../../../filters/ratelimit/shared-slots";
import { CanaryConfig, parseCanaryConfig } from "../../../filters/canary/config";
import { CanaryRoute } from "../../../filters/canary/assign";
import { CanaryMetrics, steerRequest } from "../../../filters/canary/steer";

class AuthRequest extends RequestView {
  header(name: string): string | null { return requestHeaders.get(name); }
  nowSeconds(): f64 { return <f64>getCurrentTimeNanoseconds() / 1e9; }
}
class ResponseHeaderSink extends HeaderSink {
  put(name: string, value: u64): void { responseHeaders.setNumber(name, value); }
}
const authRequest = new AuthRequest();
const slots = new SharedDataSlots();
const keyBytes = new HostKeyBytes();
const verdict = new Verdict();
const toResponse = new ResponseHeaderSink();

/** One route's three settings, each parsed by its filter's own resolver. */
class Checks {
  constructor(readonly policy: Policy, readonly limit: RouteLimit | null, readonly canary: CanaryRoute | null) {}
}

class ChecksResolver extends RouteSettingsResolver<Checks> {
  constructor(readonly auth: AuthConfig, readonly rateLimit: RateLimitConfig, readonly canary: CanaryConfig) { super(); }
  resolve(route: string, settings: JsonObject): Checks | null {
    settings.rejectUnknownKeys(["auth", "ratelimit", "canary"]);
    const authSettings = settings.getObject("auth");
    const policy = authSettings !== null ? this.auth.routes.resolveSettings(route, authSettings) : this.auth.defaults;
    if (policy !== null && policy.external !== null) settings.errors.add(settings.pathOf("auth"), "external authorization is not part of this experiment");
    const limitSettings = settings.getObject("ratelimit");
    const limit = limitSettings !== null ? this.rateLimit.routes.resolveSettings(route, limitSettings) : null;
    const canarySettings = settings.getObject("canary");
    const canary = canarySettings !== null ? this.canary.routes.resolveSettings(route, canarySettings) : null;
    return policy !== null ? new Checks(policy, limit, canary) : null;
  }
  usesRouteName(): bool { return true; }
}

/** The three configurations' texts, split at the first two "\n". */
function parts(configuration: ArrayBuffer): ArrayBuffer[] {
  const out = new Array<ArrayBuffer>();
  const base = changetype<usize>(configuration);
  const length = configuration.byteLength;
  let start = 0;
  for (let i = 0; i <= length; i++) {
    if (i < length && (load<u8>(base + i) != 10 || out.length == 2)) continue;
    out.push(configuration.slice(start, i));
    start = i + 1;
  }
  return out;
}

class ChecksRoot extends ConfiguredRootContext {
  routes: RouteMap<Checks> = new RouteMap<Checks>();
  maxKeys: u32 = 0;
  allowed: Counter | null = null;
  denied: Counter | null = null;
  limited: Counter | null = null;
  failedOpen: Counter | null = null;
  sharedSlot: Counter | null = null;
  canary: CanaryMetrics | null = null;

  filterName(): string { return "checks"; }

  applyConfiguration(configuration: ArrayBuffer, errors: ConfigErrors): string | null {
    const texts = parts(configuration);
    if (texts.length != 3) { errors.add("", "expected three configurations, one per line"); return null; }
    const auth = parseAuthConfig(texts[0], errors);
    const rateLimit = parseRateLimitConfig(texts[1], errors);
    const canary = parseCanaryConfig(texts[2], errors);
    if (auth === null || rateLimit === null || canary === null) return null;
    this.routes = new RouteMap<Checks>();
    this.routes.readRouteMetadata(new ChecksResolver(auth, rateLimit, canary));
    this.maxKeys = rateLimit.maxKeys;
    return "auth, ratelimit and canary";
  }

  defineMetrics(): void {
    this.allowed = new Counter("auth_allowed");
    this.denied = new Counter("auth_denied");
    this.limited = new Counter("ratelimit_limited");
    this.failedOpen = new Counter("ratelimit_failed_open");
    this.sharedSlot = new Counter("ratelimit_shared_slot");
    this.canary = new CanaryMetrics();
  }

  createHttpContext(contextId: u32): HttpContext { return new ChecksStream(contextId, this); }
}

class ChecksStream extends HttpContext {
  headersLimit: RouteLimit | null = null;
  remaining: u32 = 0;
  resetSeconds: u64 = 0;
  setCookie: string | null = null;

  onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    const root = this.root as ChecksRoot;
    // One host call for the three checks' settings.
    const checks = root.routes.forCurrentRoute();
    if (checks === null) {
      sendLocalResponse(500, DETAILS_DENIED, errorBody(500, "no checks for this route"), []);
      return FilterHeadersStatus.StopIteration;
    }
    return this.authenticate(root, checks.policy) && this.limit(root, checks.limit) ? this.pick(root, checks.canary) : FilterHeadersStatus.StopIteration;
  }

  /** auth/index.ts onRequestHeaders without the external callout; false: answered. */
  authenticate(root: ChecksRoot, policy: Policy): bool {
    if (policy.disabled) return true;
    const spoofable = spoofableHeaders(policy);
    for (let i = 0; i < spoofable.length; i++) requestHeaders.remove(spoofable[i]);
    const decision = authenticate(policy, authRequest);
    if (!decision.allowed) {
      root.denied!.increment();
      const status = statusFor(decision);
      sendLocalResponse(status, DETAILS_DENIED, errorBody(status, decision.reason), rejectionHeaders(policy, decision));
      return false;
    }
    const upstream = decision.upstreamHeaders;
    if (upstream !== null) for (let i = 0; i < upstream.length; i++) requestHeaders.set(upstream[i].key, upstream[i].value);
    if (policy.hasLocalMethod) root.allowed!.increment();
    return true;
  }

  /** ratelimit/index.ts onRequestHeaders; false: answered 429. */
  limit(root: ChecksRoot, route: RouteLimit | null): bool {
    if (route === null) return true;
    const fingerprint = bucketFingerprint(route.keyState, route.keyBy, keyBytes);
    consume(slots, root.maxKeys, fingerprint, route.limit, getCurrentTimeNanoseconds(), verdict);
    if (verdict.sharedSlot) root.sharedSlot!.increment();
    if (verdict.outcome == Outcome.FailedOpen) { root.failedOpen!.increment(); return true; }
    const decision = verdict.decision;
    if (verdict.outcome == Outcome.Limited) {
      root.limited!.increment();
      sendLocalResponse(LIMITED_STATUS, LIMITED_DETAILS, limitedBody(decision), limitedHeaders(route.limit, decision, route.legacyHeaders));
      return false;
    }
    if (route.responseHeaders) {
      this.headersLimit = route;
      this.remaining = decision.remaining;
      this.resetSeconds = decision.resetSeconds;
    }
    return true;
  }

  /** canary/index.ts onRequestHeaders. */
  pick(root: ChecksRoot, route: CanaryRoute | null): FilterHeadersStatus {
    if (route === null) return FilterHeadersStatus.Continue;
    this.setCookie = steerRequest(route, this.contextId, root.canary!);
    return FilterHeadersStatus.Continue;
  }

  onResponseHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    const limit = this.headersLimit;
    if (limit !== null) writeRateLimitHeaders(toResponse, limit.limit.burst, this.remaining, this.resetSeconds, limit.legacyHeaders);
    const cookie = this.setCookie;
    if (cookie !== null) responseHeaders.add("set-cookie", cookie);
    return FilterHeadersStatus.Continue;
  }
}

registerRootContext((contextId: u32): RootContext => new ChecksRoot(contextId));

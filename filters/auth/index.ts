// The auth filter: API keys, HTTP Basic and JWT (HS256 / RS256 / ES256) checked locally, then
// an optional external authorization callout with Emissary AuthService semantics.
// Configuration: README.md and config.schema.json (parsed once, config.ts). Decisions are pure
// (decision.ts, jwt.ts, claims.ts, external.ts); this file wires them to the host.
// Metrics: auth_allowed, auth_denied (counters; README.md "Metrics").
// Only the callbacks this filter uses (sdk/exports.ts): the host skips the response path,
// proxy_on_log and proxy_on_done, which would run the SDK's defaults.
export * from "@attache/proxy-wasm-sdk/exports_base";
import {
  BaseContext, ConfigErrors, ConfiguredRootContext, Counter, FilterHeadersStatus, HeaderPair,
  HttpCallResponse, HttpContext, RootContext, continueRequest, dispatchHttpCall,
  getCurrentTimeNanoseconds, getRouteName, logDebug, logWarn, registerRootContext, requestHeaders,
  sendLocalResponse, sendLocalResponseBytes,
} from "@attache/proxy-wasm-sdk";
import { AuthConfig, ExternalAuth, Policy, parseAuthConfig } from "./config";
import { authenticate, RequestView, spoofableHeaders } from "./decision";
import { answerStatus, authorizationHeadersToCopy, checkRequestHeaders, isAllowed, isServiceError, relayedHeaders } from "./external";
import { DETAILS_DENIED, DETAILS_EXTERNAL_DENIED, DETAILS_EXTERNAL_FAILED, errorBody, rejectionHeaders, statusFor } from "./response";

class HostRequest extends RequestView {
  header(name: string): string | null { return requestHeaders.get(name); }
  nowSeconds(): f64 { return <f64>getCurrentTimeNanoseconds() / 1e9; }
}
const hostRequest = new HostRequest();
const JSON_HEADERS = [new HeaderPair("content-type", "application/json")];

/** The request's route name for log lines (read only when something is logged). */
function routeForLog(): string {
  const route = getRouteName();
  return route !== null ? route : "";
}

class AuthRoot extends ConfiguredRootContext {
  config: AuthConfig = new AuthConfig();
  // Defined at the first successful configuration (proxy_define_metric), used by every stream after.
  allowed: Counter | null = null;
  denied: Counter | null = null;

  filterName(): string { return "auth"; }

  applyConfiguration(configuration: ArrayBuffer, errors: ConfigErrors): string | null {
    const parsed = parseAuthConfig(configuration, errors);
    if (parsed === null) return null;
    this.config = parsed;
    return "defaults and " + parsed.routes.size.toString() + " route(s)";
  }

  defineMetrics(): void {
    this.allowed = new Counter("auth_allowed");
    this.denied = new Counter("auth_denied");
  }

  countAllowed(): void { const counter = this.allowed; if (counter !== null) counter.increment(); }
  countDenied(): void { const counter = this.denied; if (counter !== null) counter.increment(); }

  createHttpContext(contextId: u32): HttpContext {
    return new AuthStream(contextId, this);
  }
}

class AuthStream extends HttpContext {
  /** The callout this stream waits for (null when none is pending). */
  external: ExternalAuth | null = null;

  constructor(contextId: u32, readonly auth: AuthRoot) {
    super(contextId, auth);
  }

  onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    const policy: Policy = this.auth.config.policyForCurrentRoute();
    if (policy.disabled) return FilterHeadersStatus.Continue;

    // Headers this filter derives from claims must never come from the client.
    const spoofable = spoofableHeaders(policy);
    for (let i = 0; i < spoofable.length; i++) requestHeaders.remove(spoofable[i]);

    const decision = authenticate(policy, hostRequest);
    if (!decision.allowed) {
      const status = statusFor(decision);
      this.deny("denied (" + decision.method + "): " + decision.reason);
      sendLocalResponse(status, DETAILS_DENIED, errorBody(status, decision.reason), rejectionHeaders(policy, decision));
      return FilterHeadersStatus.StopIteration;
    }
    const upstream = decision.upstreamHeaders;
    if (upstream !== null) for (let i = 0; i < upstream.length; i++) requestHeaders.set(upstream[i].key, upstream[i].value);
    const external = policy.external;
    if (external === null) {
      if (policy.hasLocalMethod) this.auth.countAllowed();
      return FilterHeadersStatus.Continue;
    }
    const dispatch = dispatchHttpCall(external.cluster, checkRequestHeaders(external, hostRequest), null, [], external.timeoutMs, this, onCheckAnswer);
    if (!dispatch.ok) {
      logWarn("auth: route " + routeForLog() + ": cannot call authorization cluster " + external.cluster);
      return this.externalUnavailable(external, false) ? FilterHeadersStatus.Continue : FilterHeadersStatus.StopIteration;
    }
    this.external = external;
    return FilterHeadersStatus.StopIteration;
  }

  /** No usable answer from the auth service: failureModeAllow decides. Returns true when allowed. */
  externalUnavailable(external: ExternalAuth, resume: bool): bool {
    if (external.failureModeAllow) {
      this.auth.countAllowed();
      logDebug("auth: route " + routeForLog() + ": authorization service unavailable, failureModeAllow lets the request through");
      if (resume) continueRequest();
      return true;
    }
    this.deny("authorization service unavailable");
    sendLocalResponse(external.statusOnError, DETAILS_EXTERNAL_FAILED, errorBody(external.statusOnError, "authorization service unavailable"), JSON_HEADERS);
    return false;
  }

  deny(what: string): void {
    this.auth.countDenied();
    logDebug("auth: route " + routeForLog() + ": " + what);
  }
}

/** The auth service answered (or failed) for the stream that made the callout. */
function onCheckAnswer(context: BaseContext, response: HttpCallResponse): void {
  const stream = context as AuthStream;
  const external = stream.external;
  stream.external = null;
  if (external === null) return;
  if (response.failed) { stream.externalUnavailable(external, true); return; }
  const answer = response.headers();
  const status = answerStatus(answer);
  if (isServiceError(status)) { stream.externalUnavailable(external, true); return; }
  if (isAllowed(status)) {
    const copies = authorizationHeadersToCopy(external, answer);
    for (let i = 0; i < copies.length; i++) requestHeaders.set(copies[i].key, copies[i].value);
    stream.auth.countAllowed();
    continueRequest();
    return;
  }
  stream.deny("external authorization answered " + status.toString());
  sendLocalResponseBytes(status, DETAILS_EXTERNAL_DENIED, response.body(), relayedHeaders(answer));
}

registerRootContext((contextId: u32): RootContext => new AuthRoot(contextId));

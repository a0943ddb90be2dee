// Routes for proxyless gRPC clients (grpc-js-xds, grpc-go, grpc-java): the subset of Envoy's
// RouteConfiguration gRPC implements (gRFC A28 routing and splitting, A31 timeouts, A44
// retries, A42 ring-hash hash policies). Anything a gRPC client would reject or could not
// honour is left out rather than approximated:
// - redirect routes (grpc-js-xds NACKs the whole RouteConfiguration for "unsupported action");
// - routes matching query parameters or a method other than POST (a gRPC call has no query
//   and is always POST), which would otherwise widen to every call;
// - rewrites, CORS, mirrors, header edits and sticky header_name splits (no gRPC support).
import type { HeaderMatchIR, RetryIR, RouteActionIR, RouteIR } from "../../ir/types.ts";
import { msToProtoDuration } from "../../../protos/duration.ts";
import type { HeaderMatcherJson, RetryPolicyJson, RouteActionJson, RouteJson, RouteMatchJson } from "../../../protos/gen/envoy/config/route/v3/route_components_pb.ts";

/** Proxyless resources live under this prefix so they never collide with Envoy's. */
export const PROXYLESS_PREFIX = "attache-grpc/";
export const proxylessClusterName = (cluster: string): string => `${PROXYLESS_PREFIX}${cluster}`;

/** gRPC status names a client may retry on (gRFC A44); HTTP-level conditions from Emissary's
 *  retry_on that mean "the backend was unreachable" become UNAVAILABLE. */
const GRPC_RETRY_CODES = new Set(["cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable"]);
const UNAVAILABLE_LIKE = new Set(["5xx", "gateway-error", "reset", "connect-failure", "refused-stream", "retriable-status-codes"]);

export function grpcRetryOn(retryOn: string): string {
  const codes = new Set<string>();
  for (const part of retryOn.split(",").map((s) => s.trim())) {
    if (GRPC_RETRY_CODES.has(part)) codes.add(part);
    else if (UNAVAILABLE_LIKE.has(part)) codes.add("unavailable");
  }
  return [...codes].join(",");
}

function retryPolicy(retry: RetryIR): RetryPolicyJson | undefined {
  const retryOn = grpcRetryOn(retry.retryOn);
  if (!retryOn || retry.numRetries < 1) return undefined;
  const policy: RetryPolicyJson = { retry_on: retryOn, num_retries: retry.numRetries };
  if (retry.perTryTimeoutMs) policy.per_try_timeout = msToProtoDuration(retry.perTryTimeoutMs);
  return policy;
}

function headerMatcher(h: HeaderMatchIR): HeaderMatcherJson {
  const out: HeaderMatcherJson = { name: h.name };
  if (h.exact !== undefined) out.string_match = { exact: h.exact };
  else if (h.regex !== undefined) out.safe_regex_match = { regex: h.regex };
  else out.present_match = true;
  if (h.invert) out.invert_match = true;
  return out;
}

export function grpcCompatible(route: RouteIR): route is RouteIR & { action: RouteActionIR } {
  const m = route.match;
  return route.action.kind === "route"
    && m.grpc
    && m.queryParameters.length === 0
    && (m.method === undefined || m.method.toUpperCase() === "POST")
    && route.action.backends.some((b) => b.weight > 0);
}

function clusterSpecifier(action: RouteActionIR): RouteActionJson {
  const live = action.backends.filter((b) => b.weight > 0);
  if (live.length === 1) return { cluster: proxylessClusterName(live[0].cluster) };
  return { weighted_clusters: { clusters: live.map((b) => ({ name: proxylessClusterName(b.cluster), weight: b.weight })) } };
}

/** One Envoy route for a gRPC-compatible RouteIR (see grpcCompatible). */
export function grpcRoute(route: RouteIR & { action: RouteActionIR }): RouteJson {
  const m = route.match;
  const match: RouteMatchJson = m.prefix !== undefined ? { prefix: m.prefix } : m.path !== undefined ? { path: m.path } : { safe_regex: { regex: m.regex ?? "" } };
  if (!m.caseSensitive) match.case_sensitive = false;
  if (m.headers.length) match.headers = m.headers.map(headerMatcher);
  const action: RouteActionJson = { ...clusterSpecifier(route.action) };
  // gRFC A31: the call deadline comes from max_stream_duration; 0 keeps the caller's.
  if (route.action.timeoutMs > 0) action.max_stream_duration = { max_stream_duration: msToProtoDuration(route.action.timeoutMs) };
  const retry = route.action.retry && retryPolicy(route.action.retry);
  if (retry) action.retry_policy = retry;
  const hashPolicy = (route.action.hashPolicy ?? []).flatMap((h) => (h.kind === "header" ? [{ header: { header_name: h.name } }] : []));
  if (hashPolicy.length) action.hash_policy = hashPolicy;
  return { name: route.name, match, route: action };
}

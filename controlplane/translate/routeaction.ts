// RouteActionIR / RedirectActionIR -> envoy.config.route.v3.RouteAction / RedirectAction
// (route_components.proto). Header edits sit on the Route itself and are built here too.
import type {
  HashPolicyIR, HeaderEditsIR, HeaderValueIR, MirrorIR, RedirectActionIR, RetryIR, RouteActionIR,
} from "../ir/types.ts";
import { msToProtoDuration } from "../../protos/duration.ts";
import { re2 } from "./routematch.ts";
import type { RedirectAction_RedirectResponseCodeJson, RedirectActionJson, RetryPolicyJson, RouteAction_HashPolicy_CookieJson, RouteAction_HashPolicyJson, RouteAction_RequestMirrorPolicyJson, RouteActionJson, RouteJson, WeightedClusterJson } from "../../protos/gen/envoy/config/route/v3/route_components_pb.ts";
import type { HeaderValueOptionJson } from "../../protos/gen/envoy/config/core/v3/base_pb.ts";
import type { FractionalPercentJson } from "../../protos/gen/envoy/type/v3/percent_pb.ts";

const REDIRECT_CODES: Record<RedirectActionIR["responseCode"], RedirectAction_RedirectResponseCodeJson> = {
  301: "MOVED_PERMANENTLY",
  302: "FOUND",
  303: "SEE_OTHER",
  307: "TEMPORARY_REDIRECT",
  308: "PERMANENT_REDIRECT",
};

/** A single backend routes straight to its cluster; a group becomes a WeightedCluster whose
 *  list order is the IR's (canary first): with `header_name` Envoy picks
 *  `header value % total weight` against cumulative weights in list order, so ramping the
 *  canary up only adds users to it (docs/envoy-wiring.md "Canary routing"). */
function destination(action: RouteActionIR): RouteActionJson {
  const backends = action.backends.filter((b) => b.weight > 0);
  if (backends.length === 1 && !action.stickyHeader) return { cluster: backends[0]!.cluster };
  if (backends.length === 0) {
    // Every share is 0: the model never builds this (a group's shares sum to 100), but Envoy
    // rejects a WeightedCluster without weight, so keep the route valid on the first backend.
    return { cluster: action.backends[0]!.cluster };
  }
  const weighted: WeightedClusterJson = { clusters: backends.map((b) => ({ name: b.cluster, weight: b.weight })) };
  if (action.stickyHeader) weighted.header_name = action.stickyHeader;
  return { weighted_clusters: weighted };
}

function retryPolicy(retry: RetryIR): RetryPolicyJson {
  const out: RetryPolicyJson = { retry_on: retry.retryOn, num_retries: retry.numRetries };
  if (retry.perTryTimeoutMs !== undefined) out.per_try_timeout = msToProtoDuration(retry.perTryTimeoutMs);
  return out;
}

/** Mirrors get a RuntimeFractionalPercent; whole percents use HUNDRED, fractions MILLION. */
function mirrorPolicy(mirror: MirrorIR): RouteAction_RequestMirrorPolicyJson {
  const whole = Number.isInteger(mirror.percent);
  const fraction: FractionalPercentJson = whole
    ? { numerator: mirror.percent, denominator: "HUNDRED" }
    : { numerator: Math.round(mirror.percent * 10_000), denominator: "MILLION" };
  return { cluster: mirror.cluster, runtime_fraction: { default_value: fraction } };
}

function hashPolicy(policy: HashPolicyIR): RouteAction_HashPolicyJson {
  switch (policy.kind) {
    case "header":
      return { header: { header_name: policy.name } };
    case "cookie": {
      const cookie: RouteAction_HashPolicy_CookieJson = { name: policy.name };
      // A ttl makes Envoy generate the cookie when absent (sticky sessions from the first request).
      if (policy.ttlSeconds !== undefined) cookie.ttl = `${policy.ttlSeconds}s`;
      if (policy.path !== undefined) cookie.path = policy.path;
      return { cookie };
    }
    case "sourceIp":
      return { connection_properties: { source_ip: true } };
  }
}

export function routeAction(action: RouteActionIR): RouteActionJson {
  const out: RouteActionJson = destination(action);
  if (action.prefixRewrite !== undefined) out.prefix_rewrite = action.prefixRewrite;
  if (action.regexRewrite) {
    out.regex_rewrite = { pattern: re2(action.regexRewrite.pattern), substitution: action.regexRewrite.substitution };
  }
  if (action.hostRewrite !== undefined) out.host_rewrite_literal = action.hostRewrite;
  // Only honoured for STRICT_DNS / LOGICAL_DNS clusters: the Host header becomes the DNS name.
  if (action.autoHostRewrite) out.auto_host_rewrite = true;
  // "0s" disables the timeout in Envoy, matching Emissary's timeout_ms: 0.
  out.timeout = msToProtoDuration(action.timeoutMs);
  if (action.idleTimeoutMs !== undefined) out.idle_timeout = msToProtoDuration(action.idleTimeoutMs);
  if (action.retry) out.retry_policy = retryPolicy(action.retry);
  if (action.mirrors.length) out.request_mirror_policies = action.mirrors.map(mirrorPolicy);
  // A route-level upgrade config enables the upgrade even when the HCM lists none.
  if (action.upgrades.length) out.upgrade_configs = action.upgrades.map((u) => ({ upgrade_type: u, enabled: true }));
  if (action.hashPolicy?.length) out.hash_policy = action.hashPolicy.map(hashPolicy);
  return out;
}

export function redirectAction(action: RedirectActionIR): RedirectActionJson {
  const out: RedirectActionJson = {};
  if (action.httpsRedirect) out.https_redirect = true;
  if (action.hostRedirect !== undefined) out.host_redirect = action.hostRedirect;
  if (action.pathRedirect !== undefined) out.path_redirect = action.pathRedirect;
  else if (action.prefixRewrite !== undefined) out.prefix_rewrite = action.prefixRewrite;
  else if (action.regexRewrite) out.regex_rewrite = { pattern: re2(action.regexRewrite.pattern), substitution: action.regexRewrite.substitution };
  out.response_code = REDIRECT_CODES[action.responseCode];
  return out;
}

function headerOption(header: HeaderValueIR): HeaderValueOptionJson {
  return {
    header: { key: header.name, value: header.value },
    // append_action replaces the deprecated `append` BoolValue (core/v3/base.proto).
    append_action: header.append ? "APPEND_IF_EXISTS_OR_ADD" : "OVERWRITE_IF_EXISTS_OR_ADD",
  };
}

/** The header-editing fields of a Route. */
type RouteHeaderEdits = Pick<RouteJson, "request_headers_to_add" | "request_headers_to_remove" | "response_headers_to_add" | "response_headers_to_remove">;

/** Route-level header edits (Route.request_headers_to_add etc.). */
export function headerEdits(edits: HeaderEditsIR): RouteHeaderEdits {
  const out: RouteHeaderEdits = {};
  if (edits.requestAdd.length) out.request_headers_to_add = edits.requestAdd.map(headerOption);
  if (edits.requestRemove.length) out.request_headers_to_remove = [...edits.requestRemove];
  if (edits.responseAdd.length) out.response_headers_to_add = edits.responseAdd.map(headerOption);
  if (edits.responseRemove.length) out.response_headers_to_remove = [...edits.responseRemove];
  return out;
}

// RouteIR.match -> envoy.config.route.v3.RouteMatch (route_components.proto).
import type { HeaderMatchIR, QueryMatchIR, RouteMatchIR } from "../ir/types.ts";
import type { HeaderMatcherJson, QueryParameterMatcherJson, RouteMatchJson } from "../../protos/gen/envoy/config/route/v3/route_components_pb.ts";
import type { RegexMatcherJson } from "../../protos/gen/envoy/type/matcher/v3/regex_pb.ts";

/** RE2 matcher (type/matcher/v3/regex.proto). No `google_re2` engine field: it is deprecated
 *  (Envoy logs a deprecation warning for it); the bootstrap's `default_regex_engine` is RE2. */
export function re2(regex: string): RegexMatcherJson {
  return { regex };
}

function headerMatcher(header: HeaderMatchIR): HeaderMatcherJson {
  const out: HeaderMatcherJson = { name: header.name };
  if (header.exact !== undefined) out.string_match = { exact: header.exact };
  else if (header.regex !== undefined) out.string_match = { safe_regex: re2(header.regex) };
  else out.present_match = true;
  if (header.invert) out.invert_match = true;
  return out;
}

function queryMatcher(query: QueryMatchIR): QueryParameterMatcherJson {
  const out: QueryParameterMatcherJson = { name: query.name };
  if (query.exact !== undefined) out.string_match = { exact: query.exact };
  else if (query.regex !== undefined) out.string_match = { safe_regex: re2(query.regex) };
  else out.present_match = true;
  return out;
}

export function routeMatch(match: RouteMatchIR): RouteMatchJson {
  const out: RouteMatchJson = {};
  if (match.path !== undefined) out.path = match.path;
  else if (match.regex !== undefined) out.safe_regex = re2(match.regex);
  else out.prefix = match.prefix ?? "/";
  // Envoy's default is case-sensitive; only the exception is written.
  if (!match.caseSensitive) out.case_sensitive = false;
  const headers: HeaderMatcherJson[] = [];
  // Envoy has no method field: the HTTP/2-style pseudo-header carries it for every protocol.
  if (match.method) headers.push({ name: ":method", string_match: { exact: match.method } });
  headers.push(...match.headers.map(headerMatcher));
  if (headers.length) out.headers = headers;
  if (match.queryParameters.length) out.query_parameters = match.queryParameters.map(queryMatcher);
  // RouteMatch.grpc: matches only requests whose content-type is application/grpc[+...].
  if (match.grpc) out.grpc = {};
  return out;
}

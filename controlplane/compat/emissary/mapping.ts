// getambassador.io/v3alpha1 Mapping -> attache.dev/v1alpha1 Mapping spec.
// Field list: docs/emissary.md "Mapping"; semantics kept where ours match.
import { defined, FieldReader, headerValues, isObj, matchList, msToDuration, stringList, type Obj } from "./fields.ts";

const UNSUPPORTED_REDIRECT = "redirect Mappings are not supported (use a Host's requestPolicy for https redirects)";

export function convertMappingSpec(spec: Obj, path: string, warnings: string[], errors: string[]): Obj {
  const f = new FieldReader(spec, path, warnings);
  const prefix = f.take("prefix");
  const prefixRegex = f.take("prefix_regex") === true;
  const prefixExact = f.take("prefix_exact") === true;
  if (typeof prefix !== "string") errors.push(`${path}.prefix: required (a path prefix)`);
  const match: Obj = prefixRegex ? { regex: prefix } : prefixExact ? { path: prefix } : { prefix };

  let hostname = f.take("hostname");
  const legacyHost = f.take("host");
  if (hostname === undefined && typeof legacyHost === "string") {
    hostname = legacyHost;
    warnings.push(`${path}.host: deprecated in Emissary; converted to hostname`);
  }
  f.drop("host_regex", "regular-expression hostnames are not supported (use a hostname glob)");
  f.drop("method_regex", "method regexes are not supported (use method)");
  f.take("ambassador_id"); // becomes the attache.dev/instance annotation (convert.ts)

  const cors = f.take("cors");
  const retry = f.take("retry_policy");
  const lb = f.take("load_balancer");
  const breakers = f.take("circuit_breakers");
  const allowUpgrade = stringList(f.take("allow_upgrade"));
  if (allowUpgrade?.some((p) => p.toLowerCase() !== "websocket"))
    warnings.push(`${path}.allow_upgrade: only websocket is supported; other protocols ignored`);
  for (const field of ["host_redirect", "path_redirect", "prefix_redirect", "regex_redirect", "redirect_response_code"]) f.drop(field, UNSUPPORTED_REDIRECT);

  const out = defined({
    hostname,
    ...match,
    caseSensitive: f.take("case_sensitive"),
    method: f.take("method"),
    headers: [...(matchList(f.take("headers"), "value", `${path}.headers`, errors) ?? []), ...(matchList(f.take("regex_headers"), "regex", `${path}.regex_headers`, errors) ?? [])],
    queryParameters: [
      ...(matchList(f.take("query_parameters"), "value", `${path}.query_parameters`, errors) ?? []),
      ...(matchList(f.take("regex_query_parameters"), "regex", `${path}.regex_query_parameters`, errors) ?? []),
    ],
    service: f.take("service"),
    rewrite: f.take("rewrite"),
    regexRewrite: f.take("regex_rewrite"),
    hostRewrite: f.take("host_rewrite"),
    timeout: msToDuration(f.take("timeout_ms"), `${path}.timeout_ms`, errors),
    idleTimeout: msToDuration(f.take("idle_timeout_ms"), `${path}.idle_timeout_ms`, errors),
    connectTimeout: msToDuration(f.take("connect_timeout_ms"), `${path}.connect_timeout_ms`, errors),
    retryPolicy: isObj(retry) ? defined({ retryOn: retry.retry_on, numRetries: retry.num_retries, perTryTimeout: retry.per_try_timeout }) : undefined,
    circuitBreakers: Array.isArray(breakers) && isObj(breakers[0]) ? circuitBreakers(breakers, `${path}.circuit_breakers`, warnings) : undefined,
    loadBalancer: isObj(lb) ? loadBalancer(lb) : undefined,
    cors: isObj(cors) ? corsPolicy(cors) : undefined,
    addRequestHeaders: headerValues(f.take("add_request_headers"), `${path}.add_request_headers`, errors),
    removeRequestHeaders: stringList(f.take("remove_request_headers")),
    addResponseHeaders: headerValues(f.take("add_response_headers"), `${path}.add_response_headers`, errors),
    removeResponseHeaders: stringList(f.take("remove_response_headers")),
    grpc: f.take("grpc"),
    allowUpgrade: allowUpgrade?.some((p) => p.toLowerCase() === "websocket") ? ["websocket"] : undefined,
    weight: f.take("weight"),
    shadow: f.take("shadow"),
    precedence: f.take("precedence"),
    bypassAuth: f.take("bypass_auth"),
  });
  if ((out.headers as Obj[]).length === 0) delete out.headers;
  if ((out.queryParameters as Obj[]).length === 0) delete out.queryParameters;
  f.warnRest();
  return out;
}

function circuitBreakers(list: unknown[], path: string, warnings: string[]): Obj {
  if (list.length > 1) warnings.push(`${path}: only the first (default priority) entry is used`);
  const first = list[0] as Obj;
  return defined({ maxConnections: first.max_connections, maxPendingRequests: first.max_pending_requests, maxRequests: first.max_requests, maxRetries: first.max_retries });
}

function loadBalancer(lb: Obj): Obj {
  const cookie = isObj(lb.cookie) ? defined({ name: lb.cookie.name, ttl: lb.cookie.ttl, path: lb.cookie.path }) : undefined;
  return defined({ policy: lb.policy, header: lb.header, cookie, sourceIp: lb.source_ip });
}

function corsPolicy(cors: Obj): Obj {
  const maxAge = cors.max_age;
  return defined({
    origins: stringList(cors.origins) ?? [],
    methods: stringList(cors.methods),
    headers: stringList(cors.headers),
    exposedHeaders: stringList(cors.exposed_headers),
    credentials: cors.credentials,
    // Emissary's max_age is a number of seconds as a string ("86400").
    maxAge: maxAge === undefined ? undefined : `${String(maxAge).replace(/s$/, "")}s`,
  });
}

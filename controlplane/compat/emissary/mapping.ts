// getambassador.io Mapping (v1, v2, v3alpha1) -> attache.dev/v1alpha1 Mapping spec, keeping
// Emissary's meaning of every field it carries over (its irhttpmapping.py and v3route.py).
import type { EmissaryContext } from "./context.ts";
import { defined, FieldReader, headerValues, isObj, isOff, matchList, msToDuration, stringList, type Obj } from "./fields.ts";
import { serviceFromEmissary } from "./service.ts";

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

/** Our fields a redirect Mapping cannot use, with the Emissary field they come from. */
const REDIRECT_UNUSED: [string, string][] = [
  ["timeout", "timeout_ms"], ["idleTimeout", "idle_timeout_ms"], ["connectTimeout", "connect_timeout_ms"], ["retryPolicy", "retry_policy"],
  ["circuitBreakers", "circuit_breakers"], ["loadBalancer", "load_balancer"], ["hostRewrite", "host_rewrite"], ["autoHostRewrite", "auto_host_rewrite"],
  ["weight", "weight"], ["shadow", "shadow"], ["dnsType", "dns_type"],
];

export function convertMappingSpec(input: Obj, path: string, warnings: string[], errors: string[], ctx: EmissaryContext, notes: string[]): Obj {
  // The ambassador Module's Mapping defaults apply to fields the Mapping leaves unset.
  const spec: Obj = { ...input };
  for (const [field, value] of Object.entries(ctx.mappingDefaults)) if (spec[field] === undefined) spec[field] = value;
  const f = new FieldReader(spec, path, warnings);
  for (const field of Object.keys(ctx.mappingDefaults)) if (input[field] === undefined) f.take(field);
  const prefix = f.take("prefix");
  const prefixRegex = f.take("prefix_regex") === true;
  const prefixExact = f.take("prefix_exact") === true;
  if (typeof prefix !== "string") errors.push(`${path}.prefix: required (a path prefix)`);
  const match: Obj = prefixRegex ? { regex: prefix } : prefixExact ? { path: prefix } : { prefix };

  // Emissary's `hostname` is a glob; v2's `host` an exact name, or a regex with host_regex.
  let hostname = f.take("hostname");
  const legacyHost = f.take("host");
  const hostRegex = f.take("host_regex") === true;
  const headerMatches: Obj[] = [];
  if (typeof legacyHost === "string" && hostRegex) {
    // irhttpmapping.py: a regex host is an :authority header match, and selects every Host.
    headerMatches.push({ name: ":authority", regex: legacyHost });
    notes.push(`${path}.host_regex: matched as the :authority header regex ${JSON.stringify(legacyHost)} on every Host`);
  } else if (hostname === undefined && typeof legacyHost === "string") {
    hostname = legacyHost;
    notes.push(`${path}.host: converted to hostname`);
  }
  const method = f.take("method");
  const methodRegex = f.take("method_regex") === true;
  if (typeof method === "string" && methodRegex) headerMatches.push({ name: ":method", regex: method });
  f.take("ambassador_id"); // becomes the attache.dev/instance annotation (convert.ts)

  const cors = f.take("cors");
  const retry = f.take("retry_policy");
  const lb = f.take("load_balancer");
  const breakers = f.take("circuit_breakers");
  const upgrades = stringList(f.take("allow_upgrade")) ?? [];
  if (f.take("use_websocket") === true) upgrades.push("websocket");
  if (upgrades.some((p) => p.toLowerCase() !== "websocket")) warnings.push(`${path}.allow_upgrade: only websocket is supported; other protocols ignored`);

  const tls = f.take("tls");
  const rawService = f.take("service");
  if (typeof rawService !== "string") errors.push(`${path}.service: required`);
  const service = typeof rawService === "string" ? serviceFromEmissary(rawService, tls === true || (typeof tls === "string" && tls !== ""), `${path}.service`, warnings) : undefined;
  if (typeof tls === "string" && tls) warnings.push(`${path}.tls: TLSContext ${tls} is not used for upstream TLS (Attaché verifies the upstream against the system CAs and presents no client certificate)`);
  const resolver = f.take("resolver");
  if (typeof resolver === "string" && ctx.resolvers.get(resolver) === "ConsulResolver") warnings.push(`${path}.resolver: ${resolver} is a ConsulResolver; Attaché resolves ${JSON.stringify(service)} as a Kubernetes Service or DNS name instead`);
  const dnsType = f.take("dns_type");
  f.drop("labels", "rate-limit labels need an external RateLimitService, which Attaché has no equivalent for (use spec.rateLimit for local limits)");
  f.drop("docs", "developer portal docs are an Ambassador Edge Stack feature");
  f.drop("add_linkerd_headers", "Linkerd headers are not added by Attaché (add l5d-dst-override with addRequestHeaders)");
  f.drop("auth_context_extensions", "auth context extensions are not sent to the auth service");
  f.drop("cluster_idle_timeout_ms", "upstream connection idle timeouts are Envoy's default in Attaché");
  f.drop("cluster_max_connection_lifetime_ms", "upstream connection lifetimes are not configurable in Attaché");
  f.drop("keepalive", "upstream TCP keepalive is not configurable in Attaché");
  f.drop("health_checks", "active health checks are not supported (Kubernetes readiness decides endpoints)");
  f.drop("stats_name", "stats are named after the route");
  f.drop("envoy_override", "raw Envoy overrides are not supported");

  const redirect = redirectOf(f, service, path, errors, warnings);
  let rewrite = f.take("rewrite");
  // Emissary's default rewrite "/" applies to regex matches too (irhttpmapping.py: rewrite="/";
  // v3route.py writes prefix_rewrite whenever rewrite is set), where Envoy replaces the whole path.
  const regexRewrite = f.take("regex_rewrite");
  if (prefixRegex && rewrite === undefined && !isObj(regexRewrite) && !redirect) {
    rewrite = "/";
    notes.push(`${path}.rewrite: Emissary's default rewrite "/" applies to prefix_regex too and sends every matching request upstream as "/"; kept (set rewrite: "" to keep the path)`);
  }
  const errorOverrides = errorResponseOverrides(f.take("error_response_overrides"), `${path}.error_response_overrides`, errors);
  const bypassOverrides = f.take("bypass_error_response_overrides") === true;

  const out = defined({
    hostname,
    ...match,
    caseSensitive: f.take("case_sensitive"),
    method: typeof method === "string" && !methodRegex ? method : undefined,
    headers: [
      ...(matchList(f.take("headers"), "value", `${path}.headers`, errors) ?? []),
      ...(matchList(f.take("regex_headers"), "regex", `${path}.regex_headers`, errors) ?? []),
      ...headerMatches,
    ],
    queryParameters: [
      ...(matchList(f.take("query_parameters"), "value", `${path}.query_parameters`, errors) ?? []),
      ...(matchList(f.take("regex_query_parameters"), "regex", `${path}.regex_query_parameters`, errors) ?? []),
    ],
    service: redirect ? undefined : service,
    redirect,
    dnsType: dnsType === "strict_dns" || dnsType === "logical_dns" ? dnsType : undefined,
    rewrite: redirect ? undefined : rewrite,
    regexRewrite: redirect ? undefined : regexRewrite,
    hostRewrite: f.take("host_rewrite"),
    autoHostRewrite: f.take("auto_host_rewrite") === true ? true : undefined,
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
    errorResponseOverrides: errorOverrides && !bypassOverrides ? errorOverrides : undefined,
    grpc: f.take("grpc") === true ? true : undefined,
    allowUpgrade: upgrades.some((p) => p.toLowerCase() === "websocket") ? ["websocket"] : undefined,
    weight: f.take("weight"),
    shadow: f.take("shadow") === true ? true : undefined,
    precedence: f.take("precedence"),
    bypassAuth: f.take("bypass_auth") === true ? true : undefined,
  });
  if (redirect) {
    // A redirect is answered by Envoy itself: upstream settings mean nothing there. The
    // Module's defaults are dropped silently; the Mapping's own are named.
    for (const [field, emissaryField] of REDIRECT_UNUSED) {
      if (out[field] === undefined) continue;
      delete out[field];
      if (!isOff(input[emissaryField])) warnings.push(`${path}.${emissaryField}: not used by a host_redirect Mapping; ignored`);
    }
  }
  if ((out.headers as Obj[]).length === 0) delete out.headers;
  if ((out.queryParameters as Obj[]).length === 0) delete out.queryParameters;
  if (dnsType !== undefined && out.dnsType === undefined) warnings.push(`${path}.dns_type: must be strict_dns or logical_dns; ignored`);
  f.warnRest();
  return out;
}

/** v3route.py: with host_redirect the Mapping answers with a redirect to its `service` as the
 *  host; path_redirect, prefix_redirect (Envoy prefix_rewrite) and regex_redirect (Envoy
 *  regex_rewrite) apply only then, in that order of preference; the code defaults to 301. */
function redirectOf(f: FieldReader, service: string | undefined, path: string, errors: string[], warnings: string[]): Obj | undefined {
  const hostRedirect = f.take("host_redirect") === true;
  const pathRedirect = f.take("path_redirect");
  const prefixRedirect = f.take("prefix_redirect");
  const regexRedirect = f.take("regex_redirect");
  const code = f.take("redirect_response_code");
  if (!hostRedirect) {
    for (const [field, value] of [["path_redirect", pathRedirect], ["prefix_redirect", prefixRedirect], ["regex_redirect", regexRedirect], ["redirect_response_code", code]] as const) {
      if (!isOff(value)) warnings.push(`${path}.${field}: only used with host_redirect: true (as in Emissary); ignored`);
    }
    return undefined;
  }
  if (code !== undefined && !(typeof code === "number" && REDIRECT_CODES.has(code))) errors.push(`${path}.redirect_response_code: must be one of 301, 302, 303, 307, 308, got ${JSON.stringify(code)}`);
  const host = service?.replace(/^[a-z]+:\/\//i, "");
  const out: Obj = { hostname: host };
  if (typeof pathRedirect === "string" && pathRedirect) out.path = pathRedirect;
  else if (typeof prefixRedirect === "string" && prefixRedirect) out.prefix = prefixRedirect;
  else if (isObj(regexRedirect)) out.regex = defined({ pattern: regexRedirect.pattern, substitution: regexRedirect.substitution });
  if (typeof code === "number") out.responseCode = code;
  return out;
}

/** Emissary `error_response_overrides: [{on_status_code, body: {text_format | json_format |
 *  text_format_source, content_type}}]` -> ours. */
function errorResponseOverrides(value: unknown, path: string, errors: string[]): Obj[] | undefined {
  if (isOff(value)) return undefined;
  if (!Array.isArray(value)) {
    errors.push(`${path}: must be a list`);
    return undefined;
  }
  return value.map((entry, i) => {
    const body = isObj(entry) && isObj(entry.body) ? entry.body : {};
    if (!isObj(entry) || typeof entry.on_status_code !== "number") errors.push(`${path}[${i}].on_status_code: required (an HTTP status code)`);
    if (body.text_format_source !== undefined) errors.push(`${path}[${i}].body.text_format_source: bodies from files are not supported; inline the text as text_format`);
    return defined({
      onStatusCode: isObj(entry) ? entry.on_status_code : undefined,
      body: defined({ text: body.text_format, json: body.json_format, contentType: body.content_type }),
    });
  });
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

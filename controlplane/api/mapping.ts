// Mapping: one route (Emissary's Mapping, camelCase, durations as strings). docs/design.md
// "Custom resources"; field semantics follow Emissary (docs/emissary.md) unless a description says otherwise.
import { Type, type Static, Obj, Str, Bool, Int, Duration, Enum, StrList, FreeObject, exactlyOneOf, atMostOneOf, resourceSchema, cel, checks, Matching } from "./schema-kit.ts";
import { HEADER_NAME, HOSTNAME_GLOB, MATCH_HEADER_NAME, REFERENCE, SERVICE } from "./names.ts";

// Lists carry maxItems so the apiserver can bound the cost of the CEL rules on their items.
const MAX_ITEMS = 64;
const HeaderName = (description: string) => Matching(description, HEADER_NAME, "must be an HTTP header name (RFC 9110 token characters)", { maxLength: 256 });

const HeaderMatch = Obj("Match a request header: exactly one of value, regex, present.", {
  name: Matching('Header name (case-insensitive), or a pseudo-header such as ":authority".', MATCH_HEADER_NAME,
    "must be an HTTP header name (RFC 9110 token characters) or a pseudo-header such as :authority", { maxLength: 256 }),
  value: Type.Optional(Str("Exact value.")),
  regex: Type.Optional(Str("RE2 regular expression the whole value must match.")),
  present: Type.Optional(Bool("true: the header must be present (any value); false: absent.")),
  invert: Type.Optional(Bool("Invert the match.")),
}, { required: ["name"], ...exactlyOneOf("value", "regex", "present") });

const QueryMatch = Obj("Match a query parameter: exactly one of value, regex, present.", {
  name: Str("Query parameter name.", { minLength: 1 }),
  value: Type.Optional(Str("Exact value.")),
  regex: Type.Optional(Str("RE2 regular expression the whole value must match.")),
  present: Type.Optional(Bool("true: the parameter must be present (any value).")),
}, { required: ["name"], ...exactlyOneOf("value", "regex", "present") });

const HeaderValue = Obj("A header to add.", {
  name: HeaderName("Header name."),
  value: Str("Header value."),
  append: Type.Optional(Bool("Append to an existing value instead of replacing it. Default false.")),
}, { required: ["name", "value"] });

export const MappingSpec = Obj("A route from matching requests to a service (Emissary Mapping semantics).", {
  hostname: Type.Optional(Matching('Host glob this Mapping serves ("*", "api.example.com", "*.example.com"); also selects Hosts. Default "*".', HOSTNAME_GLOB,
    'must be "*", a lowercase DNS name, "*.<name>" or "<name>.*"', { modelChecked: true })),
  host: Type.Optional(Matching("Name of a Host ([namespace/]name) to attach to; overrides selection by hostname and mappingSelector.", REFERENCE, "must be a Host name, optionally namespace/name")),
  prefix: Type.Optional(Str('Path prefix to match, e.g. "/api/".', { pattern: "^/" })),
  path: Type.Optional(Str("Exact path to match.", { pattern: "^/" })),
  regex: Type.Optional(Str("RE2 regular expression the whole path must match.")),
  caseSensitive: Type.Optional(Bool("Case-sensitive path matching. Default true.")),
  method: Type.Optional(Str("HTTP method to match, e.g. GET.", { pattern: "^[A-Z]+$" })),
  headers: Type.Optional(Type.Array(HeaderMatch, { description: "Request headers that must all match.", maxItems: MAX_ITEMS })),
  queryParameters: Type.Optional(Type.Array(QueryMatch, { description: "Query parameters that must all match.", maxItems: MAX_ITEMS })),
  service: Type.Optional(Matching("Upstream, as in Emissary: [http(s)://]host[:port] (port default 80, 443 with https://; https:// means TLS to the upstream). host name[.namespace] is a Kubernetes Service when one exists; any other name is resolved through DNS (STRICT_DNS, see dnsType), an IP literal is used as is (STATIC). Required unless redirect is set.", SERVICE,
    "must be [http(s)://]host[:port]: a Service name[.namespace], a DNS name or an IP", { modelChecked: true })),
  dnsType: Type.Optional(Enum('How a DNS service name is resolved: "strict_dns" (default, Emissary\'s too: every address of the name is an endpoint, re-resolved periodically) or "logical_dns" (the first address, resolved per new connection: for large DNS-balanced services).', ["strict_dns", "logical_dns"] as const)),
  redirect: Type.Optional(Obj("Answer with a redirect instead of proxying (Emissary host_redirect: service is the new host).", {
    hostname: Type.Optional(Str("Host (and :port) of the new URL. Default: the request's.")),
    path: Type.Optional(Str("Replaces the whole path.", { pattern: "^/" })),
    prefix: Type.Optional(Str("Replaces the matched prefix (Emissary prefix_redirect).")),
    regex: Type.Optional(Obj("Rewrites the path with an RE2 regular expression (Emissary regex_redirect).", {
      pattern: Str("RE2 pattern."),
      substitution: Str("Substitution; \\1 refers to capture groups."),
    }, { required: ["pattern", "substitution"] })),
    https: Type.Optional(Bool("Redirect to https.")),
    responseCode: Type.Optional(Int("301 (default), 302, 303, 307 or 308.", { enum: [301, 302, 303, 307, 308] })),
  }, atMostOneOf("path", "prefix", "regex"))),
  rewrite: Type.Optional(Str('Replaces the matched prefix (or path) before forwarding. Default "/" like Emissary: prefix /api/ + request /api/users -> /users. "" disables rewriting. With regex it replaces the whole path (Envoy prefix_rewrite); the default there is "" (no rewrite).')),
  regexRewrite: Type.Optional(Obj("Rewrite the path with an RE2 regular expression (instead of rewrite).", {
    pattern: Str("RE2 pattern."),
    substitution: Str("Substitution; \\1 refers to capture groups."),
  }, { required: ["pattern", "substitution"] })),
  hostRewrite: Type.Optional(Str("Host header sent upstream.")),
  autoHostRewrite: Type.Optional(Bool("Send the upstream's DNS name as the Host header (Envoy auto_host_rewrite; DNS services only).")),
  errorResponseOverrides: Type.Optional(Type.Array(Obj("Replace the body of responses with this status (Emissary error_response_overrides).", {
    onStatusCode: Int("Status code of the responses to replace (400-599).", { minimum: 400, maximum: 599 }),
    body: Obj("The new body: exactly one of text, json.", {
      text: Type.Optional(Str("Text body; Envoy substitution operators (%RESPONSE_CODE%, %REQ(x)%...) are expanded.")),
      json: Type.Optional(FreeObject("JSON body; string values may use Envoy substitution operators.")),
      contentType: Type.Optional(Str('Content-Type. Default "text/plain" for text, "application/json" for json.')),
    }, exactlyOneOf("text", "json")),
  }, { required: ["onStatusCode", "body"] }), { description: "Custom bodies for error responses of this route (upstream or local).", maxItems: MAX_ITEMS })),
  timeout: Type.Optional(Duration('Whole-request timeout. Default "3s" (Emissary timeout_ms 3000); "0s" disables it.')),
  idleTimeout: Type.Optional(Duration("Stream idle timeout for this route.")),
  retryPolicy: Type.Optional(Obj("Retries (Envoy retry_policy).", {
    retryOn: Type.Optional(Str('Envoy retry_on conditions, e.g. "5xx,connect-failure". Default "5xx".')),
    numRetries: Type.Optional(Int("Number of retries. Default 1.", { minimum: 0, maximum: 10 })),
    perTryTimeout: Type.Optional(Duration("Timeout of each try.")),
  })),
  circuitBreakers: Type.Optional(Obj("Circuit breaker thresholds of the service's cluster.", {
    maxConnections: Type.Optional(Int("Maximum upstream connections.", { minimum: 1 })),
    maxPendingRequests: Type.Optional(Int("Maximum queued requests.", { minimum: 1 })),
    maxRequests: Type.Optional(Int("Maximum parallel requests.", { minimum: 1 })),
    maxRetries: Type.Optional(Int("Maximum parallel retries.", { minimum: 0 })),
  })),
  connectTimeout: Type.Optional(Duration('Upstream connect timeout. Default "3s".')),
  loadBalancer: Type.Optional(Obj("Load balancing of the service's endpoints.", {
    policy: Enum("Balancer.", ["round_robin", "least_request", "ring_hash", "maglev", "random"] as const),
    header: Type.Optional(Str("ring_hash/maglev: hash this request header.")),
    cookie: Type.Optional(Obj("ring_hash/maglev: hash this cookie (generated when absent and ttl is set).", {
      name: Str("Cookie name."),
      ttl: Type.Optional(Duration("Cookie lifetime.")),
      path: Type.Optional(Str("Cookie path.")),
    }, { required: ["name"] })),
    sourceIp: Type.Optional(Bool("ring_hash/maglev: hash the client address.")),
  }, { required: ["policy"], ...checks(atMostOneOf("header", "cookie", "sourceIp"), cel([{
    rule: "self.policy in ['ring_hash', 'maglev'] || !(has(self.header) || has(self.cookie) || has(self.sourceIp))",
    message: "header, cookie and sourceIp need policy ring_hash or maglev",
  }])) })),
  cors: Type.Optional(Obj("CORS policy of this route.", {
    origins: StrList('Allowed origins, exact or "*".'),
    methods: Type.Optional(StrList("Allowed methods.")),
    headers: Type.Optional(StrList("Allowed request headers.")),
    exposedHeaders: Type.Optional(StrList("Response headers exposed to scripts.")),
    credentials: Type.Optional(Bool("Allow credentials.")),
    maxAge: Type.Optional(Duration("How long a preflight answer may be cached.")),
  }, { required: ["origins"] })),
  addRequestHeaders: Type.Optional(Type.Array(HeaderValue, { description: "Headers added to the upstream request.", maxItems: MAX_ITEMS })),
  removeRequestHeaders: Type.Optional(StrList("Headers removed from the upstream request.")),
  addResponseHeaders: Type.Optional(Type.Array(HeaderValue, { description: "Headers added to the response.", maxItems: MAX_ITEMS })),
  removeResponseHeaders: Type.Optional(StrList("Headers removed from the response.")),
  grpc: Type.Optional(Bool("gRPC service: only gRPC requests match, and the upstream speaks HTTP/2.")),
  allowUpgrade: Type.Optional(Type.Array(Enum("Protocol.", ["websocket"] as const), { description: "Connection upgrades to allow." })),
  weight: Type.Optional(Int("Share (0-100) of the traffic of the Mappings with the same match (a canary group); unweighted Mappings share the rest.", { minimum: 0, maximum: 100 })),
  canary: Type.Optional(Obj("Sticky canary: the built-in canary filter hashes a user key into a header and Envoy picks the backend from it, so a user stays on one side. Set on any Mapping of the group.", {
    hashHeader: Type.Optional(Str('Request header that carries the hash (WeightedCluster header_name). Default "x-attache-canary-hash".')),
    config: Type.Optional(FreeObject("Per-route settings of the built-in canary filter (filters/canary/README.md).")),
  })),
  shadow: Type.Optional(Bool("Mirror traffic of the Mappings with the same match to this service (responses ignored); weight is the percentage mirrored, default 100.")),
  precedence: Type.Optional(Int("Higher precedence routes are matched first. Default 0.")),
  bypassAuth: Type.Optional(Bool("Skip the AuthService for this Mapping.")),
  rateLimit: Type.Optional(FreeObject("Per-route settings of the built-in local rate limit filter, e.g. {requests: 100, interval: 1m} (filters/ratelimit/README.md).")),
  filters: Type.Optional(Type.Array(Obj("A WasmFilter enabled on this route.", {
    name: Matching("WasmFilter name ([namespace/]name).", REFERENCE, "must be a WasmFilter name, optionally namespace/name"),
    config: Type.Optional(FreeObject("Per-route settings for this filter.")),
  }, { required: ["name"] }), { description: "Custom (and built-in module) WasmFilters to run on this route.", maxItems: MAX_ITEMS })),
}, checks(exactlyOneOf("prefix", "path", "regex"), cel([
  // The same cross-field checks as model/checks/mapping.ts, so kubectl apply refuses them.
  { rule: "has(self.service) || has(self.redirect)", message: "service is required (or set redirect)", fieldPath: ".service" },
  { rule: "!(has(self.rewrite) && has(self.regexRewrite))", message: "set either rewrite or regexRewrite, not both", fieldPath: ".rewrite" },
  { rule: "!has(self.regex) || !has(self.redirect) || !has(self.redirect.prefix)", message: "redirect.prefix replaces a matched prefix; with regex use redirect.regex", fieldPath: ".redirect.prefix" },
  { rule: "!(has(self.shadow) && self.shadow && has(self.canary))", message: "a shadow Mapping cannot configure canary", fieldPath: ".canary" },
])));

export const MappingResource = resourceSchema("Mapping", MappingSpec);
export type MappingSpec = Static<typeof MappingSpec>;
export type Mapping = Static<typeof MappingResource>;

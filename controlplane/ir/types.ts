// The gateway-neutral intermediate representation between the model stage (validated,
// resolved CRDs) and the translate stage (Envoy resources). CRD types never reach the
// translator and Envoy types never reach the model (docs/design.md "Data flow in the control plane"); everything here
// is plain, immutable data, so both stages stay pure functions with golden tests.
//
// Conventions: durations in milliseconds; names are stable and derived from resources
// (never list indexes); lists are in the order they must appear in Envoy's config.

/** Where an IR element came from, so status and diagnostics can point back at it. */
export interface ResourceRef {
  kind: string; // "Mapping", "Host", "WasmFilter", "AuthService", "Service", ...
  namespace: string;
  name: string;
}

export interface GatewayIR {
  listeners: ListenerPorts;
  /** One per Host resource (plus the implicit catch-all Host when Mappings select none). */
  virtualHosts: VirtualHostIR[];
  clusters: ClusterIR[];
  /** Wasm filters in use, already in HTTP filter chain order (see `order`). */
  wasmFilters: WasmFilterIR[];
  secrets: SecretIR[];
  /** gRPC AuthServices (Envoy ext_authz filters), in name order; absent when none. */
  extAuthz?: ExtAuthzIR[];
  /** Where Envoy fetches Wasm modules from (the control plane's module server). */
  moduleServer: { clusterName: string; host: string; port: number };
}

export interface ListenerPorts {
  http: number; // 8080
  https: number; // 8443
  /** Address both listeners bind to; default 0.0.0.0 (`attache dev` binds its own address). */
  address?: string;
}

export interface VirtualHostIR {
  /** "<namespace>/<host name>"; the implicit catch-all host is "attache/default". */
  name: string;
  source?: ResourceRef;
  /** Envoy `domains` (exact names, `*.suffix`, `prefix.*` or `*`). */
  domains: string[];
  /** Present when the Host terminates TLS on the HTTPS listener (one filter chain, SNI). */
  tls?: HostTlsIR;
  /** What the plain-HTTP listener does for this Host (Emissary `requestPolicy.insecure`). */
  insecure: "Route" | "Redirect" | "Reject";
  /** In match order: the model sorts by precedence, then specificity (ARCHITECTURE.md). */
  routes: RouteIR[];
}

export interface HostTlsIR {
  secretName: string; // a TlsSecretIR name, delivered over SDS
  serverNames: string[]; // SNI; exact or `*.suffix`
  minVersion?: "1.2" | "1.3";
  maxVersion?: "1.2" | "1.3";
  alpn: string[]; // default ["h2", "http/1.1"]
  /** Mutual TLS: client certificates are verified against this CA secret (a CaSecretIR name). */
  clientCa?: { secretName: string; required: boolean };
}

export interface RouteIR {
  /** "<namespace>/<mapping name>" of the group's primary Mapping; stable across changes. */
  name: string;
  /** Every Mapping that contributes to this route (several for a canary group). */
  sources: ResourceRef[];
  match: RouteMatchIR;
  action: RouteActionIR | RedirectActionIR;
  /** Wasm filters enabled on this route, by WasmFilterIR.name, with this route's settings. */
  filters: RouteFilterIR[];
  /** The ExtAuthzIR name checking this route's requests (gRPC AuthService), if any. */
  extAuthz?: string;
  /** Replacement bodies for error responses, by status code (Emissary error_response_overrides). */
  errorOverrides?: ErrorOverrideIR[];
}

export interface ErrorOverrideIR {
  status: number;
  /** Exactly one: a text body or a JSON body; Envoy substitution operators are expanded. */
  text?: string;
  json?: Record<string, unknown>;
  contentType?: string;
}

export interface RouteMatchIR {
  /** Exactly one of prefix, path, regex (RE2 syntax, already validated). */
  prefix?: string;
  path?: string;
  regex?: string;
  caseSensitive: boolean;
  method?: string;
  headers: HeaderMatchIR[];
  queryParameters: QueryMatchIR[];
  /** Only gRPC requests (content-type application/grpc) when the Mapping sets `grpc`. */
  grpc: boolean;
}

export interface HeaderMatchIR {
  name: string;
  /** Exactly one: exact value, RE2 regex, or presence (`present: true`). */
  exact?: string;
  regex?: string;
  present?: boolean;
  invert?: boolean;
}

export interface QueryMatchIR {
  name: string;
  exact?: string;
  regex?: string;
  present?: boolean;
}

export interface RouteActionIR {
  kind: "route";
  /** One backend, or a canary group: canary backends listed first (ramps only add users). */
  backends: WeightedBackendIR[];
  /** When set, Envoy picks the backend from this request header (WeightedCluster.header_name),
   *  which the canary filter fills with a stable hash of the user. */
  stickyHeader?: string;
  prefixRewrite?: string; // Emissary `rewrite` (default "/" replaces the matched prefix)
  regexRewrite?: { pattern: string; substitution: string };
  hostRewrite?: string;
  /** Host header = the upstream's DNS name (Envoy auto_host_rewrite). */
  autoHostRewrite?: boolean;
  timeoutMs: number; // default 3000 (Emissary timeout_ms)
  idleTimeoutMs?: number;
  retry?: RetryIR;
  cors?: CorsIR;
  headers: HeaderEditsIR;
  mirrors: MirrorIR[];
  upgrades: string[]; // e.g. ["websocket"]
  hashPolicy?: HashPolicyIR[]; // for ring_hash / maglev clusters
}

export interface RedirectActionIR {
  kind: "redirect";
  httpsRedirect?: boolean;
  hostRedirect?: string;
  pathRedirect?: string;
  prefixRewrite?: string;
  regexRewrite?: { pattern: string; substitution: string };
  responseCode: 301 | 302 | 303 | 307 | 308;
}

export interface WeightedBackendIR {
  cluster: string; // a ClusterIR name
  weight: number; // 0..100, a group sums to 100
  source: ResourceRef; // the Mapping this share comes from
}

export interface RetryIR {
  retryOn: string; // Envoy retry_on, e.g. "5xx,connect-failure"
  numRetries: number;
  perTryTimeoutMs?: number;
}

export interface CorsIR {
  origins: string[]; // exact origins or "*"
  methods: string[];
  headers: string[];
  exposedHeaders: string[];
  credentials: boolean;
  maxAgeSeconds?: number;
}

export interface HeaderEditsIR {
  requestAdd: HeaderValueIR[];
  requestRemove: string[];
  responseAdd: HeaderValueIR[];
  responseRemove: string[];
}

export interface HeaderValueIR {
  name: string;
  value: string;
  append: boolean;
}

export interface MirrorIR {
  cluster: string;
  percent: number; // 0..100
  source: ResourceRef;
}

export type HashPolicyIR =
  | { kind: "header"; name: string }
  | { kind: "cookie"; name: string; ttlSeconds?: number; path?: string }
  | { kind: "sourceIp" };

export interface RouteFilterIR {
  filter: string; // WasmFilterIR.name
  /** Per-route settings; travel on the route, in its metadata (translate/wasm.ts). */
  settings?: Record<string, unknown>;
  /** The filter's per-route value depends on the route's name (ratelimit: buckets per route),
   *  so the settings on the route also carry `route: <route name>`: the filter then finds its
   *  settings with one property read (filters/sdk/route_map.ts). */
  routeNameInSettings?: true;
}

export interface ClusterIR {
  /** Stable: "<namespace>/<service>:<port>" for Kubernetes services, "url/<host>:<port>" for URLs. */
  name: string;
  discovery: "eds" | "static" | "strict_dns" | "logical_dns";
  /** EDS clusters: the Kubernetes Service port whose EndpointSlices give the endpoints. */
  service?: { namespace: string; name: string; port: number };
  /** EDS: the ClusterLoadAssignment; STATIC / STRICT_DNS / LOGICAL_DNS: inline endpoints. */
  endpoints: EndpointIR[];
  protocol: "http1" | "http2";
  /** Upstream TLS (https:// services); SNI is the service's host. */
  upstreamTls?: { sni: string };
  connectTimeoutMs: number;
  lbPolicy: "round_robin" | "least_request" | "ring_hash" | "maglev" | "random";
  circuitBreakers?: CircuitBreakersIR;
  sources: ResourceRef[];
}

export interface EndpointIR {
  address: string; // IP literal for EDS/STATIC, hostname for STRICT_DNS/LOGICAL_DNS
  port: number;
  ready: boolean;
}

export interface CircuitBreakersIR {
  maxConnections?: number;
  maxPendingRequests?: number;
  maxRequests?: number;
  maxRetries?: number;
}

export interface WasmFilterIR {
  /** HCM filter name "attache.wasm/<namespace>/<name>"; also the ECDS resource name. */
  name: string;
  source: ResourceRef;
  /** Position in the chain; lower first. The translator's filter table explains positions. */
  order: number;
  rootId: string;
  /** One VM per WasmFilter so shared data (rate-limit buckets) spans Envoy's workers. */
  vmId: string;
  module: { sha256: string; path: string }; // path on the module server: /modules/<sha256>.wasm
  failurePolicy: "FailClosed" | "FailOpen";
  /** The filter's defaults plus `routes: {<route name>: settings}` (the model's view; the
   *  translator sends the defaults as the plugin configuration and each route's settings on the route). */
  configuration: Record<string, unknown>;
}

export type SecretIR = TlsSecretIR | CaSecretIR;

export interface TlsSecretIR {
  name: string; // "<namespace>/<secret name>"
  certificateChain: string; // PEM
  privateKey: string; // PEM
}

/** CAs that client certificates must chain to (mutual TLS), delivered over SDS. */
export interface CaSecretIR {
  name: string; // "<namespace>/<secret name>#ca"
  trustedCa: string; // PEM
}

/** A gRPC AuthService: Envoy's ext_authz filter (extensions/filters/http/ext_authz/v3). */
export interface ExtAuthzIR {
  /** HCM filter name "attache.ext_authz/<namespace>/<name>". */
  name: string;
  source: ResourceRef;
  cluster: string; // an HTTP/2 ClusterIR
  /** :authority of the Check call. */
  authority: string;
  timeoutMs: number;
  failureModeAllow: boolean;
  /** Request headers sent with the check (empty: all of them, Envoy's default). */
  allowedRequestHeaders: string[];
  includeBody?: { maxBytes: number; allowPartial: boolean };
  statusOnError?: number;
}

// Emissary kinds without an Attaché resource of their own. Their effect is carried into the
// Hosts and Mappings that are converted with them, or, where Attaché has no equivalent,
// each one is dropped with the reason:
// - Module `ambassador`: Mapping defaults (cluster_request_timeout_ms, retry_policy, cors,
//   load_balancer, circuit_breakers, resolver) go into every Mapping that does not set them;
//   settings Attaché always has (use_remote_address, normalize_path, merge_slashes,
//   strip_matching_host_port) are noted; the rest is named and dropped.
// - Listener: Attaché has one HTTP and one HTTPS listener (ports are command-line options);
//   an HTTP(S) Listener maps onto one of them; TCP/UDP Listeners are dropped.
// - TLSContext: carried into the Hosts that name it (`tlsContext`) or whose hostname it lists.
// - Resolvers: Kubernetes ones describe what Attaché does anyway; Consul has no equivalent.
// - TCPMapping, RateLimitService, TracingService, LogService, DevPortal, Filter, ...: dropped.
import { defined, FieldReader, isObj, isOff, stringList, type Obj } from "./fields.ts";

export interface ObjectNotes {
  /** Informational: where the object's effect went. */
  notes: string[];
  /** Something was changed or left out. */
  warnings: string[];
  errors: string[];
  /** The object produced no Attaché object and nothing of it was carried elsewhere. */
  dropped?: boolean;
}

export interface TlsContextInfo {
  ref: string;
  namespace: string;
  spec: Obj;
  notes: ObjectNotes;
  usedBy: string[];
}

/** What the objects without an own Attaché kind contribute to the others. */
export interface EmissaryContext {
  /** Emissary Mapping fields the ambassador Module sets for every Mapping. */
  mappingDefaults: Obj;
  /** TLSContexts by name. */
  tlsContexts: Map<string, TlsContextInfo>;
  /** Resolver kinds by name ("KubernetesServiceResolver", "ConsulResolver", ...). */
  resolvers: Map<string, string>;
  /** Whether any Host is converted (Emissary synthesizes a default Host when none is). */
  hasHosts: boolean;
}

export const emptyContext = (): EmissaryContext => ({ mappingDefaults: {}, tlsContexts: new Map(), resolvers: new Map(), hasHosts: false });

/** Kinds Attaché has no equivalent for, with the reason they are dropped. */
export const DROPPED_KINDS: Record<string, string> = {
  TCPMapping: "Attaché routes HTTP only; plain TCP proxying has no equivalent (run it beside the gateway)",
  RateLimitService: "Attaché has no external rate-limit service; use the built-in local limiter (Mapping spec.rateLimit)",
  TracingService: "Attaché does not configure tracing; Envoy's access log carries x-request-id",
  LogService: "Attaché does not ship access logs to a gRPC log service; Envoy logs JSON to stdout",
  DevPortal: "the developer portal is an Ambassador Edge Stack feature",
  Filter: "Ambassador Edge Stack Filters have no equivalent; write a WasmFilter",
  FilterPolicy: "Ambassador Edge Stack FilterPolicies have no equivalent; enable WasmFilters on Mappings",
  ConsulResolver: "Attaché resolves Kubernetes Services and DNS names, not Consul catalogs",
};

/** Module `ambassador` config fields that become Mapping defaults (Emissary field names). */
const MAPPING_DEFAULT_FIELDS: Record<string, string> = {
  cluster_request_timeout_ms: "timeout_ms",
  retry_policy: "retry_policy",
  cors: "cors",
  load_balancer: "load_balancer",
  circuit_breakers: "circuit_breakers",
  resolver: "resolver",
  error_response_overrides: "error_response_overrides",
};

/** Settings Attaché always has; `value` is what it does. */
const ALWAYS: Record<string, { value: boolean; what: string }> = {
  use_remote_address: { value: true, what: "the client address is the connection's (use_remote_address: true)" },
  normalize_path: { value: true, what: "paths are normalized before matching" },
  merge_slashes: { value: true, what: "repeated slashes are merged before matching" },
  strip_matching_host_port: { value: true, what: "the port is stripped from Host before matching virtual hosts" },
};

export function readModule(name: string, spec: Obj, path: string, ctx: EmissaryContext, notes: ObjectNotes): void {
  if (name !== "ambassador") {
    notes.dropped = true;
    notes.warnings.push(`${path}: Module ${JSON.stringify(name)} has no equivalent (only the "ambassador" Module's settings are read)`);
    return;
  }
  const config = isObj(spec.config) ? spec.config : {};
  const f = new FieldReader(config, `${path}.config`, notes.warnings);
  for (const [field, mappingField] of Object.entries(MAPPING_DEFAULT_FIELDS)) {
    const value = f.take(field);
    if (isOff(value)) continue;
    ctx.mappingDefaults[mappingField] = value;
    notes.notes.push(`${path}.config.${field}: the default of every converted Mapping that does not set ${mappingField}`);
  }
  for (const [field, always] of Object.entries(ALWAYS)) {
    const value = f.take(field);
    if (value === undefined) continue;
    if (value === always.value) notes.notes.push(`${path}.config.${field}: Attaché always does this: ${always.what}`);
    else if (!isOff(value) || field === "use_remote_address") notes.warnings.push(`${path}.config.${field}: cannot be changed in Attaché: ${always.what}; ignored`);
  }
  const redirect = f.take("x_forwarded_proto_redirect");
  if (redirect === true) {
    notes.warnings.push(`${path}.config.x_forwarded_proto_redirect: Attaché redirects plain HTTP to https per Host (requestPolicy.insecure.action: Redirect, the default for TLS Hosts), by the listener a request arrived on, not by X-Forwarded-Proto`);
  }
  const diagnostics = f.take("diagnostics");
  if (!isOff(diagnostics)) notes.notes.push(`${path}.config.diagnostics: Attaché's diagnostics are always on the admin port (8877)`);
  f.drop("cluster_idle_timeout_ms", "upstream connection idle timeouts are Envoy's default in Attaché");
  f.drop("cluster_max_connection_lifetime_ms", "upstream connection lifetimes are not configurable in Attaché");
  f.drop("add_linkerd_headers", "Linkerd headers are not added by Attaché (add l5d-dst-override with addRequestHeaders)");
  f.drop("envoy_log_type", "Attaché's access log is always JSON on stdout");
  f.drop("envoy_log_format", "Attaché's access log is always JSON on stdout");
  f.drop("envoy_log_path", "Attaché's access log is always JSON on stdout");
  f.drop("lua_scripts", "Lua is not supported; write a WasmFilter");
  f.drop("enable_grpc_web", "gRPC-Web is not supported");
  f.drop("xff_num_trusted_hops", "Attaché takes the client address from the connection (it is the edge)");
  f.warnRest();
}

/** Attaché's two listeners; their ports are options of `attache dev` / `attache serve`. */
const HTTP_PROTOCOLS = new Set(["HTTP", "HTTPPROXY"]);
const HTTPS_PROTOCOLS = new Set(["HTTPS", "HTTPSPROXY", "TLS"]);

export function readListener(spec: Obj, path: string, notes: ObjectNotes, ports: { http: number; https: number }): void {
  const f = new FieldReader(spec, path, notes.warnings);
  f.take("ambassador_id");
  const port = f.take("port");
  // `protocol` is shorthand for a `protocolStack` (e.g. HTTPS = [TLS, HTTP, TCP]).
  const stack = stringList(f.take("protocolStack"))?.map((p) => p.toUpperCase());
  const given = f.take("protocol");
  const protocol = typeof given === "string" ? given.toUpperCase() : stack?.includes("HTTP") ? (stack.includes("TLS") ? "HTTPS" : "HTTP") : (stack?.join("+") ?? "");
  f.take("statsPrefix");
  f.take("l7Depth");
  const security = f.take("securityModel");
  const binding = f.take("hostBinding");
  if (!HTTP_PROTOCOLS.has(protocol) && !HTTPS_PROTOCOLS.has(protocol)) {
    notes.dropped = true;
    notes.warnings.push(`${path}.protocol: ${protocol || "(none)"} listeners have no equivalent (Attaché serves HTTP and HTTPS only)`);
    return;
  }
  const tls = HTTPS_PROTOCOLS.has(protocol) || security === "SECURE";
  const ours = tls ? ports.https : ports.http;
  const which = tls ? "HTTPS" : "HTTP";
  if (port === ours) notes.notes.push(`${path}: served by Attaché's ${which} listener on port ${ours}`);
  else notes.warnings.push(`${path}.port: Attaché's ${which} listener is on port ${ours} by default; run \`attache dev --${tls ? "https" : "http"}-port ${String(port)}\` (or the Helm chart's ports) to keep ${String(port)}`);
  if (isObj(binding) && isObj(binding.namespace) && binding.namespace.from !== undefined && binding.namespace.from !== "ALL") {
    notes.warnings.push(`${path}.hostBinding: every Host is bound to both Attaché listeners (namespace.from ${JSON.stringify(binding.namespace.from)} is not kept)`);
  } else if (isObj(binding) && isObj(binding.selector) && !isOff(binding.selector)) {
    notes.warnings.push(`${path}.hostBinding.selector: every Host is bound to both Attaché listeners`);
  }
  f.warnRest();
}

export function readTlsContext(name: string, namespace: string, spec: Obj, ref: string, ctx: EmissaryContext, notes: ObjectNotes): void {
  ctx.tlsContexts.set(name, { ref, namespace, spec, notes, usedBy: [] });
}

/** TLSContext fields -> our Host spec pieces (tlsSecret, tls). */
export function tlsFromContext(info: TlsContextInfo, warnings: string[]): { secret?: Obj; tls: Obj } {
  const path = `${info.ref}: spec`;
  const f = new FieldReader(info.spec, path, warnings);
  f.take("ambassador_id");
  f.take("hosts");
  const secret = f.take("secret");
  f.take("secret_namespacing");
  const caSecret = f.take("ca_secret");
  const tls = defined({
    minVersion: tlsVersion(f.take("min_tls_version")),
    maxVersion: tlsVersion(f.take("max_tls_version")),
    alpn: stringList(f.take("alpn_protocols")),
    caSecret: typeof caSecret === "string" && caSecret ? secretRef(caSecret, info.namespace) : undefined,
    certRequired: f.take("cert_required") === true ? true : undefined,
  });
  f.drop("cipher_suites", "cipher suites are Envoy's defaults in Attaché");
  f.drop("ecdh_curves", "ECDH curves are Envoy's defaults in Attaché");
  f.drop("redirect_cleartext_from", "plain HTTP is redirected per Host (requestPolicy.insecure)");
  f.drop("sni", "the Host's hostname is its SNI name");
  f.drop("cert_chain_file", "certificates come from Secrets, not files");
  f.drop("private_key_file", "certificates come from Secrets, not files");
  f.drop("cacert_chain_file", "CA certificates come from Secrets (ca_secret), not files");
  f.warnRest();
  return { secret: typeof secret === "string" && secret ? secretRef(secret, info.namespace) : undefined, tls };
}

/** Emissary's "name" or "name.namespace" Secret references. */
export function secretRef(text: string, namespace: string): Obj {
  const dot = text.indexOf(".");
  return dot > 0 ? { name: text.slice(0, dot), namespace: text.slice(dot + 1) } : { name: text, namespace };
}

export const tlsVersion = (v: unknown): string | undefined => (typeof v === "string" && v ? v.replace(/^v/, "") : undefined);

export function readResolver(kind: string, name: string, ctx: EmissaryContext, notes: ObjectNotes): void {
  ctx.resolvers.set(name, kind);
  if (kind === "KubernetesServiceResolver") notes.notes.push("Attaché resolves Mapping services through DNS when they name no Kubernetes Service, as this resolver does");
  else if (kind === "KubernetesEndpointResolver") notes.notes.push("Attaché routes to a Kubernetes Service's ready endpoints (EDS), as this resolver does");
  else {
    notes.dropped = true;
    notes.warnings.push(DROPPED_KINDS[kind] ?? `${kind} has no equivalent`);
  }
}

// Per-Mapping checks and derived values that depend on the Mapping alone (cached per object
// by incremental/index-bundle.ts): RE2 regexes, hostname glob, service syntax, rewrite combinations,
// load balancer options, defaults (timeout 3s, rewrite "/", retry 5xx x1, connect 3s).
import type { MappingSpec } from "../../api/mapping.ts";
import type { FieldError } from "../../api/validator.ts";
import { parseGoDurationMs } from "../../api/duration.ts";
import type { ErrorOverrideIR, RedirectActionIR, CorsIR, HashPolicyIR, HeaderEditsIR, HeaderMatchIR, QueryMatchIR, RetryIR, RouteMatchIR, CircuitBreakersIR, ClusterIR } from "../../ir/types.ts";
import { checkRegex } from "./regex.ts";
import { checkHostnameGlob } from "./glob.ts";
import { parseService, type ServiceTarget } from "./service-ref.ts";

export const DEFAULT_TIMEOUT_MS = 3000; // Emissary timeout_ms
export const DEFAULT_CONNECT_TIMEOUT_MS = 3000; // Emissary connect_timeout_ms
export const DEFAULT_CANARY_HEADER = "x-attache-canary-hash";

export interface ClusterSettings {
  protocol: ClusterIR["protocol"];
  /** Only when not the default strict_dns. */
  dnsType?: "logical_dns";
  lbPolicy: ClusterIR["lbPolicy"];
  connectTimeoutMs: number;
  circuitBreakers?: CircuitBreakersIR;
}

export interface MappingInfo {
  spec: MappingSpec;
  hostname: string;
  /** Absent for redirect Mappings. */
  service?: ServiceTarget;
  redirect?: RedirectActionIR;
  match: RouteMatchIR;
  /** Mappings with equal keys form one route (a canary group). */
  groupKey: string;
  prefixRewrite?: string;
  regexRewrite?: { pattern: string; substitution: string };
  hostRewrite?: string;
  autoHostRewrite?: boolean;
  errorOverrides?: ErrorOverrideIR[];
  timeoutMs: number;
  idleTimeoutMs?: number;
  retry?: RetryIR;
  cors?: CorsIR;
  headers: HeaderEditsIR;
  upgrades: string[];
  hashPolicy?: HashPolicyIR[];
  cluster: ClusterSettings;
  clusterSettingsKey: string;
}

const ms = (text: string | undefined) => (text === undefined ? undefined : parseGoDurationMs(text));

function headerMatch(h: { name: string; value?: string; regex?: string; present?: boolean; invert?: boolean }): HeaderMatchIR {
  const match: HeaderMatchIR = { name: h.name.toLowerCase() };
  if (h.value !== undefined) match.exact = h.value;
  else if (h.regex !== undefined) match.regex = h.regex;
  else match.present = true;
  const invert = (h.invert ?? false) !== (h.present === false);
  if (invert) match.invert = true;
  return match;
}

function queryMatch(q: { name: string; value?: string; regex?: string; present?: boolean }): QueryMatchIR {
  if (q.value !== undefined) return { name: q.name, exact: q.value };
  if (q.regex !== undefined) return { name: q.name, regex: q.regex };
  return { name: q.name, present: true };
}

function redirectOf(r: NonNullable<MappingSpec["redirect"]>, match: RouteMatchIR): RedirectActionIR {
  const out: RedirectActionIR = { kind: "redirect", responseCode: (r.responseCode ?? 301) as RedirectActionIR["responseCode"] };
  if (r.https) out.httpsRedirect = true;
  if (r.hostname !== undefined) out.hostRedirect = r.hostname;
  if (r.path !== undefined) out.pathRedirect = r.path;
  else if (r.prefix !== undefined && match.regex === undefined) out.prefixRewrite = r.prefix;
  else if (r.regex) out.regexRewrite = { ...r.regex };
  return out;
}

/** Checks that need more than the schema. `spec` has passed schema validation. */
export function checkMapping(spec: MappingSpec, namespace: string): { info?: MappingInfo; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const error = (path: string, message: string | null) => message && errors.push({ path: `spec.${path}`, message });

  const hostname = spec.hostname ?? "*";
  error("hostname", checkHostnameGlob(hostname));
  if (spec.regex !== undefined) error("regex", checkRegex(spec.regex));
  spec.headers?.forEach((h, i) => h.regex !== undefined && error(`headers[${i}].regex`, checkRegex(h.regex)));
  spec.queryParameters?.forEach((q, i) => q.regex !== undefined && error(`queryParameters[${i}].regex`, checkRegex(q.regex)));
  if (spec.regexRewrite) error("regexRewrite.pattern", checkRegex(spec.regexRewrite.pattern));
  if (spec.regexRewrite && spec.rewrite !== undefined) error("rewrite", "set either rewrite or regexRewrite, not both");
  if (spec.redirect) {
    if (spec.redirect.regex) error("redirect.regex.pattern", checkRegex(spec.redirect.regex.pattern));
    if (spec.redirect.prefix !== undefined && spec.regex !== undefined) error("redirect.prefix", "replaces a matched prefix; with regex use redirect.regex");
    for (const field of ["service", "rewrite", "regexRewrite", "hostRewrite", "autoHostRewrite", "timeout", "retryPolicy", "shadow", "weight", "canary"] as const) {
      if (spec[field] !== undefined) error(field, "not used by a redirect Mapping (remove it or remove redirect)");
    }
  } else if (spec.service === undefined) error("service", "required (or set redirect)");
  if (spec.autoHostRewrite && spec.hostRewrite) error("autoHostRewrite", "set either hostRewrite or autoHostRewrite, not both");
  const statuses = new Set<number>();
  spec.errorResponseOverrides?.forEach((o, i) => {
    if (statuses.has(o.onStatusCode)) error(`errorResponseOverrides[${i}].onStatusCode`, `${o.onStatusCode} is overridden twice`);
    statuses.add(o.onStatusCode);
  });

  const service = spec.service === undefined || spec.redirect ? undefined : parseService(spec.service, namespace);
  if (typeof service === "string") error("service", service);
  if (spec.autoHostRewrite && typeof service === "object" && !service.ip && service.kubernetes && !service.host.includes(".")) {
    error("autoHostRewrite", `service ${JSON.stringify(spec.service)} names a Kubernetes Service; auto host rewrite needs a DNS name`);
  }

  const lb = spec.loadBalancer;
  const hashing = lb?.policy === "ring_hash" || lb?.policy === "maglev";
  if (lb && !hashing && (lb.header || lb.cookie || lb.sourceIp)) {
    error("loadBalancer", `header, cookie and sourceIp need policy ring_hash or maglev (got ${lb.policy})`);
  }
  spec.cors?.origins.forEach((origin, i) => {
    if (origin !== "*" && !/^https?:\/\/[^/\s]+$/.test(origin)) error(`cors.origins[${i}]`, `${JSON.stringify(origin)} is not an origin (scheme://host[:port]) or "*"`);
  });
  const names = new Set<string>();
  spec.filters?.forEach((f, i) => {
    if (names.has(f.name)) error(`filters[${i}].name`, `filter ${JSON.stringify(f.name)} is listed twice`);
    names.add(f.name);
  });
  if (spec.shadow && spec.canary) error("canary", "a shadow Mapping cannot configure canary");
  if (errors.length) return { errors };

  const match: RouteMatchIR = {
    caseSensitive: spec.caseSensitive ?? true,
    headers: (spec.headers ?? []).map(headerMatch),
    queryParameters: (spec.queryParameters ?? []).map(queryMatch),
    grpc: spec.grpc ?? false,
  };
  if (spec.prefix !== undefined) match.prefix = spec.prefix;
  else if (spec.path !== undefined) match.path = spec.path;
  else match.regex = spec.regex;
  if (spec.method) match.method = spec.method;

  let hashPolicy: HashPolicyIR[] | undefined;
  if (lb?.header) hashPolicy = [{ kind: "header", name: lb.header.toLowerCase() }];
  else if (lb?.cookie) hashPolicy = [{ kind: "cookie", name: lb.cookie.name, ttlSeconds: lb.cookie.ttl ? ms(lb.cookie.ttl)! / 1000 : undefined, path: lb.cookie.path }];
  else if (lb?.sourceIp) hashPolicy = [{ kind: "sourceIp" }];
  hashPolicy = hashPolicy?.map((p) => JSON.parse(JSON.stringify(p)));

  const cluster: ClusterSettings = {
    protocol: spec.grpc ? "http2" : "http1",
    lbPolicy: lb?.policy ?? "round_robin",
    connectTimeoutMs: ms(spec.connectTimeout) ?? DEFAULT_CONNECT_TIMEOUT_MS,
  };
  if (spec.dnsType === "logical_dns") cluster.dnsType = "logical_dns";
  if (spec.circuitBreakers) cluster.circuitBreakers = { ...spec.circuitBreakers };

  const rewrite = spec.rewrite ?? (spec.regex !== undefined || spec.regexRewrite ? "" : "/");
  const info: MappingInfo = {
    spec,
    hostname,
    service: service as ServiceTarget | undefined,
    match,
    groupKey: JSON.stringify([hostname, spec.host ?? "", match]),
    timeoutMs: ms(spec.timeout) ?? DEFAULT_TIMEOUT_MS,
    headers: {
      requestAdd: (spec.addRequestHeaders ?? []).map((h) => ({ name: h.name, value: h.value, append: h.append ?? false })),
      requestRemove: spec.removeRequestHeaders ?? [],
      responseAdd: (spec.addResponseHeaders ?? []).map((h) => ({ name: h.name, value: h.value, append: h.append ?? false })),
      responseRemove: spec.removeResponseHeaders ?? [],
    },
    upgrades: [...(spec.allowUpgrade ?? [])],
    cluster,
    clusterSettingsKey: JSON.stringify(cluster),
  };
  if (rewrite !== "") info.prefixRewrite = rewrite;
  if (spec.regexRewrite) info.regexRewrite = { ...spec.regexRewrite };
  if (spec.hostRewrite) info.hostRewrite = spec.hostRewrite;
  if (spec.autoHostRewrite) info.autoHostRewrite = true;
  if (spec.redirect) info.redirect = redirectOf(spec.redirect, match);
  if (spec.errorResponseOverrides?.length) {
    info.errorOverrides = spec.errorResponseOverrides.map((o) => {
      const out: ErrorOverrideIR = { status: o.onStatusCode };
      if (o.body.text !== undefined) out.text = o.body.text;
      if (o.body.json !== undefined) out.json = JSON.parse(JSON.stringify(o.body.json));
      if (o.body.contentType !== undefined) out.contentType = o.body.contentType;
      return out;
    }).sort((a, b) => a.status - b.status);
  }
  if (spec.idleTimeout) info.idleTimeoutMs = ms(spec.idleTimeout);
  if (spec.retryPolicy) {
    info.retry = { retryOn: spec.retryPolicy.retryOn ?? "5xx", numRetries: spec.retryPolicy.numRetries ?? 1 };
    if (spec.retryPolicy.perTryTimeout) info.retry.perTryTimeoutMs = ms(spec.retryPolicy.perTryTimeout);
  }
  if (spec.cors) {
    info.cors = {
      origins: spec.cors.origins,
      methods: spec.cors.methods ?? [],
      headers: spec.cors.headers ?? [],
      exposedHeaders: spec.cors.exposedHeaders ?? [],
      credentials: spec.cors.credentials ?? false,
    };
    if (spec.cors.maxAge) info.cors.maxAgeSeconds = Math.floor(ms(spec.cors.maxAge)! / 1000);
  }
  if (hashPolicy) info.hashPolicy = hashPolicy;
  return { info, errors };
}

// The local data plane's view of xDS: raw resources per type as the ADS client delivers
// them, and an immutable compiled Snapshot rebuilt on every accepted update. Requests hold
// the Snapshot they started with, so an update never disturbs in-flight requests. An update
// that does not compile is rejected whole (the ADS client NACKs it) and the previous
// Snapshot stays in force, as Envoy keeps its last good config.
import { compileCluster, endpointsOf, type ClusterConfig, type Endpoint } from "./clusters.ts";
import { compileListener, listenerDependencies, type ListenerConfig } from "./listeners.ts";
import { compileRouteTable, type RouteTable } from "./routes.ts";
import { compileScopes } from "./scopes.ts";
import { createSecureContext } from "node:tls";
import type { AnyJson } from "@bufbuild/protobuf/wkt";
import type { DataSourceJson } from "../../protos/gen/envoy/config/core/v3/base_pb.ts";
import { emptyResources, TYPE_URL, type ResourceJson, type ResourcesByType, type ResourceTypeUrl } from "../../protos/type-urls.ts";

const loadedSecrets = new WeakSet<object>();

/** Loads the certificate and key as a handshake would, so a Secret with garbage PEM or a key
 *  that does not match its certificate is NACKed, as Envoy NACKs it ("Failed to load
 *  certificate chain"), instead of failing every handshake later without a word. Checked once
 *  per resource object. */
function checkKeyPair(name: string, resource: object, cert: string, key: string): void {
  if (loadedSecrets.has(resource)) return;
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    throw new Error(`Secret ${name}.tls_certificate: cannot load the certificate and key: ${(error as Error).message}`);
  }
  loadedSecrets.add(resource);
}

/** The data plane's short names for the xDS types it consumes. */
export const TYPE = {
  listener: TYPE_URL.listener,
  route: TYPE_URL.routeConfiguration,
  scope: TYPE_URL.scopedRouteConfiguration,
  cluster: TYPE_URL.cluster,
  endpoint: TYPE_URL.clusterLoadAssignment,
  secret: TYPE_URL.secret,
  extension: TYPE_URL.typedExtensionConfig,
} as const;

export interface TlsCertificate { certChain: string; privateKey: string }

/** A CertificateValidationContext secret (mutual TLS): the trusted CAs, PEM. */
export interface ValidationContext { trustedCa: string }

export interface Snapshot {
  version: number;
  listeners: Map<string, ListenerConfig>;
  routeTables: Map<string, RouteTable>;
  /** Scoped routes: scope key -> RouteConfiguration name (scopes.ts). */
  scopes: Map<string, string>;
  clusters: Map<string, ClusterConfig & { endpoints: Endpoint[] }>;
  secrets: Map<string, TlsCertificate>;
  validationContexts: Map<string, ValidationContext>;
  /** ECDS: filter name -> its typed_config (e.g. the Wasm filter config). */
  extensions: Map<string, AnyJson>;
}

export const EMPTY_SNAPSHOT: Snapshot = Object.freeze({
  version: 0, listeners: new Map(), routeTables: new Map(), scopes: new Map(), clusters: new Map(), secrets: new Map(), validationContexts: new Map(), extensions: new Map(),
}) as Snapshot;

export interface Dependencies { routes: Set<string>; secrets: Set<string>; extensions: Set<string>; endpoints: Set<string> }

export class ResourceStore {
  private raw: ResourcesByType = emptyResources();
  private version = 0;

  /** Applies a delta for one type and compiles; throws (leaving the store unchanged) if invalid. */
  apply<U extends ResourceTypeUrl>(typeUrl: U, updated: ReadonlyMap<string, ResourceJson<U>>, removed: string[]): Snapshot {
    const next: Map<string, ResourceJson<U>> = new Map(this.raw[typeUrl]);
    for (const name of removed) next.delete(name);
    for (const [name, resource] of updated) next.set(name, resource);
    const candidate: ResourcesByType = { ...this.raw, [typeUrl]: next };
    const snapshot = compile(candidate, this.version + 1);
    this.raw = candidate;
    this.version++;
    return snapshot;
  }

  /** What the listeners and clusters reference, for named subscriptions. */
  dependencies(): Dependencies {
    const deps: Dependencies = { routes: new Set(), secrets: new Set(), extensions: new Set(), endpoints: new Set() };
    for (const l of this.raw[TYPE.listener].values()) {
      const compiled = compileListener(l);
      // A scoped HCM routes with whichever RouteConfiguration a scope names.
      if ([compiled.plain, ...compiled.tlsChains.map((c) => c.hcm)].some((h) => h?.scoped)) {
        for (const scope of this.raw[TYPE.scope].values()) if (scope.route_configuration_name) deps.routes.add(scope.route_configuration_name);
      }
      const d = listenerDependencies(compiled);
      d.routes.forEach((n) => deps.routes.add(n));
      d.secrets.forEach((n) => deps.secrets.add(n));
      d.extensions.forEach((n) => deps.extensions.add(n));
    }
    for (const c of this.raw[TYPE.cluster].values()) {
      const cc = compileCluster(c);
      if (cc.edsName) deps.endpoints.add(cc.edsName);
    }
    return deps;
  }
}

function compile(raw: ResourcesByType, version: number): Snapshot {
  const listeners = new Map<string, ListenerConfig>();
  for (const [name, l] of raw[TYPE.listener]) listeners.set(name, compileListener(l));

  const routeTables = new Map<string, RouteTable>();
  for (const [name, rc] of raw[TYPE.route]) routeTables.set(name, compileRouteTable(rc));
  const scopes = compileScopes(raw[TYPE.scope]);

  const clas = raw[TYPE.endpoint];
  const clusters = new Map<string, ClusterConfig & { endpoints: Endpoint[] }>();
  for (const [name, c] of raw[TYPE.cluster]) {
    const cc = compileCluster(c);
    const endpoints = cc.edsName ? endpointsOf(clas.get(cc.edsName) ?? {}) : cc.inlineEndpoints;
    clusters.set(name, { ...cc, endpoints });
  }

  const secrets = new Map<string, TlsCertificate>();
  const validationContexts = new Map<string, ValidationContext>();
  for (const [name, s] of raw[TYPE.secret]) {
    const text = (ds: DataSourceJson | undefined) => ds?.inline_string ?? (ds?.inline_bytes ? Buffer.from(ds.inline_bytes, "base64").toString() : undefined);
    if (s.validation_context) {
      const trustedCa = text(s.validation_context.trusted_ca);
      if (!trustedCa) throw new Error(`Secret ${name}.validation_context: needs an inline trusted_ca`);
      validationContexts.set(name, { trustedCa });
      continue;
    }
    const cert = s.tls_certificate;
    if (!cert) throw new Error(`Secret ${name}: needs tls_certificate or validation_context`);
    const certChain = text(cert.certificate_chain);
    const privateKey = text(cert.private_key);
    if (!certChain || !privateKey) throw new Error(`Secret ${name}.tls_certificate: needs inline certificate_chain and private_key`);
    checkKeyPair(name, s, certChain, privateKey);
    secrets.set(name, { certChain, privateKey });
  }

  const extensions = new Map<string, AnyJson>();
  for (const [name, e] of raw[TYPE.extension]) if (e.typed_config) extensions.set(name, e.typed_config);
  return { version, listeners, routeTables, scopes, clusters, secrets, validationContexts, extensions };
}

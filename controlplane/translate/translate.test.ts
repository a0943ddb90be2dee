import { describe, expect, it } from "vitest";
import type { ResourceTypeUrl } from "../../protos/type-urls.ts";
import type { GatewayIR } from "../ir/types.ts";
import {
  edsCluster, gatewayIR, mappingRef, route, routeAction, routeMatch, secret, vhost, wasmFilter,
} from "./fixtures.ts";
import { irProblems, translate, TYPE, type XdsResources } from "./index.ts";
import { protoCheck } from "./protocheck.ts";
import { httpVirtualHosts } from "./scopedroutes.ts";

type Obj = Record<string, any>;
const get = (out: XdsResources, type: ResourceTypeUrl, name: string): Obj => {
  const resource = out[type]!.get(name);
  if (!resource) throw new Error(`no ${type} ${name}; have ${[...out[type]!.keys()].join(", ")}`);
  return resource as Obj;
};
const hcmOf = (chain: Obj): Obj => chain.filters[0].typed_config;
/** A virtual host of the plain-HTTP listener's routes (either layout), by name. */
const httpVirtualHost = (out: XdsResources, name: string): Obj => {
  const vh = httpVirtualHosts(out[TYPE.routeConfiguration]!).find((v: Obj) => v.name === name);
  if (!vh) throw new Error(`no plain-HTTP virtual host ${name}`);
  return vh;
};

function basicIR(over: Partial<GatewayIR> = {}): GatewayIR {
  return gatewayIR({
    virtualHosts: [vhost("default/example", { domains: ["example.com"], routes: [route("default/echo")] })],
    clusters: [edsCluster("default/echo:80")],
    ...over,
  });
}

describe("translate: listeners and RDS", () => {
  const out = translate(basicIR());
  /** With a wildcard Host no exact scope key exists: the plain RDS layout. */
  const withWildcard = translate(basicIR({
    virtualHosts: [
      vhost("default/example", { domains: ["example.com"], routes: [route("default/echo")] }),
      vhost("default/wild", { domains: ["*.example.org"], routes: [route("default/wild")] }),
    ],
  }));
  const ADS = { ads: {}, resource_api_version: "V3" };

  it("serves plain HTTP on 8080 scoped per Host (SRDS keyed on the host of :authority) with the router last and a JSON access log", () => {
    const listener = get(out, TYPE.listener, "attache-http");
    expect(listener.address.socket_address).toEqual({ address: "0.0.0.0", port_value: 8080 });
    const hcm = hcmOf(listener.filter_chains[0]);
    expect(hcm.rds).toBeUndefined();
    expect(hcm.scoped_routes).toEqual({
      name: "attache-http",
      scope_key_builder: { fragments: [{ header_value_extractor: { name: ":authority", element_separator: ":", index: 0 } }] },
      rds_config_source: ADS,
      scoped_rds: { scoped_rds_config_source: ADS },
    });
    expect(hcm.http_filters.map((f: Obj) => f.name)).toEqual(["envoy.filters.http.router"]);
    expect(hcm.access_log[0].typed_config["@type"]).toBe("type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog");
    expect(hcm.access_log[0].typed_config.log_format.json_format.route_name).toBe("%ROUTE_NAME%");
  });

  it("gives each Host its own RouteConfiguration and one scope per domain naming it", () => {
    expect([...out[TYPE.routeConfiguration]!.keys()]).toEqual(["attache-http/default/example"]);
    const rc = get(out, TYPE.routeConfiguration, "attache-http/default/example");
    expect(rc.virtual_hosts).toHaveLength(1);
    const vh = rc.virtual_hosts[0];
    expect(vh.name).toBe("default/example");
    expect(vh.domains).toEqual(["example.com"]);
    expect(vh.routes.map((r: Obj) => r.name)).toEqual(["default/echo"]);
    expect([...out[TYPE.scopedRouteConfiguration]!.values()]).toEqual([
      { name: "attache-http/example.com", route_configuration_name: "attache-http/default/example", key: { fragments: [{ string_key: "example.com" }] } },
    ]);
  });

  it("puts every virtual host inline in the RouteConfiguration attache-http (plain RDS) once a Host has a wildcard domain", () => {
    const hcm = hcmOf(get(withWildcard, TYPE.listener, "attache-http").filter_chains[0]);
    expect(hcm.rds).toEqual({ route_config_name: "attache-http", config_source: ADS });
    expect(hcm.scoped_routes).toBeUndefined();
    expect([...withWildcard[TYPE.routeConfiguration]!.keys()]).toEqual(["attache-http"]);
    expect(get(withWildcard, TYPE.routeConfiguration, "attache-http").virtual_hosts.map((v: Obj) => v.domains)).toEqual([["example.com"], ["*.example.org"]]);
    expect(withWildcard[TYPE.scopedRouteConfiguration]!.size).toBe(0);
  });

  it("has no HTTPS listener when no Host has TLS (Envoy rejects a listener without chains)", () => {
    expect(out[TYPE.listener]!.has("attache-https")).toBe(false);
  });

  it("makes EDS clusters over ADS with a ClusterLoadAssignment of the same name", () => {
    const cluster = get(out, TYPE.cluster, "default/echo:80");
    expect(cluster).toMatchObject({ type: "EDS", connect_timeout: "0.25s", lb_policy: "ROUND_ROBIN" });
    expect(cluster.eds_cluster_config).toEqual({ eds_config: { ads: {}, resource_api_version: "V3" }, service_name: "default/echo:80" });
    const cla = get(out, TYPE.clusterLoadAssignment, "default/echo:80");
    expect(cla.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: "10.0.0.1", port_value: 8080 });
  });
});

describe("translate: TLS Hosts", () => {
  const tlsHost = (insecure: "Route" | "Redirect" | "Reject") => basicIR({
    virtualHosts: [vhost("default/example", {
      domains: ["example.com"],
      insecure,
      tls: { secretName: "default/example-tls", serverNames: ["example.com"], minVersion: "1.2", alpn: ["h2", "http/1.1"] },
      routes: [route("default/echo")],
    })],
    secrets: [secret("default/example-tls")],
  });

  it("gives each TLS Host a filter chain with SNI, the certificate over SDS, ALPN and its own RDS", () => {
    const out = translate(tlsHost("Redirect"));
    const listener = get(out, TYPE.listener, "attache-https");
    expect(listener.address.socket_address.port_value).toBe(8443);
    expect(listener.listener_filters[0].name).toBe("envoy.filters.listener.tls_inspector");
    const chain = listener.filter_chains[0];
    expect(chain.filter_chain_match).toEqual({ server_names: ["example.com"] });
    const tls = chain.transport_socket.typed_config.common_tls_context;
    expect(tls.tls_certificate_sds_secret_configs).toEqual([{ name: "default/example-tls", sds_config: { ads: {}, resource_api_version: "V3" } }]);
    expect(tls.alpn_protocols).toEqual(["h2", "http/1.1"]);
    expect(tls.tls_params).toEqual({ tls_minimum_protocol_version: "TLSv1_2" });
    expect(hcmOf(chain).rds.route_config_name).toBe("attache-https/default/example");
    const rc = get(out, TYPE.routeConfiguration, "attache-https/default/example");
    expect(rc.virtual_hosts[0].routes[0].name).toBe("default/echo");
    expect(get(out, TYPE.secret, "default/example-tls").tls_certificate.private_key.inline_string).toContain("PRIVATE KEY");
  });

  it.each([
    ["Redirect", { redirect: { https_redirect: true, response_code: "MOVED_PERMANENTLY" } }],
    ["Reject", { direct_response: { status: 403 } }],
  ] as const)("insecure %s: plain HTTP gets only that answer", (action, expected) => {
    const vh = httpVirtualHost(translate(tlsHost(action)), "default/example");
    expect(vh.routes).toHaveLength(1);
    expect(vh.routes[0]).toMatchObject({ match: { prefix: "/" }, ...expected });
  });

  it("insecure Route: plain HTTP routes like HTTPS", () => {
    const vh = httpVirtualHost(translate(tlsHost("Route")), "default/example");
    expect(vh.routes.map((r: Obj) => r.name)).toEqual(["default/echo"]);
  });
});

describe("translate: routes", () => {
  const translateRoute = (r: ReturnType<typeof route>): Obj =>
    httpVirtualHost(translate(basicIR({ virtualHosts: [vhost("default/example", { routes: [r] })] })), "default/example").routes[0];

  it("matches method, headers, query parameters, gRPC and case-insensitive regex paths", () => {
    const r = translateRoute(route("default/api", {
      match: routeMatch({
        prefix: undefined, regex: "^/api/v[0-9]+/", caseSensitive: false, method: "POST", grpc: true,
        headers: [{ name: "x-env", exact: "qa" }, { name: "x-id", regex: "[a-f0-9]+" }, { name: "x-debug", present: true, invert: true }],
        queryParameters: [{ name: "v", exact: "2" }, { name: "trace", present: true }],
      }),
    }));
    expect(r.match).toEqual({
      safe_regex: { regex: "^/api/v[0-9]+/" },
      case_sensitive: false,
      headers: [
        { name: ":method", string_match: { exact: "POST" } },
        { name: "x-env", string_match: { exact: "qa" } },
        { name: "x-id", string_match: { safe_regex: { regex: "[a-f0-9]+" } } },
        { name: "x-debug", present_match: true, invert_match: true },
      ],
      query_parameters: [{ name: "v", string_match: { exact: "2" } }, { name: "trace", present_match: true }],
      grpc: {},
    });
  });

  it("carries rewrites, timeouts, retries, mirrors, upgrades, hashing and header edits", () => {
    const r = translateRoute(route("default/api", {
      action: routeAction({
        prefixRewrite: undefined, regexRewrite: { pattern: "^/v1/(.*)", substitution: "/\\1" }, hostRewrite: "internal",
        timeoutMs: 0, idleTimeoutMs: 1500, retry: { retryOn: "5xx", numRetries: 2, perTryTimeoutMs: 500 },
        mirrors: [{ cluster: "default/shadow:80", percent: 12.5, source: mappingRef("shadow") }],
        upgrades: ["websocket"], hashPolicy: [{ kind: "cookie", name: "sticky", ttlSeconds: 60 }, { kind: "sourceIp" }],
        headers: { requestAdd: [{ name: "x-a", value: "1", append: false }], requestRemove: ["x-b"], responseAdd: [{ name: "x-c", value: "2", append: true }], responseRemove: ["server"] },
      }),
    }));
    expect(r.route).toEqual({
      cluster: "default/echo:80",
      regex_rewrite: { pattern: { regex: "^/v1/(.*)" }, substitution: "/\\1" },
      host_rewrite_literal: "internal",
      timeout: "0s",
      idle_timeout: "1.5s",
      retry_policy: { retry_on: "5xx", num_retries: 2, per_try_timeout: "0.5s" },
      request_mirror_policies: [{ cluster: "default/shadow:80", runtime_fraction: { default_value: { numerator: 125000, denominator: "MILLION" } } }],
      upgrade_configs: [{ upgrade_type: "websocket", enabled: true }],
      hash_policy: [{ cookie: { name: "sticky", ttl: "60s" } }, { connection_properties: { source_ip: true } }],
    });
    expect(r.request_headers_to_add).toEqual([{ header: { key: "x-a", value: "1" }, append_action: "OVERWRITE_IF_EXISTS_OR_ADD" }]);
    expect(r.request_headers_to_remove).toEqual(["x-b"]);
    expect(r.response_headers_to_add[0].append_action).toBe("APPEND_IF_EXISTS_OR_ADD");
    expect(r.response_headers_to_remove).toEqual(["server"]);
  });

  it("lists a sticky canary group canary-first with header_name", () => {
    const r = translateRoute(route("default/app", {
      action: routeAction({
        stickyHeader: "x-attache-canary-hash",
        backends: [
          { cluster: "default/app-canary:80", weight: 10, source: mappingRef("app-canary") },
          { cluster: "default/app:80", weight: 90, source: mappingRef("app") },
        ],
      }),
    }));
    expect(r.route.weighted_clusters).toEqual({
      clusters: [{ name: "default/app-canary:80", weight: 10 }, { name: "default/app:80", weight: 90 }],
      header_name: "x-attache-canary-hash",
    });
  });

  it("translates redirect Mappings", () => {
    const r = translateRoute(route("default/old", { action: { kind: "redirect", hostRedirect: "new.example.com", prefixRewrite: "/v2/", responseCode: 308 } }));
    expect(r.redirect).toEqual({ host_redirect: "new.example.com", prefix_rewrite: "/v2/", response_code: "PERMANENT_REDIRECT" });
    expect(r.route).toBeUndefined();
  });
});

describe("translate: HTTP filters", () => {
  const auth = wasmFilter("default/auth", { order: 100, failurePolicy: "FailClosed", configuration: { keys: [], routes: { "default/echo": { scopes: ["read"] } } } });
  const limit = wasmFilter("default/limit", { order: 200 });
  const ir = basicIR({
    virtualHosts: [vhost("default/example", {
      routes: [
        route("default/echo", { filters: [{ filter: auth.name, settings: { scopes: ["read"] } }, { filter: limit.name }] }),
        route("default/open", { action: routeAction({ cors: { origins: ["https://app.example.com", "*"], methods: ["GET", "POST"], headers: ["authorization"], exposedHeaders: ["x-id"], credentials: true, maxAgeSeconds: 600 } }) }),
      ],
    })],
    wasmFilters: [limit, auth],
  });
  const out = translate(ir);
  const hcm = hcmOf(get(out, TYPE.listener, "attache-http").filter_chains[0]);
  const routes = httpVirtualHost(out, "default/example").routes;

  it("orders the chain CORS, Wasm filters by order, router, with Wasm filters disabled and fetched over ECDS", () => {
    expect(hcm.http_filters.map((f: Obj) => f.name)).toEqual([
      "envoy.filters.http.cors", "attache.wasm/default/auth", "attache.wasm/default/limit", "envoy.filters.http.router",
    ]);
    expect(hcm.http_filters[1]).toEqual({
      name: "attache.wasm/default/auth",
      disabled: true,
      config_discovery: {
        // Never "0s" (warm forever): after 10 s without the config the listener serves with
        // the default, which keeps a FAIL_CLOSED filter closed.
        config_source: { ads: {}, resource_api_version: "V3", initial_fetch_timeout: "10s" },
        default_config: {
          "@type": "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault",
          abort: { http_status: 503, percentage: { numerator: 100, denominator: "HUNDRED" } },
        },
        type_urls: ["type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm", "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault"],
      },
    });
  });

  it("enables Wasm filters per route with an empty FilterConfig and leaves other routes alone", () => {
    const enabled = { "@type": "type.googleapis.com/envoy.config.route.v3.FilterConfig", config: {} };
    expect(routes[0].typed_per_filter_config).toEqual({ "attache.wasm/default/auth": enabled, "attache.wasm/default/limit": enabled });
    expect(Object.keys(routes[1].typed_per_filter_config)).toEqual(["envoy.filters.http.cors"]);
  });

  it("puts a route's filter settings in its metadata as JSON text, keyed by filter name", () => {
    expect(routes[0].metadata).toEqual({ filter_metadata: { "attache.wasm": { "attache.wasm/default/auth": JSON.stringify({ scopes: ["read"] }) } } });
    expect(routes[1].metadata).toBeUndefined();
  });

  it("puts a CorsPolicy on the CORS route", () => {
    expect(routes[1].typed_per_filter_config["envoy.filters.http.cors"]).toEqual({
      "@type": "type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy",
      allow_origin_string_match: [{ exact: "https://app.example.com" }, { safe_regex: { regex: ".*" } }],
      allow_methods: "GET,POST", allow_headers: "authorization", expose_headers: "x-id", max_age: "600", allow_credentials: true,
    });
  });

  it("ships each Wasm filter's config as a TypedExtensionConfig fetching the module by sha256", () => {
    const ext = get(out, TYPE.typedExtensionConfig, "attache.wasm/default/auth");
    const config = ext.typed_config.config;
    expect(config.failure_policy).toBe("FAIL_CLOSED");
    expect(config.vm_config.vm_id).toBe("default/auth");
    expect(config.vm_config.code.remote.http_uri).toEqual({
      uri: `http://attache.attache-system.svc:18002/modules/${"ab".repeat(32)}.wasm`, cluster: "attache_modules", timeout: "10s",
    });
    // Only the defaults: routes carry their own settings, so a route edit leaves this resource alone.
    expect(JSON.parse(config.configuration.value)).toEqual({ keys: [] });
    expect(get(out, TYPE.typedExtensionConfig, "attache.wasm/default/limit").typed_config.config.failure_policy).toBe("FAIL_OPEN");
    expect(get(out, TYPE.cluster, "attache_modules")).toMatchObject({ type: "STRICT_DNS" });
  });

  it("finds no contract problems in a consistent IR", () => {
    expect(irProblems(ir)).toEqual([]);
  });
});

describe("translate: clusters", () => {
  it("covers static, DNS, HTTP/2, upstream TLS, circuit breakers and drops not-ready endpoints", () => {
    const out = translate(gatewayIR({
      clusters: [
        edsCluster("url/10.1.2.3:9000", { discovery: "static", endpoints: [{ address: "10.1.2.3", port: 9000, ready: true }], lbPolicy: "least_request" }),
        edsCluster("url/api.example.com:443", {
          discovery: "strict_dns", endpoints: [{ address: "api.example.com", port: 443, ready: true }], protocol: "http2", upstreamTls: { sni: "api.example.com" },
          circuitBreakers: { maxConnections: 10, maxRetries: 2 }, lbPolicy: "ring_hash",
        }),
        edsCluster("default/grpc:50051", { endpoints: [{ address: "10.0.0.9", port: 50051, ready: false }], protocol: "http2" }),
      ],
    }));
    expect(get(out, TYPE.cluster, "url/10.1.2.3:9000")).toMatchObject({ type: "STATIC", lb_policy: "LEAST_REQUEST", load_assignment: { cluster_name: "url/10.1.2.3:9000" } });
    const dns = get(out, TYPE.cluster, "url/api.example.com:443");
    expect(dns).toMatchObject({ type: "STRICT_DNS", lb_policy: "RING_HASH", dns_lookup_family: "V4_PREFERRED" });
    expect(dns.circuit_breakers).toEqual({ thresholds: [{ priority: "DEFAULT", max_connections: 10, max_retries: 2 }] });
    expect(dns.transport_socket.typed_config).toMatchObject({ sni: "api.example.com", common_tls_context: { alpn_protocols: ["h2"] } });
    expect(dns.typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"].explicit_http_config).toEqual({ http2_protocol_options: {} });
    expect(out[TYPE.clusterLoadAssignment]!.has("url/10.1.2.3:9000")).toBe(false);
    expect(get(out, TYPE.clusterLoadAssignment, "default/grpc:50051").endpoints).toEqual([]);
  });
});

describe("translate: every resource is valid Envoy proto", () => {
  it("encodes and round-trips every resource of a feature-rich IR", () => {
    const auth = wasmFilter("default/auth", { configuration: { routes: { "default/echo": {} } } });
    const ir = basicIR({
      virtualHosts: [vhost("default/example", {
        domains: ["example.com"], insecure: "Redirect",
        tls: { secretName: "default/tls", serverNames: ["example.com"], minVersion: "1.2", maxVersion: "1.3", alpn: ["h2"] },
        routes: [
          route("default/echo", {
            filters: [{ filter: auth.name, settings: {} }],
            action: routeAction({ cors: { origins: ["*"], methods: ["GET"], headers: [], exposedHeaders: [], credentials: false }, retry: { retryOn: "5xx", numRetries: 1 }, hashPolicy: [{ kind: "header", name: "x-user" }], mirrors: [{ cluster: "default/echo:80", percent: 5, source: mappingRef("m") }] }),
          }),
          route("default/moved", { action: { kind: "redirect", httpsRedirect: true, pathRedirect: "/new", responseCode: 302 } }),
        ],
      })],
      wasmFilters: [auth],
      secrets: [secret("default/tls")],
      moduleServer: { clusterName: "attache_modules", host: "127.0.0.1", port: 18002 },
    });
    const check = protoCheck(translate(ir));
    expect(check.problems).toEqual([]);
    expect(check.resources).toBe(10); // the scoped layout adds one ScopedRouteConfiguration
  });
});

// The migration suite: Emissary configurations (testdata/in) -> attache convert -> model ->
// translate, compared with goldens (migration.ts), plus the Envoy routes Emissary's
// documented behaviour implies, asserted field by field so a golden update cannot quietly
// change them.
import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { irProblems, TYPE } from "../../translate/index.ts";
import { protoCheck } from "../../translate/protocheck.ts";
import { httpVirtualHosts } from "../../translate/scopedroutes.ts";
import { migrationCases, migrationGoldenFiles, MIGRATION_OUT, runMigrationCase, type MigrationResult } from "./migration.ts";

const UPDATE = process.env.UPDATE_GOLDENS === "1";
type Obj = Record<string, any>;

describe.each(migrationCases())("migration case %s", (name) => {
  const result = runMigrationCase(name);
  const files = migrationGoldenFiles(name, result);

  it("matches the goldens (converted YAML, report, Envoy resources, statuses)", () => {
    for (const [file, content] of files) {
      const path = join(MIGRATION_OUT, file);
      if (UPDATE) {
        if (!existsSync(path) || readFileSync(path, "utf8") !== content) writeFileSync(path, content);
        continue;
      }
      expect(existsSync(path), `missing golden ${file} (UPDATE_GOLDENS=1 npx vitest run controlplane/compat)`).toBe(true);
      expect(content, `golden ${file}`).toBe(readFileSync(path, "utf8"));
    }
    const stale = readdirSync(MIGRATION_OUT).filter((f) => f.startsWith(`${name}.`) && !files.has(f) && f.slice(name.length + 1).split(".").length === 2);
    if (UPDATE) for (const file of stale) unlinkSync(join(MIGRATION_OUT, file));
    else expect(stale).toEqual([]);
  });

  it("produces only resources Envoy's protos accept, from a consistent IR", () => {
    expect(protoCheck(result.resources).problems).toEqual([]);
    expect(irProblems(result.ir)).toEqual([]);
  });
});

// --- what Emissary's behaviour implies, per case ---------------------------------------

function routeConfig(r: MigrationResult, name: string): Obj {
  const rc = r.resources[TYPE.routeConfiguration]!.get(name) as Obj | undefined;
  if (!rc) throw new Error(`no RouteConfiguration ${name}; have ${[...r.resources[TYPE.routeConfiguration]!.keys()].join(", ")}`);
  return rc;
}
/** A virtual host by name; `attache-http` means the plain-HTTP listener's routes, whichever
 *  the layout (translate/scopedroutes.ts). */
const vhostOf = (r: MigrationResult, config: string, vhost: string): Obj => {
  const vhosts = config === "attache-http" ? httpVirtualHosts(r.resources[TYPE.routeConfiguration]!) : routeConfig(r, config).virtual_hosts;
  const found = vhosts.find((v: Obj) => v.name === vhost);
  if (!found) throw new Error(`no virtual host ${vhost} in ${config}`);
  return found;
};
const routeNamed = (vhost: Obj, name: string): Obj => vhost.routes.find((x: Obj) => x.name === name);
const cluster = (r: MigrationResult, name: string): Obj => r.resources[TYPE.cluster]!.get(name) as Obj;
const hcmFilters = (r: MigrationResult): Obj[] => (r.resources[TYPE.listener]!.get("attache-http") as Obj).filter_chains[0].filters[0].typed_config.http_filters;
const errorsOf = (r: MigrationResult) => r.model.statuses.flatMap((s) => s.errors);

describe("typical Emissary 3.x setup", () => {
  const r = runMigrationCase("typical-3x");

  it("converts every object exactly (attache convert exits 0) and every resource is accepted", () => {
    expect(r.conversion.reports.map((x) => x.outcome)).toEqual(Array(r.conversion.reports.length).fill("converted"));
    expect(errorsOf(r)).toEqual([]);
  });

  it("terminates TLS for the secure Host with mutual TLS required, and redirects its plain HTTP", () => {
    const https = r.resources[TYPE.listener]!.get("attache-https") as Obj;
    const chain = https.filter_chains.find((c: Obj) => c.filter_chain_match.server_names.includes("secure.example.com"));
    const tls = chain.transport_socket.typed_config;
    expect(tls.require_client_certificate).toBe(true);
    expect(tls.common_tls_context.validation_context_sds_secret_config.name).toBe("shop/client-ca#ca");
    expect(tls.common_tls_context.tls_params).toEqual({ tls_minimum_protocol_version: "TLSv1_2" });
    expect(r.resources[TYPE.secret]!.get("shop/client-ca#ca")).toMatchObject({ validation_context: { trusted_ca: { inline_string: expect.stringContaining("BEGIN CERTIFICATE") } } });
    expect(vhostOf(r, "attache-http", "shop/secure").routes).toEqual([expect.objectContaining({ redirect: { https_redirect: true, response_code: "MOVED_PERMANENTLY" } })]);
  });

  it("routes a Service over EDS, a DNS name over STRICT_DNS with auto_host_rewrite, an IP over STATIC", () => {
    const plain = vhostOf(r, "attache-http", "shop/plain");
    expect(routeNamed(plain, "shop/quote").route).toMatchObject({ cluster: "shop/quote:8080", prefix_rewrite: "/", timeout: "5s" });
    expect(cluster(r, "shop/quote:8080")).toMatchObject({ type: "EDS" });
    expect(routeNamed(plain, "shop/httpbin").route).toMatchObject({ cluster: "url/httpbin.org:80", auto_host_rewrite: true });
    expect(cluster(r, "url/httpbin.org:80")).toMatchObject({ type: "STRICT_DNS", load_assignment: { endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "httpbin.org", port_value: 80 } } } }] }] } });
    const secure = vhostOf(r, "attache-https/shop/secure", "shop/secure");
    expect(routeNamed(secure, "shop/consul").route).toMatchObject({ cluster: "url/127.0.0.1:8500", timeout: "1s" });
    expect(cluster(r, "url/127.0.0.1:8500")).toMatchObject({ type: "STATIC" });
  });

  it("answers host_redirect Mappings with a redirect to the service, prefix_redirect and the given code", () => {
    for (const vhost of [vhostOf(r, "attache-http", "shop/plain"), vhostOf(r, "attache-https/shop/secure", "shop/secure")]) {
      expect(routeNamed(vhost, "shop/moved")).toMatchObject({ match: { prefix: "/old-docs/" }, redirect: { host_redirect: "docs.example.com", prefix_rewrite: "/docs/", response_code: "PERMANENT_REDIRECT" } });
      expect(routeNamed(vhost, "shop/moved").route).toBeUndefined();
    }
  });

  it("checks every route with the gRPC AuthService through ext_authz, except bypass_auth ones", () => {
    const filter = hcmFilters(r).find((f) => f.name === "attache.ext_authz/shop/authz")!;
    expect(filter).toMatchObject({ disabled: true, typed_config: { transport_api_version: "V3", failure_mode_allow: false, grpc_service: { timeout: "2s", envoy_grpc: { authority: "authz.shop:9000" } } } });
    const authCluster = cluster(r, filter.typed_config.grpc_service.envoy_grpc.cluster_name);
    expect(authCluster.typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"].explicit_http_config).toEqual({ http2_protocol_options: {} });
    const plain = vhostOf(r, "attache-http", "shop/plain");
    expect(Object.keys(routeNamed(plain, "shop/quote").typed_per_filter_config)).toContain("attache.ext_authz/shop/authz");
    expect(routeNamed(plain, "shop/httpbin").typed_per_filter_config).toBeUndefined();
  });
});

describe("Emissary route order", () => {
  const r = runMigrationCase("route-order");

  it("orders by precedence, path length, header length (method as :method), then path text", () => {
    const names = vhostOf(r, "attache-http", "attache/default").routes.map((x: Obj) => x.name.replace("default/", ""));
    expect(names).toEqual(["catch-first", "versioned", "api-users", "status", "api-post", "api-beta", "api", "root"]);
  });

  it("keeps Emissary's default rewrite \"/\" on prefix_regex routes and none on prefix_exact ones it was told so", () => {
    const routes = vhostOf(r, "attache-http", "attache/default");
    expect(routeNamed(routes, "default/versioned")).toMatchObject({ match: { safe_regex: { regex: "/api/v[0-9]+/.*" } }, route: { prefix_rewrite: "/" } });
    expect(routeNamed(routes, "default/status").match).toEqual({ path: "/api/status" });
    expect(routeNamed(routes, "default/status").route.prefix_rewrite).toBe("/");
  });
});

describe("Emissary Host selection", () => {
  const r = runMigrationCase("host-selection");

  it("attaches by hostname glob OR mappingSelector, and does not route a Mapping no Host selects", () => {
    const names = (vhost: string) => vhostOf(r, "attache-http", vhost).routes.map((x: Obj) => x.name);
    expect(names("default/shop").sort()).toEqual(["default/by-label", "default/everywhere"]);
    expect(names("default/wild").sort()).toEqual(["default/everywhere", "default/internal"]);
    expect(httpVirtualHosts(r.resources[TYPE.routeConfiguration]!).map((v: Obj) => v.name)).not.toContain("attache/default");
    expect(errorsOf(r)).toEqual([expect.stringMatching(/^Mapping default\/orphan: spec.hostname: no Host selects this Mapping/)]);
  });
});

describe("Module defaults, TLSContext and error response overrides", () => {
  const r = runMigrationCase("module-defaults-and-overrides");
  const routes = () => vhostOf(r, "attache-https/default/app", "default/app");

  it("applies the Module's defaults to Mappings that do not set them", () => {
    const app = routeNamed(routes(), "default/app");
    expect(app.route).toMatchObject({ timeout: "7s", retry_policy: { retry_on: "gateway-error", num_retries: 2 } });
    expect(app.typed_per_filter_config["envoy.filters.http.cors"]).toMatchObject({ allow_origin_string_match: [{ exact: "https://app.example.com" }], allow_methods: "GET,POST", max_age: "600" });
    expect(cluster(r, app.route.cluster)).toMatchObject({ type: "LOGICAL_DNS", lb_policy: "LEAST_REQUEST", circuit_breakers: { thresholds: [{ max_connections: 2048, max_pending_requests: 1024 }] } });
    expect(routeNamed(routes(), "default/raw").route.timeout).toBe("0s");
  });

  it("replaces error bodies per route through custom_response, and not where bypassed", () => {
    const matchers = routeNamed(routes(), "default/app").typed_per_filter_config["envoy.filters.http.custom_response"].custom_response_matcher.matcher_list.matchers;
    expect(matchers.map((m: Obj) => [m.predicate.single_predicate.value_match.exact, m.on_match.action.typed_config.body_format])).toEqual([
      ["404", { text_format_source: { inline_string: "no such page: %REQ(:path)%" }, content_type: "text/plain" }],
      ["503", { json_format: { error: "unavailable", status: "%RESPONSE_CODE%" }, content_type: "application/json" }],
    ]);
    expect(routeNamed(routes(), "default/raw").typed_per_filter_config?.["envoy.filters.http.custom_response"]).toBeUndefined();
    expect(hcmFilters(r).map((f) => f.name)[0]).toBe("envoy.filters.http.custom_response");
  });

  it("gives the Host listed by a TLSContext its certificate and TLS parameters", () => {
    const https = r.resources[TYPE.listener]!.get("attache-https") as Obj;
    const tls = https.filter_chains[0].transport_socket.typed_config.common_tls_context;
    expect(tls.tls_certificate_sds_secret_configs[0].name).toBe("default/app-cert");
    expect(tls.tls_params).toEqual({ tls_minimum_protocol_version: "TLSv1_2", tls_maximum_protocol_version: "TLSv1_3" });
  });
});

describe("v2 fields", () => {
  const r = runMigrationCase("v2-fields");
  const routes = () => vhostOf(r, "attache-http", "default/api");

  it("matches host_regex and method_regex as header regexes, use_websocket as an upgrade, tls: true as upstream TLS", () => {
    const regex = routeNamed(routes(), "default/regex-host");
    expect(regex.match.headers).toEqual([
      { name: ":authority", string_match: { safe_regex: { regex: "^(www|api)[.]example[.]com$" } } },
      { name: ":method", string_match: { safe_regex: { regex: "GET|HEAD" } } },
    ]);
    expect(cluster(r, regex.route.cluster).transport_socket.typed_config.sni).toBe("backend.example.com");
    expect(routeNamed(routes(), "default/socket").route.upgrade_configs).toEqual([{ upgrade_type: "websocket", enabled: true }]);
    expect(routeNamed(routes(), "default/health")).toMatchObject({ match: { path: "/healthz" } });
    expect(routeNamed(routes(), "default/health").route.prefix_rewrite).toBeUndefined();
    expect(routeNamed(routes(), "default/exact-host").request_headers_to_add).toEqual([{ header: { key: "x-gateway", value: "attache" }, append_action: "APPEND_IF_EXISTS_OR_ADD" }]);
  });
});

describe("kinds without an Attaché equivalent", () => {
  const r = runMigrationCase("kinds-without-equivalent");

  it("names every object that is not carried over, with its reason, and still converts the rest", () => {
    const byRef = Object.fromEntries(r.conversion.reports.map((x) => [x.ref, x.outcome]));
    expect(byRef).toEqual({
      "TCPMapping default/postgres": "dropped",
      "RateLimitService default/ratelimit": "dropped",
      "TracingService default/zipkin": "dropped",
      "LogService default/als": "dropped",
      "KubernetesEndpointResolver default/endpoint": "converted",
      "ConsulResolver default/consul-dc1": "dropped",
      "TLSContext default/orphan": "dropped",
      "Listener default/tcp": "dropped",
      "Listener default/other-port": "approximated",
      "Module default/tls": "dropped",
      "Module default/ambassador": "approximated",
      "Mapping default/limited": "approximated",
    });
    for (const report of r.conversion.reports) if (report.outcome !== "converted") expect(report.warnings.length, report.ref).toBeGreaterThan(0);
    expect(vhostOf(r, "attache-http", "attache/default").routes.map((x: Obj) => x.name)).toEqual(["default/limited"]);
  });
});

import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { validateResourceSchema } from "../../api/validator.ts";
import { convertEmissaryObject, convertEmissaryYaml, convertForCluster, CONVERSION_WARNINGS, CONVERTED_FROM, type ObjectReport } from "./convert.ts";

const emissaryMapping = {
  apiVersion: "getambassador.io/v3alpha1",
  kind: "Mapping",
  metadata: { name: "quote", namespace: "shop", annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}" } },
  spec: {
    ambassador_id: ["edge"],
    hostname: "*.example.com",
    prefix: "/backend/",
    service: "quote.shop:8080",
    timeout_ms: 1500,
    idle_timeout_ms: 30000,
    connect_timeout_ms: 250,
    headers: { "x-canary": "true", "x-debug": true },
    regex_headers: { "x-user": "^[a-z]+$" },
    query_parameters: { beta: "1" },
    add_request_headers: { "x-via": "gateway", "x-trace": { value: "on", append: true } },
    remove_response_headers: "server",
    retry_policy: { retry_on: "5xx", num_retries: 3, per_try_timeout: "500ms" },
    cors: { origins: "https://a.example,https://b.example", methods: ["GET"], max_age: "86400" },
    load_balancer: { policy: "ring_hash", header: "x-user" },
    allow_upgrade: ["websocket"],
    weight: 10,
    bypass_auth: true,
    auto_host_rewrite: true,
  },
};

describe("convertEmissaryObject", () => {
  it("maps snake_case fields and *_ms integers onto a valid Attaché Mapping", () => {
    const { object, warnings, errors } = convertEmissaryObject(emissaryMapping);
    expect(errors).toEqual([]);
    expect(object).toMatchObject({
      apiVersion: "attache.dev/v1alpha1",
      kind: "Mapping",
      metadata: { name: "quote", namespace: "shop", annotations: { "attache.dev/instance": "edge", [CONVERTED_FROM]: "getambassador.io/v3alpha1" } },
      spec: {
        hostname: "*.example.com",
        prefix: "/backend/",
        service: "quote.shop:8080",
        timeout: "1500ms",
        idleTimeout: "30000ms",
        connectTimeout: "250ms",
        headers: [{ name: "x-canary", value: "true" }, { name: "x-debug", present: true }, { name: "x-user", regex: "^[a-z]+$" }],
        queryParameters: [{ name: "beta", value: "1" }],
        addRequestHeaders: [{ name: "x-via", value: "gateway", append: true }, { name: "x-trace", value: "on", append: true }],
        removeResponseHeaders: ["server"],
        retryPolicy: { retryOn: "5xx", numRetries: 3, perTryTimeout: "500ms" },
        cors: { origins: ["https://a.example", "https://b.example"], methods: ["GET"], maxAge: "86400s" },
        loadBalancer: { policy: "ring_hash", header: "x-user" },
        allowUpgrade: ["websocket"],
        weight: 10,
        bypassAuth: true,
        autoHostRewrite: true,
      },
    });
    expect((object!.metadata as Record<string, Record<string, string>>).annotations).not.toHaveProperty("kubectl.kubernetes.io/last-applied-configuration");
    expect(validateResourceSchema(object!)).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it("gives no warning for fields set to their off value", () => {
    const off = convertEmissaryObject({ ...emissaryMapping, spec: { prefix: "/", service: "a", host_redirect: false, labels: {}, add_linkerd_headers: false, docs: {}, keepalive: {}, use_websocket: false } });
    expect(off.warnings).toEqual([]);
    expect(off.object?.spec).toEqual({ prefix: "/", service: "a" });
  });

  it("reads prefix_regex as a regex match keeping Emissary's default rewrite, and prefix_exact as an exact path", () => {
    const regex = convertEmissaryYaml(`apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nmetadata: {name: v}\nspec: {prefix: "/v[0-9]+/.*", prefix_regex: true, service: a}\n`, "r.yaml");
    expect(parseAllDocuments(regex.yaml)[0]!.toJS().spec).toEqual({ regex: "/v[0-9]+/.*", service: "a", rewrite: "/" });
    expect(regex.reports[0]).toMatchObject({ outcome: "converted", notes: [expect.stringMatching(/default rewrite "\/" applies to prefix_regex too/)] });
    const kept = convertEmissaryObject({ ...emissaryMapping, spec: { prefix: "/v[0-9]+/.*", prefix_regex: true, rewrite: "", service: "a" } });
    expect(kept.object?.spec).toEqual({ regex: "/v[0-9]+/.*", service: "a", rewrite: "" });
    const exact = convertEmissaryObject({ ...emissaryMapping, spec: { prefix: "/health", prefix_exact: true, service: "a" } });
    expect(exact.object?.spec).toEqual({ path: "/health", service: "a" });
  });

  it("converts host_redirect Mappings to redirects (service = new host), host_regex and method_regex to header regexes", () => {
    const redirect = convertEmissaryObject({ ...emissaryMapping, spec: { prefix: "/old/", service: "new.example.com", host_redirect: true, prefix_redirect: "/new/", redirect_response_code: 302 } });
    expect(redirect.warnings).toEqual([]);
    expect(redirect.object?.spec).toEqual({ prefix: "/old/", redirect: { hostname: "new.example.com", prefix: "/new/", responseCode: 302 } });
    expect(validateResourceSchema(redirect.object!)).toEqual([]);
    const regex = convertEmissaryObject({ ...emissaryMapping, apiVersion: "getambassador.io/v2", spec: { prefix: "/", service: "a", host: "^api[0-9]\\.example\\.com$", host_regex: true, method: "GET|HEAD", method_regex: true, use_websocket: true } });
    expect(regex.object?.spec).toEqual({ prefix: "/", service: "a", headers: [{ name: ":authority", regex: "^api[0-9]\\.example\\.com$" }, { name: ":method", regex: "GET|HEAD" }], allowUpgrade: ["websocket"] });
    expect(regex.warnings).toEqual([]);
  });

  it("turns tls: true into an https:// service and keeps error_response_overrides", () => {
    const tls = convertEmissaryObject({ ...emissaryMapping, spec: { prefix: "/", service: "api.example.com:8443", tls: true, error_response_overrides: [{ on_status_code: 404, body: { text_format: "nothing at %REQ(:path)%" } }] } });
    expect(tls.object?.spec).toEqual({ prefix: "/", service: "https://api.example.com:8443", errorResponseOverrides: [{ onStatusCode: 404, body: { text: "nothing at %REQ(:path)%" } }] });
    expect(validateResourceSchema(tls.object!)).toEqual([]);
  });

  it("converts Host mTLS and warns about ACME, which Attaché does not do", () => {
    const host = convertEmissaryObject({
      apiVersion: "getambassador.io/v3alpha1",
      kind: "Host",
      metadata: { name: "edge", namespace: "shop" },
      spec: {
        hostname: "shop.example.com",
        acmeProvider: { authority: "https://acme-v02.api.letsencrypt.org/directory", email: "ops@example.com" },
        tlsSecret: { name: "shop-cert" },
        requestPolicy: { insecure: { action: "Redirect" } },
        tls: { min_tls_version: "v1.2", alpn_protocols: "h2,http/1.1", ca_secret: "client-ca", cert_required: true },
      },
    });
    expect(host.object?.spec).toEqual({
      hostname: "shop.example.com",
      tlsSecret: { name: "shop-cert" },
      requestPolicy: { insecure: { action: "Redirect" } },
      tls: { minVersion: "1.2", alpn: ["h2", "http/1.1"], caSecret: { name: "client-ca", namespace: "shop" }, certRequired: true },
    });
    expect(validateResourceSchema(host.object!)).toEqual([]);
    expect(host.warnings).toEqual(["Host shop/edge: spec.acmeProvider: ACME is not supported (provide tlsSecret, e.g. from cert-manager); ignored"]);
  });

  it("converts http and grpc AuthServices", () => {
    const http = convertEmissaryObject({
      apiVersion: "getambassador.io/v3alpha1",
      kind: "AuthService",
      metadata: { name: "auth", namespace: "shop" },
      spec: { auth_service: "auth.shop:3000", path_prefix: "/extauth", timeout_ms: 5000, allowed_authorization_headers: ["x-user"], failure_mode_allow: false },
    });
    expect(http.object?.spec).toEqual({ service: "auth.shop:3000", pathPrefix: "/extauth", timeout: "5000ms", allowedAuthorizationHeaders: ["x-user"], failureModeAllow: false });
    expect(validateResourceSchema(http.object!)).toEqual([]);
    const grpc = convertEmissaryObject({ apiVersion: "getambassador.io/v3alpha1", kind: "AuthService", metadata: { name: "auth" }, spec: { auth_service: "auth:3000", proto: "grpc", protocol_version: "v3", status_on_error: { code: 503 }, include_body: { max_bytes: 1024, allow_partial: true } } });
    expect(grpc.errors).toEqual([]);
    expect(grpc.object?.spec).toEqual({ service: "auth:3000", proto: "grpc", statusOnError: 503, includeBody: { maxBytes: 1024, allowPartial: true } });
    expect(validateResourceSchema(grpc.object!)).toEqual([]);
  });

  it("rejects a non-integer *_ms value with its path", () => {
    const bad = convertEmissaryObject({ ...emissaryMapping, spec: { prefix: "/", service: "a", timeout_ms: "3s" } });
    expect(bad.errors).toEqual(['Mapping shop/quote: spec.timeout_ms: must be a non-negative integer number of milliseconds, got "3s"']);
  });

  it("in cluster mode records the origin and the warnings in annotations", () => {
    const { object } = convertForCluster({ ...emissaryMapping, spec: { ...emissaryMapping.spec, labels: { ambassador: ["x"] } }, metadata: { ...emissaryMapping.metadata, generation: 4, resourceVersion: "99" } });
    const metadata = object!.metadata as { annotations: Record<string, string>; generation: number };
    expect(metadata.annotations[CONVERTED_FROM]).toBe("getambassador.io/v3alpha1");
    expect(JSON.parse(metadata.annotations[CONVERSION_WARNINGS])).toHaveLength(1);
    expect(metadata.generation).toBe(4);
  });
});

describe("convertEmissaryYaml", () => {
  const outcomes = (reports: ObjectReport[]) => reports.map((r) => `${r.where} ${r.ref} ${r.outcome}`);

  it("reads top-level lists and kind: List, passes other documents through, and reports every object", () => {
    const input = [
      "- apiVersion: getambassador.io/v3alpha1",
      "  kind: Mapping",
      "  metadata: {name: quote}",
      "  spec: {prefix: /q/, service: quote, timeout_ms: 100, labels: {ambassador: [x]}}",
      "---",
      "apiVersion: v1",
      "kind: List",
      "items:",
      "- apiVersion: getambassador.io/v2",
      "  kind: Mapping",
      "  metadata: {name: old, namespace: shop}",
      "  spec: {prefix: /old/, service: old, host: old.example.com}",
      "- apiVersion: getambassador.io/v3alpha1",
      "  kind: TCPMapping",
      "  metadata: {name: db}",
      "  spec: {port: 5432, service: db:5432}",
      "---",
      "apiVersion: v1",
      "kind: Service",
      "metadata: {name: quote}",
      "spec: {ports: [{port: 80}]}",
      "",
    ].join("\n");
    const result = convertEmissaryYaml(input, "in.yaml");
    expect(result.errors).toEqual([]);
    expect(outcomes(result.reports)).toEqual(["in.yaml:13 TCPMapping default/db dropped", "in.yaml:1 Mapping default/quote approximated", "in.yaml:9 Mapping shop/old converted"]);
    const byRef = Object.fromEntries(result.reports.map((r) => [r.ref, r]));
    expect(byRef["Mapping default/quote"]).toMatchObject({ where: "in.yaml:1", outcome: "approximated" });
    expect(byRef["Mapping default/quote"]!.warnings[0]).toMatch(/^Mapping default\/quote: spec.labels: rate-limit labels need an external RateLimitService/);
    expect(byRef["Mapping shop/old"]).toMatchObject({ where: "in.yaml:9", outcome: "converted", notes: ["Mapping shop/old: spec.host: converted to hostname"] });
    expect(byRef["TCPMapping default/db"]).toMatchObject({ where: "in.yaml:13", outcome: "dropped" });
    expect(byRef["TCPMapping default/db"]!.warnings[0]).toMatch(/routes HTTP only/);
    expect(result.yaml).toContain("# warning: Mapping default/quote: spec.labels:");
    const docs = parseAllDocuments(result.yaml).map((d) => d.toJS());
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual(["Mapping/quote", "Mapping/old", "Service/quote"]);
    expect(docs[1].spec).toEqual({ prefix: "/old/", service: "old", hostname: "old.example.com" });
  });

  it("carries a Module's defaults into Mappings, TLSContexts into Hosts, and maps Listeners onto Attaché's", () => {
    const input = [
      "apiVersion: getambassador.io/v3alpha1",
      "kind: Module",
      "metadata: {name: ambassador}",
      "spec: {config: {use_remote_address: true, cluster_request_timeout_ms: 9000, retry_policy: {retry_on: 5xx, num_retries: 2}, lua_scripts: ''}}",
      "---",
      "apiVersion: getambassador.io/v3alpha1",
      "kind: TLSContext",
      "metadata: {name: shop-tls}",
      "spec: {hosts: [shop.example.com], secret: shop-cert, ca_secret: client-ca, cert_required: true, min_tls_version: v1.3}",
      "---",
      "apiVersion: getambassador.io/v3alpha1",
      "kind: Listener",
      "metadata: {name: https}",
      "spec: {port: 8443, protocol: HTTPS, securityModel: SECURE, hostBinding: {namespace: {from: ALL}}}",
      "---",
      "apiVersion: getambassador.io/v3alpha1",
      "kind: Host",
      "metadata: {name: shop}",
      "spec: {hostname: shop.example.com}",
      "---",
      "apiVersion: getambassador.io/v3alpha1",
      "kind: Mapping",
      "metadata: {name: a}",
      "spec: {prefix: /a/, service: a, hostname: shop.example.com}",
      "---",
      "apiVersion: getambassador.io/v3alpha1",
      "kind: Mapping",
      "metadata: {name: b}",
      "spec: {prefix: /b/, service: b, timeout_ms: 100, hostname: shop.example.com}",
      "",
    ].join("\n");
    const result = convertEmissaryYaml(input, "cfg.yaml");
    expect(result.reports.map((r) => `${r.ref} ${r.outcome}`)).toEqual([
      "Module default/ambassador converted",
      "TLSContext default/shop-tls converted",
      "Listener default/https converted",
      "Host default/shop converted",
      "Mapping default/a converted",
      "Mapping default/b converted",
    ]);
    const docs = Object.fromEntries(parseAllDocuments(result.yaml).map((d) => d.toJS()).map((d) => [d.metadata.name, d]));
    expect(docs.shop.spec).toEqual({ hostname: "shop.example.com", tlsSecret: { name: "shop-cert", namespace: "default" }, tls: { minVersion: "1.3", caSecret: { name: "client-ca", namespace: "default" }, certRequired: true } });
    expect(docs.a.spec).toMatchObject({ timeout: "9000ms", retryPolicy: { retryOn: "5xx", numRetries: 2 } });
    expect(docs.b.spec.timeout).toBe("100ms");
    for (const doc of Object.values(docs)) expect(validateResourceSchema(doc)).toEqual([]);
    expect(result.reports.find((r) => r.ref.startsWith("TLSContext"))!.notes).toEqual(["carried into Host default/shop"]);
  });

  it("reports YAML errors with file and line", () => {
    const result = convertEmissaryYaml("kind: Mapping\n---\nkey: [unclosed\n", "bad.yaml");
    expect(result.errors[0]).toMatch(/^bad\.yaml:3: /);
  });
});

import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { validateResourceSchema } from "../../api/validator.ts";
import { convertEmissaryObject, convertEmissaryYaml, convertForCluster, CONVERSION_WARNINGS, CONVERTED_FROM } from "./convert.ts";

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
      metadata: { name: "quote", namespace: "shop", annotations: { "attache.dev/instance": "edge" } },
      spec: {
        hostname: "*.example.com",
        prefix: "/backend/",
        service: "quote.shop:8080",
        timeout: "1500ms",
        idleTimeout: "30000ms",
        connectTimeout: "250ms",
        headers: [{ name: "x-canary", value: "true" }, { name: "x-debug", present: true }, { name: "x-user", regex: "^[a-z]+$" }],
        queryParameters: [{ name: "beta", value: "1" }],
        addRequestHeaders: [{ name: "x-via", value: "gateway" }, { name: "x-trace", value: "on", append: true }],
        removeResponseHeaders: ["server"],
        retryPolicy: { retryOn: "5xx", numRetries: 3, perTryTimeout: "500ms" },
        cors: { origins: ["https://a.example", "https://b.example"], methods: ["GET"], maxAge: "86400s" },
        loadBalancer: { policy: "ring_hash", header: "x-user" },
        allowUpgrade: ["websocket"],
        weight: 10,
        bypassAuth: true,
      },
    });
    expect((object!.metadata as Record<string, Record<string, string>>).annotations).not.toHaveProperty("kubectl.kubernetes.io/last-applied-configuration");
    expect(validateResourceSchema(object!)).toEqual([]);
    expect(warnings).toEqual(["Mapping shop/quote: spec.auto_host_rewrite: not supported by Attaché; ignored"]);
  });

  it("reads prefix_regex as a regex match and prefix_exact as an exact path", () => {
    const regex = convertEmissaryObject({ ...emissaryMapping, spec: { prefix: "/v[0-9]+/.*", prefix_regex: true, service: "a" } });
    expect(regex.object?.spec).toEqual({ regex: "/v[0-9]+/.*", service: "a" });
    const exact = convertEmissaryObject({ ...emissaryMapping, spec: { prefix: "/health", prefix_exact: true, service: "a" } });
    expect(exact.object?.spec).toEqual({ path: "/health", service: "a" });
  });

  it("warns about redirects and ACME, which Attaché does not do", () => {
    const redirect = convertEmissaryObject({ ...emissaryMapping, spec: { prefix: "/", service: "a", host_redirect: true } });
    expect(redirect.warnings[0]).toMatch(/^Mapping shop\/quote: spec.host_redirect: redirect Mappings are not supported/);
    const host = convertEmissaryObject({
      apiVersion: "getambassador.io/v3alpha1",
      kind: "Host",
      metadata: { name: "edge", namespace: "shop" },
      spec: {
        hostname: "shop.example.com",
        acmeProvider: { authority: "https://acme-v02.api.letsencrypt.org/directory", email: "ops@example.com" },
        tlsSecret: { name: "shop-cert" },
        requestPolicy: { insecure: { action: "Redirect" } },
        tls: { min_tls_version: "v1.2", alpn_protocols: "h2,http/1.1" },
      },
    });
    expect(host.object?.spec).toEqual({
      hostname: "shop.example.com",
      tlsSecret: { name: "shop-cert" },
      requestPolicy: { insecure: { action: "Redirect" } },
      tls: { minVersion: "1.2", alpn: ["h2", "http/1.1"] },
    });
    expect(validateResourceSchema(host.object!)).toEqual([]);
    expect(host.warnings).toEqual(["Host shop/edge: spec.acmeProvider: ACME is not supported (provide tlsSecret, e.g. from cert-manager); ignored"]);
  });

  it("converts an http AuthService and refuses a grpc one", () => {
    const http = convertEmissaryObject({
      apiVersion: "getambassador.io/v3alpha1",
      kind: "AuthService",
      metadata: { name: "auth", namespace: "shop" },
      spec: { auth_service: "auth.shop:3000", path_prefix: "/extauth", timeout_ms: 5000, allowed_authorization_headers: ["x-user"], failure_mode_allow: false },
    });
    expect(http.object?.spec).toEqual({ service: "auth.shop:3000", pathPrefix: "/extauth", timeout: "5000ms", allowedAuthorizationHeaders: ["x-user"], failureModeAllow: false });
    expect(validateResourceSchema(http.object!)).toEqual([]);
    const grpc = convertEmissaryObject({ apiVersion: "getambassador.io/v3alpha1", kind: "AuthService", metadata: { name: "auth" }, spec: { auth_service: "auth:3000", proto: "grpc" } });
    expect(grpc.object).toBeUndefined();
    expect(grpc.errors).toEqual(['AuthService default/auth: spec.proto: only "http" auth services are supported, got "grpc"']);
  });

  it("rejects a non-integer *_ms value with its path", () => {
    const bad = convertEmissaryObject({ ...emissaryMapping, spec: { prefix: "/", service: "a", timeout_ms: "3s" } });
    expect(bad.errors).toEqual(['Mapping shop/quote: spec.timeout_ms: must be a non-negative integer number of milliseconds, got "3s"']);
  });

  it("in cluster mode records the origin and the warnings in annotations", () => {
    const { object } = convertForCluster({ ...emissaryMapping, metadata: { ...emissaryMapping.metadata, generation: 4, resourceVersion: "99" } });
    const metadata = object!.metadata as { annotations: Record<string, string>; generation: number };
    expect(metadata.annotations[CONVERTED_FROM]).toBe("getambassador.io/v3alpha1");
    expect(JSON.parse(metadata.annotations[CONVERSION_WARNINGS])).toHaveLength(1);
    expect(metadata.generation).toBe(4);
  });
});

describe("convertEmissaryYaml", () => {
  it("rewrites Emissary documents, passes others through, and comments the warnings", () => {
    const input = [
      "apiVersion: getambassador.io/v3alpha1",
      "kind: Mapping",
      "metadata: {name: quote}",
      "spec: {prefix: /q/, service: quote, timeout_ms: 100, labels: {ambassador: [x]}}",
      "---",
      "apiVersion: v1",
      "kind: Service",
      "metadata: {name: quote}",
      "spec: {ports: [{port: 80}]}",
      "",
    ].join("\n");
    const result = convertEmissaryYaml(input, "in.yaml");
    expect(result.converted).toBe(1);
    expect(result.warnings).toEqual(["in.yaml:1: Mapping default/quote: spec.labels: not supported by Attaché; ignored"]);
    expect(result.yaml).toContain("# warning: Mapping default/quote: spec.labels: not supported by Attaché; ignored");
    const docs = parseAllDocuments(result.yaml).map((d) => d.toJS());
    expect(docs).toEqual([
      { apiVersion: "attache.dev/v1alpha1", kind: "Mapping", metadata: { name: "quote" }, spec: { prefix: "/q/", service: "quote", timeout: "100ms" } },
      { apiVersion: "v1", kind: "Service", metadata: { name: "quote" }, spec: { ports: [{ port: 80 }] } },
    ]);
  });

  it("reports YAML errors with file and line", () => {
    const result = convertEmissaryYaml("kind: Mapping\n---\nkey: [unclosed\n", "bad.yaml");
    expect(result.errors[0]).toMatch(/^bad\.yaml:3: /);
  });
});

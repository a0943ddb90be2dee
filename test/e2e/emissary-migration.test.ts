// A typical Emissary 3.x configuration, converted with `attache convert` and served by the
// whole stack, once per data plane: Listeners and the ambassador Module, a TLS Host with
// mutual TLS, a plain Host, Mappings to a Kubernetes Service, a DNS name and an IP, a
// host_redirect, error_response_overrides, and a gRPC AuthService (a real gRPC server).
// Every expectation is what Emissary does with the same YAML.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertEmissaryYaml } from "../../controlplane/compat/emissary/convert.ts";
import { startEchoServer, type EchoServer } from "../../controlplane/runner/example-upstreams/echo-server.ts";
import { request } from "../http-client.ts";
import { httpsGet } from "./clients.ts";
import { startGrpcAuthService, type GrpcAuthService } from "./grpc-auth-service.ts";
import { eventually, forEachDataPlane, freePort, startE2E, type E2E } from "./harness.ts";
import { mtlsCertificates, type MtlsCertificates } from "./mtls-certificates.ts";

const indent = (pem: string) => pem.trim().split("\n").map((l) => `    ${l}`).join("\n");

function emissaryConfig(ports: { quote: number; canary: number; auth: number; down: number }, certs: MtlsCertificates): string {
  return `apiVersion: getambassador.io/v3alpha1
kind: Listener
metadata: {name: http, namespace: emissary}
spec: {port: 8080, protocol: HTTP, securityModel: XFP, hostBinding: {namespace: {from: ALL}}}
---
apiVersion: getambassador.io/v3alpha1
kind: Listener
metadata: {name: https, namespace: emissary}
spec: {port: 8443, protocol: HTTPS, securityModel: XFP, hostBinding: {namespace: {from: ALL}}}
---
apiVersion: getambassador.io/v3alpha1
kind: Module
metadata: {name: ambassador, namespace: emissary}
spec:
  config:
    use_remote_address: true
    cluster_request_timeout_ms: 4000
---
apiVersion: getambassador.io/v3alpha1
kind: Host
metadata: {name: secure, namespace: default}
spec:
  hostname: secure.example.com
  tlsSecret: {name: secure-cert}
  requestPolicy: {insecure: {action: Redirect}}
  tls: {ca_secret: client-ca, cert_required: true}
  acmeProvider: {authority: none}
---
apiVersion: getambassador.io/v3alpha1
kind: Host
metadata: {name: plain, namespace: default}
spec:
  hostname: plain.example.com
  requestPolicy: {insecure: {action: Route}}
---
apiVersion: getambassador.io/v3alpha1
kind: AuthService
metadata: {name: authz, namespace: default}
spec: {auth_service: "authz:9000", proto: grpc, protocol_version: v3, timeout_ms: 3000}
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: quote, namespace: default}
spec: {hostname: "*", prefix: /quote/, service: "quote:8080"}
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: quote-canary, namespace: default}
spec: {hostname: "*", prefix: /quote/, headers: {x-canary: "1"}, service: "127.0.0.1:${ports.canary}"}
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: by-dns, namespace: default}
spec: {hostname: plain.example.com, prefix: /dns/, service: "localhost.:${ports.quote}", auto_host_rewrite: true, bypass_auth: true}
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: missing, namespace: default}
spec:
  hostname: "*"
  prefix: /missing/
  rewrite: /status/404/
  service: "127.0.0.1:${ports.quote}"
  bypass_auth: true
  error_response_overrides:
  - on_status_code: 404
    body: {text_format: "gone: %RESPONSE_CODE%"}
  - on_status_code: 503
    body: {json_format: {error: unavailable, status: "%RESPONSE_CODE%"}}
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: down, namespace: default}
spec:
  hostname: "*"
  prefix: /down/
  service: "127.0.0.1:${ports.down}"
  bypass_auth: true
  error_response_overrides:
  - on_status_code: 503
    body: {json_format: {error: unavailable, status: "%RESPONSE_CODE%"}}
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: moved, namespace: default}
spec: {hostname: "*", prefix: /old-docs/, service: docs.example.com, host_redirect: true, prefix_redirect: /docs/, redirect_response_code: 308}
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: elsewhere, namespace: default}
spec: {hostname: other.example.org, prefix: /, service: "quote:8080"}
---
apiVersion: v1
kind: Secret
metadata: {name: secure-cert, namespace: default}
type: kubernetes.io/tls
stringData:
  tls.crt: |
${indent(certs.serverCert)}
  tls.key: |
${indent(certs.serverKey)}
---
apiVersion: v1
kind: Secret
metadata: {name: client-ca, namespace: default}
type: Opaque
stringData:
  ca.crt: |
${indent(certs.caCert)}
---
apiVersion: v1
kind: Service
metadata: {name: quote, namespace: default}
spec: {ports: [{name: http, port: 8080, targetPort: ${ports.quote}}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: quote-1, namespace: default, labels: {kubernetes.io/service-name: quote}}
addressType: IPv4
ports: [{name: http, port: ${ports.quote}}]
endpoints: [{addresses: [127.0.0.1], conditions: {ready: true}}]
---
apiVersion: v1
kind: Service
metadata: {name: authz, namespace: default}
spec: {ports: [{name: grpc, port: 9000, targetPort: ${ports.auth}}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: authz-1, namespace: default, labels: {kubernetes.io/service-name: authz}}
addressType: IPv4
ports: [{name: grpc, port: ${ports.auth}}]
endpoints: [{addresses: [127.0.0.1], conditions: {ready: true}}]
`;
}

const ALLOW = { authorization: "Bearer let-me-in" };

/** "no response" when the TLS connection ends without an HTTP answer (handshake refused). */
const outcome = (p: Promise<{ status: number }>) => p.then((a) => (Number.isNaN(a.status) ? "no response" : a.status), () => "no response");

describe("attache convert on a typical Emissary 3.x setup", () => {
  it("converts every object exactly (exit 0: nothing approximated or dropped)", async () => {
    const certs = await mtlsCertificates(["secure.example.com"]);
    const result = convertEmissaryYaml(emissaryConfig({ quote: 1, canary: 2, auth: 3, down: 4 }, certs), "emissary.yaml");
    expect(result.errors).toEqual([]);
    expect(result.reports.filter((r) => r.outcome !== "converted")).toEqual([]);
    expect(result.reports.map((r) => r.ref.split(" ")[0]).sort()).toEqual(["AuthService", "Host", "Host", "Listener", "Listener", "Mapping", "Mapping", "Mapping", "Mapping", "Mapping", "Mapping", "Mapping", "Module"]);
  });
});

forEachDataPlane("a converted Emissary 3.x setup routes as Emissary does", (dataPlane) => {
  let e2e: E2E;
  let quote: EchoServer;
  let canary: EchoServer;
  let auth: GrpcAuthService;
  let certs: MtlsCertificates;
  const plain = (path: string, headers: Record<string, string> = {}) => request(`${e2e.http}${path}`, { headers: { host: "plain.example.com", ...headers } });

  beforeAll(async () => {
    [quote, canary, auth, certs] = await Promise.all([startEchoServer("quote"), startEchoServer("canary"), startGrpcAuthService(), mtlsCertificates(["secure.example.com"])]);
    const converted = convertEmissaryYaml(emissaryConfig({ quote: quote.port, canary: canary.port, auth: auth.port, down: await freePort() }, certs), "emissary.yaml");
    e2e = await startE2E({ "converted.yaml": converted.yaml }, { dataPlane });
    await eventually(async () => (await plain("/dns/")).status === 200, 20_000);
  }, 60_000);
  afterAll(async () => {
    await e2e?.close();
    await Promise.all([quote?.close(), canary?.close(), auth?.close()]);
  });

  it("asks the gRPC AuthService: its denial reaches the client, an allow adds its headers upstream", async () => {
    const denied = await plain("/quote/hello");
    expect(denied.status).toBe(401);
    expect(denied.headers["www-authenticate"]).toBe("Bearer");
    expect(denied.json()).toEqual({ error: "denied", reason: "send Authorization: Bearer let-me-in" });
    const allowed = await plain("/quote/hello", ALLOW);
    expect(allowed.status).toBe(200);
    expect(allowed.json()).toMatchObject({ server: "quote", path: "/hello", headers: { "x-auth-user": "demo" } });
    const check = auth.checks.at(-1);
    expect(check?.attributes?.request?.http).toMatchObject({ method: "GET", path: "/quote/hello" });
  });

  it("routes to the Kubernetes Service, and a header match first (Emissary's order)", async () => {
    expect((await plain("/quote/a", ALLOW)).json().server).toBe("quote");
    expect((await plain("/quote/a", { ...ALLOW, "x-canary": "1" })).json().server).toBe("canary");
  });

  it("routes a DNS name with auto_host_rewrite, skipping auth for bypass_auth", async () => {
    const res = await plain("/dns/x");
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ server: "quote", path: "/x", headers: { host: "localhost" } });
  });

  it("answers host_redirect Mappings with the redirect", async () => {
    const res = await plain("/old-docs/intro", ALLOW);
    expect(res.status).toBe(308);
    expect(res.headers.location).toBe("http://docs.example.com/docs/intro");
  });

  it("replaces error bodies per error_response_overrides, upstream or the proxy's own, keeping the status", async () => {
    const missing = await plain("/missing/x");
    expect([missing.status, missing.headers["content-type"], missing.text]).toEqual([404, "text/plain", "gone: 404"]);
    const down = await plain("/down/x");
    expect(down.status).toBe(503);
    expect(down.headers["content-type"]).toBe("application/json");
    expect(down.json()).toEqual({ error: "unavailable", status: 503 });
  });

  it("serves the TLS Host only to clients with a certificate from its CA, and redirects its plain HTTP", async () => {
    const ok = await httpsGet(e2e.https, "secure.example.com", "/quote/tls", ALLOW, { cert: certs.clientCert, key: certs.clientKey });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ server: "quote", path: "/tls" });
    expect(await outcome(httpsGet(e2e.https, "secure.example.com", "/quote/tls", ALLOW))).toBe("no response");
    const stranger = await mtlsCertificates(["stranger.example.com"]);
    expect(await outcome(httpsGet(e2e.https, "secure.example.com", "/quote/tls", ALLOW, { cert: stranger.clientCert, key: stranger.clientKey }))).toBe("no response");
    const redirect = await request(`${e2e.http}/quote/x`, { headers: { host: "secure.example.com" } });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe("https://secure.example.com/quote/x");
  });

  it("does not route a Mapping no Host selects", async () => {
    expect((await request(`${e2e.http}/anything`, { headers: { host: "other.example.org", ...ALLOW } })).status).toBe(404);
  });
});

// Every kind of validation error, with the exact message a user sees (table-driven).
import { describe, expect, it } from "vitest";
import { model, errorsOf, mapping, doc, docs, condition } from "./fixtures.ts";

const svc = "http://127.0.0.1:9001";
const tlsSecret = `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"tls"},"type":"kubernetes.io/tls","stringData":{"tls.crt":"-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n","tls.key":"-----BEGIN PRIVATE KEY-----\\nMIIB\\n-----END PRIVATE KEY-----\\n"}}`;

const cases: { name: string; yaml: string; errors: string[] }[] = [
  { name: "unknown field", yaml: mapping("m", { prefix: "/", service: svc, tiemout: "1s" }), errors: ["Mapping default/m: spec.tiemout: unknown field"] },
  { name: "bad duration", yaml: mapping("m", { prefix: "/", service: svc, timeout: "3 seconds" }), errors: ['Mapping default/m: spec.timeout: invalid duration "3 seconds" (use e.g. "3s", "250ms", "1m30s")'] },
  { name: "missing required field", yaml: mapping("m", { prefix: "/" }), errors: ["Mapping default/m: spec.service: required (or set redirect)"] },
  { name: "no path match", yaml: mapping("m", { service: svc }), errors: ["Mapping default/m: spec: exactly one of prefix, path, regex must be set"] },
  { name: "two path matches", yaml: mapping("m", { prefix: "/", path: "/x", service: svc }), errors: ["Mapping default/m: spec: only one of prefix, path, regex may be set (found prefix and path)"] },
  { name: "wrong type", yaml: mapping("m", { prefix: "/", service: svc, weight: "ten" }), errors: ['Mapping default/m: spec.weight: must be integer (got "ten")'] },
  { name: "weight out of range", yaml: mapping("m", { prefix: "/", service: svc, weight: 101 }), errors: ["Mapping default/m: spec.weight: must be <= 100 (got 101)"] },
  { name: "enum", yaml: mapping("m", { prefix: "/", service: svc, loadBalancer: { policy: "fastest" } }), errors: ['Mapping default/m: spec.loadBalancer.policy: "fastest" is not one of "round_robin", "least_request", "ring_hash", "maglev", "random"'] },
  { name: "RE2 lookahead", yaml: mapping("m", { regex: "/a(?=x)", service: svc }), errors: ['Mapping default/m: spec.regex: invalid RE2 regular expression "/a(?=x)": invalid or unsupported Perl syntax: `(?=`'] },
  { name: "RE2 backreference in header", yaml: mapping("m", { prefix: "/", service: svc, headers: [{ name: "x", regex: "(a)\\1" }] }), errors: ['Mapping default/m: spec.headers[0].regex: invalid RE2 regular expression "(a)\\\\1": invalid escape sequence: `\\1`'] },
  { name: "RE2 query regex", yaml: mapping("m", { prefix: "/", service: svc, queryParameters: [{ name: "q", regex: "(?<=a)b" }] }), errors: ['Mapping default/m: spec.queryParameters[0].regex: invalid RE2 regular expression "(?<=a)b": invalid named capture: `(?<=a)b`'] },
  { name: "header match needs one test", yaml: mapping("m", { prefix: "/", service: svc, headers: [{ name: "x" }] }), errors: ["Mapping default/m: spec.headers[0]: exactly one of value, regex, present must be set"] },
  { name: "bad hostname glob", yaml: mapping("m", { prefix: "/", service: svc, hostname: "api.*.com" }), errors: ['Mapping default/m: spec.hostname: invalid hostname glob "api.*.com": "*" is only allowed as a whole first or last label ("*.example.com", "example.*")'] },
  { name: "uppercase hostname", yaml: mapping("m", { prefix: "/", service: svc, hostname: "API.example.com" }), errors: ['Mapping default/m: spec.hostname: hostname "API.example.com" must be lowercase'] },
  { name: "service port out of range", yaml: mapping("m", { prefix: "/", service: "echo:70000" }), errors: ["Mapping default/m: spec.service: port 70000 is out of range 1-65535"] },
  { name: "bad service name", yaml: mapping("m", { prefix: "/", service: "Echo_Svc:80" }), errors: ['Mapping default/m: spec.service: invalid service "Echo_Svc:80": want [http(s)://]name[.namespace][:port], a DNS name or an IP'] },
  { name: "URL with a path", yaml: mapping("m", { prefix: "/", service: "http://127.0.0.1:9001/api" }), errors: ['Mapping default/m: spec.service: service "http://127.0.0.1:9001/api" must be [scheme://]host[:port] only (use rewrite for paths)'] },
  { name: "unsupported scheme", yaml: mapping("m", { prefix: "/", service: "grpc://a:80" }), errors: ['Mapping default/m: spec.service: unsupported scheme "grpc://" (use http:// or https://)'] },
  { name: "redirect with a service", yaml: mapping("m", { prefix: "/", service: svc, redirect: { hostname: "b.example.com" } }), errors: ["Mapping default/m: spec.service: not used by a redirect Mapping (remove it or remove redirect)"] },
  { name: "redirect prefix with regex", yaml: mapping("m", { regex: "/a.*", redirect: { prefix: "/b/" } }), errors: ["Mapping default/m: spec.redirect.prefix: replaces a matched prefix; with regex use redirect.regex"] },
  { name: "bad redirect code", yaml: mapping("m", { prefix: "/", redirect: { responseCode: 300 } }), errors: ["Mapping default/m: spec.redirect.responseCode: 300 is not one of 301, 302, 303, 307, 308"] },
  { name: "autoHostRewrite with hostRewrite", yaml: mapping("m", { prefix: "/", service: "a.example.com", hostRewrite: "x", autoHostRewrite: true }), errors: ["Mapping default/m: spec.autoHostRewrite: set either hostRewrite or autoHostRewrite, not both"] },
  { name: "autoHostRewrite on a Service", yaml: mapping("m", { prefix: "/", service: "echo", autoHostRewrite: true }), errors: ['Mapping default/m: spec.autoHostRewrite: service "echo" names a Kubernetes Service; auto host rewrite needs a DNS name'] },
  { name: "error override twice", yaml: mapping("m", { prefix: "/", service: svc, errorResponseOverrides: [{ onStatusCode: 404, body: { text: "a" } }, { onStatusCode: 404, body: { text: "b" } }] }), errors: ["Mapping default/m: spec.errorResponseOverrides[1].onStatusCode: 404 is overridden twice"] },
  { name: "error override with two bodies", yaml: mapping("m", { prefix: "/", service: svc, errorResponseOverrides: [{ onStatusCode: 404, body: { text: "a", json: { a: 1 } } }] }), errors: ["Mapping default/m: spec.errorResponseOverrides[0].body: only one of text, json may be set (found text and json)"] },
  { name: "mTLS without CA", yaml: doc("Host", "h", { hostname: "a.example.com", tlsSecret: { name: "tls" }, tls: { certRequired: true } }), errors: ["Host default/h: spec.tls.certRequired: needs caSecret (the CAs client certificates are verified against)"] },
  { name: "mTLS without TLS", yaml: doc("Host", "h", { hostname: "a.example.com", tls: { caSecret: { name: "tls" } } }), errors: ["Host default/h: spec.tls: tls settings need spec.tlsSecret"] },
  { name: "missing CA Secret", yaml: doc("Host", "h", { hostname: "a.example.com", tlsSecret: { name: "tls" }, tls: { caSecret: { name: "nope" } } }), errors: ["Host default/h: spec.tls.caSecret: Secret default/nope not found"] },
  { name: "rewrite with regexRewrite", yaml: mapping("m", { prefix: "/", service: svc, rewrite: "/", regexRewrite: { pattern: "^/a", substitution: "/" } }), errors: ["Mapping default/m: spec.rewrite: set either rewrite or regexRewrite, not both"] },
  { name: "hash options without hashing", yaml: mapping("m", { prefix: "/", service: svc, loadBalancer: { policy: "round_robin", header: "x-user" } }), errors: ["Mapping default/m: spec.loadBalancer: header, cookie and sourceIp need policy ring_hash or maglev (got round_robin)"] },
  { name: "bad CORS origin", yaml: mapping("m", { prefix: "/", service: svc, cors: { origins: ["example.com"] } }), errors: ['Mapping default/m: spec.cors.origins[0]: "example.com" is not an origin (scheme://host[:port]) or "*"'] },
  { name: "missing Service", yaml: mapping("m", { prefix: "/", service: "echo:80" }), errors: ["Mapping default/m: spec.service: Service default/echo not found"] },
  { name: "missing Host", yaml: mapping("m", { prefix: "/", service: svc, host: "nope" }), errors: ["Mapping default/m: spec.host: Host default/nope not found (or not valid)"] },
  { name: "missing WasmFilter", yaml: mapping("m", { prefix: "/", service: svc, filters: [{ name: "nope" }] }), errors: ["Mapping default/m: spec.filters[0].name: WasmFilter default/nope not found"] },
  { name: "missing Secret", yaml: doc("Host", "h", { hostname: "a.example.com", tlsSecret: { name: "missing" } }), errors: ["Host default/h: spec.tlsSecret: Secret default/missing not found"] },
  {
    name: "weights over 100 in a canary group",
    yaml: docs(mapping("a", { prefix: "/x/", service: svc, weight: 60 }), mapping("b", { prefix: "/x/", service: svc, weight: 50 })),
    errors: [
      "Mapping default/a: spec.weight: weights of the Mappings with the same match sum to 110 (over 100): default/a=60, default/b=50",
      "Mapping default/b: spec.weight: weights of the Mappings with the same match sum to 110 (over 100): default/a=60, default/b=50",
    ],
  },
  {
    name: "two shadows in a group",
    yaml: docs(mapping("a", { prefix: "/x/", service: svc }), mapping("s1", { prefix: "/x/", service: svc, shadow: true }), mapping("s2", { prefix: "/x/", service: svc, shadow: true })),
    errors: ["Mapping default/s2: spec.shadow: only one shadow Mapping per match; default/s1 already shadows it"],
  },
  { name: "sha256 format", yaml: doc("WasmFilter", "w", { module: { url: "https://example.com/f.wasm", sha256: "ABC" } }), errors: ['WasmFilter default/w: spec.module.sha256: "ABC" is not a SHA-256 digest (64 lowercase hex characters)'] },
  { name: "url module needs sha256", yaml: doc("WasmFilter", "w", { module: { url: "https://example.com/f.wasm" } }), errors: ["WasmFilter default/w: spec.module.sha256: required with module.url (Envoy verifies remote modules by SHA-256)"] },
  { name: "two module sources", yaml: doc("WasmFilter", "w", { module: { builtin: "auth", local: "template" } }), errors: ["WasmFilter default/w: spec.module: only one of builtin, local, url, configMap may be set (found builtin and local)"] },
  { name: "unbuilt local module", yaml: doc("WasmFilter", "w", { module: { local: "nothere" } }), errors: ['WasmFilter default/w: spec.module.local: module "nothere" is not built (run npm run build; looked for build/filters/nothere.release.wasm)'] },
  { name: "missing ConfigMap", yaml: doc("WasmFilter", "w", { module: { configMap: { name: "mods", key: "f.wasm" } } }), errors: ["WasmFilter default/w: spec.module.configMap: ConfigMap default/mods not found"] },
  { name: "Host port", yaml: doc("Host", "h", { hostname: "a.example.com", requestPolicy: { insecure: { additionalPort: 9999 } } }), errors: ["Host default/h: spec.requestPolicy.insecure.additionalPort: 9999 is not the HTTP listener port 8080 (use 8080 or -1)"] },
  { name: "Host hostname conflict", yaml: docs(doc("Host", "a", { hostname: "x.example.com" }), doc("Host", "b", { hostname: "x.example.com" })), errors: ['Host default/b: spec.hostname: hostname "x.example.com" is already served by Host default/a'] },
  { name: "AuthService missing Host", yaml: doc("AuthService", "auth", { service: "http://127.0.0.1:9003", hosts: ["nope"] }), errors: ["AuthService default/auth: spec.hosts[0]: Host default/nope not found (or not valid)"] },
  { name: "AuthService bad timeout", yaml: doc("AuthService", "auth", { service: "http://127.0.0.1:9003", timeout: "soon" }), errors: ['AuthService default/auth: spec.timeout: invalid duration "soon" (use e.g. "3s", "250ms", "1m30s")'] },
  { name: "AuthService timeout over 60s", yaml: doc("AuthService", "auth", { service: "http://127.0.0.1:9003", timeout: "2m" }), errors: ["AuthService default/auth: spec.timeout: 2m is outside 1ms..60s"] },
  { name: "AuthService pathPrefix", yaml: doc("AuthService", "auth", { service: "http://127.0.0.1:9003", pathPrefix: "check" }), errors: ['AuthService default/auth: spec.pathPrefix: "check" must match ^(/.*)?$'] },
  { name: "rateLimit checked against the ratelimit schema", yaml: mapping("m", { prefix: "/", service: svc, rateLimit: { requests: 0, interval: "1s" } }), errors: ["Mapping default/m: spec.rateLimit.requests: must be >= 1 (got 0)"] },
  { name: "rateLimit unknown setting", yaml: mapping("m", { prefix: "/", service: svc, rateLimit: { requests: 5, per: "1s" } }), errors: ["Mapping default/m: spec.rateLimit.per: unknown field"] },
  { name: "canary config checked against the canary schema", yaml: mapping("m", { prefix: "/", service: svc, canary: { config: { keySources: ["ip"] } } }), errors: ['Mapping default/m: spec.canary.config.keySources[0]: "ip" must match ^(clientAddress|header:[!#$%&\'*+.^_`|~0-9a-z-]+|cookie:[!#$%&\'*+.^_`|~0-9A-Za-z-]+)$'] },
  { name: "unsupported kind", yaml: JSON.stringify({ apiVersion: "attache.dev/v1alpha1", kind: "TCPMapping", metadata: { name: "t" } }), errors: ['TCPMapping default/t: kind: unsupported kind "TCPMapping" (want Mapping, Host, WasmFilter, AuthService, Service, EndpointSlice, Secret or ConfigMap)'] },
  { name: "wrong apiVersion", yaml: JSON.stringify({ apiVersion: "getambassador.io/v3alpha1", kind: "Mapping", metadata: { name: "m" }, spec: { prefix: "/", service: svc } }), errors: ['Mapping default/m: apiVersion: must be "attache.dev/v1alpha1" (got "getambassador.io/v3alpha1")'] },
  { name: "duplicate", yaml: docs(mapping("m", { prefix: "/a", service: svc }), mapping("m", { prefix: "/b", service: svc })), errors: ["Mapping default/m: metadata.name: duplicate Mapping default/m; the first one at test.yaml:1 is used"] },
];

describe("validation errors name the resource and the field", () => {
  it.each(cases)("$name", ({ yaml, errors }) => {
    expect(errorsOf(model(`${yaml}\n---\n${tlsSecret}`))).toEqual(errors);
  });

  it("lists every error of a resource at once", () => {
    const result = model(mapping("m", { regex: "(?=x)", service: svc, timeout: "3 seconds", tiemout: "1s" }));
    expect(errorsOf(result)).toHaveLength(3);
    expect(condition(result, "Mapping", "m", "Accepted")).toMatchObject({ status: "False", reason: "Invalid" });
  });

  it("a valid regex with RE2 features passes", () => {
    expect(errorsOf(model(mapping("m", { regex: "^/users/[0-9]+(/.*)?$", service: svc })))).toEqual([]);
  });

  it("a missing Service keeps the route (503 upstream) but says ResolvedRefs False", () => {
    const result = model(mapping("m", { prefix: "/", service: "echo:80" }));
    expect(condition(result, "Mapping", "m", "Accepted")).toMatchObject({ status: "True" });
    expect(condition(result, "Mapping", "m", "ResolvedRefs")).toMatchObject({ status: "False", reason: "BackendNotFound", message: "spec.service: Service default/echo not found" });
    expect(result.ir.virtualHosts[0].routes.map((r) => r.name)).toEqual(["default/m"]);
    expect(result.ir.clusters[0]).toMatchObject({ name: "default/echo:80", discovery: "eds", endpoints: [] });
  });

  it("a two-label name without a Service is a DNS name (Emissary's resolver), with a note", () => {
    const result = model(mapping("m", { prefix: "/", service: "httpbin.org" }));
    expect(errorsOf(result)).toEqual([]);
    expect(result.ir.clusters[0]).toMatchObject({ name: "url/httpbin.org:80", discovery: "strict_dns", endpoints: [{ address: "httpbin.org", port: 80, ready: true }] });
    expect(condition(result, "Mapping", "m", "Accepted")?.message).toContain("spec.service: no Service org/httpbin: httpbin.org is resolved through DNS");
  });

  it("IPs are STATIC, https:// adds upstream TLS, dnsType logical_dns gives LOGICAL_DNS", () => {
    const result = model(docs(
      mapping("ip", { prefix: "/ip/", service: "127.0.0.1:8500" }),
      mapping("tls", { prefix: "/tls/", service: "https://foo.example.com" }),
      mapping("logical", { prefix: "/l/", service: "foo.example.com:7777", dnsType: "logical_dns" }),
    ));
    expect(errorsOf(result)).toEqual([]);
    const byName = Object.fromEntries(result.ir.clusters.map((c) => [c.name.replace(/#.*/, ""), c]));
    expect(byName["url/127.0.0.1:8500"]).toMatchObject({ discovery: "static" });
    expect(byName["url-tls/foo.example.com:443"]).toMatchObject({ discovery: "strict_dns", upstreamTls: { sni: "foo.example.com" } });
    expect(byName["url/foo.example.com:7777"]).toMatchObject({ discovery: "logical_dns" });
  });
});

// Every kind of validation error, with the exact message a user sees (table-driven).
import { describe, expect, it } from "vitest";
import { model, errorsOf, mapping, doc, docs, condition } from "./fixtures.ts";

const svc = "http://127.0.0.1:9001";
const tlsSecret = `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"tls"},"type":"kubernetes.io/tls","stringData":{"tls.crt":"-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n","tls.key":"-----BEGIN PRIVATE KEY-----\\nMIIB\\n-----END PRIVATE KEY-----\\n"}}`;

const cases: { name: string; yaml: string; errors: string[] }[] = [
  { name: "unknown field", yaml: mapping("m", { prefix: "/", service: svc, tiemout: "1s" }), errors: ["Mapping default/m: spec.tiemout: unknown field"] },
  { name: "bad duration", yaml: mapping("m", { prefix: "/", service: svc, timeout: "3 seconds" }), errors: ['Mapping default/m: spec.timeout: invalid duration "3 seconds" (use e.g. "3s", "250ms", "1m30s")'] },
  { name: "missing required field", yaml: mapping("m", { prefix: "/" }), errors: ["Mapping default/m: spec.service: required field is missing"] },
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
  { name: "bad service name", yaml: mapping("m", { prefix: "/", service: "Echo_Svc:80" }), errors: ['Mapping default/m: spec.service: invalid service "Echo_Svc:80": want name[.namespace][:port] (lowercase DNS labels)'] },
  { name: "URL with a path", yaml: mapping("m", { prefix: "/", service: "http://127.0.0.1:9001/api" }), errors: ['Mapping default/m: spec.service: service URL "http://127.0.0.1:9001/api" must be scheme://host[:port] only (use rewrite for paths)'] },
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

  it("URL services are refused outside file mode", () => {
    expect(errorsOf(model(mapping("m", { prefix: "/", service: svc }), { allowUrlServices: false }))).toEqual([
      'Mapping default/m: spec.service: URL services ("http://127.0.0.1:9001") are only allowed in file mode; use name[.namespace]:port',
    ]);
  });
});

// The CRDs in a real kube-apiserver: `kubectl apply -f examples/` is admitted (all but the
// intentionally invalid Mapping), and mistakes a schema can see are refused AT ADMISSION by
// the CEL rules (x-kubernetes-validations) and OpenAPI checks generated from controlplane/api,
// with the field named in the message. What only the model can check (RE2 syntax, references)
// is admitted and reported in status (test/cluster/serve.test.ts).
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { stringify } from "yaml";
import { REPO_ROOT } from "../../scripts/tools/registry.ts";
import { describeWithTools } from "../tools.ts";
import { CLUSTER_TOOLS, ControlPlane } from "./control-plane.ts";

let plane: ControlPlane;
beforeAll(async () => {
  plane = await ControlPlane.start();
  const crds = await plane.kubectl(["apply", "--server-side", "-f", join(REPO_ROOT, "charts", "attache", "crds")]);
  expect(crds.code, crds.stderr).toBe(0);
  const established = await plane.kubectl(["wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"]);
  expect(established.code, established.stderr).toBe(0);
}, 180_000);
afterAll(async () => plane?.stop());

const mapping = (name: string, spec: Record<string, unknown>) => stringify({ apiVersion: "attache.dev/v1alpha1", kind: "Mapping", metadata: { name, namespace: "default" }, spec });
const apply = (yaml: string) => plane.kubectl(["apply", "-f", "-"], yaml);

describeWithTools(CLUSTER_TOOLS, "CRD admission in a real kube-apiserver", () => {
  it("admits every example but the intentionally invalid Mapping, which it refuses naming each field", async () => {
    const result = await plane.kubectl(["apply", "-f", join(REPO_ROOT, "examples")]);
    expect(result.code).not.toBe(0);
    const created = result.stdout.trim().split("\n").sort();
    expect(created).toEqual(expect.arrayContaining([
      "mapping.attache.dev/echo created", "mapping.attache.dev/shop-canary created", "host.attache.dev/auth-demo created",
      "wasmfilter.attache.dev/hello created", "authservice.attache.dev/external-auth created",
    ]));
    expect(created.some((line) => line.includes("/broken"))).toBe(false);
    // Strict field validation (kubectl's default) refuses the unknown field before the rest of
    // the schema is checked; the bad duration alone is refused by its CEL rule (below).
    expect(result.stderr).toContain('unknown field "spec.tiemout"');
    const stored = await plane.kubectl(["get", "mappings", "-o", "name"]);
    expect(stored.stdout.trim().split("\n").length).toBe(created.filter((l) => l.startsWith("mapping.")).length);
  });

  const svc = "echo:80";
  it.each([
    ["two path matchers", { prefix: "/a/", path: "/a", service: svc }, "spec", "exactly one of prefix, path, regex must be set"],
    ["no path matcher", { service: svc }, "spec", "exactly one of prefix, path, regex must be set"],
    ["a duration in words", { prefix: "/", service: svc, timeout: "3 seconds" }, "spec.timeout", 'must be a duration such as "3s", "250ms" or "1m30s"'],
    ["a duration in days", { prefix: "/", service: svc, retryPolicy: { perTryTimeout: "1d" } }, "spec.retryPolicy.perTryTimeout", "must be a duration"],
    ["a weight over 100", { prefix: "/", service: svc, weight: 150 }, "spec.weight", "should be less than or equal to 100"],
    ["rewrite with regexRewrite", { prefix: "/", service: svc, rewrite: "/", regexRewrite: { pattern: "^/a", substitution: "/" } }, "spec.rewrite", "set either rewrite or regexRewrite, not both"],
    ["neither service nor redirect", { prefix: "/" }, "spec.service", "service is required (or set redirect)"],
    ["a redirect prefix with regex", { regex: "^/a.*", redirect: { prefix: "/b" } }, "spec.redirect.prefix", "redirect.prefix replaces a matched prefix; with regex use redirect.regex"],
    ["a hash key without hashing", { prefix: "/", service: svc, loadBalancer: { policy: "round_robin", header: "x-user" } }, "spec.loadBalancer", "header, cookie and sourceIp need policy ring_hash or maglev"],
    ["two hash keys", { prefix: "/", service: svc, loadBalancer: { policy: "ring_hash", header: "x-user", sourceIp: true } }, "spec.loadBalancer", "at most one of header, cookie, sourceIp may be set"],
    ["a header matched two ways", { prefix: "/", service: svc, headers: [{ name: "x-a", value: "1", regex: "1+" }] }, "spec.headers[0]", "exactly one of value, regex, present must be set"],
    ["a header name with a space", { prefix: "/", service: svc, addRequestHeaders: [{ name: "x a", value: "1" }] }, "spec.addRequestHeaders[0].name", "must be an HTTP header name"],
    ["a filter name with uppercase", { prefix: "/", service: svc, filters: [{ name: "My_Filter" }] }, "spec.filters[0].name", "must be a WasmFilter name"],
    ["a service with an underscore", { prefix: "/", service: "echo_svc:80" }, "spec.service", "must be [http(s)://]host[:port]"],
    ["a service with a path", { prefix: "/", service: "http://echo/api" }, "spec.service", "must be [http(s)://]host[:port]"],
    ["a hostname glob in the middle", { prefix: "/", service: svc, hostname: "api.*.com" }, "spec.hostname", 'must be "*", a lowercase DNS name'],
    ["a shadow with a canary", { prefix: "/", service: svc, shadow: true, canary: {} }, "spec.canary", "a shadow Mapping cannot configure canary"],
    ["a prefix without a slash", { prefix: "api/", service: svc }, "spec.prefix", "should match '^/'"],
  ])("refuses %s at admission, naming the field", async (_case, spec, field, message) => {
    const result = await apply(mapping("bad", spec));
    expect(result.code, result.stdout).not.toBe(0);
    expect(result.stderr).toContain('The Mapping "bad" is invalid');
    expect(result.stderr).toContain(`${field}: Invalid value`);
    expect(result.stderr).toContain(message);
    expect((await plane.kubectl(["get", "mapping", "bad"])).code).not.toBe(0);
  });

  it("admits what the model accepts at the edges of those rules, and leaves RE2 syntax to the model", async () => {
    const edges = [
      mapping("edge-1", { prefix: "/", service: "api.other.svc.cluster.local:8080", hostname: "*.example.com", timeout: "1m30s", idleTimeout: "0", connectTimeout: "1.5s" }),
      mapping("edge-2", { path: "/x", service: "http://127.0.0.1:9001", hostname: "example.*", weight: 0, loadBalancer: { policy: "maglev", cookie: { name: "c", ttl: "250ms" } } }),
      mapping("edge-3", { regex: "^/users/(?!admin)", service: "api", rewrite: "/all", headers: [{ name: "x-user_id", present: true }], filters: [{ name: "other/hello" }] }),
      mapping("edge-4", { prefix: "/ext/", service: "https://httpbin.org", dnsType: "logical_dns", headers: [{ name: ":authority", regex: "^api[.]example[.]com$" }] }),
      mapping("edge-5", { prefix: "/v6/", service: "[::1]:9002" }),
      mapping("edge-6", { prefix: "/old/", redirect: { prefix: "/new/", responseCode: 308 } }),
    ];
    for (const yaml of edges) {
      const result = await apply(yaml);
      expect(result.code, result.stderr).toBe(0);
    }
  });
});

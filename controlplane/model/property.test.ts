// Property: random and broken resource sets never make the model throw; every Mapping it
// accepts routes; the IR keeps its invariants (weights sum to 100, unique route names per
// virtual host, filter configurations name exactly the routes that enable them).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { buildModel, createModelCache } from "./index.ts";
import { TEST_OPTIONS } from "./fixtures.ts";
import { checkFilterConfig } from "./checks/filter-config.ts";
import { BUILTIN_NAMESPACE } from "./resolve/filters.ts";
import type { BundleResource } from "../sources/bundle.ts";
import type { RouteActionIR } from "../ir/types.ts";

const name = fc.constantFrom("a", "b", "c", "d", "e", "Bad_Name");
const ns = fc.constantFrom("default", "default", "other");
const prefix = fc.constantFrom("/", "/a/", "/b/", "/a/b/");
const junk = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }), fc.dictionary(fc.string({ maxLength: 3 }), fc.string(), { maxKeys: 2 }));

/** undefined most of the time (weight 4:1), so most generated specs stay valid. */
const rare = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
const often = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 3, arbitrary: arb });

const mappingSpec = fc.record({
  prefix: often(prefix),
  path: rare(fc.constantFrom("/x", "/health")),
  regex: rare(fc.constantFrom("/r/[0-9]+", "(?=x)", "(a)\\1", "[")),
  service: fc.constantFrom("http://127.0.0.1:9001", "http://127.0.0.1:9002", "echo:80", "echo.other:8080", "https://api.example.com", "bad service", "x:99999"),
  hostname: often(fc.constantFrom("*", "a.test", "*.test", "b.test", "a.*.test")),
  weight: rare(fc.integer({ min: -5, max: 120 })),
  shadow: rare(fc.boolean()),
  canary: rare(fc.constantFrom({}, { hashHeader: "x-h" }, { config: { keySources: ["header:x-u"] } }, { config: { bogus: 1 } })),
  timeout: rare(fc.constantFrom("3s", "250ms", "soon", "0")),
  rateLimit: rare(fc.constantFrom({ requests: 5, interval: "1s" }, { requests: 0 })),
  filters: rare(fc.constantFrom([{ name: "w" }], [{ name: "missing" }], [{ name: "w", config: { x: 1 } }])),
  bypassAuth: rare(fc.boolean()),
  precedence: rare(fc.integer({ min: -2, max: 2 })),
  host: rare(fc.constantFrom("h1", "nope")),
  headers: rare(fc.constantFrom([{ name: "x", value: "1" }], [{ name: "x" }], [{ name: "y", regex: "a+" }])),
  extra: fc.oneof({ weight: 12, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: junk }),
}, { requiredKeys: [] });

const resource = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(name, ns, mappingSpec, fc.option(fc.dictionary(fc.constantFrom("team"), fc.constantFrom("x", "y")), { nil: undefined })).map(([n, namespace, spec, labels]) => ({ apiVersion: "attache.dev/v1alpha1", kind: "Mapping", metadata: { name: n, namespace, labels }, spec })) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom("h1", "h2", "h3"), fc.constantFrom("a.test", "*.test", "*", "b.test", "bad host"), fc.option(fc.constantFrom({ matchLabels: { team: "x" } }), { nil: undefined }), fc.option(fc.constantFrom({ name: "tls" }, { name: "none" }), { nil: undefined })).map(([n, hostname, mappingSelector, tlsSecret]) => ({ apiVersion: "attache.dev/v1alpha1", kind: "Host", metadata: { name: n }, spec: { hostname, mappingSelector, tlsSecret } })) },
  { weight: 1, arbitrary: fc.constantFrom({ builtin: "auth" }, { local: "template" }, { url: "https://x/f.wasm" }, { url: "https://x/f.wasm", sha256: "f".repeat(64) }).map((module) => ({ apiVersion: "attache.dev/v1alpha1", kind: "WasmFilter", metadata: { name: "w" }, spec: { module } })) },
  { weight: 1, arbitrary: fc.record({ service: fc.constantFrom("http://127.0.0.1:9003", "authsvc:80"), hosts: fc.option(fc.constantFrom(["h1"], ["nope"]), { nil: undefined }) }, { requiredKeys: ["service"] }).map((spec) => ({ apiVersion: "attache.dev/v1alpha1", kind: "AuthService", metadata: { name: "auth" }, spec })) },
  { weight: 1, arbitrary: fc.constantFrom(
    { apiVersion: "v1", kind: "Service", metadata: { name: "echo" }, spec: { ports: [{ port: 80 }] } },
    { apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name: "echo-x", labels: { "kubernetes.io/service-name": "echo" } }, endpoints: [{ addresses: ["10.0.0.1"] }], ports: [{ port: 8080 }] },
    { apiVersion: "v1", kind: "Secret", metadata: { name: "tls" }, stringData: { "tls.crt": "-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----", "tls.key": "-----BEGIN PRIVATE KEY-----\nA\n-----END PRIVATE KEY-----" } },
  ) },
  { weight: 1, arbitrary: fc.oneof(junk, fc.record({ kind: junk, metadata: junk, spec: junk }, { requiredKeys: [] })) },
);

function toBundle(generated: unknown[], revision: number) {
  // Through JSON like YAML documents: no `undefined` members.
  const objects = generated.map((o) => (o === undefined ? null : JSON.parse(JSON.stringify(o))));
  const resources: BundleResource[] = objects.map((object, i) => ({ object: object as BundleResource["object"], location: { file: "gen.yaml", line: i + 1 } }));
  return { revision, resources, errors: [] };
}

describe("model properties", () => {
  it("never throws; accepted Mappings route; IR invariants hold", () => {
    const cache = createModelCache();
    let revision = 0;
    const seen = { accepted: 0, rejected: 0, routes: 0 };
    fc.assert(fc.property(fc.array(resource, { maxLength: 14 }), (objects) => {
      const { ir, statuses } = buildModel(toBundle(objects, ++revision), { ...TEST_OPTIONS, cache });
      const routed = new Set(ir.virtualHosts.flatMap((v) => v.routes.flatMap((r) => r.sources.map((s) => `${s.namespace}/${s.name}`))));
      for (const status of statuses) {
        const accepted = status.conditions.find((c) => c.type === "Accepted")!;
        expect(["True", "False"]).toContain(accepted.status);
        if (status.ref.kind === "Mapping") seen[accepted.status === "True" ? "accepted" : "rejected"]++;
        if (status.ref.kind === "Mapping" && accepted.status === "True") expect(routed, `${status.ref.namespace}/${status.ref.name}`).toContain(`${status.ref.namespace}/${status.ref.name}`);
        if (accepted.status === "False") expect(status.errors.length).toBeGreaterThan(0);
      }
      for (const vhost of ir.virtualHosts) {
        const names = vhost.routes.map((r) => r.name);
        expect(new Set(names).size).toBe(names.length);
        for (const route of vhost.routes) {
          const action = route.action as RouteActionIR;
          expect(action.backends.reduce((n, b) => n + b.weight, 0)).toBe(100);
          for (const b of action.backends) expect(ir.clusters.some((c) => c.name === b.cluster)).toBe(true);
        }
      }
      for (const filter of ir.wasmFilters) {
        // The configuration the model assembles for a built-in filter is one its schema accepts.
        const builtin = filter.source.kind === "AuthService" ? "auth" : filter.source.namespace === BUILTIN_NAMESPACE ? filter.source.name : undefined;
        if (builtin) expect(checkFilterConfig(TEST_OPTIONS.filterSchemas![builtin], filter.configuration, filter.name)).toEqual([]);
        const enabling = new Set(ir.virtualHosts.flatMap((v) => v.routes.filter((r) => r.filters.some((f) => f.filter === filter.name)).map((r) => r.name)));
        expect(new Set(Object.keys(filter.configuration.routes as object))).toEqual(enabling);
      }
      seen.routes += ir.virtualHosts.reduce((n, v) => n + v.routes.length, 0);
    }), { numRuns: 300 });
    // The generator must exercise both sides, or the property proves nothing.
    expect(seen.accepted, "accepted Mappings").toBeGreaterThan(20);
    expect(seen.rejected, "rejected Mappings").toBeGreaterThan(20);
    expect(seen.routes).toBeGreaterThan(20);
  });
});

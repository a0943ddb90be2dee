// Property test: random and broken resource sets -> model -> translate
// never throws, every output resource encodes with the Envoy protos, the IR keeps the
// model/translator contract, and every Mapping the model accepts has its route in the output.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { KubeObject, ResourceBundle } from "../sources/bundle.ts";
import { buildModel } from "../model/index.ts";
import { irProblems, translate, TYPE, type XdsResources } from "../translate/index.ts";
import { protoCheck } from "../translate/protocheck.ts";
import { GOLDEN_MODEL_OPTIONS } from "./golden.ts";

const GROUP = "attache.dev/v1alpha1";
/** Usually `good`, sometimes `bad`: most resources are valid, every run still breaks some. */
const mostly = (good: fc.Arbitrary<unknown>, bad: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> => fc.oneof({ weight: 10, arbitrary: good }, { weight: 1, arbitrary: bad });
/** An optional field, absent three times out of four. */
const sometimes = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
/** A wrong type, for a field that should not accept it. */
const junk = fc.constantFrom<unknown>(42, "x", null, [], { nope: true });

const namespaces = fc.constantFrom("default", "default", "team-a");
const names = fc.constantFrom("m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9");
const hostnames = mostly(fc.constantFrom("*", "api.example.com", "*.example.com", "www.example.com"), fc.constantFrom("bad host", "", "*.*.x"));
const services = mostly(fc.constantFrom("echo", "echo:80", "other.team-a:8080", "http://127.0.0.1:9000", "https://api.example.org"), fc.constantFrom("missing", "::bad::", "echo:99999"));
const durations = mostly(fc.constantFrom("1s", "250ms", "0s", "1m"), fc.constantFrom("3 seconds", "-1s", ""));
const regexes = mostly(fc.constantFrom("^/api/[0-9]+$", "/v(1|2)/.*", "\\d+"), fc.constantFrom("(?=lookahead)", "[unclosed", "a{2,1}"));

const match = fc.oneof(
  fc.record({ prefix: mostly(fc.constantFrom("/", "/api/", "/api/users/", "/ws/"), fc.constant("no-slash")) }),
  fc.record({ path: fc.constantFrom("/healthz", "/api/login") }),
  fc.record({ regex: regexes }),
);

const mappingSpec = fc.tuple(match, fc.record({
  hostname: sometimes(hostnames),
  service: services,
  method: sometimes(mostly(fc.constantFrom("GET", "POST"), fc.constant("get"))),
  headers: sometimes(fc.array(fc.oneof(
    fc.record({ name: fc.constantFrom("x-a", "x-b"), value: fc.constantFrom("1", "2") }),
    fc.record({ name: fc.constant("x-r"), regex: regexes }),
    fc.record({ name: fc.constant("x-p"), present: fc.boolean() }),
  ), { minLength: 1, maxLength: 2 })),
  queryParameters: sometimes(fc.array(fc.record({ name: fc.constantFrom("q", "page"), value: fc.constantFrom("1", "x") }), { minLength: 1, maxLength: 2 })),
  rewrite: sometimes(fc.constantFrom("/", "", "/v2/")),
  timeout: sometimes(durations),
  idleTimeout: sometimes(durations),
  retryPolicy: sometimes(fc.record({ retryOn: fc.constantFrom("5xx", "connect-failure"), numRetries: mostly(fc.integer({ min: 0, max: 5 }), fc.constantFrom(-1, 12)) })),
  weight: sometimes(mostly(fc.integer({ min: 0, max: 100 }), fc.constantFrom(-5, 120))),
  shadow: sometimes(fc.boolean()),
  precedence: sometimes(fc.integer({ min: -2, max: 5 })),
  grpc: sometimes(fc.boolean()),
  allowUpgrade: sometimes(mostly(fc.constant(["websocket"]), fc.constant(["h2c"]))),
  loadBalancer: sometimes(mostly(
    fc.oneof(fc.record({ policy: fc.constantFrom("round_robin", "ring_hash", "least_request") }), fc.record({ policy: fc.constant("ring_hash"), header: fc.constant("x-user") })),
    fc.constant({ policy: "fastest" }))),
  cors: sometimes(fc.record({ origins: fc.constantFrom(["*"], ["https://a.example.com"]), credentials: fc.boolean() })),
  addRequestHeaders: sometimes(fc.array(fc.record({ name: mostly(fc.constant("x-add"), fc.constant("")), value: fc.constant("v"), append: fc.boolean() }), { minLength: 1, maxLength: 2 })),
  filters: sometimes(fc.array(fc.record({ name: mostly(fc.constantFrom("auth", "custom"), fc.constant("missing")), config: fc.constantFrom({}, { realm: "x" }) }), { minLength: 1, maxLength: 2 })),
  rateLimit: sometimes(mostly(fc.constant({ requests: 10, interval: "1s" }), fc.constant({ requests: "many" }))),
  canary: sometimes(fc.record({ hashHeader: fc.constant("x-hash") })),
  bypassAuth: sometimes(fc.boolean()),
  unknownField: fc.oneof({ weight: 20, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: junk }),
}, { requiredKeys: ["service"] })).map(([m, rest]) => JSON.parse(JSON.stringify({ ...m, ...rest })) as object);

const metadata = fc.record({ name: names, namespace: namespaces, labels: sometimes(fc.constant({ team: "blue" })) }, { requiredKeys: ["name", "namespace"] })
  .map((m) => JSON.parse(JSON.stringify(m)) as object);
const kube = (kind: string, spec: fc.Arbitrary<unknown>) => fc.record({ apiVersion: fc.constant(GROUP), kind: fc.constant(kind), metadata, spec });

const mappingDoc = kube("Mapping", mappingSpec);
const hostDoc = fc.record({
  apiVersion: fc.constant(GROUP), kind: fc.constant("Host"),
  metadata: fc.record({ name: fc.constantFrom("h0", "h1", "h2"), namespace: namespaces }),
  spec: fc.record({
    hostname: hostnames,
    tlsSecret: sometimes(fc.record({ name: mostly(fc.constant("tls"), fc.constant("missing-tls")) })),
    requestPolicy: sometimes(fc.record({ insecure: fc.record({ action: mostly(fc.constantFrom("Redirect", "Reject", "Route"), fc.constant("Drop")) }) })),
    mappingSelector: sometimes(fc.constant({ matchLabels: { team: "blue" } })),
  }, { requiredKeys: ["hostname"] }).map((h) => JSON.parse(JSON.stringify(h)) as object),
});
const wasmDoc = fc.record({
  apiVersion: fc.constant(GROUP), kind: fc.constant("WasmFilter"),
  metadata: fc.record({ name: fc.constantFrom("auth", "custom"), namespace: namespaces }),
  spec: mostly(
    fc.constantFrom<object>(
      { module: { builtin: "auth" } },
      { module: { builtin: "ratelimit" }, failurePolicy: "FailClosed" },
      { module: { url: "https://m.example.com/x.wasm", sha256: "ab".repeat(32) }, order: 3, config: { a: 1 } },
    ),
    fc.constantFrom<object>({ module: { url: "https://m.example.com/x.wasm" } }, { module: { builtin: "nope" } }),
  ),
});
const authDoc = fc.record({
  apiVersion: fc.constant(GROUP), kind: fc.constant("AuthService"),
  metadata: fc.record({ name: fc.constant("ext"), namespace: fc.constant("default") }),
  spec: fc.record({ service: services, timeout: sometimes(durations), pathPrefix: sometimes(fc.constant("/check")) }, { requiredKeys: ["service"] })
    .map((a) => JSON.parse(JSON.stringify(a)) as object),
});

const fixed: KubeObject[] = [
  { apiVersion: "v1", kind: "Service", metadata: { name: "echo", namespace: "default" }, spec: { ports: [{ name: "http", port: 80, targetPort: 8080 }] } },
  { apiVersion: "v1", kind: "Service", metadata: { name: "other", namespace: "team-a" }, spec: { ports: [{ name: "http", port: 8080, targetPort: 8080 }] } },
  {
    apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", addressType: "IPv4",
    metadata: { name: "echo-1", namespace: "default", labels: { "kubernetes.io/service-name": "echo" } },
    ports: [{ name: "http", port: 8080, protocol: "TCP" }],
    endpoints: [{ addresses: ["10.0.0.1"], conditions: { ready: true } }, { addresses: ["10.0.0.2"], conditions: { ready: false } }],
  },
  {
    apiVersion: "v1", kind: "Secret", metadata: { name: "tls", namespace: "default" }, type: "kubernetes.io/tls",
    data: { "tls.crt": Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").toString("base64"), "tls.key": Buffer.from("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n").toString("base64") },
  },
];

/** Documents a source can deliver but the model must reject: no metadata, unknown kinds, a spec of the wrong type. */
const brokenDoc = fc.constantFrom<object>(
  { kind: "Mapping" },
  { apiVersion: "v1", kind: "Gadget", metadata: { name: "x", namespace: "default" } },
  { apiVersion: GROUP, kind: "Mapping", metadata: { name: "m1", namespace: "default" }, spec: 42 },
  { apiVersion: GROUP, kind: "Host", metadata: { name: 7 }, spec: { hostname: "a.example.com" } },
);

const bundles = fc.tuple(
  fc.array(mappingDoc, { maxLength: 10 }),
  fc.array(hostDoc, { maxLength: 3 }),
  fc.array(wasmDoc, { maxLength: 2 }),
  fc.array(authDoc, { maxLength: 1 }),
  fc.array(brokenDoc, { maxLength: 1 }),
).map(([m, h, w, a, j]): ResourceBundle => ({
  revision: 1,
  resources: [...fixed, ...m, ...h, ...w, ...a, ...j].map((object) => ({ object: object as KubeObject })),
  errors: [],
}));

/** Route names present in the output, over every RouteConfiguration's virtual hosts. */
function outputRouteNames(resources: XdsResources): Set<string> {
  const names = new Set<string>();
  const add = (vhost: any) => { for (const route of vhost.routes ?? []) names.add(route.name); };
  for (const rc of resources[TYPE.routeConfiguration]!.values() as Iterable<any>) for (const vhost of rc.virtual_hosts ?? []) add(vhost);
  return names;
}

describe("model + translate on random and broken resource sets", () => {
  it("never throws, encodes everything, keeps the contract and routes every accepted Mapping", () => {
    fc.assert(fc.property(bundles, (bundle) => {
      const model = buildModel(bundle, GOLDEN_MODEL_OPTIONS);
      const resources = translate(model.ir);
      expect(protoCheck(resources).problems).toEqual([]);
      expect(irProblems(model.ir)).toEqual([]);

      const routed = outputRouteNames(resources);
      const routeOf = new Map<string, string>();
      for (const vhost of model.ir.virtualHosts) {
        for (const route of vhost.routes) {
          const action = route.action.kind === "route" ? route.action : undefined;
          const sources = [...route.sources, ...(action?.backends.map((b) => b.source) ?? []), ...(action?.mirrors.map((m) => m.source) ?? [])];
          for (const source of sources) routeOf.set(`${source.namespace}/${source.name}`, route.name);
        }
      }
      for (const status of model.statuses) {
        if (status.ref.kind !== "Mapping") continue;
        const accepted = status.conditions.find((c) => c.type === "Accepted")?.status === "True";
        if (!accepted) continue;
        const ref = `${status.ref.namespace}/${status.ref.name}`;
        const route = routeOf.get(ref);
        expect(route, `accepted Mapping ${ref} has no route in the IR`).toBeDefined();
        expect(routed.has(route!), `route ${route} of Mapping ${ref} is not in the output`).toBe(true);
      }
    }), { numRuns: 200 });
  });
});

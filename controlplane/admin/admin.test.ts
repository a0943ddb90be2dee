import { afterEach, describe, expect, it } from "vitest";
import type { GatewayIR } from "../ir/types.ts";
import type { ResourceStatus } from "../model/types.ts";
import { ControlPlaneMetrics } from "./metrics.ts";
import type { ClientView } from "./overview.ts";
import { startAdminServer, type AdminServer, type AdminSources } from "./server.ts";

const ir: GatewayIR = {
  listeners: { http: 8080, https: 8443 },
  moduleServer: { clusterName: "attache_modules", host: "127.0.0.1", port: 18002 },
  secrets: [{ name: "default/tls", certificateChain: "-----BEGIN CERTIFICATE-----", privateKey: "-----BEGIN PRIVATE KEY-----secret" }],
  clusters: [{ name: "url/127.0.0.1:9001", discovery: "static", endpoints: [{ address: "127.0.0.1", port: 9001, ready: true }], protocol: "http1", connectTimeoutMs: 250, lbPolicy: "round_robin", sources: [] }],
  wasmFilters: [{ name: "attache.wasm/default/auth", source: { kind: "WasmFilter", namespace: "default", name: "auth" }, order: 100, rootId: "auth", vmId: "default/auth", module: { sha256: "ab".repeat(32), path: "/modules/x.wasm" }, failurePolicy: "FailClosed", configuration: { jwt: { keys: [{ kty: "oct", k: "c2VjcmV0" }] } } }],
  virtualHosts: [{
    name: "attache/default", domains: ["*"], insecure: "Route",
    routes: [{
      name: "default/echo", sources: [{ kind: "Mapping", namespace: "default", name: "echo" }],
      match: { prefix: "/echo/", caseSensitive: true, headers: [], queryParameters: [], grpc: false },
      action: { kind: "route", backends: [{ cluster: "url/127.0.0.1:9001", weight: 100, source: { kind: "Mapping", namespace: "default", name: "echo" } }], timeoutMs: 3000, headers: { requestAdd: [], requestRemove: [], responseAdd: [], responseRemove: [] }, mirrors: [], upgrades: [] },
      filters: [{ filter: "attache.wasm/default/auth", settings: { jwt: { keys: [{ kty: "oct", k: "c2VjcmV0" }] } } }],
    }],
  }],
};

const statuses: ResourceStatus[] = [
  { ref: { kind: "Mapping", namespace: "default", name: "echo" }, conditions: [{ type: "Accepted", status: "True", reason: "Accepted", message: "", lastTransitionTime: "2026-01-01T00:00:00Z" }], errors: [] },
  { ref: { kind: "Mapping", namespace: "default", name: "broken" }, location: { file: "examples/broken.yaml", line: 3 }, conditions: [{ type: "Accepted", status: "False", reason: "Invalid", message: "spec.timeout: invalid duration", lastTransitionTime: "2026-01-01T00:00:00Z" }], errors: ['Mapping default/broken: spec.timeout: invalid duration "3 seconds"'] },
];

let server: AdminServer | undefined;
afterEach(async () => { await server?.close(); server = undefined; });

function sources(overrides: Partial<AdminSources> = {}): AdminSources & { state: { ready: boolean; clients: ClientView[] } } {
  const state = { ready: false, clients: [] as ClientView[] };
  return {
    state,
    ready: () => ({ ready: state.ready, reason: state.ready ? "snapshot served" : "no snapshot yet" }),
    config: () => ({ "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret": { "default/tls": { name: "default/tls", tls_certificate: { private_key: { inline_string: "-----BEGIN PRIVATE KEY-----secret" } } } } }),
    statuses: () => statuses,
    ir: () => ir,
    clients: () => state.clients,
    metrics: new ControlPlaneMetrics(),
    ...overrides,
  };
}

describe("admin server", () => {
  it("/ready answers 503 until the first snapshot, then 200; /alive always 200", async () => {
    const s = sources();
    server = await startAdminServer(s, 0);
    const base = `http://127.0.0.1:${server.port}`;
    expect((await fetch(`${base}/alive`)).status).toBe(200);
    const before = await fetch(`${base}/ready`);
    expect(before.status).toBe(503);
    expect(await before.text()).toContain("no snapshot yet");
    s.state.ready = true;
    expect((await fetch(`${base}/ready`)).status).toBe(200);
  });

  it("/metrics is Prometheus text and moves when a batch is recorded", async () => {
    const s = sources();
    server = await startAdminServer(s, 0);
    const read = async () => (await (await fetch(`http://127.0.0.1:${server!.port}/metrics`)).text());
    const before = await read();
    expect(before).toMatch(/^# HELP attache_translation_duration_seconds/m);
    expect(before).toMatch(/^attache_config_batches_total 0$/m);
    s.metrics.batches.inc();
    s.metrics.translationSeconds.observe(0.004);
    const after = await read();
    expect(after).toMatch(/^attache_config_batches_total 1$/m);
    expect(after).toMatch(/^attache_translation_duration_seconds_count 1$/m);
    for (const line of after.split("\n").filter((l) => l && !l.startsWith("#"))) {
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? [-+0-9.eENaInf]+$/);
    }
  });

  it("never shows a secret: TLS keys and JWT HMAC keys are redacted everywhere", async () => {
    server = await startAdminServer(sources(), 0);
    const base = `http://127.0.0.1:${server.port}`;
    for (const path of ["/debug/config", "/debug/overview", "/debug/resources"]) {
      const text = await (await fetch(`${base}${path}`)).text();
      expect(text).not.toContain("PRIVATE KEY-----secret");
      expect(text).not.toContain("c2VjcmV0");
    }
    expect(await (await fetch(`${base}/debug/config`)).text()).toContain("[redacted]");
  });

  it("shows invalid resources with file:line and a NACKing proxy in /debug/clients and the overview", async () => {
    const s = sources();
    s.state.clients = [{ id: "envoy-1", cluster: "attache", protocol: "delta", connectedAt: "2026-01-01T00:00:00Z", acked: { "type.googleapis.com/envoy.config.cluster.v3.Cluster": "v1" },
      lastNack: { typeUrl: "type.googleapis.com/envoy.config.listener.v3.Listener", version: "v2", message: "unknown field", at: "2026-01-01T00:00:01Z" } }];
    server = await startAdminServer(s, 0);
    const base = `http://127.0.0.1:${server.port}`;
    const clients = await (await fetch(`${base}/debug/clients`)).json();
    expect(clients[0].lastNack.message).toBe("unknown field");
    const overview = await (await fetch(`${base}/debug/overview`)).json();
    expect(overview.resources.find((r: any) => r.name === "default/broken")).toMatchObject({ accepted: "False", location: "examples/broken.yaml:3" });
    expect(overview.hosts[0].routes[0]).toMatchObject({ name: "default/echo", match: "prefix /echo/", filters: [{ name: "attache.wasm/default/auth" }] });
  });

  it("serves the page and its bundled script", async () => {
    server = await startAdminServer(sources(), 0);
    const base = `http://127.0.0.1:${server.port}`;
    expect(await (await fetch(`${base}/`)).text()).toContain("Attaché diagnostics");
    const js = await fetch(`${base}/ui/app.js`);
    expect(js.headers.get("content-type")).toBe("text/javascript");
    expect((await js.text()).length).toBeGreaterThan(500);
  });
});

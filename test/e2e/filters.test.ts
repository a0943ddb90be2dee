// The built-in Wasm filters end to end, once per data plane, each with two worker threads: an
// API key turning 401 into 200, a rate limit answering 429 once the budget shared by every
// worker is spent, and a sticky canary whose split follows the weight and never moves a user.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startEchoServer, type EchoServer } from "../../controlplane/runner/example-upstreams/echo-server.ts";
import { request } from "../http-client.ts";
import { prometheusValue } from "./clients.ts";
import { eventually, forEachDataPlane, startE2E, type E2E } from "./harness.ts";

const KEY = "e2e-secret-key-123456";

forEachDataPlane("built-in Wasm filters end to end", (dataPlane) => {
  let e2e: E2E;
  let primary: EchoServer;
  let canary: EchoServer;

  beforeAll(async () => {
    primary = await startEchoServer("primary");
    canary = await startEchoServer("canary");
    const sha = createHash("sha256").update(KEY).digest("hex");
    e2e = await startE2E({
      "auth.yaml": `apiVersion: attache.dev/v1alpha1
kind: WasmFilter
metadata: { name: keys }
spec:
  module: { builtin: auth }
  config: { apiKeys: { header: x-api-key, keys: [{ name: e2e, sha256: "${sha}" }] } }
---
apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: { name: private }
spec: { prefix: /private/, service: "http://127.0.0.1:${primary.port}", filters: [{ name: keys }] }
`,
      "limited.yaml": `apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: { name: limited }
spec:
  prefix: /limited/
  service: "http://127.0.0.1:${primary.port}"
  rateLimit: { requests: 5, interval: 1m, responseHeaders: true }
`,
      "canary.yaml": `apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: { name: shop }
spec: { prefix: /shop/, service: "http://127.0.0.1:${primary.port}" }
---
apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: { name: shop-canary }
spec:
  prefix: /shop/
  service: "http://127.0.0.1:${canary.port}"
  weight: 20
  canary: { config: { keySources: ["header:x-user"] } }
`,
    }, { dataPlane });
  });
  afterAll(async () => {
    await e2e?.close();
    await primary?.close();
    await canary?.close();
  });

  it("answers 401 without an API key and 200 with it", async () => {
    const denied = await request(`${e2e.http}/private/data`);
    expect(denied.status).toBe(401);
    expect(denied.headers["www-authenticate"]).toContain("ApiKey");
    expect(denied.json()).toMatchObject({ error: "unauthorized" });
    expect((await request(`${e2e.http}/private/data`, { headers: { "x-api-key": "wrong" } })).status).toBe(401);
    const allowed = await request(`${e2e.http}/private/data`, { headers: { "x-api-key": KEY } });
    expect(allowed.status).toBe(200);
    expect(allowed.json().server).toBe("primary");
  });

  it("answers 429 once the budget is spent, counting across worker threads", async () => {
    // New connections each time (agent: false), so they spread over the workers.
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await request(`${e2e.http}/limited/x`)).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    const limited = await request(`${e2e.http}/limited/x`);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect(limited.headers["ratelimit-limit"]).toBeDefined();
    expect(limited.headers["ratelimit-remaining"]).toBe("0");
  });

  it("splits users near the canary weight and keeps each user on one side", async () => {
    const side = async (user: string) => (await request(`${e2e.http}/shop/item`, { headers: { "x-user": user } })).json().server as string;
    const users = Array.from({ length: 200 }, (_, i) => `user-${i}`);
    const first = new Map<string, string>();
    for (const u of users) first.set(u, await side(u));
    const share = [...first.values()].filter((s) => s === "canary").length / users.length;
    expect(share).toBeGreaterThan(0.12);
    expect(share).toBeLessThan(0.28);
    for (const u of users.slice(0, 50)) expect(await side(u)).toBe(first.get(u));
    expect((await request(`${e2e.http}/shop/item`, { headers: { "x-user": "user-1", "x-canary": "always" } })).json().server).toBe("canary");
    expect((await request(`${e2e.http}/shop/item`, { headers: { "x-user": "user-1", "x-canary": "never" } })).json().server).toBe("primary");
  });

  it("exposes the filters' own metrics on /stats/prometheus", async () => {
    await eventually(async () => ((await prometheusValue(e2e, "auth_denied")) ?? 0) >= 2);
    expect(await prometheusValue(e2e, "ratelimit_limited")).toBe(4);
    if (dataPlane === "local") {
      // The local data plane's own per-route counters (Envoy has per-route stats only for
      // routes with a stat_prefix, which the translator does not set).
      expect(await prometheusValue(e2e, "attache_route_requests_total", 'route="default/private",code_class="4xx"')).toBeGreaterThanOrEqual(2);
    }
  });
});

// Per-route Wasm filter settings in real Envoy: they travel on each route (its metadata,
// controlplane/translate/wasm.ts) and the filter reads them as a property
// (filters/sdk/route_map.ts), so one filter configuration serves routes with different
// settings, and editing one route's settings changes that route in Envoy without touching the
// filter's configuration (no ECDS update, no plugin reconfiguration). Routes with the same
// settings text share one parsed value in the filter, yet keep their own rate limit buckets
// (the ratelimit settings name their route).
import { createHash } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { bundleFromYaml } from "../../controlplane/testdata/golden.ts";
import { describeWithTools } from "../tools.ts";
import { startEnvoyStack, type EnvoyStack } from "./stack.ts";

const KEY = "route-settings-key";

function workload(realmOfA: string): string {
  return `apiVersion: attache.dev/v1alpha1
kind: WasmFilter
metadata: { name: auth, namespace: default }
spec:
  module: { builtin: auth }
  config: { apiKeys: { keys: [{ name: test, sha256: "${createHash("sha256").update(KEY).digest("hex")}" }] } }
---
apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: { name: a, namespace: default }
spec: { prefix: /a/, service: "http://127.0.0.1:9", filters: [{ name: auth, config: { realm: ${realmOfA} } }] }
---
apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: { name: b, namespace: default }
spec: { prefix: /b/, service: "http://127.0.0.1:9", filters: [{ name: auth, config: { realm: b-realm } }] }
---
apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: { name: c, namespace: default }
spec: { prefix: /c/, service: "http://127.0.0.1:9", rateLimit: { requests: 1, interval: 1h } }
---
apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: { name: d, namespace: default }
spec: { prefix: /d/, service: "http://127.0.0.1:9", rateLimit: { requests: 1, interval: 1h } }
`;
}

describeWithTools(["envoy"], "per-route Wasm filter settings in Envoy", () => {
  let stack: EnvoyStack;
  beforeAll(async () => { stack = await startEnvoyStack(); }, 60_000);
  afterAll(async () => { await stack?.close(); });

  const challenge = async (path: string) => {
    // The listener serves once its Wasm filters' modules are fetched and loaded (it warms).
    for (let tries = 0; ; tries++) {
      try {
        const res = await fetch(`http://127.0.0.1:${stack.ports.http}${path}`);
        return { status: res.status, challenge: res.headers.get("www-authenticate") };
      } catch (err) {
        if (tries >= 150) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const reloads = async () => Number(/: (\d+)/.exec(await stack.envoy.admin(
    "/stats?filter=" + encodeURIComponent("^extension_config_discovery\\.http_filter\\.attache\\.wasm/default/auth\\.config_reload$")))?.[1] ?? NaN);

  it("gives each route its own settings from one filter configuration", async () => {
    await stack.apply({ ...bundleFromYaml(workload("a-realm"), "route-settings.yaml"), revision: 1 });
    expect(await challenge("/a/x")).toEqual({ status: 401, challenge: 'ApiKey realm="a-realm", header="x-api-key"' });
    expect(await challenge("/b/x")).toEqual({ status: 401, challenge: 'ApiKey realm="b-realm", header="x-api-key"' });
  }, 60_000);

  it("applies an edit of one route's settings without reconfiguring the filter", async () => {
    const before = await reloads();
    expect(before).toBeGreaterThan(0);
    await stack.apply({ ...bundleFromYaml(workload("a-edited"), "route-settings.yaml"), revision: 2 });
    expect(await challenge("/a/x")).toEqual({ status: 401, challenge: 'ApiKey realm="a-edited", header="x-api-key"' });
    expect(await challenge("/b/x")).toEqual({ status: 401, challenge: 'ApiKey realm="b-realm", header="x-api-key"' });
    expect(await reloads()).toBe(before);
  }, 60_000);

  it("keeps the rate limit buckets of two routes with the same settings apart", async () => {
    // The upstream refuses connections (503): anything but 429 got past the limit.
    const status = async (path: string) => (await challenge(path)).status;
    expect(await status("/c/x")).toBe(503);
    expect(await status("/c/x")).toBe(429);
    expect(await status("/d/x")).toBe(503);
    expect(await status("/d/x")).toBe(429);
  }, 60_000);
});

// Wasm filters behind several TLS Hosts, with real Envoy on two worker threads. Each TLS Host
// is its own filter chain with its own HCM, and each HCM's ECDS provider creates the plugin
// for itself, on every worker thread. Envoy shares one base VM per module among them only
// when the module's bytes arrive in the ECDS resource (modules/delivery.ts): with
// `code.remote`, every provider but the one that started the fetch finds the download "in
// progress", its base VM is null, and a FAIL_CLOSED filter answers every request of that
// Host with 503 ("Plugin ... failed to load"). So every filter chain must enforce its filters
// from the first config on: auth refuses without the key and passes with it, the rate limit
// answers with its headers, and Envoy logs no plugin that failed to load.
import { createHash } from "node:crypto";
import { request } from "node:https";
import { beforeAll, expect, it } from "vitest";
import { selfSignMissingSecrets } from "../../controlplane/runner/dev-secrets.ts";
import { bundleFromYaml } from "../../controlplane/testdata/golden.ts";
import { describeWithTools } from "../tools.ts";
import { envoyWithEcho, type EnvoyStack } from "./stack.ts";

const KEY = "tls-hosts-key";
const TLS_HOSTS = ["a", "b", "c", "d"].map((h) => `${h}.tls.localhost`);

function workload(echoPort: number): string {
  const docs = [`apiVersion: attache.dev/v1alpha1
kind: WasmFilter
metadata: {name: auth}
spec:
  module: {builtin: auth}
  failurePolicy: FailClosed
  config: {apiKeys: {keys: [{name: test, sha256: "${createHash("sha256").update(KEY).digest("hex")}"}]}}
---
apiVersion: attache.dev/v1alpha1
kind: WasmFilter
metadata: {name: tagger}
spec:
  module: {local: template}
  failurePolicy: FailClosed`];
  TLS_HOSTS.forEach((hostname, i) => docs.push(`apiVersion: attache.dev/v1alpha1
kind: Host
metadata: {name: h${i}}
spec: {hostname: ${hostname}, tlsSecret: {name: h${i}-tls}}
---
apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: {name: h${i}-auth}
spec: {hostname: ${hostname}, prefix: /auth/, service: "http://127.0.0.1:${echoPort}", filters: [{name: auth, config: {realm: h${i}}}, {name: tagger, config: {header: {name: x-tag, value: h${i}}}}]}
---
apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: {name: h${i}-limited}
spec: {hostname: ${hostname}, prefix: /limited/, service: "http://127.0.0.1:${echoPort}", rateLimit: {requests: ${100 + i}, interval: 1m, responseHeaders: true}}`));
  return docs.join("\n---\n");
}

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

function get(port: number, servername: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, servername, headers: { ...headers, host: servername }, rejectUnauthorized: false, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.once("error", reject);
    req.end();
  });
}

describeWithTools(["envoy"], "Wasm filters on several TLS Hosts (one HCM each, two worker threads)", () => {
  const env = envoyWithEcho({ concurrency: 2 });
  let stack: EnvoyStack;
  beforeAll(async () => {
    stack = env.stack;
    const bundle = bundleFromYaml(workload(env.echo.port), "tls-hosts.yaml");
    await stack.apply({ ...bundle, resources: [...bundle.resources, ...(await selfSignMissingSecrets(bundle))] });
  }, 60_000);

  it("enforces every filter on every TLS Host from the first config on", async () => {
    expect(stack.nacks).toEqual([]);
    // Fresh connections: each lands on one of the two worker threads.
    for (let round = 0; round < 3; round++) {
      for (const [i, host] of TLS_HOSTS.entries()) {
        const refused = await get(stack.ports.https, host, "/auth/x");
        expect({ host, status: refused.status, challenge: refused.headers["www-authenticate"] })
          .toEqual({ host, status: 401, challenge: `ApiKey realm="h${i}", header="x-api-key"` });
        const passed = await get(stack.ports.https, host, "/auth/x", { "x-api-key": KEY });
        expect({ host, status: passed.status, tag: JSON.parse(passed.body).headers["x-tag"] }).toEqual({ host, status: 200, tag: `h${i}` });
        const limited = await get(stack.ports.https, host, "/limited/x");
        expect({ host, status: limited.status, limit: limited.headers["ratelimit-limit"] }).toEqual({ host, status: 200, limit: String(100 + i) });
      }
    }
  }, 60_000);

  it("logs no Wasm plugin that failed to load", () => {
    expect(stack.envoy.lines.filter((l) => /failed to load|fail closed/.test(l))).toEqual([]);
  });
});

// Request-path security on both data planes: the hostile targets of corpus.ts go, as raw bytes,
// to real Envoy and to the local data plane (devproxy/), both serving the same translated
// config: /private/ and the host admin.test protected by the API-key filter, a catch-all open
// route, each served by its own echo upstream that reports the path it received. For every
// variant both must give the same status, the same upstream and the same upstream path, and no
// variant may reach a protected upstream without the key.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startEchoServer, type EchoServer } from "../../controlplane/runner/example-upstreams/echo-server.ts";
import { eventually, startE2E, type E2E } from "../e2e/harness.ts";
import { describeWithTools } from "../tools.ts";
import { CORPUS, type PathCase } from "./corpus.ts";
import { rawExchange } from "./raw-client.ts";

const KEY = "path-corpus-key-0123456789";

interface Outcome {
  status: number;
  /** The echo upstream that answered, if any. */
  upstream?: string;
  /** The path (with query) that upstream received. */
  path?: string;
  location?: string;
}

function head(c: PathCase): Buffer {
  let text = `GET ${c.target} HTTP/1.1\r\n`;
  for (const host of c.hosts ?? ["localhost"]) text += `host: ${host}\r\n`;
  if (c.withKey) text += `x-api-key: ${KEY}\r\n`;
  return Buffer.from(text, "latin1");
}

async function outcome(port: number, c: PathCase): Promise<Outcome> {
  const answer = await rawExchange(port, head(c));
  const out: Outcome = { status: answer.status };
  const location = answer.headers.find(([k]) => k === "location")?.[1];
  if (location !== undefined) out.location = location;
  if (answer.headers.some(([k]) => k === "x-served-by")) {
    const seen = JSON.parse(answer.body) as { server: string; path: string };
    out.upstream = seen.server;
    out.path = seen.path;
  }
  return out;
}

/** The path as an upstream that percent-decodes once and takes `\\` for `/` would read it. */
function decodedOnce(path: string): string {
  return path.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))).replace(/\\/g, "/");
}

function files(ports: Record<"private" | "open" | "admin", number>): Record<string, string> {
  const sha = createHash("sha256").update(KEY).digest("hex");
  return {
    "paths.yaml": `apiVersion: attache.dev/v1alpha1
kind: WasmFilter
metadata: { name: keys }
spec:
  module: { builtin: auth }
  config: { apiKeys: { header: x-api-key, keys: [{ name: corpus, sha256: "${sha}" }] } }
---
apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: { name: private }
spec: { prefix: /private/, rewrite: /private/, service: "http://127.0.0.1:${ports.private}", filters: [{ name: keys }] }
---
apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: { name: admin }
spec: { hostname: admin.test, prefix: /, service: "http://127.0.0.1:${ports.admin}", filters: [{ name: keys }] }
---
apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: { name: open }
spec: { prefix: /, service: "http://127.0.0.1:${ports.open}" }
`,
  };
}

describeWithTools(["envoy"], "hostile request paths: Envoy and the local data plane agree, and none passes the filter", () => {
  const upstreams: EchoServer[] = [];
  const stacks: E2E[] = [];
  const results = new Map<string, { envoy: Outcome; local: Outcome }>();

  beforeAll(async () => {
    for (const name of ["private", "open", "admin"]) upstreams.push(await startEchoServer(name));
    const [privatePort, openPort, adminPort] = upstreams.map((u) => u.port);
    const config = files({ private: privatePort!, open: openPort!, admin: adminPort! });
    const envoy = await startE2E(config, { dataPlane: "envoy" });
    stacks.push(envoy);
    const local = await startE2E(config, { dataPlane: "local" });
    stacks.push(local);
    for (const stack of stacks) {
      const port = Number(new URL(stack.http).port);
      await eventually(async () => (await outcome(port, { name: "", target: "/private/x", hosts: ["admin.test"] })).status === 401
        && (await outcome(port, { name: "", target: "/open/x" })).status === 200, 30_000, 50);
    }
    const envoyPort = Number(new URL(envoy.http).port);
    const localPort = Number(new URL(local.http).port);
    for (const c of CORPUS) results.set(c.name, { envoy: await outcome(envoyPort, c), local: await outcome(localPort, c) });
  }, 120_000);
  afterAll(async () => {
    for (const stack of stacks) await stack.close();
    for (const upstream of upstreams) await upstream.close();
  });

  it("has at least 40 variants", () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(40);
  });

  it.each(CORPUS.map((c) => [c.name, c] as const))("%s: same status, upstream and path on both", (_name, c) => {
    const { envoy, local } = results.get(c.name)!;
    expect(local).toEqual(envoy);
  });

  it.each(CORPUS.filter((c) => !c.withKey).map((c) => [c.name, c] as const))("%s: reaches no protected upstream without the key", (_name, c) => {
    const { envoy, local } = results.get(c.name)!;
    for (const seen of [envoy, local]) {
      expect(["private", "admin"]).not.toContain(seen.upstream);
      // What the open upstream got must not name a protected path once an upstream decodes it.
      if (seen.path !== undefined) expect(decodedOnce(seen.path.split("?")[0]!)).not.toMatch(/^\/+private\//);
    }
  });

  it("the controls did what they say", () => {
    expect(results.get("protected, no key")!.envoy.status).toBe(401);
    expect(results.get("protected, with key")!.envoy).toEqual({ status: 200, upstream: "private", path: "/private/x" });
    expect(results.get("open")!.envoy).toEqual({ status: 200, upstream: "open", path: "/open/x" });
    expect(results.get("protected host, no key")!.envoy.status).toBe(401);
    // Host names match ignoring case: an upper-case Host still selects the protected Mapping.
    expect(results.get("Host upper case")!.envoy.status).toBe(401);
  });
});

// The gateway end to end without Wasm filters, once per data plane: file -> route, retries
// and timeouts, CORS, the headers an edge proxy sets, TLS with SNI, WebSocket, a broken file
// next to good ones, endpoints going away, and a control plane restart.
import net from "node:net";
import { networkInterfaces } from "node:os";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startEchoServer, type EchoServer } from "../../controlplane/runner/example-upstreams/echo-server.ts";
import { request } from "../http-client.ts";
import { selfSignedTlsSecret } from "../../controlplane/runner/tls.ts";
import { XdsServer } from "../../controlplane/xds/index.ts";
import { httpsGet } from "./clients.ts";
import { startFlakyUpstream, type FlakyUpstream } from "./flaky-upstream.ts";
import { eventually, forEachDataPlane, mapping, startE2E, type E2E } from "./harness.ts";

forEachDataPlane("gateway end to end (file source -> xDS -> data plane)", (dataPlane) => {
  let e2e: E2E;
  let echo: EchoServer;
  let flaky: FlakyUpstream;

  beforeAll(async () => {
    echo = await startEchoServer("echo");
    flaky = await startFlakyUpstream();
    const upstream = `http://127.0.0.1:${echo.port}`;
    e2e = await startE2E({
      "base.yaml": mapping("base", { prefix: "/base/", service: upstream }),
      "resilience.yaml": [
        mapping("retried", { prefix: "/retried/", service: `http://127.0.0.1:${flaky.port}`, retryPolicy: { retryOn: "5xx", numRetries: 2 } }),
        mapping("slow", { prefix: "/slow/", service: upstream, rewrite: "/delay/", timeout: "300ms" }),
        mapping("per-try", { prefix: "/per-try/", service: `http://127.0.0.1:${flaky.port}`, timeout: "5s", retryPolicy: { retryOn: "5xx", numRetries: 1, perTryTimeout: "200ms" } }),
      ].join("---\n"),
      "cors.yaml": mapping("cors", { prefix: "/cors/", service: upstream, cors: { origins: ["http://app.example"], methods: ["GET", "PUT"], headers: ["x-custom"], maxAge: "10m" } }),
    }, { dataPlane });
  });
  afterAll(async () => {
    await e2e?.close();
    await echo?.close();
    await flaky?.close();
  });

  it("routes a new Mapping file within a second of writing it", async () => {
    expect((await request(`${e2e.http}/new/x`)).status).toBe(404);
    const written = performance.now();
    e2e.write("new.yaml", mapping("fresh", { prefix: "/new/", service: `http://127.0.0.1:${echo.port}` }));
    await eventually(async () => (await request(`${e2e.http}/new/x`)).status === 200, 5000, 5);
    const elapsed = performance.now() - written;
    expect(elapsed).toBeLessThan(5000); // loose: the benchmark measures this properly
    expect((await request(`${e2e.http}/new/hello`)).json().path).toBe("/hello");
  });

  it("keeps serving good routes next to a broken Mapping file, and shows its error", async () => {
    e2e.write("broken.yaml", mapping("broken", { prefix: "/broken/", service: "http://127.0.0.1:1", timeout: "3 seconds" }));
    await eventually(async () => {
      const resources = await (await fetch(`${e2e.admin}/debug/resources`)).json();
      return resources.some((r: any) => r.ref.name === "broken" && r.errors.some((e: string) => e.includes("spec.timeout")));
    });
    expect((await request(`${e2e.http}/base/ok`)).status).toBe(200);
    expect((await request(`${e2e.http}/broken/x`)).status).toBe(404);
    e2e.remove("broken.yaml");
  });

  it("answers 503 no healthy upstream when a Service loses its endpoints", async () => {
    const service = (ready: boolean[]) => `
apiVersion: v1
kind: Service
metadata: { name: shop, namespace: default }
spec: { ports: [{ name: http, port: 80, targetPort: ${echo.port} }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: shop-1, namespace: default, labels: { kubernetes.io/service-name: shop } }
addressType: IPv4
ports: [{ name: http, port: ${echo.port} }]
endpoints: ${JSON.stringify(ready.map((r) => ({ addresses: ["127.0.0.1"], conditions: { ready: r } })))}
---
${mapping("shop", { prefix: "/shop/", service: "shop:80" })}`;
    e2e.write("shop.yaml", service([true]));
    await eventually(async () => (await request(`${e2e.http}/shop/a`)).status === 200);
    e2e.write("shop.yaml", service([false]));
    await eventually(async () => (await request(`${e2e.http}/shop/a`)).status === 503);
    const res = await request(`${e2e.http}/shop/a`);
    expect(res.text).toBe("no healthy upstream");
  });

  it("proxies a WebSocket echo on a route with allowUpgrade", async () => {
    e2e.write("ws.yaml", mapping("ws", { prefix: "/ws/", service: `http://127.0.0.1:${echo.port}`, allowUpgrade: ["websocket"] }));
    const talk = () => new Promise<string>((resolve, reject) => {
      const [host, port] = e2e.http.replace("http://", "").split(":");
      const socket = net.connect(Number(port), host, () => {
        socket.write("GET /ws/chat HTTP/1.1\r\nhost: localhost\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n");
      });
      let seen = "";
      socket.on("data", (d) => {
        seen += d.toString("latin1");
        if (seen.startsWith("HTTP/1.1 101") && seen.includes("\r\n\r\n") && !seen.includes("echo:")) {
          const payload = Buffer.from("ping");
          const mask = Buffer.from([9, 8, 7, 6]);
          socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, payload.map((b, i) => b ^ mask[i % 4])]));
        }
        if (seen.includes("echo:ping") || (!seen.startsWith("HTTP/1.1 101") && seen.includes("\r\n\r\n"))) { socket.destroy(); resolve(seen); }
      });
      socket.on("error", reject);
    });
    await eventually(async () => (await talk()).includes("echo:ping"));
    // The upgrade request took the route's rewrite like any other (/ws/chat -> /chat).
    expect((await talk()).toLowerCase()).toContain("x-echo-path: /chat\r\n");
  });

  it("retries a failing upstream per retryPolicy and gives up after numRetries", async () => {
    const ok = await request(`${e2e.http}/retried/fail-2-times/a`);
    expect(ok.status).toBe(200);
    expect(flaky.attempts("/fail-2-times/a")).toBe(3);
    const failed = await request(`${e2e.http}/retried/fail-5-times/b`);
    expect(failed.status).toBe(503);
    expect(failed.text).toBe("attempt 3 failed");
    expect(flaky.attempts("/fail-5-times/b")).toBe(3);
  });

  it("answers 504 when the route timeout passes, and retries after a per-try timeout", async () => {
    const started = performance.now();
    const slow = await request(`${e2e.http}/slow/2000`);
    expect(slow.status).toBe(504);
    expect(slow.text).toBe("upstream request timeout");
    expect(performance.now() - started).toBeLessThan(1500);
    // Each try hangs longer than perTryTimeout (200ms), so both tries time out.
    const perTry = await request(`${e2e.http}/per-try/hang-1000/c`);
    expect(perTry.status).toBe(504);
    expect(flaky.attempts("/hang-1000/c")).toBe(2);
  });

  it("answers CORS preflights for allowed origins and passes others through", async () => {
    const preflight = { origin: "http://app.example", "access-control-request-method": "PUT" };
    const before = echo.requests;
    const allowed = await request(`${e2e.http}/cors/x`, { method: "OPTIONS", headers: preflight });
    expect(allowed.status).toBe(200);
    expect(allowed.headers).toMatchObject({
      "access-control-allow-origin": "http://app.example",
      "access-control-allow-methods": "GET,PUT",
      "access-control-allow-headers": "x-custom",
      "access-control-max-age": "600",
    });
    expect(echo.requests).toBe(before);
    // A preflight from an origin the policy does not allow is not a CORS preflight to Envoy's
    // CORS filter: it goes on to the upstream like any OPTIONS request, without CORS headers.
    const other = await request(`${e2e.http}/cors/x`, { method: "OPTIONS", headers: { ...preflight, origin: "http://evil.example" } });
    expect(other.status).toBe(200);
    expect(other.json()).toMatchObject({ server: "echo", method: "OPTIONS", path: "/x" });
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
    const simple = await request(`${e2e.http}/cors/x`, { headers: { origin: "http://app.example" } });
    expect(simple.headers["access-control-allow-origin"]).toBe("http://app.example");
    const foreign = await request(`${e2e.http}/cors/x`, { headers: { origin: "http://evil.example" } });
    expect(foreign.status).toBe(200);
    expect(foreign.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("sets the headers an edge Envoy sets on the way up and down", async () => {
    const res = await request(`${e2e.http}/base/hello`, { headers: { "x-request-id": "client-chosen", "x-envoy-retry-on": "5xx" } });
    const seen = res.json().headers;
    // strip_any_host_port: the port goes from the Host header too, not only from matching.
    expect(seen.host).toBe("127.0.0.1");
    expect(seen["x-envoy-original-path"]).toBe("/base/hello");
    expect(seen["x-envoy-expected-rq-timeout-ms"]).toBe("3000");
    // An edge request gets a new request id and loses x-envoy-* control headers.
    expect(seen["x-request-id"]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
    expect(seen["x-envoy-retry-on"]).toBeUndefined();
    // A loopback peer is recorded in XFF as the proxy's own address (conn_manager_utility.cc).
    expect(seen["x-envoy-external-address"]).toBe("127.0.0.1");
    expect(seen["x-forwarded-for"]).toBe(localAddress());
    expect(res.headers.server).toBe("envoy");
    expect(Number(res.headers["x-envoy-upstream-service-time"])).toBeGreaterThanOrEqual(0);
  });

  it("canonicalizes the path before routing (normalize_path, merge_slashes), refuses escaped slashes and HTTP/1.0", async () => {
    const forwarded = async (path: string) => {
      const res = await rawRequest(e2e.http, `GET ${path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n`);
      return res.startsWith("HTTP/1.1 200") ? JSON.parse(res.slice(res.indexOf("\r\n\r\n") + 4)).path : res.split("\r\n")[0];
    };
    expect(await forwarded("/base/a/../b")).toBe("/b");
    expect(await forwarded("/base//x//y?q=//z/..")).toBe("/x/y?q=//z/..");
    expect(await forwarded("/base/%41%7e\\c")).toBe("/A~/c");
    // path_with_escaped_slashes_action REJECT_REQUEST (docs/request-paths.md).
    expect(await forwarded("/base/a%2F..%2Fb")).toBe("HTTP/1.1 400 Bad Request");
    // /base/%2e%2e/admin is /admin, which no route serves.
    expect(await forwarded("/base/%2e%2e/admin")).toBe("HTTP/1.1 404 Not Found");
    const old = await rawRequest(e2e.http, "GET /base/x HTTP/1.0\r\nhost: localhost\r\n\r\n");
    expect(old.split("\r\n")[0]).toBe("HTTP/1.1 426 Upgrade Required");
    expect(await forwarded("/base/x#fragment")).toBe("HTTP/1.1 400 Bad Request");
  });

  it("routes an absolute-form request by the authority it names", async () => {
    const routed = await rawRequest(e2e.http, "GET http://localhost/base/y?z=1 HTTP/1.1\r\nhost: elsewhere\r\nconnection: close\r\n\r\n");
    const seen = JSON.parse(routed.slice(routed.indexOf("\r\n\r\n") + 4));
    expect(seen.path).toBe("/y?z=1");
    expect(seen.headers.host).toBe("localhost");
  });

  it("terminates TLS with the certificate chosen by SNI", async () => {
    const secret = await selfSignedTlsSecret("api-tls", ["api.test"]);
    const obj = secret.object as { stringData: Record<string, string> };
    e2e.write("tls.yaml", `
apiVersion: v1
kind: Secret
metadata: { name: api-tls, namespace: default }
type: kubernetes.io/tls
stringData: ${JSON.stringify(obj.stringData)}
---
apiVersion: attache.dev/v1alpha1
kind: Host
metadata: { name: api, namespace: default }
spec: { hostname: api.test, tlsSecret: { name: api-tls } }
---
${mapping("api", { hostname: "api.test", prefix: "/", service: `http://127.0.0.1:${echo.port}` })}`);
    const get = () => httpsGet(e2e.https, "api.test", "/tls-check");
    // A new TLS Host is a new filter chain: Envoy updates the listener in place, which on a busy
    // machine takes longer than a route change.
    await eventually(async () => (await get()).status === 200, 30_000);
    const res = await get();
    expect(res.certificateNames).toContain("api.test");
    expect(res.alpn).toBe("http/1.1");
    expect(JSON.parse(res.body).path).toBe("/tls-check");
    // Plain HTTP for a TLS Host redirects to https (requestPolicy.insecure default).
    const plain = await request(`${e2e.http}/x`, { headers: { host: "api.test" } });
    expect(plain.status).toBe(301);
    expect(plain.headers.location).toBe("https://api.test/x");
  }, 60_000);
  // Last: the stack's own xDS server stays closed afterwards.
  it("keeps traffic flowing while the control plane is killed and restarted, then takes new config", async () => {
    const stack = e2e.stack;
    const port = stack.ports.xds;
    let failures = 0;
    let served = 0;
    let running = true;
    const loop = (async () => {
      while (running) {
        const r = await request(`${e2e.http}/base/loop`).catch(() => ({ status: 0 }));
        if (r.status === 200) served++; else failures++;
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    await stack.xds.close(0);
    await new Promise((r) => setTimeout(r, 500));
    const replacement = new XdsServer({ debounceMs: 5 });
    await replacement.listen(`127.0.0.1:${port}`);
    replacement.setResources(stack.pipeline.latest!.resources);
    stack.pipeline.on("result", (r) => replacement.setResources(r.resources));
    await eventually(async () => replacement.clients().length > 0, 15_000, 50);
    e2e.write("after.yaml", mapping("after-restart", { prefix: "/after/", service: `http://127.0.0.1:${echo.port}` }));
    await eventually(async () => (await request(`${e2e.http}/after/x`)).status === 200, 10_000, 20);
    running = false;
    await loop;
    await replacement.close(0);
    expect(failures).toBe(0);
    expect(served).toBeGreaterThan(20);
  });
});

/** The address Envoy puts in XFF for a loopback peer: the first non-loopback IPv4 address of
 *  the machine (Network::Utility::getLocalAddress), else loopback. */
function localAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "127.0.0.1";
}

/** Sends `text` as is (no client-side path cleanup) and returns the whole answer. */
function rawRequest(base: string, text: string): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(text));
    const chunks: Buffer[] = [];
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.on("end", () => resolve(dechunked(Buffer.concat(chunks).toString("latin1"))));
    socket.on("error", reject);
  });
}

function dechunked(answer: string): string {
  const split = answer.indexOf("\r\n\r\n");
  if (!/transfer-encoding: chunked/i.test(answer.slice(0, split))) return answer;
  let body = "";
  for (let at = split + 4; ;) {
    const eol = answer.indexOf("\r\n", at);
    const size = parseInt(answer.slice(at, eol), 16);
    if (!size) return answer.slice(0, split + 4) + body;
    body += answer.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

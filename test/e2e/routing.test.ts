// The gateway end to end without Wasm filters: file -> route, TLS with SNI, WebSocket, a
// broken file next to good ones, endpoints going away, and a control plane restart.
import tls from "node:tls";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEchoServer, type EchoServer } from "../../controlplane/runner/example-upstreams/echo-server.ts";
import { request } from "../http-client.ts";
import { selfSignedTlsSecret } from "../../controlplane/runner/tls.ts";
import { XdsServer } from "../../controlplane/xds/index.ts";
import { eventually, mapping, startE2E, type E2E } from "./harness.ts";

describe("gateway end to end (file source -> xDS -> local data plane)", () => {
  let e2e: E2E;
  let echo: EchoServer;

  beforeAll(async () => {
    echo = await startEchoServer("echo");
    e2e = await startE2E({ "base.yaml": mapping("base", { prefix: "/base/", service: `http://127.0.0.1:${echo.port}` }) });
  });
  afterAll(async () => {
    await e2e?.close();
    await echo?.close();
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
  });

  it("terminates TLS with the certificate chosen by SNI", async () => {
    const secret = await selfSignedTlsSecret("api-tls", ["api.test"]);
    const obj = secret.object as any;
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
    const get = () => new Promise<{ status: string; cn: string; alpn: string | false | null }>((resolve, reject) => {
      const socket = tls.connect({ host: "127.0.0.1", port: e2e.https, servername: "api.test", ca: obj.stringData["tls.crt"], ALPNProtocols: ["http/1.1"] }, () => {
        const cert = socket.getPeerCertificate();
        socket.write("GET /tls-check HTTP/1.1\r\nhost: api.test\r\nconnection: close\r\n\r\n");
        let text = "";
        socket.on("data", (d) => (text += d));
        socket.on("end", () => resolve({ status: text.split("\r\n")[0], cn: String(cert.subject?.CN), alpn: socket.alpnProtocol }));
      });
      socket.on("error", reject);
    });
    await eventually(async () => (await get()).status === "HTTP/1.1 200 OK");
    const res = await get();
    expect(res.cn).toBe("api.test");
    expect(res.alpn).toBe("http/1.1");
    // Plain HTTP for a TLS Host redirects to https (requestPolicy.insecure default).
    const plain = await request(`${e2e.http}/x`, { headers: { host: "api.test" } });
    expect(plain.status).toBe(301);
    expect(plain.headers.location).toBe("https://api.test/x");
  });
  it("keeps traffic flowing while the control plane is killed and restarted", async () => {
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
    await new Promise((r) => setTimeout(r, 200));
    running = false;
    await loop;
    await replacement.close(0);
    expect(failures).toBe(0);
    expect(served).toBeGreaterThan(20);
  });
});

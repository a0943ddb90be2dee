// AuthService end to end, once per data plane (Emissary semantics, carried out by the built-in
// auth filter's HTTP callout from inside the data plane's worker threads): 2xx lets the request through with the
// allowed authorization headers copied onto it; any other answer reaches the client verbatim;
// bypassAuth skips the check; an unreachable auth service fails closed.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startExampleAuthService } from "../../controlplane/runner/example-upstreams/index.ts";
import { startEchoServer, type EchoServer } from "../../controlplane/runner/example-upstreams/echo-server.ts";
import { request } from "../http-client.ts";
import { eventually, forEachDataPlane, mapping, startE2E, type E2E } from "./harness.ts";

forEachDataPlane("AuthService through the data plane", (dataPlane) => {
  let e2e: E2E;
  let echo: EchoServer;
  let auth: { port: number; close(): Promise<void> };

  beforeAll(async () => {
    echo = await startEchoServer("app");
    auth = await startExampleAuthService(0);
    e2e = await startE2E({
      "auth.yaml": `apiVersion: attache.dev/v1alpha1
kind: AuthService
metadata: { name: external }
spec:
  service: "http://127.0.0.1:${auth.port}"
  pathPrefix: /check
  allowedAuthorizationHeaders: [x-auth-user]
  timeout: 2s
---
${mapping("app", { prefix: "/app/", service: `http://127.0.0.1:${echo.port}` })}---
${mapping("open", { prefix: "/open/", service: `http://127.0.0.1:${echo.port}`, bypassAuth: true })}`,
    }, { dataPlane });
  });
  afterAll(async () => {
    await e2e?.close();
    await echo?.close();
    await auth?.close();
  });

  it("returns the auth service's denial verbatim", async () => {
    const res = await request(`${e2e.http}/app/orders`);
    expect(res.status).toBe(403);
    expect(res.headers["x-auth-reason"]).toBe("bad-token");
    expect(res.json()).toEqual({ error: "forbidden", reason: "send Authorization: Bearer let-me-in" });
  });

  it("lets an allowed request through and copies allowedAuthorizationHeaders upstream", async () => {
    const res = await request(`${e2e.http}/app/orders`, { headers: { authorization: "Bearer let-me-in" } });
    expect(res.status).toBe(200);
    expect(res.json().headers["x-auth-user"]).toBe("demo");
    expect(res.json().path).toBe("/orders");
  });

  it("skips the check on bypassAuth Mappings", async () => {
    expect((await request(`${e2e.http}/open/x`)).status).toBe(200);
  });

  it("fails closed (403) when the auth service is gone", async () => {
    await auth.close();
    await eventually(async () => (await request(`${e2e.http}/app/orders`, { headers: { authorization: "Bearer let-me-in" } })).status === 403, 5000);
    const res = await request(`${e2e.http}/app/orders`, { headers: { authorization: "Bearer let-me-in" } });
    expect(res.json()).toEqual({ error: "forbidden", reason: "authorization service unavailable" });
    expect((await request(`${e2e.http}/open/x`)).status).toBe(200);
  });
});

// README.md's five-minute walk-through, step by step, against the stack `npm start` runs
// (examples/ as is, example upstreams on free ports), once per data plane. Each step asserts
// what the README shows; where a step's output depends on the data plane, the test says which.
import { afterAll, beforeAll, expect, it } from "vitest";
import { request, type SimpleResponse } from "../http-client.ts";
import { E2E_WORKERS, eventually, forEachDataPlane, startExamples, type E2E } from "./harness.ts";
import { envoyStat, httpsGet, prometheusValue } from "./clients.ts";

forEachDataPlane("README walk-through (examples/)", (dataPlane) => {
  let e2e: E2E;
  const get = (path: string, headers: Record<string, string> = {}): Promise<SimpleResponse> => request(`${e2e.http}${path}`, { headers });

  beforeAll(async () => {
    e2e = await startExamples(dataPlane);
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it("plain routes strip the prefix (Emissary's default rewrite)", async () => {
    const res = await get("/echo/hello");
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ server: "echo", method: "GET", path: "/hello" });
    expect(res.json().headers).toMatchObject({ "x-forwarded-proto": "http" });
    expect(res.json().headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("a header match picks the Mapping with its own rewrite, header edits and timeout", async () => {
    const res = await get("/echo/hello", { "x-version": "2" });
    expect(res.status).toBe(200);
    expect(res.headers["x-served-by"]).toBe("echo");
    expect(res.headers["x-echo-version"]).toBe("2");
    expect(res.json().path).toBe("/v2/hello");
    expect(res.json().headers).toMatchObject({ "x-version": "2", "x-routed-by": "attache", "x-envoy-expected-rq-timeout-ms": "500" });
  });

  it("API keys with the built-in auth filter", async () => {
    const denied = await get("/secure/");
    expect(denied.status).toBe(401);
    expect(denied.json()).toEqual({ error: "unauthorized", reason: "missing credentials" });
    const allowed = await get("/secure/", { "x-api-key": "demo-api-key-1" });
    expect(allowed.status).toBe(200);
    expect(allowed.json()).toMatchObject({ server: "echo", method: "GET", path: "/" });
  });

  it("external authorization: the denial reaches the client verbatim; on 2xx x-auth-user goes upstream", async () => {
    const denied = await get("/private/", { host: "auth.localhost" });
    expect(denied.status).toBe(403);
    expect(denied.json()).toEqual({ error: "forbidden", reason: "send Authorization: Bearer let-me-in" });
    const allowed = await get("/private/", { host: "auth.localhost", authorization: "Bearer let-me-in" });
    expect(allowed.status).toBe(200);
    expect(allowed.json().headers).toMatchObject({ authorization: "Bearer let-me-in", "x-auth-user": "demo", host: "auth.localhost" });
    expect((await get("/public/", { host: "auth.localhost" })).status).toBe(200);
  });

  let limited = 0;
  it(`local rate limiting: 5 per second per client, one budget for all ${E2E_WORKERS} workers`, async () => {
    // Every request on a new connection, so the connections spread over the workers.
    const started = performance.now();
    const answers: SimpleResponse[] = [];
    for (let i = 0; i < 16; i++) answers.push(await get("/limited/"));
    const elapsed = performance.now() - started;
    const statuses = answers.map((a) => a.status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    // One budget: 5 at once plus one per 200 ms since. Per-worker budgets would allow twice that.
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(5 + Math.floor(elapsed / 200));
    const refused = answers.find((a) => a.status === 429);
    expect(refused?.headers).toMatchObject({ "retry-after": "1", "ratelimit-limit": "5", "ratelimit-remaining": "0", "ratelimit-reset": "1", "content-type": "application/json" });
    if (dataPlane === "envoy") {
      // Both of Envoy's workers took some of those connections (listener.<address>.worker_<n>.*).
      const port = new URL(e2e.http).port;
      for (let worker = 0; worker < E2E_WORKERS; worker++) {
        expect(await envoyStat(e2e, `listener.127.0.0.1_${port}.worker_${worker}.downstream_cx_total`)).toBeGreaterThan(0);
      }
    }
    limited = statuses.filter((s) => s === 429).length;
  });

  it("a sticky canary: 10% of users on the canary, each user always on one side", async () => {
    const servers: string[] = [];
    for (let u = 1; u <= 200; u++) servers.push((await get("/shop/", { "x-user": `user-${u}` })).json().server);
    expect(servers.filter((s) => s === "echo").length).toBe(184);
    expect(servers.filter((s) => s === "echo-canary").length).toBe(16);
    for (let i = 0; i < 3; i++) expect((await get("/shop/", { "x-user": "user-7" })).json().server).toBe("echo");
    expect((await get("/shop/", { "x-canary": "always" })).json().server).toBe("echo-canary");
  });

  it("a custom filter built from filters/template", async () => {
    const missing = await get("/hello/");
    expect(missing.json()).toEqual({ error: "missing_header", header: "x-api-version" });
    const res = await get("/hello/", { "x-api-version": "1" });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ server: "echo", path: "/" });
    expect(res.json().headers["x-hello"]).toBe("world");
  });

  it("TLS with SNI, and plain HTTP for that Host redirects to https", async () => {
    const res = await httpsGet(e2e.https, "secure.localhost", "/tls");
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).path).toBe("/tls");
    expect(res.certificateNames).toContain("secure.localhost");
    const plain = await get("/x", { host: "secure.localhost" });
    expect(plain.status).toBe(301);
    expect(plain.headers.location).toBe("https://secure.localhost/x");
  });

  it("the invalid example is left out, its errors in its status and /debug/resources", async () => {
    const resources: Array<{ ref: { name: string }; errors: string[]; conditions: Array<{ type: string; status: string }> }> = await (await fetch(`${e2e.admin}/debug/resources`)).json();
    expect(resources.find((r) => r.ref.name === "broken")?.conditions).toContainEqual(expect.objectContaining({ type: "Accepted", status: "False" }));
    expect(resources.filter((r) => r.errors.length > 0).map((r) => ({ name: r.ref.name, errors: r.errors }))).toEqual([{
      name: "broken",
      errors: [
        "Mapping default/broken: spec.tiemout: unknown field",
        "Mapping default/broken: spec.timeout: invalid duration \"3 seconds\" (use e.g. \"3s\", \"250ms\", \"1m30s\")",
        "Mapping default/broken: spec.regex: invalid RE2 regular expression \"^/users/(?!admin)\": invalid or unsupported Perl syntax: `(?!`",
      ],
    }]);
    expect((await get("/users/bob")).status).toBe(404);
  });

  it("filters' own metrics on the data plane's admin port", async () => {
    expect(await prometheusValue(e2e, "ratelimit_limited")).toBe(limited);
    expect(await prometheusValue(e2e, "canary_assigned_canary")).toBe(17);
    expect(await prometheusValue(e2e, "canary_assigned_primary")).toBe(187);
    expect(await prometheusValue(e2e, "auth_denied")).toBeGreaterThanOrEqual(2);
  });

  it("an edit of a file in examples/ reaches the route", async () => {
    const before = e2e.read("routes.yaml");
    const edited = before.replace(/(name: x-echo-version\n\s+value: )"2"/, '$1"edited"');
    expect(edited).not.toBe(before);
    e2e.write("routes.yaml", edited);
    await eventually(async () => (await get("/echo/hello", { "x-version": "2" })).headers["x-echo-version"] === "edited", 10_000, 20);
  });
});

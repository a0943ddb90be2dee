// The built auth filter (build/filters/auth.debug.wasm) through the Node host, as Envoy runs
// it: local decisions and their responses, claim headers and spoof removal, the external
// authorization callout (allow, deny verbatim, timeout / failure with failureModeAllow),
// per-route policies, metrics, configuration errors, and no secrets in logs.
import { afterEach, describe, expect, it } from "vitest";
import { EmulatorOptions, FakeClock, HeadersAction, HostEmulator } from "@attache/proxy-wasm-host";
import { API_KEY, NOW, PASSWORD, makeFixture } from "./fixtures.ts";
import { basicHeader, confusedTokens, makeJwt, unsecuredJwt } from "./token-fixtures.ts";

const WASM = new URL("../../build/filters/auth.debug.wasm", import.meta.url).pathname;
const fixture = makeFixture();
const { hs, rs, es, goodClaims } = fixture;

const emulators: HostEmulator[] = [];
afterEach(() => emulators.splice(0).forEach((e) => e.dispose()));

function start(config: object = fixture.config, options: EmulatorOptions = new EmulatorOptions()): HostEmulator {
  const host = new HostEmulator(options.withWasm(WASM).withClock(new FakeClock(NOW * 1000)).withPluginConfiguration(config));
  host.startPlugin();
  emulators.push(host);
  return host;
}

interface Sent { id: number; action: number; status?: number; headers: Record<string, string[]>; body?: string; upstream: Record<string, string> }

function send(host: HostEmulator, route: string, headers: Record<string, string> = {}): Sent {
  const id = host.initializeHttpContext({ "xds.route_name": route });
  const action = host.callOnRequestHeaders(id, { ":method": "GET", ":path": "/orders?id=7", ":authority": "shop.example", ...headers }, true);
  return observe(host, id, action);
}

function observe(host: HostEmulator, id: number, action = HeadersAction.StopIteration): Sent {
  const local = host.getSentLocalResponse(id);
  const grouped: Record<string, string[]> = {};
  for (const [name, value] of local?.headers ?? []) (grouped[name] ??= []).push(value);
  return {
    id, action, status: local?.statusCode, headers: grouped,
    body: local ? new TextDecoder().decode(local.body) : undefined,
    upstream: Object.fromEntries(host.getCurrentRequestHeaders(id)),
  };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("auth filter on the host: local methods", () => {
  it("lets a valid API key through and counts it", () => {
    const host = start();
    const sent = send(host, "default/api", { "x-api-key": API_KEY });
    expect(sent.action).toBe(HeadersAction.Continue);
    expect(sent.status).toBeUndefined();
    expect(host.getCounterMetric("auth_allowed")).toBe(1n);
    expect(host.getCounterMetric("auth_denied")).toBe(0n);
  });

  it("answers 401 with a challenge and a JSON body for a wrong API key", () => {
    const host = start();
    const sent = send(host, "default/api", { "x-api-key": "wrong-key" });
    expect(sent.action).toBe(HeadersAction.StopIteration);
    expect(sent.status).toBe(401);
    expect(sent.headers["content-type"]).toEqual(["application/json"]);
    expect(sent.headers["www-authenticate"]).toEqual(['ApiKey realm="attache", header="x-api-key"']);
    expect(JSON.parse(sent.body!)).toEqual({ error: "unauthorized", reason: "invalid api key" });
    expect(host.getCounterMetric("auth_denied")).toBe(1n);
  });

  it("accepts the API key as a query parameter", () => {
    const host = start();
    const id = host.initializeHttpContext({ "xds.route_name": "default/api" });
    expect(host.callOnRequestHeaders(id, { ":method": "GET", ":path": `/x?api_key=${API_KEY}`, ":authority": "a" }, true)).toBe(HeadersAction.Continue);
  });

  it("answers 401 to a wrong Basic password", () => {
    const host = start();
    expect(send(host, "default/basic", { authorization: basicHeader("alice", PASSWORD) }).action).toBe(HeadersAction.Continue);
    const sent = send(host, "default/basic", { authorization: basicHeader("alice", "hunter2") });
    expect(sent.status).toBe(401);
    expect(sent.headers["www-authenticate"]).toEqual(['Basic realm="attache", charset="UTF-8"']);
    expect(JSON.parse(sent.body!).reason).toBe("invalid username or password");
  });

  it.each([["HS256", hs], ["RS256", rs], ["ES256", es]] as const)("accepts %s and replaces spoofed claim headers with the token's", (_alg, key) => {
    const host = start();
    const sent = send(host, "default/jwt", { ...bearer(makeJwt(key, goodClaims)), "x-user": "admin", "x-groups": "root" });
    expect(sent.action).toBe(HeadersAction.Continue);
    expect(sent.upstream["x-user"]).toBe("user-42");
    expect(sent.upstream["x-groups"]).toBe("eng,ops");
  });

  it("removes spoofed claim headers even when the token lacks the claim", () => {
    const host = start();
    const sent = send(host, "default/jwt", { ...bearer(makeJwt(hs, { ...goodClaims, groups: undefined })), "x-groups": "root" });
    expect(sent.action).toBe(HeadersAction.Continue);
    expect(sent.upstream["x-groups"]).toBeUndefined();
  });

  it.each([
    ["expired", () => makeJwt(rs, { ...goodClaims, exp: NOW - 60 }), 401, "token expired"],
    ["not yet valid", () => makeJwt(rs, { ...goodClaims, nbf: NOW + 60 }), 401, "token not yet valid"],
    ["wrong issuer", () => makeJwt(es, { ...goodClaims, iss: "https://other" }), 401, "token issuer not accepted"],
    ["wrong audience", () => makeJwt(hs, { ...goodClaims, aud: "billing" }), 401, "token audience not accepted"],
    ["tampered", () => makeJwt(rs, goodClaims).replace(/\.([^.]+)\./, (_m, p: string) => `.${p.slice(0, -2)}AA.`), 401, "invalid token signature"],
    ["alg none", () => unsecuredJwt(goodClaims), 401, "alg none is not allowed"],
    ["HS/RS confusion", () => confusedTokens(rs, goodClaims)[0]!, 401, "no key matches the token's kid and alg"],
    ["missing a required claim", () => makeJwt(hs, { ...goodClaims, sub: undefined }), 403, "missing required claim: sub"],
  ])("refuses a token that is %s", (_what, make, status, reason) => {
    const host = start();
    const sent = send(host, "default/jwt", bearer(make()));
    expect(sent.status).toBe(status);
    expect(JSON.parse(sent.body!).reason).toBe(reason);
    if (status === 401) expect(sent.headers["www-authenticate"]).toEqual(['Bearer realm="attache", error="invalid_token"']);
  });

  it("follows the host clock: a token valid now expires when time moves past exp + skew", () => {
    const host = start();
    const token = makeJwt(hs, { ...goodClaims, exp: NOW + 10 });
    expect(send(host, "default/jwt", bearer(token)).action).toBe(HeadersAction.Continue);
    (host.options.clock as FakeClock).advance(39_000);
    expect(send(host, "default/jwt", bearer(token)).action).toBe(HeadersAction.Continue);
    (host.options.clock as FakeClock).advance(2_000);
    expect(send(host, "default/jwt", bearer(token)).status).toBe(401);
  });

  it("a disabled route passes and is not counted; unknown routes get the defaults", () => {
    const host = start();
    expect(send(host, "default/public").action).toBe(HeadersAction.Continue);
    expect(host.getCounterMetric("auth_allowed")).toBe(0n);
    expect(send(host, "no/such-route").status).toBe(401);
  });

  it("never logs a key, password or token", () => {
    const host = start(fixture.config, new EmulatorOptions().withLogLevel("trace"));
    const token = makeJwt(rs, { ...goodClaims, exp: NOW - 100 });
    send(host, "default/api", { "x-api-key": "secret-api-key-123" });
    send(host, "default/basic", { authorization: basicHeader("alice", "secret-password-456") });
    send(host, "default/jwt", bearer(token));
    const logs = host.getLogs().join("\n");
    expect(logs).toContain("denied");
    for (const secret of ["secret-api-key-123", "secret-password-456", token.split(".")[2]!, token.split(".")[1]!]) expect(logs).not.toContain(secret);
  });
});

describe("auth filter on the host: external authorization", () => {
  function callout(host: HostEmulator) {
    const calls = host.getHttpCallouts();
    expect(calls).toHaveLength(1);
    return calls[0]!;
  }

  it("sends the check request and, on 2xx, continues with the allowed authorization headers", () => {
    const host = start();
    const sent = send(host, "default/external", { authorization: "Bearer opaque", "x-tenant": "t1", "x-other": "no" });
    expect(sent.action).toBe(HeadersAction.StopIteration);
    const call = callout(host);
    expect(call.upstream).toBe("extauth");
    expect(call.timeoutMs).toBe(250);
    expect(call.headers).toEqual([
      [":method", "GET"], [":path", "/check/orders?id=7"], [":authority", "shop.example"],
      ["authorization", "Bearer opaque"], ["x-tenant", "t1"],
    ]);
    host.callOnHttpCallResponse(call.token, [[":status", "200"], ["x-auth-user", "bob"], ["x-not-allowed", "1"]]);
    expect(host.getStreamEvents(sent.id)).toContainEqual(expect.objectContaining({ event: "continue" }));
    const upstream = observe(host, sent.id).upstream;
    expect(upstream["x-auth-user"]).toBe("bob");
    expect(upstream["x-not-allowed"]).toBeUndefined();
    expect(host.getCounterMetric("auth_allowed")).toBe(1n);
  });

  it("returns any other answer to the client verbatim", () => {
    const host = start();
    const sent = send(host, "default/external");
    host.callOnHttpCallResponse(callout(host).token, [[":status", "302"], ["location", "https://login.example/"], ["x-reason", "sso"], ["content-length", "9"]], "to login!");
    const denied = observe(host, sent.id);
    expect(denied.status).toBe(302);
    expect(denied.body).toBe("to login!");
    expect(denied.headers).toEqual({ location: ["https://login.example/"], "x-reason": ["sso"] });
    expect(host.getCounterMetric("auth_denied")).toBe(1n);
  });

  // A 503 with this body is what Envoy's HTTP async client answers when the auth service is unreachable.
  const proxy503: Array<[string, string]> = [[":status", "503"], ["content-type", "text/plain"]];
  it.each([
    ["timeout or reset (no answer)", false, 403, []],
    ["timeout or reset (no answer)", true, undefined, []],
    ["a 503 for the auth service", false, 403, proxy503],
    ["a 503 for the auth service", true, undefined, proxy503],
  ] as Array<[string, boolean, number | undefined, Array<[string, string]>]>)("%s with failureModeAllow %s", (_what, allow, status, answer) => {
    const host = start();
    const sent = send(host, allow ? "default/external-open" : "default/external");
    host.callOnHttpCallResponse(callout(host).token, answer, answer.length ? "upstream connect error or disconnect/reset before headers. reset reason: remote connection failure" : undefined);
    const result = observe(host, sent.id);
    expect(result.status).toBe(status);
    if (status) expect(JSON.parse(result.body!)).toEqual({ error: "forbidden", reason: "authorization service unavailable" });
    else expect(host.getStreamEvents(sent.id)).toContainEqual(expect.objectContaining({ event: "continue" }));
  });

  it.each([[false, 403], [true, undefined]])("an unknown auth cluster with failureModeAllow %s", (allow, status) => {
    const host = start(fixture.config, new EmulatorOptions().withUpstreams(["something-else"]));
    const sent = send(host, allow ? "default/external-open" : "default/external");
    expect(host.getHttpCallouts()).toHaveLength(0);
    expect(sent.status).toBe(status);
    expect(sent.action).toBe(allow ? HeadersAction.Continue : HeadersAction.StopIteration);
  });

  it("answers statusOnError when the service cannot answer", () => {
    const config = JSON.parse(JSON.stringify(fixture.config));
    config.routes["default/external"].external.statusOnError = 503;
    const host = start(config);
    const sent = send(host, "default/external");
    host.callOnHttpCallResponse(callout(host).token, []);
    const result = observe(host, sent.id);
    expect(result.status).toBe(503);
    expect(JSON.parse(result.body!)).toEqual({ error: "unavailable", reason: "authorization service unavailable" });
  });

  it("checks local credentials before calling out", () => {
    const host = start();
    expect(send(host, "default/key-then-external").status).toBe(401);
    expect(host.getHttpCallouts()).toHaveLength(0);
    send(host, "default/key-then-external", { "x-api-key": API_KEY });
    expect(host.getHttpCallouts()).toHaveLength(1);
  });
});

describe("auth filter on the host: configuration", () => {
  it("fails onConfigure with a log line naming the bad field", () => {
    const config = JSON.parse(JSON.stringify(fixture.config));
    config.routes["default/jwt"].jwt.keys[1].n = "not*base64";
    const host = new HostEmulator(new EmulatorOptions().withWasm(WASM).withPluginConfiguration(config));
    emulators.push(host);
    expect(() => host.startPlugin()).toThrow(/proxy_on_configure returned false/);
    expect(host.getLogs("error")).toContain('auth: invalid configuration: routes["default/jwt"].jwt.keys[1].n: not base64url');
  });

  it("an empty configuration lets everything through", () => {
    const host = start({});
    expect(send(host, "any/route").action).toBe(HeadersAction.Continue);
  });
});

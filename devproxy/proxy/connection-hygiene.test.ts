// Connection hygiene of the local data plane, with Envoy's settings made short so the test is
// quick: request_headers_timeout (408 for half a request head), idle_timeout (a silent
// connection is closed), a client that hangs up cancels its upstream request, the route
// timeout starts at the end of the request body, a retried route streams a body over the
// buffer limit instead of failing, and a listener answers 503 past the connection cap.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import net from "node:net";
import { randomBytes } from "node:crypto";
import { ResourceStore, TYPE, type Snapshot } from "../config/snapshot.ts";
import { ListenerSet } from "./listeners.ts";
import { handleRequest, REQUEST_BUFFER_LIMIT_BYTES } from "./handler.ts";
import { handleUpgrade } from "./websocket.ts";
import { UpstreamPool } from "./upstream.ts";
import { ConnectionCap, createConnectionCapMemory } from "./connection-cap.ts";
import type { ListenerJson } from "../../protos/gen/envoy/config/listener/v3/listener_pb.ts";
import type { HttpConnectionManagerJson } from "../../protos/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.ts";

const HCM = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
const ROUTER = { name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } };

let upstream: http.Server;
const upstreamClosed: string[] = [];
let listeners: ListenerSet;
let snapshot: Snapshot;
let port: number;

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    if (req.url === "/headers") { res.end(JSON.stringify(req.headers)); return; }
    if (req.url === "/hang") { req.socket.once("close", () => upstreamClosed.push("hang")); return; }
    let size = 0;
    req.on("data", (c: Buffer) => (size += c.length));
    req.on("end", () => res.end(JSON.stringify({ size })));
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  const up = (upstream.address() as net.AddressInfo).port;
  const store = new ResourceStore();
  const listener = (name: string, extra: HttpConnectionManagerJson): [string, ListenerJson] => [name, {
    name, address: { socket_address: { address: "127.0.0.1", port_value: 0 } },
    filter_chains: [{ filters: [{ name: "hcm", typed_config: {
      "@type": HCM, stat_prefix: "t", rds: { route_config_name: "r", config_source: { ads: {} } }, http_filters: [ROUTER], ...extra,
    } }] }],
  }];
  store.apply(TYPE.listener, new Map([
    listener("l", { request_headers_timeout: "0.3s", common_http_protocol_options: { idle_timeout: "0.5s" } }),
    listener("reject", { common_http_protocol_options: { headers_with_underscores_action: "REJECT_REQUEST" } }),
    listener("drop", { common_http_protocol_options: { headers_with_underscores_action: "DROP_HEADER" } }),
  ]), []);
  store.apply(TYPE.cluster, new Map([["u", { name: "u", type: "STATIC", connect_timeout: "1s", load_assignment: { cluster_name: "u", endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: up } } } }] }] } }]]), []);
  snapshot = store.apply(TYPE.route, new Map([["r", { name: "r", virtual_hosts: [{ name: "v", domains: ["*"], routes: [
    { name: "retried", match: { prefix: "/retried" }, route: { cluster: "u", retry_policy: { retry_on: "5xx", num_retries: 2 } } },
    { name: "quick", match: { prefix: "/quick" }, route: { cluster: "u", timeout: "0.4s" } },
    { name: "forever", match: { prefix: "/" }, route: { cluster: "u", timeout: "0s" } },
  ] }] }]]), []);
  const env = { snapshot: () => snapshot, upstreams: new UpstreamPool(), filters: () => undefined, accessLog: () => undefined, observe: () => undefined };
  listeners = new ListenerSet({
    request: (hcm, req, res, scheme) => void handleRequest(env, hcm, req, res, scheme),
    upgrade: (hcm, req, socket, head, scheme) => handleUpgrade(env, hcm, req, socket, head, scheme),
  });
  await listeners.reconcile(snapshot);
  port = listeners.ports().get("l")!;
});

afterAll(async () => {
  await listeners.close();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

/** Connects, sends `text`, resolves with what came back and how long until the close. */
function talk(text: string, limitMs = 3000): Promise<{ seen: string; ms: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    let seen = "";
    const socket = net.connect(port, "127.0.0.1", () => { if (text) socket.write(text); });
    socket.on("data", (d) => (seen += d.toString("latin1")));
    const done = () => { clearTimeout(timer); socket.destroy(); resolve({ seen, ms: performance.now() - started }); };
    const timer = setTimeout(done, limitMs);
    socket.on("close", done);
    socket.on("error", done);
  });
}

describe("connection timeouts", () => {
  it("half a request head gets 408 after request_headers_timeout", async () => {
    const { seen, ms } = await talk("GET / HTTP/1.1\r\nhost: x\r\nx-partial: ");
    expect(seen).toMatch(/^HTTP\/1.1 408/);
    expect(ms).toBeLessThan(2000);
  });

  it("a connection that sends nothing is closed after idle_timeout", async () => {
    const { seen, ms } = await talk("");
    expect(seen).toBe("");
    expect(ms).toBeLessThan(2000);
  });
});

describe("requests", () => {
  it("a client that hangs up cancels its upstream request", async () => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write("GET /hang HTTP/1.1\r\nhost: x\r\n\r\n"));
    await new Promise((r) => setTimeout(r, 200));
    socket.destroy();
    const until = performance.now() + 2000;
    while (!upstreamClosed.includes("hang") && performance.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(upstreamClosed).toContain("hang");
  });

  it("the route timeout starts when the request body is complete", async () => {
    // The body takes ~0.8 s to arrive; the route's timeout is 0.4 s.
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port, path: "/quick", method: "POST", headers: { "content-type": "text/plain" } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
      req.on("error", reject);
      let sent = 0;
      const tick = setInterval(() => { req.write("x".repeat(1000)); if (++sent === 8) { clearInterval(tick); req.end(); } }, 100);
    });
    expect(status).toBe(200);
  });

  it("a retried route streams a body over the buffer limit to the upstream", async () => {
    const body = randomBytes(REQUEST_BUFFER_LIMIT_BYTES + 512 * 1024);
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port, path: "/retried", method: "POST" }, (res) => {
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on("error", reject);
      req.end(body);
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ size: body.length });
  });
});

describe("headers_with_underscores_action", () => {
  const get = async (listenerName: string) => {
    const at = listeners.ports().get(listenerName)!;
    const res = await fetch(`http://127.0.0.1:${at}/headers`, { headers: { x_user: "me", "x-ok": "1" } });
    return { status: res.status, body: await res.text() };
  };
  it("REJECT_REQUEST answers 400", async () => {
    expect((await get("reject")).status).toBe(400);
  });
  it("DROP_HEADER forwards the request without the header", async () => {
    const { status, body } = await get("drop");
    expect(status).toBe(200);
    expect(JSON.parse(body)).toMatchObject({ "x-ok": "1" });
    expect(JSON.parse(body).x_user).toBeUndefined();
  });
  it("ALLOW (the default) forwards it", async () => {
    expect(JSON.parse((await get("l")).body).x_user).toBe("me");
  });
});

describe("connection cap", () => {
  it("answers 503 past the cap and accepts again once connections close", async () => {
    const cap = new ConnectionCap(2);
    const capped = new ListenerSet({ request: (_h, _req, res) => res.end("ok"), upgrade: (_h, _req, socket) => socket.destroy() }, { cap });
    try {
      await capped.reconcile(snapshot);
      const at = capped.ports().get("l")!;
      const open = () => new Promise<net.Socket>((r) => { const s = net.connect(at, "127.0.0.1", () => r(s)); });
      const first = [await open(), await open()];
      const third = await new Promise<string>((resolve) => {
        let seen = "";
        const s = net.connect(at, "127.0.0.1");
        s.on("data", (d) => (seen += d));
        s.on("close", () => resolve(seen));
      });
      expect(third).toMatch(/^HTTP\/1.1 503 Service Unavailable[\s\S]*envoy overloaded/);
      expect(cap.count()).toBe(2);
      first[0].destroy();
      await new Promise((r) => setTimeout(r, 100));
      const again = await open();
      await new Promise((r) => setTimeout(r, 100));
      expect(again.destroyed).toBe(false);
      for (const s of [...first, again]) s.destroy();
    } finally {
      await capped.close();
    }
  });

  it("workers binding one port (SO_REUSEPORT) share one cap", async () => {
    const memory = createConnectionCapMemory();
    const cap = new ConnectionCap(6, memory);
    const handlers = { request: () => undefined, upgrade: () => undefined };
    const workers = [0, 1].map(() => new ListenerSet(handlers, { sharedPorts: true, cap: new ConnectionCap(6, memory) }));
    const held: net.Socket[] = [];
    try {
      await workers[0].reconcile(snapshot);
      await workers[1].reconcile(snapshot, workers[0].ports());
      // A listener with the default idle_timeout: the held connections stay open.
      const at = workers[0].ports().get("reject")!;
      expect(workers[1].ports().get("reject")).toBe(at);
      for (let i = 0; i < 6; i++) held.push(net.connect(at, "127.0.0.1"));
      // Accepted (and counted) in whatever order the workers take them.
      const until = performance.now() + 5000;
      while (cap.count() < 6 && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
      expect(cap.count()).toBe(6);
      const seventh = await new Promise<string>((resolve) => {
        let seen = "";
        const s = net.connect(at, "127.0.0.1");
        s.on("data", (d) => (seen += d));
        s.on("close", () => resolve(seen));
      });
      expect(seventh).toMatch(/^HTTP\/1.1 503 Service Unavailable[\s\S]*envoy overloaded/);
      expect(cap.count()).toBe(6);
    } finally {
      for (const s of held) s.destroy();
      await Promise.all(workers.map((w) => w.close()));
    }
  });
});

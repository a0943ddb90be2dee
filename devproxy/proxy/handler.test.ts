import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ResourceStore, TYPE, type Snapshot } from "../config/snapshot.ts";
import { ListenerSet } from "./listeners.ts";
import { handleRequest, type AccessLogEntry } from "./handler.ts";
import { handleUpgrade } from "./websocket.ts";
import { UpstreamPool } from "./upstream.ts";
import { startEchoServer, type EchoServer } from "../../controlplane/runner/example-upstreams/echo-server.ts";
import { request } from "../../test/http-client.ts";
import type { ClusterJson } from "../../protos/gen/envoy/config/cluster/v3/cluster_pb.ts";

const HCM = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";

function listener(port: number) {
  return {
    name: "attache-http",
    address: { socket_address: { address: "127.0.0.1", port_value: port } },
    filter_chains: [{ filters: [{ name: "envoy.filters.network.http_connection_manager", typed_config: {
      "@type": HCM, stat_prefix: "http", strip_any_host_port: true,
      rds: { route_config_name: "attache-http", config_source: { ads: {}, resource_api_version: "V3" } },
      http_filters: [{ name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } }],
    } }] }],
  };
}

function staticCluster(name: string, ports: number[]): ClusterJson {
  return { name, type: "STATIC", connect_timeout: "1s", load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: ports.map((p) => ({ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: p } } } })) }] } };
}

describe("devproxy request handling (Envoy semantics)", () => {
  let a: EchoServer, b: EchoServer;
  let listeners: ListenerSet;
  let port: number;
  const logs: AccessLogEntry[] = [];
  let snapshot: Snapshot;

  beforeAll(async () => {
    a = await startEchoServer("a");
    b = await startEchoServer("b");
    const store = new ResourceStore();
    store.apply(TYPE.listener, new Map([["attache-http", listener(0)]]), []);
    store.apply(TYPE.cluster, new Map([["a", staticCluster("a", [a.port])], ["b", staticCluster("b", [b.port])], ["ab", staticCluster("ab", [a.port, b.port])], ["empty", staticCluster("empty", [])], ["dead", staticCluster("dead", [1])]]), []);
    snapshot = store.apply(TYPE.route, new Map([["attache-http", { name: "attache-http", virtual_hosts: [{
      name: "default/example",
      domains: ["example.com", "*.example.org"],
      routes: [
        { name: "default/exact", match: { path: "/exact" }, route: { cluster: "b" } },
        { name: "default/regex", match: { safe_regex: { regex: "/items/\\d+" } }, route: { cluster: "b", regex_rewrite: { pattern: { regex: "^/items/(\\d+)$" }, substitution: "/v2/item/\\1" } } },
        { name: "default/hdr", match: { prefix: "/", headers: [{ name: "x-canary", string_match: { exact: "yes" } }] }, route: { cluster: "b" } },
        { name: "default/split", match: { prefix: "/split" }, route: { weighted_clusters: { header_name: "x-hash", clusters: [{ name: "b", weight: 10 }, { name: "a", weight: 90 }] } } },
        { name: "default/empty", match: { prefix: "/empty" }, route: { cluster: "empty" } },
        { name: "default/dead", match: { prefix: "/dead" }, route: { cluster: "dead", retry_policy: { retry_on: "connect-failure", num_retries: 2 } } },
        { name: "default/slow", match: { prefix: "/delay" }, route: { cluster: "a", timeout: "0.2s" } },
        { name: "default/redirect", match: { prefix: "/old" }, redirect: { prefix_rewrite: "/new", response_code: "FOUND" } },
        { name: "default/ws", match: { prefix: "/ws" }, route: { cluster: "a", upgrade_configs: [{ upgrade_type: "websocket" }] } },
        { name: "default/api", match: { prefix: "/api/" }, route: { cluster: "ab", prefix_rewrite: "/" },
          request_headers_to_add: [{ header: { key: "x-added", value: "1" } }], response_headers_to_remove: ["x-served-by"] },
      ],
    }] }]]), []);
    const upstreams = new UpstreamPool();
    const env = { snapshot: () => snapshot, upstreams, filters: () => undefined, accessLog: (e: AccessLogEntry) => logs.push(e), observe: () => undefined };
    listeners = new ListenerSet({
      request: (hcm, req, res, scheme) => void handleRequest(env, hcm, req, res, scheme),
      upgrade: (hcm, req, socket, head, scheme) => handleUpgrade(env, hcm, req, socket, head, scheme),
    });
    await listeners.reconcile(snapshot);
    port = listeners.ports().get("attache-http")!;
  });

  afterAll(async () => {
    await listeners.close();
    await a.close();
    await b.close();
  });

  const get = (path: string, headers: Record<string, string> = {}, host = "example.com") =>
    request(`http://127.0.0.1:${port}${path}`, { headers: { host, ...headers } });

  it("selects virtual hosts by domain and answers 404 for unknown hosts", async () => {
    expect((await get("/exact")).status).toBe(200);
    expect((await get("/exact", {}, "api.example.org")).status).toBe(200);
    expect((await get("/exact", {}, "nope.test")).status).toBe(404);
  });

  it("matches exact path, RE2 regex with rewrite, and headers in order", async () => {
    expect((await get("/exact")).json().server).toBe("b");
    const regex = (await get("/items/42")).json();
    expect(regex.path).toBe("/v2/item/42");
    expect((await get("/other", { "x-canary": "yes" })).json().server).toBe("b");
    expect((await get("/api/users?x=1")).json().path).toBe("/users?x=1");
  });

  it("applies request and response header edits", async () => {
    const res = await get("/api/x");
    expect(res.headers["x-served-by"]).toBeUndefined();
    expect(res.json().headers["x-added"]).toBe("1");
  });

  it("picks weighted clusters from header_name as value % total weight", async () => {
    expect((await get("/split", { "x-hash": "5" })).json().server).toBe("b"); // 5 % 100 < 10
    expect((await get("/split", { "x-hash": "110" })).json().server).toBe("a"); // 10 -> second
    expect((await get("/split", { "x-hash": "18446744073709551615" })).json().server).toBe("a"); // u64 max % 100 = 15
    // Exact 64-bit arithmetic: as a double this value rounds to ...616 (% 100 = 16 -> "a").
    expect((await get("/split", { "x-hash": "18446744073709551609" })).json().server).toBe("b"); // % 100 = 9
  });

  it("answers 503 no healthy upstream for a cluster without endpoints", async () => {
    const res = await get("/empty");
    expect(res.status).toBe(503);
    expect(res.text).toBe("no healthy upstream");
  });

  it("retries connect failures and then reports 503", async () => {
    const before = logs.length;
    const res = await get("/dead");
    expect(res.status).toBe(503);
    expect(logs.slice(before).at(-1)?.response_flags).toBe("UF");
  });

  it("enforces the route timeout with 504", async () => {
    const res = await get("/delay/1000");
    expect(res.status).toBe(504);
    expect(res.text).toBe("upstream request timeout");
  });

  it("redirects with prefix rewrite", async () => {
    const res = await get("/old/page?q=1");
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe("http://example.com/new/page?q=1");
  });

  it("balances round-robin over endpoints", async () => {
    const servers = new Set<string>();
    for (let i = 0; i < 4; i++) servers.add((await get("/api/rr")).json().server);
    expect([...servers].sort()).toEqual(["a", "b"]);
  });

  it("speaks h2c (HTTP/2 prior knowledge) on the plain listener", async () => {
    const http2 = await import("node:http2");
    const session = http2.connect(`http://127.0.0.1:${port}`);
    const body = await new Promise<string>((resolve, reject) => {
      const stream = session.request({ ":path": "/exact", ":authority": "example.com" });
      let text = "";
      stream.on("data", (c) => (text += c));
      stream.on("end", () => resolve(text));
      stream.on("error", reject);
    });
    session.close();
    expect(JSON.parse(body).server).toBe("b");
  });

  it("proxies WebSocket upgrades only on routes that allow them", async () => {
    const net = await import("node:net");
    const talk = (path: string) => new Promise<string>((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.write(`GET ${path} HTTP/1.1\r\nhost: example.com\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n`);
      });
      let seen = "";
      socket.on("data", (d) => {
        seen += d.toString("latin1");
        if (seen.includes("\r\n\r\n") && seen.startsWith("HTTP/1.1 101") && !seen.includes("a:hi")) {
          const payload = Buffer.from("hi");
          const mask = Buffer.from([1, 2, 3, 4]);
          socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, payload.map((b, i) => b ^ mask[i % 4])]));
        }
        if (seen.includes("a:hi") || !seen.startsWith("HTTP/1.1 101")) { socket.destroy(); resolve(seen); }
      });
    });
    const ok = await talk("/ws");
    expect(ok).toContain("HTTP/1.1 101");
    expect(ok).toContain("a:hi");
    expect(await talk("/exact")).toMatch(/^HTTP\/1.1 403/);
  });

  it("forwards request bodies, with Content-Length and chunked", async () => {
    const sized = await request(`http://127.0.0.1:${port}/exact`, { method: "POST", headers: { host: "example.com", "content-type": "text/plain" }, body: "hello body" });
    expect(sized.json()).toMatchObject({ method: "POST", body: "hello body" });
    const http = await import("node:http");
    const chunked = await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port, path: "/exact", method: "PUT", headers: { host: "example.com" } }, (res) => {
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () => resolve(text));
      });
      req.on("error", reject);
      req.write("part one, ");
      setTimeout(() => req.end("part two"), 20);
    });
    expect(JSON.parse(chunked)).toMatchObject({ method: "PUT", body: "part one, part two" });
  });

  it("writes one access log entry per request with route and cluster", async () => {
    await get("/exact");
    const last = logs.at(-1)!;
    expect(last).toMatchObject({ method: "GET", path: "/exact", status: 200, route: "default/exact", cluster: "b" });
  });
});

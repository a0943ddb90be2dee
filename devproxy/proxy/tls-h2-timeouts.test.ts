// Envoy's HCM timeouts on the connections besides plain HTTP/1.1 (connection-hygiene.test.ts
// has those): HTTP/1.1 over TLS, HTTP/2 over TLS and h2c. The limits are made short so the
// test is quick; the names and meanings are Envoy's (http_connection_manager.proto).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import tls from "node:tls";
import selfsigned from "selfsigned";
import { ResourceStore, TYPE, type Snapshot } from "../config/snapshot.ts";
import { ListenerSet } from "./listeners.ts";
import { handleRequest } from "./handler.ts";
import { handleUpgrade } from "./websocket.ts";
import { UpstreamPool } from "./upstream.ts";

const HCM = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
const TLS = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext";
const ROUTER = { name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } };
const LIMITS = { request_headers_timeout: "0.3s", stream_idle_timeout: "0.4s", common_http_protocol_options: { idle_timeout: "0.5s" } };

let upstream: http.Server;
let listeners: ListenerSet;
let tlsPort: number;
let plainPort: number;

beforeAll(async () => {
  // /slow never answers (its stream goes idle); anything else answers at once.
  upstream = http.createServer((req, res) => { if (req.url !== "/slow") res.end("ok"); });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  const up = (upstream.address() as net.AddressInfo).port;
  const pems = await selfsigned.generate([{ name: "commonName", value: "a.test" }], { keyType: "ec", curve: "P-256" });
  const hcm = { name: "hcm", typed_config: { "@type": HCM, stat_prefix: "t", rds: { route_config_name: "r", config_source: { ads: {} } }, http_filters: [ROUTER], ...LIMITS } };
  const store = new ResourceStore();
  store.apply(TYPE.listener, new Map([
    ["tls", { name: "tls", address: { socket_address: { address: "127.0.0.1", port_value: 0 } }, filter_chains: [{
      filters: [hcm],
      transport_socket: { name: "tls", typed_config: { "@type": TLS, common_tls_context: { tls_certificate_sds_secret_configs: [{ name: "cert" }] } } },
    }] }],
    ["plain", { name: "plain", address: { socket_address: { address: "127.0.0.1", port_value: 0 } }, filter_chains: [{ filters: [hcm] }] }],
  ]), []);
  store.apply(TYPE.secret, new Map([["cert", { name: "cert", tls_certificate: { certificate_chain: { inline_string: pems.cert }, private_key: { inline_string: pems.private } } }]]), []);
  store.apply(TYPE.cluster, new Map([["u", { name: "u", type: "STATIC", connect_timeout: "1s", load_assignment: { cluster_name: "u", endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: up } } } }] }] } }]]), []);
  const snapshot: Snapshot = store.apply(TYPE.route, new Map([["r", { name: "r", virtual_hosts: [{ name: "v", domains: ["*"], routes: [
    { name: "all", match: { prefix: "/" }, route: { cluster: "u", timeout: "0s" } },
  ] }] }]]), []);
  const env = { snapshot: () => snapshot, upstreams: new UpstreamPool(), filters: () => undefined, accessLog: () => undefined, observe: () => undefined };
  listeners = new ListenerSet({
    request: (h, req, res, scheme) => void handleRequest(env, h, req, res, scheme),
    upgrade: (h, req, socket, head, scheme) => handleUpgrade(env, h, req, socket, head, scheme),
  });
  await listeners.reconcile(snapshot);
  tlsPort = listeners.ports().get("tls")!;
  plainPort = listeners.ports().get("plain")!;
});

afterAll(async () => {
  await listeners.close();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

/** Opens a TLS connection with ALPN http/1.1, sends `text` (if any) once secure, and
 *  resolves with what came back and how long until the close. */
function talkTls(text: string, limitMs = 3000): Promise<{ seen: string; ms: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    let seen = "";
    const socket = tls.connect({ port: tlsPort, host: "127.0.0.1", servername: "a.test", rejectUnauthorized: false, ALPNProtocols: ["http/1.1"] }, () => { if (text) socket.write(text); });
    socket.on("data", (d) => (seen += d.toString("latin1")));
    const done = () => { clearTimeout(timer); socket.destroy(); resolve({ seen, ms: performance.now() - started }); };
    const timer = setTimeout(done, limitMs);
    socket.on("close", done);
    socket.on("error", done);
  });
}

describe("HTTP/1.1 over TLS", () => {
  it("half a request head gets 408 after request_headers_timeout", async () => {
    const { seen, ms } = await talkTls("GET / HTTP/1.1\r\nhost: a.test\r\nx-partial: ");
    expect(seen).toMatch(/^HTTP\/1.1 408/);
    expect(ms).toBeLessThan(1500);
  });

  it("a connection that sends nothing after the handshake is closed after idle_timeout", async () => {
    const { seen, ms } = await talkTls("");
    expect(seen).toBe("");
    expect(ms).toBeGreaterThan(400);
    expect(ms).toBeLessThan(1500);
  });

  it("a connection that never starts its handshake is closed after idle_timeout", async () => {
    const ms = await new Promise<number>((resolve) => {
      const started = performance.now();
      const socket = net.connect(tlsPort, "127.0.0.1");
      const timer = setTimeout(() => socket.destroy(), 3000);
      socket.on("close", () => { clearTimeout(timer); resolve(performance.now() - started); });
      socket.on("error", () => undefined);
    });
    expect(ms).toBeLessThan(1500);
  });

  it("a request whose response does not come within stream_idle_timeout gets 408 and the connection closes", async () => {
    const { seen, ms } = await talkTls("GET /slow HTTP/1.1\r\nhost: a.test\r\n\r\n");
    // Envoy answers 408 "stream timeout" when no response has started.
    expect(seen).toMatch(/^HTTP\/1.1 408[\s\S]*\r\n\r\nstream timeout$/);
    expect(ms).toBeGreaterThan(300);
    expect(ms).toBeLessThan(1500);
  });
});

describe("plain HTTP/1.1", () => {
  it("a request whose response does not come within stream_idle_timeout gets 408", async () => {
    const started = performance.now();
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      http.get({ host: "127.0.0.1", port: plainPort, path: "/slow" }, (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      }).on("error", reject);
    });
    expect(answer).toEqual({ status: 408, body: "stream timeout" });
    expect(performance.now() - started).toBeLessThan(1500);
  });
});

/** An HTTP/2 session; resolves when it closes, with how long it lived. */
function h2Session(url: string): { session: http2.ClientHttp2Session; closed: Promise<number> } {
  const started = performance.now();
  const session = http2.connect(url, { rejectUnauthorized: false, servername: "a.test" } as http2.SecureClientSessionOptions);
  session.on("error", () => undefined);
  const closed = new Promise<number>((resolve) => session.on("close", () => resolve(performance.now() - started)));
  return { session, closed };
}

for (const [kind, url] of [["HTTP/2 over TLS", () => `https://127.0.0.1:${tlsPort}`], ["h2c", () => `http://127.0.0.1:${plainPort}`]] as const) {
  describe(kind, () => {
    it("a session without streams is closed (GOAWAY) after idle_timeout, and not while a request is served", async () => {
      const { session, closed } = h2Session(url());
      const status = await new Promise<number>((resolve, reject) => {
        const stream = session.request({ ":path": "/" });
        stream.on("response", (h) => resolve(Number(h[":status"])));
        stream.on("error", reject);
        stream.resume();
      });
      expect(status).toBe(200);
      let goaway = false;
      session.on("goaway", () => (goaway = true));
      const ms = await closed;
      expect(goaway).toBe(true);
      expect(ms).toBeGreaterThan(400);
      expect(ms).toBeLessThan(2500);
    });

    it("a stream whose response does not come within stream_idle_timeout gets 408", async () => {
      const { session } = h2Session(url());
      try {
        const started = performance.now();
        const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          const stream = session.request({ ":path": "/slow" });
          let body = "";
          let status = 0;
          stream.on("response", (h) => (status = Number(h[":status"])));
          stream.on("data", (d) => (body += d));
          stream.on("end", () => resolve({ status, body }));
          stream.on("error", reject);
        });
        expect(answer).toEqual({ status: 408, body: "stream timeout" });
        expect(performance.now() - started).toBeLessThan(1500);
      } finally {
        session.destroy();
      }
    });
  });
}

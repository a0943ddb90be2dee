// The stream-info attributes a Wasm filter reads (destination.*, connection.*, upstream.*,
// xds.*, source.*, request.protocol), on real Envoy and on the local data plane serving the
// same config: the conformance probe (x-case: attributes) reports what proxy_get_property
// answered in the request and the response phase as response headers, and both data planes
// must answer alike — the same statuses, types and values, ports and ids aside, which are
// checked against what each side's connection really was.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startEchoServer, type EchoServer } from "../../controlplane/runner/example-upstreams/echo-server.ts";
import { request } from "../http-client.ts";
import { describeWithTools } from "../tools.ts";
import { httpsGet } from "./clients.ts";
import { eventually, startE2E, type E2E } from "./harness.ts";

const PROBE = fileURLToPath(new URL("../../build/test/conformance/modules/conformance-probe.wasm", import.meta.url));

/** "name: 8 bytes 0x<little-endian hex>" -> the number. */
function int64Of(entry: string): number {
  const hex = /0x([0-9a-f]{16})$/.exec(entry)?.[1];
  if (!hex) throw new Error(`not an int64 property: ${entry}`);
  return Number(Buffer.from(hex, "hex").readBigUInt64LE());
}

type Phase = Map<string, string>;

function phase(header: string | string[] | undefined): Phase {
  const out: Phase = new Map();
  for (const entry of String(header ?? "").split("; ")) out.set(entry.slice(0, entry.indexOf(":")), entry);
  return out;
}

describeWithTools(["envoy"], "Wasm attributes: Envoy and the local data plane answer alike", () => {
  let echo: EchoServer;
  let modules: Server;
  const stacks: E2E[] = [];
  const seen = new Map<string, { port: number; request: Phase; response: Phase }>();

  beforeAll(async () => {
    echo = await startEchoServer("echo");
    const wasm = readFileSync(PROBE);
    modules = createServer((_req, res) => res.end(wasm));
    await new Promise<void>((resolve) => modules.listen(0, "127.0.0.1", resolve));
    const files = {
      "attributes.yaml": `apiVersion: attache.dev/v1alpha1
kind: WasmFilter
metadata: { name: probe }
spec:
  module: { url: "http://127.0.0.1:${(modules.address() as AddressInfo).port}/probe.wasm", sha256: "${createHash("sha256").update(wasm).digest("hex")}" }
---
apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: { name: attrs }
spec: { prefix: /attrs/, service: "http://127.0.0.1:${echo.port}", filters: [{ name: probe }] }
---
apiVersion: attache.dev/v1alpha1
kind: Host
metadata: { name: secure }
spec: { hostname: attrs.test, tlsSecret: { name: attrs-tls } }
---
apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata: { name: secure-attrs }
spec: { hostname: attrs.test, prefix: /attrs/, service: "http://127.0.0.1:${echo.port}", filters: [{ name: probe }] }
`,
    };
    for (const dataPlane of ["envoy", "local"] as const) {
      const e2e = await startE2E(files, { dataPlane, selfSign: true });
      stacks.push(e2e);
      await eventually(async () => (await request(`${e2e.http}/attrs/x`)).status === 200, 30_000, 50);
      const res = await request(`${e2e.http}/attrs/x`, { headers: { "x-case": "attributes" } });
      expect(res.status).toBe(200);
      seen.set(dataPlane, { port: Number(new URL(e2e.http).port), request: phase(res.headers["x-attr-request"]), response: phase(res.headers["x-attr-response"]) });
      // A new TLS Host is a new filter chain, which a busy Envoy takes longer to serve.
      await eventually(async () => (await httpsGet(e2e.https, "attrs.test", "/attrs/x")).status === 200, 30_000, 50);
      const secure = await httpsGet(e2e.https, "attrs.test", "/attrs/x", { "x-case": "attributes" });
      expect(secure.status).toBe(200);
      seen.set(`${dataPlane} tls`, { port: e2e.https, request: phase(secure.headers["x-attr-request"]), response: phase(secure.headers["x-attr-response"]) });
    }
  }, 120_000);
  afterAll(async () => {
    for (const stack of stacks) await stack.close();
    await echo?.close();
    modules?.closeAllConnections();
    await new Promise((resolve) => modules?.close(resolve));
  });

  const VARYING = new Set(["source.address", "source.port", "destination.address", "destination.port", "connection.id", "upstream.address", "upstream.port"]);

  it.each([
    ["plain HTTP", "request"], ["plain HTTP", "response"], ["TLS", "request"], ["TLS", "response"],
  ] as const)("%s, %s phase: the same status, type and value for every attribute but ports and ids", (connection, when) => {
    const suffix = connection === "TLS" ? " tls" : "";
    const envoy = seen.get(`envoy${suffix}`)![when];
    const local = seen.get(`local${suffix}`)![when];
    expect([...local.keys()]).toEqual([...envoy.keys()]);
    for (const [name, entry] of envoy) {
      if (VARYING.has(name)) expect(local.get(name)!.replace(/ .*/, ""), name).toBe(entry.replace(/ .*/, ""));
      else expect(local.get(name), name).toBe(entry);
    }
  });

  it("TLS: the SNI name and the protocol version, no client certificate", () => {
    const tls = seen.get("envoy tls")!.request;
    expect(tls.get("connection.requested_server_name")).toBe("connection.requested_server_name: 10 bytes 'attrs.test'");
    expect(tls.get("connection.tls_version")).toMatch(/'TLSv1\.[23]'$/);
    expect(tls.get("connection.mtls")).toBe("connection.mtls: 1 bytes 0x00");
  });

  it.each(["envoy", "local", "envoy tls", "local tls"])("%s: ports, addresses and ids are those of the real connections", (dataPlane) => {
    const { port, request: req, response: res } = seen.get(dataPlane)!;
    for (const when of [req, res]) {
      expect(when.get("destination.address")).toBe(`destination.address: ${`127.0.0.1:${port}`.length} bytes '127.0.0.1:${port}'`);
      expect(int64Of(when.get("destination.port")!)).toBe(port);
      expect(int64Of(when.get("source.port")!)).toBeGreaterThan(0);
      expect(int64Of(when.get("connection.id")!)).toBeGreaterThan(0);
    }
    expect(res.get("upstream.address")).toBe(`upstream.address: ${`127.0.0.1:${echo.port}`.length} bytes '127.0.0.1:${echo.port}'`);
    expect(int64Of(res.get("upstream.port")!)).toBe(echo.port);
  });
});

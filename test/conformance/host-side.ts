// The host/ side of the differential harness: an HTTP server that does for one Wasm plugin
// what Envoy's HCM and router do around the Wasm filter, with the module run by HostEmulator
// (host/): the request headers as Envoy hands them to filters (pseudo-headers first, then the
// client's, then the x-forwarded-proto and x-request-id the HCM adds), request callbacks, a
// local reply or the upstream request (cluster "upstream", the echo upstream; callouts to it
// too), response callbacks, then log/done/delete. A client talks to it exactly as to Envoy.
// It is deliberately thin: everything the module can observe or change goes through host/.
import { randomUUID } from "node:crypto";
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { EmulatorOptions, encodeProperty, HostEmulator, loadProxyWasmFile, LogLevel, propertyKey, systemClock, type HeaderPairs } from "../../host/index.ts";
import type { PluginUnderTest } from "./plugin.ts";
import type { WasmLogLine } from "./envoy-side.ts";

const LEVELS = ["trace", "debug", "info", "warn", "error", "critical"];
/** Hop-by-hop headers the HCM's codec consumes before filters see a request (RFC 9110 7.6.1). */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te"]);

interface Upstream {
  status: number;
  headers: HeaderPairs;
  body: Buffer;
  address: string;
  port: number;
}

function forward(port: number, method: string, path: string, headers: HeaderPairs, body: Uint8Array): Promise<Upstream> {
  return new Promise((resolve, reject) => {
    // The header list as the module left it, in its order; a body without content-length goes
    // chunked, as Envoy's codec sends it.
    const raw: string[] = [];
    let length = false;
    for (const [k, v] of headers) {
      if (k === ":authority") raw.push("host", v);
      else if (k === "content-length") {
        raw.push(k, String(body.length));
        length = true;
      } else if (!k.startsWith(":") && !HOP_BY_HOP.has(k)) raw.push(k, v);
    }
    if (!length && body.length) raw.push("transfer-encoding", "chunked");
    const r = request({ host: "127.0.0.1", port, method, path, headers: raw as unknown as Record<string, string>, agent: false, setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const out: HeaderPairs = [[":status", String(res.statusCode)]];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          const name = res.rawHeaders[i]!.toLowerCase();
          if (!HOP_BY_HOP.has(name)) out.push([name, res.rawHeaders[i + 1]!]);
        }
        resolve({ status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks), address: `127.0.0.1:${port}`, port });
      });
    });
    r.on("error", reject);
    r.end(Buffer.from(body));
  });
}

export class HostSide {
  readonly emulator: HostEmulator;
  private server: Server | undefined;

  constructor(readonly plugin: PluginUnderTest, private readonly upstreamPort: number) {
    this.emulator = new HostEmulator(
      new EmulatorOptions()
        .withWasm(loadProxyWasmFile(plugin.wasmPath))
        .withPluginConfiguration(plugin.configuration)
        .withVmConfiguration(plugin.vmConfiguration)
        .withRootId(plugin.rootId)
        .withVmId(plugin.vmId)
        .withPluginName(plugin.name)
        .withFailurePolicy(plugin.failurePolicy)
        .withClock(systemClock)
        .withLogLevel(LogLevel.Trace)
        .withUpstreams(["upstream"])
        .withProperty("xds.route_name", plugin.routeName),
    );
  }

  async start(): Promise<number> {
    this.emulator.startPlugin();
    this.server = createServer((req, res) => {
      this.serve(req, res).catch((error: Error) => {
        res.writeHead(500);
        res.end(`host side: ${error.message}`);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return (this.server.address() as AddressInfo).port;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const headers: HeaderPairs = [];
    let authority = "";
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!.toLowerCase();
      if (name === "host") authority = req.rawHeaders[i + 1]!;
      else if (!HOP_BY_HOP.has(name)) headers.push([name, req.rawHeaders[i + 1]!]);
    }
    const requestHeaders: HeaderPairs = [[":authority", authority], [":path", req.url ?? "/"], [":method", req.method ?? "GET"], [":scheme", "http"], ...headers,
      ["x-forwarded-proto", "http"], ["x-request-id", randomUUID()]];
    const host = this.emulator;
    // Envoy's stream info, which host/ takes from its embedder (as devproxy's RequestAttributes).
    const id = host.initializeHttpContext({
      "request.protocol": "HTTP/1.1",
      "source.address": `${req.socket.remoteAddress}:${req.socket.remotePort}`,
      "source.port": req.socket.remotePort ?? 0,
      "destination.address": `${req.socket.localAddress}:${req.socket.localPort}`,
      "destination.port": req.socket.localPort ?? 0,
      "connection.mtls": false,
      "connection.id": 1,
      "response.flags": 0,
      "xds.cluster_name": "upstream",
      "xds.virtual_host_name": "all",
    });
    host.callOnRequestHeaders(id, requestHeaders, body.length === 0);
    if (body.length) host.callOnRequestBody(id, body, true);
    await this.runCallouts(id);
    let local = host.getSentLocalResponse(id);
    if (local) return this.finish(id, res, local.encoded?.headers ?? [[":status", String(local.statusCode)]], local.encoded?.body ?? local.body);
    const current = host.getCurrentRequestHeaders(id);
    const get = (name: string) => current.find(([k]) => k === name)?.[1] ?? "";
    const upstream = await forward(this.upstreamPort, get(":method"), get(":path"), current, body.length ? host.getCurrentRequestBody(id) : new Uint8Array(0));
    this.upstreamAttributes(id, upstream);
    host.callOnResponseHeaders(id, upstream.headers, upstream.body.length === 0);
    if (upstream.body.length) host.callOnResponseBody(id, upstream.body, true);
    local = host.getSentLocalResponse(id);
    if (local) return this.finish(id, res, local.encoded?.headers ?? [[":status", String(local.statusCode)]], local.encoded?.body ?? local.body);
    const responseBody = upstream.body.length ? host.getCurrentResponseBody(id) : new Uint8Array(0);
    return this.finish(id, res, host.getCurrentResponseHeaders(id), responseBody);
  }

  /** What Envoy's stream info knows once the upstream answered. */
  private upstreamAttributes(id: number, upstream: Upstream): void {
    const stream = this.emulator.plugin.vm?.contexts.get(id);
    if (stream?.kind !== "http") return;
    stream.properties.set(propertyKey("response.code_details"), encodeProperty("via_upstream"));
    stream.properties.set(propertyKey("upstream.address"), encodeProperty(upstream.address));
    stream.properties.set(propertyKey("upstream.port"), encodeProperty(upstream.port));
  }

  /** Answers every callout the module made (to the echo upstream), until none is pending. */
  private async runCallouts(id: number): Promise<void> {
    for (;;) {
      const pending = this.emulator.getHttpCallouts();
      if (!pending.length) return;
      for (const callout of pending) {
        const get = (name: string) => callout.headers.find(([k]) => k === name)?.[1] ?? "";
        const answer = await forward(this.upstreamPort, get(":method"), get(":path"), callout.headers, callout.body).catch(() => undefined);
        this.emulator.callOnHttpCallResponse(callout.token, answer?.headers ?? [], answer?.body ?? new Uint8Array(0));
      }
    }
  }

  private finish(id: number, res: ServerResponse, headers: HeaderPairs, body: Uint8Array): void {
    this.emulator.completeHttpContext(id);
    this.emulator.forgetHttpContext(id);
    const status = Number(headers.find(([k]) => k === ":status")?.[1] ?? 500);
    const raw: string[] = [];
    let length = false;
    for (const [k, v] of headers) {
      if (k === "content-length") {
        raw.push(k, String(body.length));
        length = true;
      } else if (!k.startsWith(":") && !HOP_BY_HOP.has(k)) raw.push(k, v);
    }
    if (!length) raw.push("content-length", String(body.length));
    res.writeHead(status, raw);
    res.end(Buffer.from(body));
  }

  wasmLogs(): WasmLogLine[] {
    return this.emulator.getLogEntries().map((e) => ({ level: LEVELS[e.level]!, message: e.message }));
  }

  metric(name: string): number | undefined {
    const metric = this.emulator.options.metrics.all().find((m) => m.name === name);
    return metric && metric.kind !== "histogram" ? Number(metric.value) : undefined;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.emulator.dispose();
  }
}

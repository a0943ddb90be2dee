// Sends one request to a cluster endpoint over HTTP/1.1 (keep-alive agent per cluster) or
// HTTP/2 (one session per endpoint, for gRPC clusters), honouring the route timeout, and
// returns the response head plus a body stream. Load balancing picks endpoints round-robin
// (or at random / least-request) over the cluster's healthy endpoints.
import http from "node:http";
import http2 from "node:http2";
import https from "node:https";
import type { Readable } from "node:stream";
import type { ClusterConfig, Endpoint } from "../config/clusters.ts";

export interface UpstreamRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body: Buffer | Readable | undefined;
  /** Starts when the request is complete (its body sent), as Envoy's route timeout does. */
  timeoutMs: number;
  /** Aborted when the downstream client goes away: the upstream request is cancelled. */
  signal?: AbortSignal;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Readable;
  trailers?: Promise<Record<string, string | string[]>>;
}

export class UpstreamError extends Error {
  constructor(readonly kind: "connect-failure" | "reset" | "timeout", message: string) {
    super(message);
  }
}

type RuntimeCluster = ClusterConfig & { endpoints: Endpoint[] };

const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "http2-settings", "host"]);

export class UpstreamPool {
  private readonly agents = new Map<string, http.Agent>();
  private readonly sessions = new Map<string, http2.ClientHttp2Session>();
  private readonly cursors = new Map<string, number>();
  private readonly active = new Map<string, number>();

  pick(cluster: RuntimeCluster): Endpoint | undefined {
    const eps = cluster.endpoints;
    if (eps.length === 0) return undefined;
    if (cluster.lbPolicy === "RANDOM") return eps[Math.floor(Math.random() * eps.length)];
    if (cluster.lbPolicy === "LEAST_REQUEST" && eps.length > 1) {
      // Envoy's power-of-two-choices.
      const a = eps[Math.floor(Math.random() * eps.length)];
      const b = eps[Math.floor(Math.random() * eps.length)];
      return (this.active.get(key(a)) ?? 0) <= (this.active.get(key(b)) ?? 0) ? a : b;
    }
    const i = this.cursors.get(cluster.name) ?? 0;
    this.cursors.set(cluster.name, (i + 1) % eps.length);
    return eps[i % eps.length];
  }

  /** In-flight requests to a cluster (for circuit breaking on max_requests). */
  inflight(cluster: RuntimeCluster): number {
    let n = 0;
    for (const ep of cluster.endpoints) n += this.active.get(key(ep)) ?? 0;
    return n;
  }

  send(cluster: RuntimeCluster, ep: Endpoint, req: UpstreamRequest, authority: string): Promise<UpstreamResponse> {
    const k = key(ep);
    this.active.set(k, (this.active.get(k) ?? 0) + 1);
    const done = () => this.active.set(k, (this.active.get(k) ?? 1) - 1);
    const p = cluster.http2 ? this.sendH2(cluster, ep, req, authority) : this.sendH1(cluster, ep, req, authority);
    p.then((r) => { r.body.once("close", done); r.body.once("end", done); }, done);
    return p;
  }

  private agent(cluster: RuntimeCluster): http.Agent {
    let agent = this.agents.get(cluster.name);
    if (!agent) {
      const opts = { keepAlive: true, maxSockets: cluster.maxConnections ?? Infinity, scheduling: "lifo" as const };
      agent = cluster.tls ? new https.Agent(opts) : new http.Agent(opts);
      this.agents.set(cluster.name, agent);
    }
    return agent;
  }

  private sendH1(cluster: RuntimeCluster, ep: Endpoint, req: UpstreamRequest, authority: string): Promise<UpstreamResponse> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(req.headers)) if (!k.startsWith(":") && !HOP_BY_HOP.has(k)) headers[k] = v;
      headers.host = authority;
      const mod = cluster.tls ? https : http;
      const outgoing = mod.request({
        host: ep.host,
        port: ep.port,
        method: req.method,
        path: req.path,
        headers,
        agent: this.agent(cluster),
        servername: cluster.tls?.sni,
        timeout: cluster.connectTimeoutMs,
      });
      let timer: NodeJS.Timeout | undefined;
      if (req.timeoutMs > 0) {
        const start = () => { timer = setTimeout(() => { outgoing.destroy(new UpstreamError("timeout", "upstream request timeout")); }, req.timeoutMs); };
        if (req.body && !Buffer.isBuffer(req.body)) req.body.once("end", start);
        else start();
      }
      cancelOnAbort(req.signal, () => { clearTimeout(timer); outgoing.destroy(new UpstreamError("reset", "downstream disconnected")); });
      outgoing.on("socket", (socket) => {
        socket.setNoDelay(true);
        if (socket.connecting) socket.once("connect", () => outgoing.setTimeout(0));
        else outgoing.setTimeout(0);
      });
      outgoing.on("timeout", () => outgoing.destroy(new UpstreamError("connect-failure", "upstream connect timeout")));
      outgoing.on("response", (res) => {
        res.once("end", () => clearTimeout(timer));
        res.once("close", () => clearTimeout(timer));
        const out: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
        resolve({ status: res.statusCode ?? 502, headers: out, body: res });
      });
      outgoing.on("error", (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (err instanceof UpstreamError) reject(err);
        else if (err.code === "ECONNREFUSED" || err.code === "EHOSTUNREACH" || err.code === "ENOTFOUND") reject(new UpstreamError("connect-failure", `upstream connect error: ${err.code}`));
        else reject(new UpstreamError("reset", `upstream reset: ${err.code ?? err.message}`));
      });
      if (req.body === undefined) outgoing.end();
      else if (Buffer.isBuffer(req.body)) outgoing.end(req.body);
      else req.body.pipe(outgoing);
    });
  }

  private session(cluster: RuntimeCluster, ep: Endpoint): http2.ClientHttp2Session {
    const k = `${cluster.name}|${key(ep)}`;
    let s = this.sessions.get(k);
    if (!s || s.closed || s.destroyed) {
      s = http2.connect(`${cluster.tls ? "https" : "http"}://${ep.host}:${ep.port}`, { servername: cluster.tls?.sni });
      s.on("error", () => this.sessions.delete(k));
      s.on("close", () => this.sessions.delete(k));
      s.unref();
      this.sessions.set(k, s);
    }
    return s;
  }

  private sendH2(cluster: RuntimeCluster, ep: Endpoint, req: UpstreamRequest, authority: string): Promise<UpstreamResponse> {
    return new Promise((resolve, reject) => {
      const headers: http2.OutgoingHttpHeaders = { ":method": req.method, ":path": req.path, ":authority": authority, ":scheme": cluster.tls ? "https" : "http" };
      for (const [k, v] of Object.entries(req.headers)) if (!k.startsWith(":") && !HOP_BY_HOP.has(k)) headers[k] = v;
      let stream: http2.ClientHttp2Stream;
      try {
        stream = this.session(cluster, ep).request(headers, { endStream: req.body === undefined });
      } catch (err) {
        reject(new UpstreamError("connect-failure", `upstream connect error: ${(err as Error).message}`));
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      if (req.timeoutMs > 0) {
        const start = () => { timer = setTimeout(() => stream.close(http2.constants.NGHTTP2_CANCEL), req.timeoutMs); };
        if (req.body && !Buffer.isBuffer(req.body)) req.body.once("end", start);
        else start();
      }
      cancelOnAbort(req.signal, () => { clearTimeout(timer); stream.close(http2.constants.NGHTTP2_CANCEL); });
      let trailersResolve!: (t: Record<string, string | string[]>) => void;
      const trailers = new Promise<Record<string, string | string[]>>((r) => (trailersResolve = r));
      stream.on("trailers", (t) => trailersResolve(clean(t)));
      stream.on("close", () => { clearTimeout(timer); trailersResolve({}); });
      stream.on("response", (h) => {
        resolve({ status: Number(h[":status"] ?? 502), headers: clean(h), body: stream, trailers });
      });
      stream.on("error", (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new UpstreamError(err.code === "ECONNREFUSED" ? "connect-failure" : "reset", `upstream error: ${err.code ?? err.message}`));
      });
      stream.on("aborted", () => reject(new UpstreamError("timeout", "upstream request timeout")));
      if (Buffer.isBuffer(req.body)) stream.end(req.body);
      else if (req.body) req.body.pipe(stream);
    });
  }

  close(): void {
    for (const a of this.agents.values()) a.destroy();
    for (const s of this.sessions.values()) s.destroy();
    this.agents.clear();
    this.sessions.clear();
  }
}

function cancelOnAbort(signal: AbortSignal | undefined, cancel: () => void): void {
  if (!signal) return;
  if (signal.aborted) cancel();
  else signal.addEventListener("abort", cancel, { once: true });
}

function clean(h: http2.IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined && !k.startsWith(":") && !HOP_BY_HOP.has(k)) out[k] = v as string | string[];
  return out;
}

function key(ep: Endpoint): string {
  return `${ep.host}:${ep.port}`;
}

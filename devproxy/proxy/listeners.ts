// Binds the sockets the Listener resources ask for and keeps them in step with each
// Snapshot: a listener whose port is unchanged keeps its socket (its requests see the new
// config at once), a removed listener stops accepting and lets open connections finish.
// Plain listeners speak HTTP/1.1 and h2c (prior knowledge, detected from the connection
// preface); TLS listeners pick the filter chain and certificate by SNI and offer ALPN
// h2/http1.1, as Envoy's filter_chain_match.server_names does. Every connection is counted
// against the connection cap and watched by Envoy's HCM timeouts (connection-timeouts.ts).
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import tls from "node:tls";
import { X509Certificate } from "node:crypto";
import type { ListenerConfig, TlsChain, HcmConfig } from "../config/listeners.ts";
import type { Snapshot } from "../config/snapshot.ts";
import { Http1Timeouts, enforceHttp2Timeouts } from "./connection-timeouts.ts";
import { ConnectionCap, defaultMaxConnections } from "./connection-cap.ts";
import { listenReusePort } from "./reuse-port.ts";

const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

export interface ListenerHandlers {
  request(hcm: HcmConfig, req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse, scheme: "http" | "https"): void;
  upgrade(hcm: HcmConfig, req: http.IncomingMessage, socket: import("node:stream").Duplex, head: Buffer, scheme: "http" | "https"): void;
}

interface Running {
  config: ListenerConfig;
  server: net.Server;
  sockets: Set<net.Socket>;
}

/** SNI match: exact first, then the longest `*.suffix`, then a chain without server_names. */
const asksForCerts = (config: ListenerConfig): boolean => config.tlsChains.some((c) => c.clientCa);

const caCache = new Map<string, X509Certificate[]>();

function parseCas(pem: string): X509Certificate[] {
  let cas = caCache.get(pem);
  if (!cas) {
    cas = (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((p) => new X509Certificate(p));
    caCache.set(pem, cas);
  }
  return cas;
}

/** Envoy's DownstreamTlsContext rules: a presented certificate must be valid now and signed by
 *  one of the trusted CAs (the local data plane checks a direct signature: no intermediates);
 *  with require_client_certificate one must be presented. */
export function clientCertificateOk(socket: tls.TLSSocket, trustedCa: string, required: boolean): boolean {
  const peer = socket.getPeerX509Certificate();
  if (!peer) return !required;
  const now = Date.now();
  if (now < Date.parse(peer.validFrom) || now > Date.parse(peer.validTo)) return false;
  return parseCas(trustedCa).some((ca) => peer.checkIssued(ca) && peer.verify(ca.publicKey));
}

export function chooseChain(chains: TlsChain[], serverName: string | undefined): TlsChain | undefined {
  const name = (serverName ?? "").toLowerCase();
  let best: TlsChain | undefined;
  let bestScore = -1;
  for (const c of chains) {
    if (c.serverNames.length === 0) { if (bestScore < 0) { best = c; bestScore = 0; } continue; }
    for (const s of c.serverNames.map((x) => x.toLowerCase())) {
      const score = s === name ? 1e6 : s.startsWith("*.") && name.endsWith(s.slice(1)) ? s.length : -1;
      if (score > bestScore) { best = c; bestScore = score; }
    }
  }
  return best;
}

export interface ListenerSetOptions {
  /** Overrides the address listeners bind to (tests bind 127.0.0.1). */
  bindAddress?: string;
  /** Worker mode: every worker's ListenerSet binds the same ports, with SO_REUSEPORT
   *  (reuse-port.ts), and the kernel spreads connections over them. */
  sharedPorts?: boolean;
  /** The cap on open client connections, shared by all workers (connection-cap.ts). */
  cap?: ConnectionCap;
}

export class ListenerSet {
  private readonly running = new Map<string, Running>();
  private readonly contexts = new Map<string, tls.SecureContext>();
  private snapshot?: Snapshot;
  private readonly cap: ConnectionCap;

  constructor(private readonly handlers: ListenerHandlers, private readonly options: ListenerSetOptions = {}) {
    this.cap = options.cap ?? new ConnectionCap(defaultMaxConnections());
  }

  /** Ports actually bound, by listener name (useful when a listener asks for port 0). */
  ports(): Map<string, number> {
    return new Map([...this.running].map(([n, r]) => [n, (r.server.address() as net.AddressInfo).port]));
  }

  /** @param boundPorts with sharedPorts: the ports another worker's set bound for listeners
   *  that ask for port 0, so every worker binds the same one. */
  async reconcile(snapshot: Snapshot, boundPorts: ReadonlyMap<string, number> = new Map()): Promise<void> {
    this.snapshot = snapshot;
    for (const [name, r] of this.running) {
      const next = snapshot.listeners.get(name);
      // Whether clients are asked for certificates is fixed when the TLS server is made.
      if (!next || next.port !== r.config.port || next.address !== r.config.address || asksForCerts(next) !== asksForCerts(r.config)) {
        this.running.delete(name);
        r.server.close();
        // Idle keep-alive connections would hold the old socket forever: end them gently.
        for (const s of r.sockets) if (!(s as any)._httpMessage) s.end();
      } else r.config = next;
    }
    for (const [name, config] of snapshot.listeners) {
      if (this.running.has(name)) continue;
      const r: Running = { config, server: undefined as unknown as net.Server, sockets: new Set() };
      const inner = config.tlsChains.length ? this.tlsServer(r) : this.plainServer(r);
      const tls = config.tlsChains.length > 0;
      // Every connection counts against the cap until it closes. noDelay: Nagle's algorithm
      // plus the client's delayed ACK would hold small responses ~40 ms.
      r.server = net.createServer({ noDelay: true }, (socket) => {
        if (!this.cap.admit(socket, tls)) return;
        r.sockets.add(socket);
        socket.on("close", () => r.sockets.delete(socket));
        socket.on("error", () => socket.destroy());
        inner(socket);
      });
      const host = this.options.bindAddress ?? config.address;
      const port = config.port || boundPorts.get(name) || 0;
      if (this.options.sharedPorts) await listenReusePort(r.server, port, host, boundPorts.get(name) !== port);
      else {
        await new Promise<void>((resolve, reject) => {
          r.server.once("error", reject);
          r.server.listen(port, host, () => { r.server.off("error", reject); resolve(); });
        });
      }
      this.running.set(name, r);
    }
  }

  async close(): Promise<void> {
    const all = [...this.running.values()];
    this.running.clear();
    await Promise.all(all.map((r) => new Promise<void>((resolve) => {
      r.server.close(() => resolve());
      for (const s of r.sockets) s.destroy();
    })));
  }

  /** Returns what to do with an accepted plain-text connection: sniff h2c or HTTP/1.1. */
  private plainServer(r: Running): (socket: net.Socket) => void {
    // max_request_headers_kb is the parser's limit (431 above it); the header count is checked
    // per request (handler.ts), so Node must not drop headers past its own count.
    const h1 = http.createServer({ maxHeaderSize: (r.config.plain?.limits.maxRequestHeadersKb ?? 60) * 1024 }, (req, res) => r.config.plain && this.handlers.request(r.config.plain, req, res, "http"));
    h1.maxHeadersCount = 0;
    // A request the parser refuses gets its answer before the close, and what the client is
    // still sending is read and dropped: closing with unread bytes would reset the connection
    // and the client could lose the 431/400.
    h1.on("clientError", (err: NodeJS.ErrnoException, socket: net.Socket) => {
      if (socket.writable) {
        const [status, text] = err.code === "HPE_HEADER_OVERFLOW" ? [431, "Request Header Fields Too Large"] : [400, "Bad Request"];
        socket.end(`HTTP/1.1 ${status} ${text}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
        socket.resume();
        setTimeout(() => socket.destroy(), 1000).unref();
      } else socket.destroy();
    });
    h1.on("upgrade", (req, socket, head) => r.config.plain && this.handlers.upgrade(r.config.plain, req, socket, head, "http"));
    // Keep-alive between requests ends at idle_timeout (connection-timeouts.ts), not Node's 5 s.
    h1.keepAliveTimeout = 0;
    const limits = () => r.config.plain?.limits;
    new Http1Timeouts(limits).attach(h1);
    const h2c = http2.createServer((req, res) => r.config.plain && this.handlers.request(r.config.plain, req, res, "http"));
    enforceHttp2Timeouts(h2c, limits);
    return (socket) => {
      // idle_timeout from the first moment: a connection that never sends a byte is closed
      // too. Once the protocol is known its own timeouts take over (connection-timeouts.ts).
      const onIdle = () => socket.destroy();
      socket.setTimeout(limits()?.idleTimeoutMs ?? 0, onIdle);
      const sniff = () => {
        const first: Buffer | null = socket.read();
        if (!first) { socket.once("readable", sniff); return; }
        socket.unshift(first);
        const n = Math.min(first.length, H2_PREFACE.length);
        const isH2 = first.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
        socket.off("timeout", onIdle);
        socket.setTimeout(0);
        (isH2 ? h2c : h1).emit("connection", socket);
      };
      socket.once("readable", sniff);
    };
  }

  private tlsServer(r: Running): (socket: net.Socket) => void {
    const hcmFor = (servername: string | undefined) => chooseChain(r.config.tlsChains, servername)?.hcm;
    const limits = (socket: net.Socket) => hcmFor((socket as tls.TLSSocket).servername || undefined)?.limits;
    const server = http2.createSecureServer({
      allowHTTP1: true,
      // idle_timeout runs from accept (as the HCM's idle timer does in Envoy): a client that
      // never finishes its handshake is closed then. The listener's chains share one value.
      handshakeTimeout: r.config.tlsChains[0]?.hcm.limits.idleTimeoutMs || undefined,
      ALPNProtocols: ["h2", "http/1.1"],
      // Mutual TLS: ask for a certificate, verify it against the chain's CAs below (the
      // SNI-selected context's CA store is not the one OpenSSL verifies with).
      requestCert: asksForCerts(r.config),
      rejectUnauthorized: false,
      SNICallback: (servername, cb) => {
        const chain = chooseChain(r.config.tlsChains, servername);
        const ctx = chain && this.context(chain.secretName);
        if (!ctx) cb(new Error(`no certificate for ${servername}`));
        else cb(null, ctx);
      },
    }, (req, res) => {
      const hcm = hcmFor((req.socket as tls.TLSSocket).servername || undefined);
      if (hcm) this.handlers.request(hcm, req, res, "https");
      else res.stream?.close();
    });
    const h1 = new Http1Timeouts(limits);
    server.on("request", (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => {
      if (req.httpVersionMajor === 1) h1.request(req as http.IncomingMessage, res as http.ServerResponse);
    });
    enforceHttp2Timeouts(server, limits);
    server.on("secureConnection", (socket: tls.TLSSocket) => {
      if (socket.alpnProtocol !== "h2") h1.watch(socket);
      const chain = chooseChain(r.config.tlsChains, socket.servername || undefined);
      const ca = chain?.clientCa && this.snapshot?.validationContexts.get(chain.clientCa.secretName);
      if (!chain?.clientCa) return;
      if (!ca || !clientCertificateOk(socket, ca.trustedCa, chain.clientCa.required)) socket.destroy();
    });
    server.on("upgrade", (req: http.IncomingMessage, socket: import("node:stream").Duplex, head: Buffer) => {
      h1.upgrade(req);
      const hcm = hcmFor((req.socket as tls.TLSSocket).servername || undefined);
      if (hcm) this.handlers.upgrade(hcm, req, socket, head, "https");
      else socket.destroy();
    });
    return (socket) => server.emit("connection", socket);
  }

  private context(secretName: string): tls.SecureContext | undefined {
    const secret = this.snapshot?.secrets.get(secretName);
    if (!secret) return undefined;
    const cacheKey = `${secretName}\n${secret.certChain}`;
    let ctx = this.contexts.get(cacheKey);
    if (!ctx) {
      ctx = tls.createSecureContext({ cert: secret.certChain, key: secret.privateKey });
      this.contexts.set(cacheKey, ctx);
    }
    return ctx;
  }
}

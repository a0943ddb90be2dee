// The downstream client's address. With worker threads the acceptor forwards each connection
// to a worker over a Unix socket, prefixed with a PROXY protocol v1 line (haproxy.org
// proxy-protocol.txt), so the worker learns the real client; the address is kept on the raw
// socket, which TLS and HTTP/2 wrap (`_parent` / the session socket).
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { threadId } from "node:worker_threads";
import type { DownstreamConnection } from "./filters.ts";

/** The client's address and port, and the address and port it connected to. */
export interface ClientAddress { address: string; port: number; localAddress?: string; localPort?: number }

const CLIENT = Symbol.for("attache.clientAddress");
const CONNECTION = Symbol.for("attache.downstreamConnection");
let connections = 0;

export function setClientAddress(socket: Socket, client: ClientAddress): void {
  (socket as any)[CLIENT] = client;
}

export function clientAddress(socket: Socket | undefined | null): ClientAddress {
  let s: any = socket;
  for (let depth = 0; s && depth < 4; depth++) {
    if (s[CLIENT]) return s[CLIENT];
    s = s._parent ?? s._handle?._parentWrap ?? undefined;
  }
  return { address: socket?.remoteAddress ?? "", port: socket?.remotePort ?? 0 };
}

/** "PROXY TCP4 <src> <dst> <sport> <dport>\r\n" for a client connection. */
export function proxyHeader(socket: Socket): string {
  const family = socket.remoteFamily === "IPv6" ? "TCP6" : "TCP4";
  return `PROXY ${family} ${socket.remoteAddress} ${socket.localAddress} ${socket.remotePort} ${socket.localPort}\r\n`;
}

/**
 * Reads the PROXY v1 line from the start of `socket` (at most 107 bytes, per the spec), stores
 * the client address, and gives back any bytes after it with `unshift`. Calls `done` once.
 */
export function readProxyHeader(socket: Socket, done: (ok: boolean) => void): void {
  let buffered = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    const end = buffered.indexOf("\r\n");
    if (end < 0) {
      if (buffered.length > 107) finish(false);
      return;
    }
    const parts = buffered.subarray(0, end).toString("latin1").split(" ");
    socket.off("data", onData);
    socket.pause();
    const rest = buffered.subarray(end + 2);
    if (rest.length) socket.unshift(rest);
    if (parts[0] === "PROXY" && (parts[1] === "TCP4" || parts[1] === "TCP6") && parts.length === 6) {
      setClientAddress(socket, { address: parts[2], port: Number(parts[4]), localAddress: parts[3], localPort: Number(parts[5]) });
      done(true);
    } else done(false);
  };
  const finish = (ok: boolean) => { socket.off("data", onData); done(ok); };
  socket.on("data", onData);
}

/**
 * The request's downstream connection, worked out once per connection (kept on `socket`, the
 * request's socket: a TLS socket for HTTPS). Ids are unique in the process: the thread id in
 * the high bits, a count in the low ones.
 */
export function downstreamConnection(socket: Socket): DownstreamConnection {
  const s = socket as Socket & { [CONNECTION]?: DownstreamConnection };
  const known = s[CONNECTION];
  if (known) return known;
  const client = clientAddress(socket);
  const tls = socket as TLSSocket;
  const connection: DownstreamConnection = {
    id: threadId * 2 ** 32 + ++connections,
    localAddress: client.localAddress ?? socket.localAddress ?? "",
    localPort: client.localPort ?? socket.localPort ?? 0,
    tls: tls.encrypted ? {
      serverName: typeof tls.servername === "string" ? tls.servername : "",
      version: tls.getProtocol?.() ?? "",
      peerCertificate: Object.keys(tls.getPeerCertificate?.() ?? {}).length > 0,
    } : undefined,
  };
  s[CONNECTION] = connection;
  return connection;
}

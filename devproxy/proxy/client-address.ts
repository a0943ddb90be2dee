// The downstream client's address: the peer of the connection the request came on. Workers
// accept their connections themselves, so TLS sockets and HTTP/2 sessions answer it directly.
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { threadId } from "node:worker_threads";
import type { DownstreamConnection } from "./filters.ts";

export interface ClientAddress { address: string; port: number }

const CONNECTION = Symbol.for("attache.downstreamConnection");
let connections = 0;

export function clientAddress(socket: Socket | undefined | null): ClientAddress {
  return { address: socket?.remoteAddress ?? "", port: socket?.remotePort ?? 0 };
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
  const tls = socket as TLSSocket;
  const connection: DownstreamConnection = {
    id: threadId * 2 ** 32 + ++connections,
    localAddress: socket.localAddress ?? "",
    localPort: socket.localPort ?? 0,
    tls: tls.encrypted ? {
      serverName: typeof tls.servername === "string" ? tls.servername : "",
      version: tls.getProtocol?.() ?? "",
      peerCertificate: Object.keys(tls.getPeerCertificate?.() ?? {}).length > 0,
    } : undefined,
  };
  s[CONNECTION] = connection;
  return connection;
}

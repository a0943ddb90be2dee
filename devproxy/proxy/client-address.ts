// The downstream client's address: the peer of the connection the request came on. Workers
// accept their connections themselves, so TLS sockets and HTTP/2 sessions answer it directly.
import type { Socket } from "node:net";

export interface ClientAddress { address: string; port: number }

export function clientAddress(socket: Socket | undefined | null): ClientAddress {
  return { address: socket?.remoteAddress ?? "", port: socket?.remotePort ?? 0 };
}

// Binding one port in every worker thread. Node cannot hand an accepted socket to another
// thread, so each worker listens itself, on its own socket with SO_REUSEPORT set (socket(7)):
// the kernel spreads new connections over the workers' sockets, as with Envoy's default
// `enable_reuse_port` (envoy/config/listener/v3/listener.proto), and a client connection costs
// one descriptor, in the worker that serves it. Node 22.12+ sets the option itself
// (`reusePort`); on older Node the socket comes from node-unix-socket's createReuseportFd.
import type net from "node:net";
import { createRequire } from "node:module";

const [major, minor] = process.versions.node.split(".").map(Number);
const NATIVE_REUSE_PORT = major > 22 || (major === 22 && minor >= 12);

type ReuseportFd = (port: number, host: string) => number;
let createReuseportFd: ReuseportFd | undefined;

function reuseportFd(): ReuseportFd {
  createReuseportFd ??= (createRequire(import.meta.url)("node-unix-socket") as { createReuseportFd: ReuseportFd }).createReuseportFd;
  return createReuseportFd;
}

/** Listens on `host`:`port` with SO_REUSEPORT, so other threads can bind the same port. */
export function listenReusePort(server: net.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    const done = () => { server.off("error", reject); resolve(); };
    if (NATIVE_REUSE_PORT) return void server.listen({ port, host, reusePort: true } as net.ListenOptions, done);
    let fd: number;
    try {
      fd = reuseportFd()(port, host);
    } catch (err) {
      server.off("error", reject);
      return reject(new Error(`${host}:${port}: ${(err as Error).message}`));
    }
    server.listen({ fd }, done);
  });
}

// Binding one port in every worker thread. Node cannot hand an accepted socket to another
// thread, so each worker listens itself, on its own socket with SO_REUSEPORT set (socket(7)):
// the kernel spreads new connections over the workers' sockets, as with Envoy's default
// `enable_reuse_port` (envoy/config/listener/v3/listener.proto), and a client connection costs
// one descriptor, in the worker that serves it. Node 22.12+ sets the option itself
// (`reusePort`); on older Node the socket comes from node-unix-socket's createReuseportFd.
import net from "node:net";
import { createRequire } from "node:module";

const [major, minor] = process.versions.node.split(".").map(Number);
const NATIVE_REUSE_PORT = major > 22 || (major === 22 && minor >= 12);

type ReuseportFd = (port: number, host: string) => number;
let createReuseportFd: ReuseportFd | undefined;

function reuseportFd(): ReuseportFd {
  createReuseportFd ??= (createRequire(import.meta.url)("node-unix-socket") as { createReuseportFd: ReuseportFd }).createReuseportFd;
  return createReuseportFd;
}

/** Listens on `host`:`port` with SO_REUSEPORT, so other threads can bind the same port.
 *  With `first`, the port is first bound once without the option: SO_REUSEPORT would let this
 *  process share a port another process (say a second `attache dev`) already serves, and
 *  split its clients between the two without a word. */
export async function listenReusePort(server: net.Server, port: number, host: string, first = false): Promise<void> {
  // Port 0 with SO_REUSEPORT may be given a port another process's SO_REUSEPORT socket (same
  // user) already listens on: take a port nobody holds without the option, then bind it.
  if (port === 0) port = await bindOnce(0, host);
  else if (first) await bindOnce(port, host);
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    const done = () => { server.off("error", reject); resolve(); };
    if (NATIVE_REUSE_PORT) return void server.listen({ port, host, reusePort: true } as net.ListenOptions, done);
    let fd: number;
    try {
      fd = reuseportFd()(port, host);
    } catch (err) {
      server.off("error", reject);
      return reject(bindError(err as Error, host, port));
    }
    server.listen({ fd }, done);
  });
}

/** The addon reports only strerror(3) text: name the errno as Node's own listen() does. */
function bindError(err: Error, host: string, port: number): NodeJS.ErrnoException {
  const code = /in use/i.test(err.message) ? "EADDRINUSE" : /not available/i.test(err.message) ? "EADDRNOTAVAIL" : /permission/i.test(err.message) ? "EACCES" : undefined;
  const out: NodeJS.ErrnoException = new Error(`listen ${code ?? "failed"}: ${err.message.toLowerCase()} ${host}:${port}`);
  if (code) out.code = code;
  return out;
}

/** Binds and releases `host`:`port` without SO_REUSEPORT (fails when anything listens
 *  there); resolves with the port bound. */
function bindOnce(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen({ port, host, exclusive: true }, () => {
      const bound = (probe.address() as net.AddressInfo).port;
      probe.close(() => resolve(bound));
    });
  });
}

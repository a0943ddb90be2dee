// The cap on open client connections over all listeners and all workers: Envoy's overload
// manager `global_downstream_max_connections` (envoy/config/overload/v3/overload.proto). The
// count lives in shared memory, so every worker thread checks one budget. Past the cap a new
// connection is answered at once — 503 `envoy overloaded` on plain HTTP, closed on TLS — and
// closed, so a flood of idle connections cannot use up the process's file descriptors.
import { readFileSync } from "node:fs";
import type net from "node:net";

/** Envoy's bootstrap value in this project (controlplane/bootstrap). */
const ENVOY_BOOTSTRAP_MAX = 50_000;
/** When the open-files limit cannot be read. */
const FALLBACK_MAX = 4096;

/** The default cap: half the process's open-files limit (each client connection holds one
 *  descriptor; the other half is for upstream connections, modules and the rest), at most
 *  Envoy's bootstrap value. */
export function defaultMaxConnections(): number {
  try {
    const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith("Max open files"));
    const soft = Number(line?.split(/\s{2,}/)[1]);
    if (Number.isInteger(soft) && soft > 0) return Math.min(ENVOY_BOOTSTRAP_MAX, Math.floor(soft / 2));
  } catch { /* not Linux */ }
  return FALLBACK_MAX;
}

const OVERLOADED_BODY = "envoy overloaded: too many connections";
const OVERLOADED = `HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: ${OVERLOADED_BODY.length}\r\nconnection: close\r\n\r\n${OVERLOADED_BODY}`;

export class ConnectionCap {
  private readonly open: Int32Array;

  /** @param memory 4 bytes shared by every worker (createConnectionCapMemory), or none for one thread. */
  constructor(readonly max: number, memory: SharedArrayBuffer = createConnectionCapMemory()) {
    this.open = new Int32Array(memory);
  }

  /** Counts `socket` until it closes, or answers and closes it when the cap is reached. */
  admit(socket: net.Socket, tls: boolean): boolean {
    if (Atomics.add(this.open, 0, 1) >= this.max) {
      Atomics.sub(this.open, 0, 1);
      socket.on("error", () => socket.destroy());
      if (tls) socket.destroy();
      else {
        socket.end(OVERLOADED);
        // A client that never closes its side does not keep the descriptor.
        setTimeout(() => socket.destroy(), 1000).unref();
      }
      return false;
    }
    socket.once("close", () => Atomics.sub(this.open, 0, 1));
    return true;
  }

  count(): number {
    return Atomics.load(this.open, 0);
  }
}

export function createConnectionCapMemory(): SharedArrayBuffer {
  return new SharedArrayBuffer(4);
}

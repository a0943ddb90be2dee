// The main thread's handle on the acceptor thread (acceptor-thread.ts): same calls as the
// Acceptor, answered by messages; the bound ports are remembered from the last reconcile.
import type { Worker } from "node:worker_threads";
import type { ListenerConfig } from "../config/listeners.ts";
import { spawnTsWorker } from "../threads/spawn.ts";
import type { AcceptorInit, FromAcceptor, ToAcceptor } from "./acceptor-thread.ts";

export class AcceptorClient {
  private readonly worker: Worker;
  private readonly pending = new Map<number, (msg: FromAcceptor) => void>();
  private seq = 0;
  private bound = new Map<string, number>();

  constructor(init: AcceptorInit, onError: (err: Error) => void) {
    this.worker = spawnTsWorker(new URL("./acceptor-thread.ts", import.meta.url), init as unknown as Record<string, unknown>);
    this.worker.on("message", (msg: FromAcceptor) => {
      this.pending.get(msg.seq)?.(msg);
      this.pending.delete(msg.seq);
    });
    this.worker.on("error", onError);
  }

  ports(): Map<string, number> {
    return new Map(this.bound);
  }

  async reconcile(listeners: ReadonlyMap<string, ListenerConfig>): Promise<void> {
    const reply = await this.ask({
      type: "reconcile", seq: ++this.seq,
      listeners: [...listeners.values()].map((l) => ({ name: l.name, address: l.address, port: l.port, tls: l.tlsChains.length > 0 })),
    });
    if (reply.type !== "reconciled") return;
    this.bound = new Map(reply.ports);
    if (reply.error) throw new Error(reply.error);
  }

  async close(): Promise<void> {
    await Promise.race([this.ask({ type: "close", seq: ++this.seq }), new Promise((r) => setTimeout(r, 1000))]);
    await this.worker.terminate();
  }

  private ask(msg: ToAcceptor): Promise<FromAcceptor> {
    return new Promise((resolve) => {
      this.pending.set(msg.seq, resolve);
      this.worker.postMessage(msg);
    });
  }
}

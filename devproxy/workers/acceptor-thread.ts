// The acceptor's own thread. Every client byte passes through the acceptor (Node cannot hand a
// socket to another thread), so it must never wait for configuration work: the main thread
// runs the xDS client and, in `attache dev`, the whole control plane (YAML parsing, model,
// translation, the xDS server). Here the acceptor has an event loop to itself; the main
// thread only tells it which listeners to bind.
import { parentPort, workerData } from "node:worker_threads";
import { Acceptor, type AcceptorListener } from "./acceptor.ts";

export interface AcceptorInit { workers: number; socketDir: string; bindAddress?: string }

export type ToAcceptor =
  | { type: "reconcile"; seq: number; listeners: AcceptorListener[] }
  | { type: "close"; seq: number };

export type FromAcceptor =
  | { type: "reconciled"; seq: number; ports: Array<[string, number]>; error?: string }
  | { type: "closed"; seq: number };

const init = workerData as AcceptorInit;
const port = parentPort!;
const acceptor = new Acceptor(init.workers, init.socketDir, init.bindAddress);

port.on("message", async (msg: ToAcceptor) => {
  if (msg.type === "reconcile") {
    let error: string | undefined;
    try {
      await acceptor.reconcile(new Map(msg.listeners.map((l) => [l.name, l])));
    } catch (err) {
      error = (err as Error).message;
    }
    port.postMessage({ type: "reconciled", seq: msg.seq, ports: [...acceptor.ports()], error } satisfies FromAcceptor);
  } else {
    await acceptor.close();
    port.postMessage({ type: "closed", seq: msg.seq } satisfies FromAcceptor);
  }
});

// A data plane worker thread (Envoy's worker): its own copy of the compiled config, its own
// listening sockets (every worker binds each port with SO_REUSEPORT and accepts its share of
// the connections itself, on its own event loop), upstream connections and Wasm VMs; shared
// data and the connection count live in memory shared by all workers, so every worker's VMs
// with one vm_id see one store.
import { parentPort, workerData } from "node:worker_threads";
import { ResourceStore, type Snapshot } from "../config/snapshot.ts";
import { ListenerSet } from "../proxy/listeners.ts";
import { handleRequest, type AccessLogEntry, type HandlerEnv } from "../proxy/handler.ts";
import { handleUpgrade } from "../proxy/websocket.ts";
import { UpstreamPool } from "../proxy/upstream.ts";
import { SharedMemoryStore } from "../shared-data/store.ts";
import { DataPlaneStats } from "../stats.ts";
import { WasmFilterProvider } from "../wasm/provider.ts";
import type { FromWorker, ToWorker, WorkerInit } from "./messages.ts";
import { ConnectionCap } from "../proxy/connection-cap.ts";
import { EMPTY_SNAPSHOT } from "../config/snapshot.ts";

const init = workerData as WorkerInit;
const port = parentPort!;
const send = (msg: FromWorker) => port.postMessage(msg);

const store = new ResourceStore();
let current: Snapshot = EMPTY_SNAPSHOT;
const upstreams = new UpstreamPool();
const stats = new DataPlaneStats();
const provider = new WasmFilterProvider({ sharedData: new SharedMemoryStore(init.sharedData), interruptModules: init.interruptModules });
provider.attach({ upstreams, snapshot: () => current });

// Access log entries go to the main thread in batches (one message per 50 ms, not per request).
let pendingLogs: AccessLogEntry[] = [];
const flushLogs = setInterval(() => {
  if (pendingLogs.length) { send({ type: "log", entries: pendingLogs }); pendingLogs = []; }
}, 50);
flushLogs.unref();

const env: HandlerEnv = {
  snapshot: () => current,
  upstreams,
  filters: (name, snapshot) => provider.factory(name, snapshot),
  accessLog: init.accessLog ? (e) => pendingLogs.push(e) : () => undefined,
  observe: (e) => stats.observe(e),
};
const listeners = new ListenerSet({
  request: (hcm, req, res, scheme) => void handleRequest(env, hcm, req, res, scheme),
  upgrade: (hcm, req, socket, head, scheme) => handleUpgrade(env, hcm, req, socket, head, scheme),
}, { sharedPorts: true, bindAddress: init.bindAddress, cap: new ConnectionCap(init.maxConnections, init.connections) });

port.on("message", async (msg: ToWorker) => {
  switch (msg.type) {
    case "update":
      try {
        const snapshot = store.apply(msg.typeUrl, new Map(msg.updated), msg.removed);
        await provider.prepare(snapshot);
        await listeners.reconcile(snapshot, new Map(msg.ports));
        current = snapshot;
        send({ type: "applied", seq: msg.seq, ports: [...listeners.ports()] });
      } catch (err) {
        send({ type: "failed", seq: msg.seq, error: (err as Error).message });
      }
      break;
    case "stats":
      send({
        type: "stats", seq: msg.seq,
        metrics: await stats.registry.getMetricsAsJSON(),
        wasm: provider.metrics.all().filter((m) => m.kind !== "histogram").map((m) => ({ kind: m.kind, name: m.name, value: m.value.toString() })),
      });
      break;
    case "close":
      clearInterval(flushLogs);
      await listeners.close();
      upstreams.close();
      await provider.close();
      send({ type: "closed", seq: msg.seq });
      break;
  }
});

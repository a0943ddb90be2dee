// Test helper thread: increments one shared counter `count` times with get + CAS set retries.
import { parentPort, workerData } from "node:worker_threads";
import { ThreadSharedData } from "./client.ts";

const { channel, doorbell, count } = workerData as { channel: SharedArrayBuffer; doorbell: SharedArrayBuffer; count: number };
const store = new ThreadSharedData(channel, doorbell);
store.attach("vm");
let conflicts = 0;
let misses = 0;
for (let i = 0; i < count; i++) {
  for (;;) {
    const current = store.get("vm", "counter");
    if (!current) misses++;
    const n = current ? new DataView(current.value.buffer).getUint32(0, true) : 0;
    const next = new Uint8Array(4);
    new DataView(next.buffer).setUint32(0, n + 1, true);
    if (store.set("vm", "counter", next, current?.cas ?? 0) === "ok") break;
    conflicts++;
  }
}
parentPort!.postMessage({ conflicts, misses });

// Test helper thread: increments one shared counter `count` times with get + CAS set retries,
// as the ratelimit filter updates its buckets from every worker.
import { parentPort, workerData } from "node:worker_threads";
import { SharedMemoryStore } from "./store.ts";

const { memory, count, gate } = workerData as { memory: SharedArrayBuffer; count: number; gate: SharedArrayBuffer };
const store = new SharedMemoryStore(memory);
store.attach("vm");
// Start together with the other thread (gate: [0] threads ready, [1] go), so the updates race.
const flags = new Int32Array(gate);
Atomics.add(flags, 0, 1);
while (Atomics.load(flags, 1) === 0) Atomics.wait(flags, 1, 0, 100);
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
  // Grow the buffer while the other thread works, so both must follow the new size.
  if (i % 1000 === 0) store.set("vm", `filler-${workerData.index}-${i}`, new Uint8Array(2048), 0);
}
parentPort!.postMessage({ conflicts, misses });

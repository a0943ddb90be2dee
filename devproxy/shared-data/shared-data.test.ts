import { spawnTsWorker } from "../threads/spawn.ts";
import { describe, expect, it } from "vitest";
import { createSharedDataMemory, SharedMemoryStore } from "./store.ts";

describe("shared data across worker threads (one store, synchronous CAS)", () => {
  it("loses no update when two threads race CAS increments on one key while the store grows", async () => {
    const memory = createSharedDataMemory({ initialBytes: 4096 });
    const gate = new SharedArrayBuffer(8);
    const run = (index: number) => new Promise<{ conflicts: number; misses: number }>((resolve, reject) => {
      const w = spawnTsWorker(new URL("./test-worker.ts", import.meta.url), { memory, count: 20_000, index, gate });
      w.once("message", resolve);
      w.once("error", reject);
    });
    // Create the key first: two unconditional (cas 0) creates would race by design.
    const reader = new SharedMemoryStore(memory);
    reader.attach("vm");
    expect(reader.set("vm", "counter", new Uint8Array(4), 0)).toBe("ok");
    const running = Promise.all([run(0), run(1)]);
    const flags = new Int32Array(gate);
    while (Atomics.load(flags, 0) < 2) await new Promise((r) => setTimeout(r, 5));
    Atomics.store(flags, 1, 1);
    Atomics.notify(flags, 1);
    const results = await running;
    const final = reader.get("vm", "counter");
    expect(new DataView(final!.value.buffer).getUint32(0, true)).toBe(40_000);
    expect(results.every((r) => r.misses === 0)).toBe(true);
    expect(memory.byteLength).toBeGreaterThan(4096);
    expect(reader.get("vm", "filler-1-19000")?.value.length).toBe(2048);
    expect(reader.set("vm", "counter", new Uint8Array([1]), final!.cas + 12345)).toBe("cas-mismatch");
    expect(reader.get("other-vm", "counter")).toBeUndefined();
  });
});

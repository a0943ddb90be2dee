import { spawnTsWorker } from "../threads/spawn.ts";
import { describe, expect, it } from "vitest";
import { ThreadSharedData } from "./client.ts";
import { startSharedDataService } from "./index.ts";

describe("shared data across worker threads (one store, synchronous CAS)", () => {
  it("loses no update when two threads race CAS increments on one key", async () => {
    const service = startSharedDataService(3);
    try {
      const run = (i: number) => new Promise<{ conflicts: number; misses: number }>((resolve, reject) => {
        const w = spawnTsWorker(new URL("./test-worker.ts", import.meta.url), { channel: service.channels[i], doorbell: service.doorbell, count: 500 });
        w.once("message", resolve);
        w.once("error", reject);
      });
      // Create the key first: two unconditional (cas 0) creates would race by design.
      const reader = new ThreadSharedData(service.channels[2], service.doorbell);
      reader.attach("vm");
      expect(reader.set("vm", "counter", new Uint8Array(4), 0)).toBe("ok");
      const results = await Promise.all([run(0), run(1)]);
      const final = reader.get("vm", "counter");
      expect(new DataView(final!.value.buffer).getUint32(0, true)).toBe(1000);
      expect(results.every((r) => r.misses === 0)).toBe(true);
      expect(reader.set("vm", "counter", new Uint8Array([1]), final!.cas + 12345)).toBe("cas-mismatch");
      expect(reader.get("other-vm", "counter")).toBeUndefined();
    } finally {
      await service.close();
    }
  });
});

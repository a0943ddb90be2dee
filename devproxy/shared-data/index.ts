// Starts the shared-data thread with one channel per data plane worker.
import { spawnTsWorker } from "../threads/spawn.ts";
import { newChannel } from "./protocol.ts";

export interface SharedDataService {
  doorbell: SharedArrayBuffer;
  channels: SharedArrayBuffer[];
  close(): Promise<void>;
}

export function startSharedDataService(workers: number): SharedDataService {
  const doorbell = new SharedArrayBuffer(4);
  const channels = Array.from({ length: workers }, () => newChannel().buffer);
  const thread = spawnTsWorker(new URL("./server-thread.ts", import.meta.url), { doorbell, channels });
  thread.unref();
  return {
    doorbell,
    channels,
    close: async () => {
      Atomics.store(new Int32Array(doorbell), 0, -1);
      Atomics.notify(new Int32Array(doorbell), 0);
      await thread.terminate();
    },
  };
}

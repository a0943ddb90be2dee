// Starts a worker thread running a TypeScript module (through bootstrap.mjs).
import { Worker } from "node:worker_threads";

export function spawnTsWorker(entry: URL, workerData: Record<string, unknown>, transferList: readonly ArrayBuffer[] = []): Worker {
  return new Worker(new URL("./bootstrap.mjs", import.meta.url), {
    workerData: { ...workerData, __entry: entry.href },
    transferList: transferList as ArrayBuffer[],
  });
}

// Messages between the data plane's main thread (xDS client, acceptor) and its workers.
import type { AccessLogEntry } from "../proxy/handler.ts";
import type { ResourceJson, ResourceTypeUrl } from "../../protos/type-urls.ts";

export type ToWorker =
  | { type: "update"; seq: number; typeUrl: ResourceTypeUrl; updated: Array<[string, ResourceJson]>; removed: string[] }
  | { type: "stats"; seq: number }
  | { type: "close"; seq: number };

export type FromWorker =
  | { type: "applied"; seq: number }
  | { type: "failed"; seq: number; error: string }
  | { type: "stats"; seq: number; metrics: unknown[]; wasm: Array<{ kind: string; name: string; value: string }> }
  | { type: "closed"; seq: number }
  | { type: "log"; entries: AccessLogEntry[] };

export interface WorkerInit {
  index: number;
  /** The shared-data store's memory (shared-data/store.ts), one for all workers. */
  sharedData: SharedArrayBuffer;
  socketDir: string;
  accessLog: boolean;
}

export function socketPath(dir: string, worker: number, listener: string): string {
  return `${dir}/${worker}-${listener.replace(/[^A-Za-z0-9_.-]/g, "_")}.sock`;
}

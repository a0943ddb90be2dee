// Messages between the data plane's main thread (xDS client) and its workers.
import type { AccessLogEntry } from "../proxy/handler.ts";
import type { ResourceJson, ResourceTypeUrl } from "../../protos/type-urls.ts";

export type ToWorker =
  /** `ports`: listeners asking for port 0 take the port the first worker bound. */
  | { type: "update"; seq: number; typeUrl: ResourceTypeUrl; updated: Array<[string, ResourceJson]>; removed: string[]; ports: Array<[string, number]> }
  | { type: "stats"; seq: number }
  | { type: "close"; seq: number };

export type FromWorker =
  | { type: "applied"; seq: number; ports: Array<[string, number]> }
  | { type: "failed"; seq: number; error: string }
  | { type: "stats"; seq: number; metrics: unknown[]; wasm: Array<{ kind: string; name: string; value: string }> }
  | { type: "closed"; seq: number }
  | { type: "log"; entries: AccessLogEntry[] };

export interface WorkerInit {
  index: number;
  /** The shared-data store's memory (shared-data/store.ts), one for all workers. */
  sharedData: SharedArrayBuffer;
  /** The open-connection count shared by all workers (proxy/connection-cap.ts), and its cap. */
  connections: SharedArrayBuffer;
  maxConnections: number;
  bindAddress?: string;
  accessLog: boolean;
  /** DataPlaneOptions.interruptModules. */
  interruptModules: boolean;
}

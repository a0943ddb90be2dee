// Messages between IsolatedPlugin (parent thread) and isolated-worker.ts. Everything crosses
// by structured clone, so options are plain data (the module by path, properties by value).
import type { FailureKind, FailurePolicy } from "../runtime/failure.ts";
import type { SourceLocation } from "../runtime/source-map.ts";
import type { PropertyInput } from "../runtime/properties.ts";
import type { LogEntry } from "../runtime/vm.ts";

export interface IsolatedPluginOptions {
  wasmPath: string;
  /** Load the module with loader CompileOptions.anyAbiImports (the ABI probe only). */
  anyAbiImports?: boolean;
  rootId?: string;
  pluginName?: string;
  vmId?: string;
  pluginConfiguration?: string | Uint8Array;
  vmConfiguration?: string | Uint8Array;
  properties?: Record<string, PropertyInput>;
  logLevel?: number;
  failurePolicy?: FailurePolicy;
  upstreams?: string[];
  maxMemoryBytes?: number;
  /** Wall-clock budget per call into the worker; past it the worker is terminated. Default 1000. */
  callBudgetMs?: number;
}

export interface WorkerRequest {
  id: number;
  method: string;
  args: unknown[];
}

/** A VmFailure as plain data (class instances do not survive structured clone). */
export interface FailureRecord {
  kind: FailureKind;
  callback: string;
  reason: string;
  location?: SourceLocation;
  lastModuleError?: string;
}

/** Every reply carries the log entries and VM failures that are new since the last reply. */
export type WorkerReply =
  | { id: number; result: unknown; logs: LogEntry[]; failures: FailureRecord[] }
  | { id: number; error: string; logs: LogEntry[]; failures: FailureRecord[] };

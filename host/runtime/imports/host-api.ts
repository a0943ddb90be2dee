// What the ABI import groups need from the VM that hosts them. ProxyWasmVm implements it; the
// groups stay free of instantiation and dispatch concerns.
import type { AbiVersion } from "../abi/enums.ts";
import type { HeaderPairs } from "../abi/serialization.ts";
import type { Clock } from "../clock.ts";
import type { ContextState, GrpcCall, HttpCallout } from "../contexts.ts";
import type { GuestMemory } from "../memory.ts";
import type { MetricsStore } from "../metrics.ts";
import type { SharedDataStore } from "../shared-data.ts";
import type { QueueOwner, SharedQueueRegistry } from "../shared-queues.ts";

/** Data that exists only while one callback runs (config during start, call responses...). */
export interface CallbackData {
  vmConfiguration?: Uint8Array;
  pluginConfiguration?: Uint8Array;
  httpCallResponse?: { headers: HeaderPairs; body: Uint8Array; trailers: HeaderPairs };
  grpcInitialMetadata?: HeaderPairs;
  grpcTrailingMetadata?: HeaderPairs;
  grpcMessage?: Uint8Array;
  callData?: Uint8Array;
}

export type ForeignFunction = (args: Uint8Array, host: ImportHost) => Uint8Array | undefined;

export interface ImportHost {
  readonly memory: GuestMemory;
  readonly vmId: string;
  readonly abiVersion: AbiVersion;
  readonly clock: Clock;
  readonly logLevel: number;
  /** VmConfig.configuration (the VmConfiguration buffer, readable in any callback as in Envoy). */
  readonly vmConfiguration: Uint8Array;
  log(level: number, message: string): void;
  /** The context host calls act on: the callback's context or one set by proxy_set_effective_context. */
  effective(): ContextState | null;
  setEffective(contextId: number): boolean;
  readonly callbackData: CallbackData;
  /** Envoy-style property lookup for the effective context by NUL-joined key; undefined = NotFound. */
  getProperty(key: string): Uint8Array | undefined;
  readonly sharedData: SharedDataStore;
  readonly queues: SharedQueueRegistry;
  readonly queueOwner: QueueOwner;
  readonly metrics: MetricsStore;
  /** Upstreams proxy_http_call may target; undefined = any name. */
  readonly knownUpstreams: ReadonlySet<string> | undefined;
  readonly httpCallouts: Map<number, HttpCallout>;
  readonly grpcCalls: Map<number, GrpcCall>;
  nextCalloutToken(): number;
  /** Status of the last failed call, for proxy_get_status. */
  lastCallStatus: { code: number; message: string };
  /** proxy_send_local_response was called: the running callback's action becomes a stop. */
  forceStop(): void;
  readonly foreignFunctions: ReadonlyMap<string, ForeignFunction>;
}

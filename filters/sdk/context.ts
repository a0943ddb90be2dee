// Context classes, shaped like the proxy-wasm Go/Rust SDKs (types/context.go, traits.rs):
//
//   VM (one Wasm instance per Envoy worker thread and vm_id)
//    └── RootContext          one per plugin (root_id); lives as long as the plugin config:
//         │                   onVmStart, onConfigure, onTick, onQueueReady, createHttpContext
//         └── HttpContext      one per HTTP stream (request + response), created by its root:
//                              onRequestHeaders/Body/Trailers, onResponseHeaders/Body/Trailers,
//                              onLog, onDone, onHttpCallResponse
//
// Filters extend these classes and override only what they need; every callback defaults to
// Continue / true / no-op. Context ids come from the host (one counter, never reused); the
// dispatcher (dispatcher.ts) routes each exported callback to the object for that id.
import { FilterDataStatus, FilterHeadersStatus, FilterTrailersStatus } from "./enums";

/** What every context can receive: callout answers and the end of its life. */
export class BaseContext {
  constructor(public readonly contextId: u32) {}

  /**
   * An HTTP callout made by this context answered (numHeaders 0: it failed: no upstream,
   * timeout, reset). Read the answer with httpCallResponseHeaders / httpCallResponseBody.
   * Only called for callouts dispatched without a per-call callback (http_call.ts).
   */
  onHttpCallResponse(token: u32, numHeaders: u32, bodySize: u32, numTrailers: u32): void {}

  onGrpcReceiveInitialMetadata(token: u32, numHeaders: u32): void {}
  onGrpcReceive(token: u32, messageSize: u32): void {}
  onGrpcReceiveTrailingMetadata(token: u32, numTrailers: u32): void {}
  onGrpcClose(token: u32, statusCode: u32): void {}

  /** The host is about to finish this context; return false to finish later with done(). */
  onDone(): bool { return true; }

  /** Last callback: the context is gone after this. */
  onDelete(): void {}
}

/** Per-plugin state: configuration, timers, queues; creates the per-stream contexts. */
export class RootContext extends BaseContext {
  /** The VM started; `vmConfiguration` is vm_config.configuration (often empty). */
  onVmStart(vmConfiguration: ArrayBuffer): bool { return true; }

  /** Checks a configuration without applying it (Envoy calls this rarely). */
  validateConfiguration(configuration: ArrayBuffer): bool { return true; }

  /**
   * The plugin configuration arrived (PluginConfig.configuration). Parse and validate it here,
   * once; return false (after logging the bad field) to fail the plugin.
   */
  onConfigure(configuration: ArrayBuffer): bool { return true; }

  /** Timer set with setTickPeriodMilliseconds fired. */
  onTick(): void {}

  /** A message arrived on a shared queue this root registered. */
  onQueueReady(queueId: u32): void {}

  /** The host called a foreign function on this plugin. */
  onForeignFunction(functionId: u32, argsSize: u32): void {}

  /** Envoy logs root contexts too (access logs of the plugin itself). */
  onLog(): void {}

  /** Creates the context of a new HTTP stream. */
  createHttpContext(contextId: u32): HttpContext {
    return new HttpContext(contextId, this);
  }
}

/** Per-stream logic: one request and its response. */
export class HttpContext extends BaseContext {
  constructor(contextId: u32, public readonly root: RootContext) {
    super(contextId);
  }

  onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus { return FilterHeadersStatus.Continue; }
  /** bodySize is cumulative while a previous call returned StopIterationAndBuffer. */
  onRequestBody(bodySize: u32, endOfStream: bool): FilterDataStatus { return FilterDataStatus.Continue; }
  onRequestTrailers(numTrailers: u32): FilterTrailersStatus { return FilterTrailersStatus.Continue; }
  onResponseHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus { return FilterHeadersStatus.Continue; }
  onResponseBody(bodySize: u32, endOfStream: bool): FilterDataStatus { return FilterDataStatus.Continue; }
  onResponseTrailers(numTrailers: u32): FilterTrailersStatus { return FilterTrailersStatus.Continue; }
  /** The stream is complete; headers and properties are still readable (access logging). */
  onLog(): void {}
}

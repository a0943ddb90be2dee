// Host-side state of each context id (docs/proxy-wasm-abi.md "Order of calls"): one root context per plugin,
// one HTTP stream context per request. Context ids come from one counter per VM starting at 1.
//
//   VM (one instance of the module)
//    └─ RootContextState (plugin: root_id, configuration, tick period, queues)
//        └─ HttpStreamState (request/response headers, bodies, trailers, local response)
import type { HeaderPairs } from "./abi/serialization.ts";
import type { PropertySource } from "./properties.ts";

export interface LocalResponse {
  statusCode: number;
  details: string;
  body: Uint8Array;
  headers: HeaderPairs;
  /** -1 = none (ABI: grpc_status -1). */
  grpcStatus: number;
  /**
   * The reply as it left this filter: Envoy sends a local reply through the encoder filters,
   * the sending one included (dispatcher encodeLocalReply), so the module's own
   * proxy_on_response_headers may have edited it. Unset until then.
   */
  encoded?: { headers: HeaderPairs; body: Uint8Array };
}

export interface HttpCallout {
  token: number;
  /** The context that made the call; the response is delivered to it. */
  contextId: number;
  upstream: string;
  headers: HeaderPairs;
  body: Uint8Array;
  trailers: HeaderPairs;
  timeoutMs: number;
}

export interface GrpcCall {
  token: number;
  contextId: number;
  upstream: string;
  service: string;
  method: string;
  initialMetadata: HeaderPairs;
  /** Messages sent so far (the unary message, or each proxy_grpc_send on a stream). */
  messages: Uint8Array[];
  streaming: boolean;
  /** The module sent its last message (proxy_grpc_send with end_stream). */
  sendClosed: boolean;
  timeoutMs: number;
}

/** A proxy_continue_stream or proxy_close_stream call (streamType: StreamType). */
export interface StreamEvent {
  event: "continue" | "close";
  streamType: number;
}

/** The events of a stream that has none: most never call continue/close, so none allocates a list. */
const NO_STREAM_EVENTS: readonly StreamEvent[] = Object.freeze([]);

// Property values set on a context (proxy_set_property, or given per stream by the embedder):
// most contexts never get one, so the Map is made on first use of `properties` and lookups
// read `propertiesIfAny`, allocating nothing. Both context classes stand alone (no common
// base class): a stream is constructed per filter per request, and V8 builds a class without
// a super() chain in one inlined step.

export class RootContextState {
  readonly kind = "root" as const;
  propertiesIfAny: Map<string, Uint8Array> | null = null;
  tickPeriodMs = 0;
  nextTickAtMs = 0;
  /** proxy_on_done returned false: the module owes a proxy_done. */
  donePending = false;

  constructor(
    readonly id: number,
    readonly rootId: string,
    readonly pluginName: string,
    readonly vmConfiguration: Uint8Array,
    readonly pluginConfiguration: Uint8Array,
  ) {}

  get properties(): Map<string, Uint8Array> {
    return (this.propertiesIfAny ??= new Map());
  }
}

export class HttpStreamState {
  readonly kind = "http" as const;
  propertiesIfAny: Map<string, Uint8Array> | null = null;
  requestHeaders: HeaderPairs | null = null;
  requestTrailers: HeaderPairs | null = null;
  responseHeaders: HeaderPairs | null = null;
  responseTrailers: HeaderPairs | null = null;
  requestBody: Uint8Array | null = null;
  responseBody: Uint8Array | null = null;
  requestEndOfStream = false;
  responseEndOfStream = false;
  localResponse: LocalResponse | null = null;
  // Which maps the module may touch now. Envoy's context.cc holds a stream's header map only
  // while the filter holds that phase: the pointer is dropped when the callback answers
  // Continue and by proxy_continue_stream, so a later callback gets BadArgument for it.
  requestHeadersOpen = false;
  requestTrailersOpen = false;
  responseHeadersOpen = false;
  responseTrailersOpen = false;
  /** proxy_on_log runs: the final headers are readable, nothing is writable (Envoy's access_log_phase_). */
  accessLogPhase = false;
  /** The request's attributes from the embedder (properties.ts PropertySource), if any. */
  attributes: PropertySource | null = null;
  /** proxy_continue_stream / proxy_close_stream calls, in order (recordStreamEvent). */
  streamEvents: readonly StreamEvent[] = NO_STREAM_EVENTS;
  donePending = false;
  completed = false;
  /** Wall-clock start (request.time) and body bytes so far (request.size, response.size). */
  startNanos = 0n;
  requestBodyBytes = 0;
  responseBodyBytes = 0;

  constructor(readonly id: number, readonly root: RootContextState) {}

  get properties(): Map<string, Uint8Array> {
    return (this.propertiesIfAny ??= new Map());
  }

  recordStreamEvent(event: StreamEvent): void {
    this.streamEvents = this.streamEvents === NO_STREAM_EVENTS ? [event] : [...this.streamEvents, event];
  }
}

export type ContextState = RootContextState | HttpStreamState;

export function rootOf(context: ContextState): RootContextState {
  return context.kind === "root" ? context : context.root;
}
